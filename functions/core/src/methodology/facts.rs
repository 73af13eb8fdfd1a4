//! From what the registry knows about a product to the inputs of the formulas: which
//! patents count as valid inventions, what the contribution share is, which flags a
//! round sets.

use serde::{Deserialize, Serialize};

use super::ProductYear;
use crate::patent::PatentKind;

/// One patent linked to the product, as identification sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedPatent {
    /// Invention, utility model or design (a PCT invention is an invention).
    pub kind: PatentKind,
    /// In force on the day the facts were read.
    pub valid: bool,
    /// Marked as a core patent of the product.
    pub core: bool,
    /// Its contribution share to the product, in percent.
    pub contribution_pct: u32,
}

/// The economic figures of the evaluated year (yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearFigures {
    /// Sales revenue.
    pub sales: i64,
    /// Export revenue.
    pub exports: i64,
    /// Profit.
    pub profit: i64,
    /// IP investment.
    pub ip_investment: i64,
}

/// Everything a round needs to know about one product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProductFacts {
    /// Recorded and not revoked.
    pub recorded: bool,
    /// Opted in to the round.
    pub opted_in: bool,
    /// The previous year's figures, if the annual update brought them.
    pub figures: Option<YearFigures>,
    /// Its linked patents.
    pub patents: Vec<LinkedPatent>,
    /// Objections still open against it in the round.
    pub open_objections: u32,
}

impl ProductFacts {
    /// The formulas' inputs: counts over the linked patents (valid inventions, PCT
    /// ones included; core patents; the sum of shares, at most 100), the figures (0
    /// when missing, with `has_year_data` false), and the flags.
    #[must_use]
    pub fn inputs(&self) -> ProductYear {
        let count = |keep: fn(&LinkedPatent) -> bool| {
            u32::try_from(self.patents.iter().filter(|p| keep(p)).count()).unwrap_or(u32::MAX)
        };
        let figures = self.figures.unwrap_or(YearFigures {
            sales: 0,
            exports: 0,
            profit: 0,
            ip_investment: 0,
        });
        ProductYear {
            sales: figures.sales,
            exports: figures.exports,
            profit: figures.profit,
            ip_investment: figures.ip_investment,
            linked_patents: count(|_| true),
            core_patents: count(|p| p.core),
            valid_invention_patents: count(|p| p.valid && p.kind == PatentKind::Invention),
            contribution_pct: self
                .patents
                .iter()
                .map(|p| p.contribution_pct)
                .fold(0u32, u32::saturating_add)
                .min(100),
            recorded: self.recorded,
            opted_in: self.opted_in,
            has_year_data: self.figures.is_some(),
            open_objections: self.open_objections,
        }
    }
}
