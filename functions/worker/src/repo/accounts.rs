//! Enterprises and users.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, statement};

/// An enterprise as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct EnterpriseRow {
    /// Id.
    pub id: i64,
    /// Canonical USCC.
    pub uscc: String,
    /// Registered name.
    pub name: String,
    /// GB/T 2260 code of its region.
    pub region_code: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Contact phone.
    pub contact_phone: String,
    /// `unverified`, `pending`, `verified` or `rejected`.
    pub verification_status: String,
    /// Registration time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version, for optimistic concurrency.
    pub version: i64,
}

/// A user as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Login e-mail.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Role code.
    pub role: String,
    /// Enterprise of an enterprise user.
    pub enterprise_id: Option<i64>,
    /// Scope of a regional admin.
    pub region_scope: Option<String>,
    /// Name.
    pub display_name: String,
    /// Set when the account is disabled.
    pub disabled_at: Option<String>,
}

/// The fields of a new enterprise.
#[derive(Debug, Clone, Copy)]
pub struct NewEnterprise<'a> {
    /// Canonical USCC.
    pub uscc: &'a str,
    /// Name.
    pub name: &'a str,
    /// Region code.
    pub region_code: &'a str,
    /// Contact person.
    pub contact_name: &'a str,
    /// Contact e-mail (also the first user's login).
    pub contact_email: &'a str,
    /// Contact phone.
    pub contact_phone: &'a str,
}

/// The fields of a new user.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    /// Login e-mail.
    pub email: &'a str,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// Role code.
    pub role: &'a str,
    /// Name.
    pub display_name: &'a str,
    /// Scope of a regional admin.
    pub region_scope: Option<&'a str>,
}

/// Inserts an enterprise.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_enterprise(
    db: &D1Database,
    e: &NewEnterprise<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO enterprises
           (uscc, name, region_code, contact_name, contact_email, contact_phone, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        &[
            Param::Text(e.uscc),
            Param::Text(e.name),
            Param::Text(e.region_code),
            Param::Text(e.contact_name),
            Param::Text(e.contact_email),
            Param::Text(e.contact_phone),
            Param::Text(now),
        ],
    )
}

/// Inserts the first user of an enterprise inserted earlier in the same batch.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_enterprise_user(
    db: &D1Database,
    user: &NewUser<'_>,
    uscc: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO users (email, password_hash, role, enterprise_id, display_name, created_at)
         VALUES (?1, ?2, 'enterprise', (SELECT id FROM enterprises WHERE uscc = ?3), ?4, ?5)",
        &[
            Param::Text(user.email),
            Param::Text(user.password_hash),
            Param::Text(uscc),
            Param::Text(user.display_name),
            Param::Text(now),
        ],
    )
}

/// Inserts a staff user.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_staff_user(
    db: &D1Database,
    user: &NewUser<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO users (email, password_hash, role, region_scope, display_name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            Param::Text(user.email),
            Param::Text(user.password_hash),
            Param::Text(user.role),
            Param::OptText(user.region_scope),
            Param::Text(user.display_name),
            Param::Text(now),
        ],
    )
}

/// The enterprise with `id`.
///
/// # Errors
///
/// The database failed.
pub async fn enterprise_by_id(db: &D1Database, id: i64) -> worker::Result<Option<EnterpriseRow>> {
    statement(
        db,
        "SELECT id, uscc, name, region_code, contact_name, contact_email, contact_phone,
                verification_status, created_at, updated_at, version
         FROM enterprises WHERE id = ?1",
        &[Param::Int(id)],
    )?
    .first(None)
    .await
}

/// The enterprise with USCC `uscc`.
///
/// # Errors
///
/// The database failed.
pub async fn enterprise_by_uscc(
    db: &D1Database,
    uscc: &str,
) -> worker::Result<Option<EnterpriseRow>> {
    statement(
        db,
        "SELECT id, uscc, name, region_code, contact_name, contact_email, contact_phone,
                verification_status, created_at, updated_at, version
         FROM enterprises WHERE uscc = ?1",
        &[Param::Text(uscc)],
    )?
    .first(None)
    .await
}

/// The user with e-mail `email`.
///
/// # Errors
///
/// The database failed.
pub async fn user_by_email(db: &D1Database, email: &str) -> worker::Result<Option<UserRow>> {
    statement(
        db,
        "SELECT id, email, password_hash, role, enterprise_id, region_scope, display_name, disabled_at
         FROM users WHERE email = ?1",
        &[Param::Text(email)],
    )?
    .first(None)
    .await
}

/// Stores a fresh hash for a user (after a login with outdated hash parameters).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn update_password_hash(
    db: &D1Database,
    user_id: i64,
    hash: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        &[Param::Text(hash), Param::Int(user_id)],
    )
}
