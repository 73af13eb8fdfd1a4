//! Applications for a regional management port.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// An application as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct ApplicationRow {
    /// Id.
    pub id: i64,
    /// The office.
    pub office_name: String,
    /// `PP0000`, `PPCC00` or `xpcc`.
    pub scope: String,
    /// JSON array of contact persons.
    pub contacts: String,
    /// The login e-mail of the account approval creates.
    pub account_email: String,
    /// Its Argon2id PHC string.
    pub password_hash: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// When it was decided.
    pub decided_at: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// Row version.
    pub version: i64,
}

const APPLICATION_COLUMNS: &str = "id, office_name, scope, contacts, account_email, password_hash, status, reason, decided_at, created_at, version";

/// The fields of a new application.
#[derive(Debug, Clone, Copy)]
pub struct NewApplication<'a> {
    /// The office.
    pub office_name: &'a str,
    /// The scope's code.
    pub scope: &'a str,
    /// JSON array of contacts.
    pub contacts: &'a str,
    /// Login e-mail.
    pub account_email: &'a str,
    /// Password hash.
    pub password_hash: &'a str,
}

/// Inserts an application, returning its id.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_application(
    db: &D1Database,
    new: &NewApplication<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO port_applications (office_name, scope, contacts, account_email, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        &[
            Param::Text(new.office_name),
            Param::Text(new.scope),
            Param::Text(new.contacts),
            Param::Text(new.account_email),
            Param::Text(new.password_hash),
            Param::Text(now),
        ],
    )
}

/// One application.
///
/// # Errors
///
/// The database failed.
pub async fn application(db: &D1Database, id: i64) -> worker::Result<Option<ApplicationRow>> {
    first(
        db,
        &format!("SELECT {APPLICATION_COLUMNS} FROM port_applications WHERE id = ?1"),
        &[Param::Int(id)],
    )
    .await
}

/// Applications, optionally of one status, newest first, after the cursor id.
///
/// # Errors
///
/// The database failed.
pub async fn applications(
    db: &D1Database,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> worker::Result<Vec<ApplicationRow>> {
    all(
        db,
        &format!(
            "SELECT {APPLICATION_COLUMNS} FROM port_applications
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR id < ?2)
             ORDER BY id DESC LIMIT ?3"
        ),
        &[
            Param::OptText(status),
            Param::OptInt(before),
            Param::Int(limit),
        ],
    )
    .await
}

/// Decides a pending application at the version read (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn decide_application(
    db: &D1Database,
    id: i64,
    version: i64,
    status: &str,
    reason: Option<&str>,
    decided_by: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE port_applications SET status = ?3, reason = ?4, decided_by = ?5, decided_at = ?6,
                version = version + 1
         WHERE id = ?1 AND version = ?2 AND status = 'pending'",
        &[
            Param::Int(id),
            Param::Int(version),
            Param::Text(status),
            Param::OptText(reason),
            Param::Int(decided_by),
            Param::Text(now),
        ],
    )
}
