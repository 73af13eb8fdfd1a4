//! A product's public record as every public answer gives it (the API, the
//! registry's pages, the open-data files): public fields only, from the public rows.

use ppr_core::{ProductField, RegionCode};
use serde::{Deserialize, Serialize};

use crate::repo::public::{PublicDetailRow, PublicProductRow};

/// A product's public record. (The nested objects' keys are in alphabetical order,
/// as the answers have always given them.)
#[derive(Debug, Serialize)]
pub struct PublicProductOut {
    /// Registration number.
    pub registration_number: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field.
    pub field: FieldOut,
    /// The enterprise.
    pub enterprise: EnterpriseOut,
    /// `recorded` or `revoked`.
    pub status: String,
    /// Year recorded.
    pub recorded_year: i64,
    /// Recording time.
    pub recorded_at: String,
    /// Revocation time.
    pub revoked_at: Option<String>,
    /// Years with recorded data.
    pub years_recorded: Vec<i64>,
    /// Years identified as a patent-intensive product.
    pub identified_years: Vec<i64>,
    /// Linked patents (on single-product answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patents: Option<Vec<PatentOut>>,
    /// Where the public page of the product is.
    pub url: String,
}

/// A product field as answered: its code, and its names when the code is known.
#[derive(Debug, Clone, Serialize)]
pub struct FieldOut {
    /// Code.
    pub code: String,
    /// English name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<&'static str>,
    /// Chinese name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<&'static str>,
}

impl FieldOut {
    /// The field with code `code`.
    #[must_use]
    pub fn of(code: &str) -> Self {
        let field = ProductField::parse(code).ok();
        Self {
            code: code.to_owned(),
            name_en: field.map(ProductField::name_en),
            name_zh: field.map(ProductField::name_zh),
        }
    }
}

/// An enterprise as a product's record names it.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseOut {
    /// Name.
    pub name: String,
    /// Region.
    pub region: RegionOut,
    /// USCC.
    pub uscc: String,
}

/// A region as answered: its code and its province in both languages (when the code
/// is known).
#[derive(Debug, Clone, Serialize)]
pub struct RegionOut {
    /// The six-digit code.
    pub code: String,
    /// The province's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<&'static str>,
    /// The province's English name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_en: Option<&'static str>,
    /// The province's Chinese name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_zh: Option<&'static str>,
}

impl RegionOut {
    /// The region with code `code`.
    #[must_use]
    pub fn of(code: &str) -> Self {
        let province = RegionCode::parse(code).ok().map(|r| r.province());
        Self {
            code: code.to_owned(),
            province: province.map(|p| p.code()),
            province_en: province.map(|p| p.name_en()),
            province_zh: province.map(|p| p.name_zh()),
        }
    }
}

/// A linked patent's public fields, as `repo::public`'s query gives them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatentOut {
    /// A core patent of the product.
    pub core: bool,
    /// `invention`, `utility_model` or `design`.
    pub kind: String,
    /// Canonical number.
    pub number: String,
    /// Filed through the PCT.
    pub pct: bool,
    /// Title as the enterprise gave it.
    pub title: String,
}

/// A product's public record as answered, from its row.
#[must_use]
pub fn public_out(row: PublicProductRow) -> PublicProductOut {
    PublicProductOut {
        field: FieldOut::of(&row.field),
        enterprise: EnterpriseOut {
            region: RegionOut::of(&row.region_code),
            name: row.enterprise_name,
            uscc: row.uscc,
        },
        years_recorded: serde_json::from_str(&row.years_recorded).unwrap_or_default(),
        identified_years: serde_json::from_str(&row.identified_years).unwrap_or_default(),
        url: format!("/products/{}/", row.registration_number),
        registration_number: row.registration_number,
        name: row.name,
        model: row.model,
        status: row.status,
        recorded_year: row.recorded_year,
        recorded_at: row.recorded_at,
        revoked_at: row.revoked_at,
        patents: None,
    }
}

/// Records as answered, from their rows.
#[must_use]
pub fn outs(rows: Vec<PublicProductRow>) -> Vec<PublicProductOut> {
    rows.into_iter().map(public_out).collect()
}

/// A product's public record with its patents, as answered.
#[must_use]
pub fn detail_out(detail: PublicDetailRow) -> PublicProductOut {
    let mut out = public_out(detail.product);
    out.patents = Some(serde_json::from_str(&detail.patents).unwrap_or_default());
    out
}

/// The cursor of the page after `rows`, when the page was full.
#[must_use]
pub fn next_cursor(rows: &[PublicProductRow], limit: i64) -> Option<String> {
    (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
}
