//! An enterprise's patents, and legal-status imports.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A patent as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct PatentRow {
    /// Id.
    pub id: i64,
    /// The enterprise holding it.
    pub enterprise_id: i64,
    /// Canonical number.
    pub number: String,
    /// Declared kind.
    pub kind: String,
    /// 1 when it came through the PCT.
    pub pct: i64,
    /// Title.
    pub title: String,
    /// Application date.
    pub application_date: String,
    /// Grant date.
    pub grant_date: String,
    /// Right held.
    pub right_held: String,
    /// Legal status.
    pub legal_status: String,
    /// Date of the last status change, from an import.
    pub legal_status_date: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

const COLUMNS: &str = "id, enterprise_id, number, kind, pct, title, application_date, grant_date,
    right_held, legal_status, legal_status_date, updated_at, version";

/// A patent's fields.
#[derive(Debug, Clone, Copy)]
pub struct PatentFields<'a> {
    /// Canonical number.
    pub number: &'a str,
    /// Kind code.
    pub kind: &'a str,
    /// Whether it came through the PCT.
    pub pct: bool,
    /// Title.
    pub title: &'a str,
    /// Application date.
    pub application_date: &'a str,
    /// Grant date.
    pub grant_date: &'a str,
    /// Right held code.
    pub right_held: &'a str,
    /// Legal status code.
    pub legal_status: &'a str,
}

/// Inserts a patent.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    enterprise_id: i64,
    p: &PatentFields<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO patents
           (enterprise_id, number, kind, pct, title, application_date, grant_date, right_held,
            legal_status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
         RETURNING id",
        &[
            Param::Int(enterprise_id),
            Param::Text(p.number),
            Param::Text(p.kind),
            Param::Int(i64::from(p.pct)),
            Param::Text(p.title),
            Param::Text(p.application_date),
            Param::Text(p.grant_date),
            Param::Text(p.right_held),
            Param::Text(p.legal_status),
            Param::Text(now),
        ],
    )
}

/// Updates a patent at `version` (guard it in the batch).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn update(
    db: &D1Database,
    id: i64,
    version: i64,
    p: &PatentFields<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE patents SET kind = ?3, pct = ?4, title = ?5, application_date = ?6, grant_date = ?7,
                right_held = ?8, legal_status = ?9, updated_at = ?10, version = version + 1
         WHERE id = ?1 AND version = ?2",
        &[
            Param::Int(id),
            Param::Int(version),
            Param::Text(p.kind),
            Param::Int(i64::from(p.pct)),
            Param::Text(p.title),
            Param::Text(p.application_date),
            Param::Text(p.grant_date),
            Param::Text(p.right_held),
            Param::Text(p.legal_status),
            Param::Text(now),
        ],
    )
}

/// One patent of an enterprise.
///
/// # Errors
///
/// The database failed.
pub async fn by_id(
    db: &D1Database,
    enterprise_id: i64,
    id: i64,
) -> worker::Result<Option<PatentRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM patents WHERE enterprise_id = ?1 AND id = ?2"),
        &[Param::Int(enterprise_id), Param::Int(id)],
    )
    .await
}

/// An enterprise's patents, by number.
///
/// # Errors
///
/// The database failed.
pub async fn list(db: &D1Database, enterprise_id: i64) -> worker::Result<Vec<PatentRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM patents WHERE enterprise_id = ?1 ORDER BY number LIMIT 2000"
        ),
        &[Param::Int(enterprise_id)],
    )
    .await
}

/// Applies a legal-status import in one statement: `updates` is a JSON array of
/// `{"number", "status", "date"}`; every enterprise's record of each number changes.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn import_statuses(
    db: &D1Database,
    updates_json: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE patents
         SET legal_status = u.status, legal_status_date = u.date, updated_at = ?2, version = version + 1
         FROM (SELECT value ->> 'number' AS number, value ->> 'status' AS status, value ->> 'date' AS date
               FROM json_each(?1)) AS u
         WHERE patents.number = u.number
           AND (patents.legal_status IS NOT u.status OR patents.legal_status_date IS NOT u.date)",
        &[Param::Text(updates_json), Param::Text(now)],
    )
}

/// How many distinct numbers of an import are registered at all.
///
/// # Errors
///
/// The database failed.
pub async fn count_known(db: &D1Database, numbers_json: &str) -> worker::Result<i64> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let row: Option<Count> = first(
        db,
        "SELECT count(DISTINCT number) AS n FROM patents
         WHERE number IN (SELECT value FROM json_each(?1))",
        &[Param::Text(numbers_json)],
    )
    .await?;
    Ok(row.map_or(0, |c| c.n))
}
