//! Product filings: drafts, submissions and decisions.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A filing as stored, with its product's number and its enterprise's name.
#[derive(Debug, Clone, Deserialize)]
pub struct FilingRow {
    /// Id.
    pub id: i64,
    /// The enterprise.
    pub enterprise_id: i64,
    /// Its USCC.
    pub uscc: String,
    /// Its name.
    pub enterprise_name: String,
    /// Its region code.
    pub enterprise_region: String,
    /// `initial`, `modification` or `revocation`.
    pub kind: String,
    /// The product (modification, revocation, approved initial filing).
    pub product_id: Option<i64>,
    /// The product's registration number.
    pub registration_number: Option<String>,
    /// Status code.
    pub status: String,
    /// Content, JSON.
    pub data: String,
    /// Return reasons, JSON.
    pub return_reasons: Option<String>,
    /// Reason of a rejection (or of a revocation request).
    pub decision_reason: Option<String>,
    /// First submission.
    pub first_submitted_at: Option<String>,
    /// Latest submission.
    pub submitted_at: Option<String>,
    /// Decision time.
    pub decided_at: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

const SELECT: &str = "SELECT f.id, f.enterprise_id, e.uscc, e.name AS enterprise_name,
        e.region_code AS enterprise_region, f.kind, f.product_id, p.registration_number,
        f.status, f.data, f.return_reasons, f.decision_reason, f.first_submitted_at,
        f.submitted_at, f.decided_at, f.created_at, f.updated_at, f.version
    FROM filings f
    JOIN enterprises e ON e.id = f.enterprise_id
    LEFT JOIN products p ON p.id = f.product_id";

/// A new draft.
#[derive(Debug, Clone, Copy)]
pub struct NewFiling<'a> {
    /// The enterprise.
    pub enterprise_id: i64,
    /// Kind code.
    pub kind: &'a str,
    /// The product, for a modification or revocation.
    pub product_id: Option<i64>,
    /// Content, JSON.
    pub data_json: &'a str,
    /// Reason of a revocation request.
    pub reason: Option<&'a str>,
    /// Author.
    pub created_by: i64,
}

/// Inserts a draft.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    f: &NewFiling<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let NewFiling {
        enterprise_id,
        kind,
        product_id,
        data_json,
        reason,
        created_by,
    } = *f;
    statement(
        db,
        "INSERT INTO filings
           (enterprise_id, kind, product_id, status, data, decision_reason, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7, ?7)
         RETURNING id",
        &[
            Param::Int(enterprise_id),
            Param::Text(kind),
            Param::OptInt(product_id),
            Param::Text(data_json),
            Param::OptText(reason),
            Param::Int(created_by),
            Param::Text(now),
        ],
    )
}

/// Replaces a draft's or returned filing's content at `version` (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn update_data(
    db: &D1Database,
    id: i64,
    version: i64,
    data_json: &str,
    reason: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE filings SET data = ?3, decision_reason = ?4, updated_at = ?5, version = version + 1
         WHERE id = ?1 AND version = ?2 AND status IN ('draft', 'returned')",
        &[
            Param::Int(id),
            Param::Int(version),
            Param::Text(data_json),
            Param::OptText(reason),
            Param::Text(now),
        ],
    )
}

/// Submits a draft or returned filing at `version` (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn submit(
    db: &D1Database,
    id: i64,
    version: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE filings SET status = 'submitted', submitted_at = ?3,
                first_submitted_at = COALESCE(first_submitted_at, ?3), updated_at = ?3,
                version = version + 1
         WHERE id = ?1 AND version = ?2 AND status IN ('draft', 'returned')",
        &[Param::Int(id), Param::Int(version), Param::Text(now)],
    )
}

/// A reviewer's decision on a submitted filing at `version` (guard it).
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// The new status code.
    pub status: &'a str,
    /// Return reasons, JSON.
    pub return_reasons: Option<&'a str>,
    /// Reason of a rejection.
    pub reason: Option<&'a str>,
    /// The reviewer.
    pub decided_by: i64,
}

/// Records a decision.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn decide(
    db: &D1Database,
    id: i64,
    version: i64,
    d: &Decision<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE filings SET status = ?3, return_reasons = COALESCE(?4, return_reasons),
                decision_reason = COALESCE(?5, decision_reason), decided_at = ?6, decided_by = ?7,
                updated_at = ?6, version = version + 1
         WHERE id = ?1 AND version = ?2 AND status = 'submitted'",
        &[
            Param::Int(id),
            Param::Int(version),
            Param::Text(d.status),
            Param::OptText(d.return_reasons),
            Param::OptText(d.reason),
            Param::Text(now),
            Param::Int(d.decided_by),
        ],
    )
}

/// Links an approved initial filing to the product it created in the same batch.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn link_product(
    db: &D1Database,
    id: i64,
    registration_number: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE filings SET product_id = (SELECT id FROM products WHERE registration_number = ?2)
         WHERE id = ?1",
        &[Param::Int(id), Param::Text(registration_number)],
    )
}

/// One filing.
///
/// # Errors
///
/// The database failed.
pub async fn by_id(db: &D1Database, id: i64) -> worker::Result<Option<FilingRow>> {
    first(db, &format!("{SELECT} WHERE f.id = ?1"), &[Param::Int(id)]).await
}

/// An enterprise's filings, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(db: &D1Database, enterprise_id: i64) -> worker::Result<Vec<FilingRow>> {
    all(
        db,
        &format!("{SELECT} WHERE f.enterprise_id = ?1 ORDER BY f.id DESC LIMIT 500"),
        &[Param::Int(enterprise_id)],
    )
    .await
}

/// Filings in `status`, oldest submission first, after the cursor `(submitted_at, id)`.
///
/// # Errors
///
/// The database failed.
pub async fn queue(
    db: &D1Database,
    status: &str,
    after: Option<(&str, i64)>,
    limit: i64,
) -> worker::Result<Vec<FilingRow>> {
    let (at, id) = after.unwrap_or(("", 0));
    all(
        db,
        &format!(
            "{SELECT} WHERE f.status = ?1 AND f.submitted_at IS NOT NULL
               AND (f.submitted_at > ?2 OR (f.submitted_at = ?2 AND f.id > ?3))
             ORDER BY f.submitted_at, f.id LIMIT ?4"
        ),
        &[
            Param::Text(status),
            Param::Text(at),
            Param::Int(id),
            Param::Int(limit),
        ],
    )
    .await
}
