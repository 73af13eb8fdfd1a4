//! A filing as answered: to its enterprise, and to reviewers in the review queue.

use serde::Serialize;

use crate::repo::filings::FilingRow;
use ppr_core::product::FilingData;

/// A filing as the enterprise and staff see it (confidential data included).
#[derive(Debug, Serialize)]
pub struct FilingOut {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// The enterprise.
    pub enterprise: serde_json::Value,
    /// The product's registration number, once there is one.
    pub product: Option<String>,
    /// Content.
    pub data: FilingData,
    /// Reason (revocation request, or a rejection).
    pub reason: Option<String>,
    /// Reasons per field of the last return.
    pub return_reasons: serde_json::Value,
    /// First submission.
    pub first_submitted_at: Option<String>,
    /// Latest submission.
    pub submitted_at: Option<String>,
    /// Decision.
    pub decided_at: Option<String>,
    /// Creation.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

impl FilingOut {
    /// From a row.
    #[must_use]
    pub fn from_row(row: FilingRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            status: row.status,
            enterprise: serde_json::json!({"uscc": row.uscc, "name": row.enterprise_name}),
            product: row.registration_number,
            data: serde_json::from_str(&row.data).unwrap_or_default(),
            reason: row.decision_reason,
            return_reasons: row
                .return_reasons
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_else(|| serde_json::json!([])),
            first_submitted_at: row.first_submitted_at,
            submitted_at: row.submitted_at,
            decided_at: row.decided_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
