//! What the filing rules need from the enterprise's own records: its product named by
//! registration number, a recorded product's current data as a filing's content, and
//! its holdings (patents with their statuses, evidence documents).

use ppr_core::PatentNumber;
use ppr_core::holding::LegalStatus;
use ppr_core::product::{EconomicsIn, FilingContext, FilingData, LinkedPatentIn, economics_year};
use worker::D1Database;

use crate::error::ApiError;
use crate::repo::accounts::EnterpriseRow;
use crate::repo::products::{self, ProductRow};
use crate::repo::{documents, patents};

/// What the filing rules need to know about the enterprise: its patents' statuses and
/// its evidence documents.
#[derive(Debug)]
pub struct Holdings {
    /// Patents and statuses.
    pub patents: Vec<(PatentNumber, LegalStatus)>,
    /// Evidence document ids.
    pub evidence: Vec<i64>,
}

impl Holdings {
    /// Loads them.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn load(db: &D1Database, enterprise_id: i64) -> Result<Self, ApiError> {
        let patents = patents::list(db, enterprise_id)
            .await?
            .into_iter()
            .filter_map(|p| {
                let number: PatentNumber = p.number.parse().ok()?;
                Some((number, LegalStatus::from_code(&p.legal_status)?))
            })
            .collect();
        let evidence = documents::list(db, enterprise_id, Some("evidence"))
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect();
        Ok(Self { patents, evidence })
    }

    /// The rules' context for `today`.
    #[must_use]
    pub fn context(&self, today: chrono::NaiveDate) -> FilingContext<'_> {
        FilingContext {
            today,
            patents: &self.patents,
            evidence: &self.evidence,
        }
    }
}

/// The product an enterprise names by registration number, which must be its own.
///
/// # Errors
///
/// 404 for an unknown number or another enterprise's product.
pub async fn own_product(
    db: &D1Database,
    enterprise: &EnterpriseRow,
    number: &str,
) -> Result<ProductRow, ApiError> {
    let not_found = || {
        ApiError::missing(
            "product_not_found",
            format!("no product {number} of this enterprise"),
        )
    };
    let parsed = ppr_core::regnum::RegistrationNumber::parse(number).map_err(|_| not_found())?;
    products::by_number(db, &parsed.to_string())
        .await?
        .filter(|p| p.enterprise_id == enterprise.id)
        .ok_or_else(not_found)
}

/// The current data of a recorded product, as a filing's content: where a
/// modification starts.
///
/// # Errors
///
/// The database failed.
pub async fn current_data(
    db: &D1Database,
    product: &ProductRow,
    today: chrono::NaiveDate,
) -> Result<FilingData, ApiError> {
    let ids = format!("[{}]", product.id);
    let linked = products::linked_patents(db, &ids).await?;
    let year = economics_year(today);
    let economics = products::years(db, &ids)
        .await?
        .into_iter()
        .find(|y| y.year == i64::from(year))
        .map(|y| EconomicsIn {
            year,
            sales: y.sales,
            exports: y.exports,
            profit: y.profit,
            ip_investment: y.ip_investment,
        });
    Ok(FilingData {
        name: Some(product.name.clone()),
        model: Some(product.model.clone()),
        field: Some(product.field.clone()),
        description: Some(product.description.clone()),
        first_marketed_on: Some(product.first_marketed_on.clone()),
        manufacture_region: Some(product.manufacture_region.clone()),
        patents: linked
            .into_iter()
            .map(|l| LinkedPatentIn {
                number: l.number,
                core: l.is_core == 1,
                contribution_pct: l.contribution_pct,
            })
            .collect(),
        economics,
        opt_in: product.opt_in_year.is_some(),
        evidence: Vec::new(),
    })
}
