//! Real-name verifications.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A verification as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct VerificationRow {
    /// Id.
    pub id: i64,
    /// The enterprise.
    pub enterprise_id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Legal representative.
    pub legal_representative: String,
    /// Registered address.
    pub registered_address: String,
    /// JSON array of document ids.
    pub documents: String,
    /// Commitment version accepted.
    pub commitment_version: String,
    /// When it was accepted.
    pub commitment_accepted_at: String,
    /// Submission time.
    pub submitted_at: String,
    /// Decision time.
    pub decided_at: Option<String>,
    /// Reason of a rejection.
    pub reason: Option<String>,
}

const COLUMNS: &str =
    "id, enterprise_id, status, legal_representative, registered_address, documents,
    commitment_version, commitment_accepted_at, submitted_at, decided_at, reason";

/// A new verification.
#[derive(Debug, Clone, Copy)]
pub struct NewVerification<'a> {
    /// The enterprise.
    pub enterprise_id: i64,
    /// Legal representative.
    pub legal_representative: &'a str,
    /// Registered address.
    pub registered_address: &'a str,
    /// JSON array of document ids.
    pub documents: &'a str,
    /// Commitment version.
    pub commitment_version: &'a str,
    /// Submitter.
    pub submitted_by: i64,
}

/// Marks the enterprise `pending`, only from `unverified` or `rejected` (guard it: a
/// verification already pending or approved stops the write).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn mark_pending(
    db: &D1Database,
    enterprise_id: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE enterprises SET verification_status = 'pending', updated_at = ?2, version = version + 1
         WHERE id = ?1 AND verification_status IN ('unverified', 'rejected')",
        &[Param::Int(enterprise_id), Param::Text(now)],
    )
}

/// Inserts a submitted verification.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    v: &NewVerification<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO verifications
           (enterprise_id, status, legal_representative, registered_address, documents,
            commitment_version, commitment_accepted_at, submitted_at, submitted_by)
         VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
        &[
            Param::Int(v.enterprise_id),
            Param::Text(v.legal_representative),
            Param::Text(v.registered_address),
            Param::Text(v.documents),
            Param::Text(v.commitment_version),
            Param::Text(now),
            Param::Int(v.submitted_by),
        ],
    )
}

/// Decides a pending verification (guard it, so a second decision fails).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn decide(
    db: &D1Database,
    row: &VerificationRow,
    approve: bool,
    reason: Option<&str>,
    decided_by: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE verifications SET status = ?2, reason = ?3, decided_at = ?4, decided_by = ?5
         WHERE id = ?1 AND status = 'pending'",
        &[
            Param::Int(row.id),
            Param::Text(if approve { "approved" } else { "rejected" }),
            Param::OptText(reason),
            Param::Text(now),
            Param::Int(decided_by),
        ],
    )
}

/// Sets the enterprise's status to match a decision: `verified` or `rejected`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn settle_enterprise(
    db: &D1Database,
    row: &VerificationRow,
    approve: bool,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE enterprises SET verification_status = ?2, updated_at = ?3, version = version + 1
         WHERE id = ?1",
        &[
            Param::Int(row.enterprise_id),
            Param::Text(if approve { "verified" } else { "rejected" }),
            Param::Text(now),
        ],
    )
}

/// One verification.
///
/// # Errors
///
/// The database failed.
pub async fn by_id(db: &D1Database, id: i64) -> worker::Result<Option<VerificationRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM verifications WHERE id = ?1"),
        &[Param::Int(id)],
    )
    .await
}

/// An enterprise's verifications, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(db: &D1Database, enterprise_id: i64) -> worker::Result<Vec<VerificationRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM verifications WHERE enterprise_id = ?1 ORDER BY id DESC LIMIT 100"
        ),
        &[Param::Int(enterprise_id)],
    )
    .await
}
