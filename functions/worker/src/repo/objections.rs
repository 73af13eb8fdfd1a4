//! Objections raised during a round's public notice.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// An objection as stored, with its product's registration number.
#[derive(Debug, Clone, Deserialize)]
pub struct ObjectionRow {
    /// Id.
    pub id: i64,
    /// Round year.
    pub year: i64,
    /// Product id.
    pub product_id: i64,
    /// Registration number.
    pub registration_number: String,
    /// Why.
    pub reason: String,
    /// The signed-in objector, if any.
    pub filed_by: Option<i64>,
    /// Contact name (confidential).
    pub contact_name: Option<String>,
    /// Contact e-mail (confidential).
    pub contact_email: Option<String>,
    /// Contact phone (confidential).
    pub contact_phone: Option<String>,
    /// `open`, `upheld` or `dismissed`.
    pub status: String,
    /// The decision's reason.
    pub decision_reason: Option<String>,
    /// Decided when.
    pub decided_at: Option<String>,
    /// Filed when.
    pub created_at: String,
    /// Row version.
    pub version: i64,
}

const COLUMNS: &str = "o.id, o.year, o.product_id, p.registration_number, o.reason, o.filed_by,
    o.contact_name, o.contact_email, o.contact_phone, o.status, o.decision_reason, o.decided_at,
    o.created_at, o.version";

/// A new objection.
#[derive(Debug, Clone, Copy)]
pub struct NewObjection<'a> {
    /// Round year.
    pub year: i64,
    /// Product id.
    pub product_id: i64,
    /// Why.
    pub reason: &'a str,
    /// The signed-in objector.
    pub filed_by: Option<i64>,
    /// Contact name, e-mail, phone.
    pub contact: (Option<&'a str>, Option<&'a str>, Option<&'a str>),
}

/// Inserts an objection (open), returning its id.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    o: &NewObjection<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO objections (year, product_id, reason, filed_by, contact_name, contact_email,
            contact_phone, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8) RETURNING id",
        &[
            Param::Int(o.year),
            Param::Int(o.product_id),
            Param::Text(o.reason),
            Param::OptInt(o.filed_by),
            Param::OptText(o.contact.0),
            Param::OptText(o.contact.1),
            Param::OptText(o.contact.2),
            Param::Text(now),
        ],
    )
}

/// Objection `id`.
///
/// # Errors
///
/// The database failed.
pub async fn by_id(db: &D1Database, id: i64) -> worker::Result<Option<ObjectionRow>> {
    first(
        db,
        &format!(
            "SELECT {COLUMNS} FROM objections o JOIN products p ON p.id = o.product_id WHERE o.id = ?1"
        ),
        &[Param::Int(id)],
    )
    .await
}

/// A page of round `year`'s objections, oldest first, optionally of one status.
///
/// # Errors
///
/// The database failed.
pub async fn list(
    db: &D1Database,
    year: i64,
    status: Option<&str>,
    after: i64,
    limit: i64,
) -> worker::Result<Vec<ObjectionRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM objections o JOIN products p ON p.id = o.product_id
             WHERE o.year = ?1 AND (?2 IS NULL OR o.status = ?2) AND o.id > ?3
             ORDER BY o.id LIMIT ?4"
        ),
        &[
            Param::Int(year),
            Param::OptText(status),
            Param::Int(after),
            Param::Int(limit),
        ],
    )
    .await
}

/// How many objections of round `year` are open.
///
/// # Errors
///
/// The database failed.
pub async fn count_open(db: &D1Database, year: i64) -> worker::Result<i64> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let row: Option<Count> = first(
        db,
        "SELECT count(*) AS n FROM objections WHERE year = ?1 AND status = 'open'",
        &[Param::Int(year)],
    )
    .await?;
    Ok(row.map_or(0, |r| r.n))
}

/// Decides an open objection at `version` (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn decide(
    db: &D1Database,
    id: i64,
    version: i64,
    status: &str,
    reason: &str,
    by: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE objections SET status = ?3, decision_reason = ?4, decided_by = ?5, decided_at = ?6,
            version = version + 1
         WHERE id = ?1 AND version = ?2 AND status = 'open'",
        &[
            Param::Int(id),
            Param::Int(version),
            Param::Text(status),
            Param::Text(reason),
            Param::Int(by),
            Param::Text(now),
        ],
    )
}
