//! A product's public record as every public answer gives it (the API, the
//! registry's pages, the open-data files): public fields only, from the public rows.

use ppr_core::{ProductField, RegionCode};
use serde::Serialize;

use crate::repo::public::{PublicDetailRow, PublicProductRow};

/// A product's public record.
#[derive(Debug, Serialize)]
pub struct PublicProductOut {
    /// Registration number.
    pub registration_number: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field.
    pub field: serde_json::Value,
    /// The enterprise.
    pub enterprise: serde_json::Value,
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
    pub identified_years: serde_json::Value,
    /// Linked patents (on single-product answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patents: Option<Vec<serde_json::Value>>,
    /// Where the public page of the product is.
    pub url: String,
}

fn field_json(code: &str) -> serde_json::Value {
    match ProductField::parse(code) {
        Ok(f) => {
            serde_json::json!({"code": f.code(), "name_zh": f.name_zh(), "name_en": f.name_en()})
        }
        Err(_) => serde_json::json!({"code": code}),
    }
}

/// A region as answered: its code and its province in both languages.
#[must_use]
pub fn region_json(code: &str) -> serde_json::Value {
    match RegionCode::parse(code) {
        Ok(r) => serde_json::json!({
            "code": code, "province": r.province().code(), "province_zh": r.province().name_zh(),
            "province_en": r.province().name_en(),
        }),
        Err(_) => serde_json::json!({"code": code}),
    }
}

/// A product's public record as answered, from its row.
#[must_use]
pub fn public_out(row: PublicProductRow) -> PublicProductOut {
    PublicProductOut {
        field: field_json(&row.field),
        enterprise: serde_json::json!({
            "uscc": row.uscc, "name": row.enterprise_name, "region": region_json(&row.region_code),
        }),
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
