//! Regional management ports: ports, API tokens, demonstration enterprise lists,
//! and the access log of confidential reads.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A port as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct PortRow {
    /// Id.
    pub id: i64,
    /// Its scope.
    pub scope: String,
    /// The office.
    pub office_name: String,
    /// The application it came from.
    pub application_id: i64,
    /// Its account.
    pub user_id: i64,
    /// When it opened.
    pub created_at: String,
}

const PORT_COLUMNS: &str = "id, scope, office_name, application_id, user_id, created_at";

/// Creates the port of an approved application, with the account it names (created
/// earlier in the same batch, found by e-mail).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_port(
    db: &D1Database,
    application: &super::port_applications::ApplicationRow,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO ports (scope, office_name, application_id, user_id, created_at)
         SELECT ?1, ?2, ?3, u.id, ?5 FROM users u WHERE u.email = ?4",
        &[
            Param::Text(&application.scope),
            Param::Text(&application.office_name),
            Param::Int(application.id),
            Param::Text(&application.account_email),
            Param::Text(now),
        ],
    )
}

/// The port of a scope.
///
/// # Errors
///
/// The database failed.
pub async fn port_by_scope(db: &D1Database, scope: &str) -> worker::Result<Option<PortRow>> {
    first(
        db,
        &format!("SELECT {PORT_COLUMNS} FROM ports WHERE scope = ?1"),
        &[Param::Text(scope)],
    )
    .await
}

/// Every port.
///
/// # Errors
///
/// The database failed.
pub async fn all_ports(db: &D1Database) -> worker::Result<Vec<PortRow>> {
    all(
        db,
        &format!("SELECT {PORT_COLUMNS} FROM ports ORDER BY id"),
        &[],
    )
    .await
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// The token's first characters.
    pub prefix: String,
    /// What it is for.
    pub label: String,
    /// When it was made.
    pub created_at: String,
    /// When it was last used (to the minute).
    pub last_used_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
}

/// Inserts a token of the port of `scope` (found by scope, so it can follow the
/// port's creation in one batch), returning its id.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_token(
    db: &D1Database,
    scope: &str,
    hash: &str,
    prefix: &str,
    label: &str,
    created_by: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO api_tokens (port_id, token_hash, prefix, label, created_by, created_at)
         SELECT p.id, ?2, ?3, ?4, ?5, ?6 FROM ports p WHERE p.scope = ?1 RETURNING id",
        &[
            Param::Text(scope),
            Param::Text(hash),
            Param::Text(prefix),
            Param::Text(label),
            Param::Int(created_by),
            Param::Text(now),
        ],
    )
}

/// A port's tokens, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn tokens(db: &D1Database, port_id: i64) -> worker::Result<Vec<TokenRow>> {
    all(
        db,
        "SELECT id, prefix, label, created_at, last_used_at, revoked_at FROM api_tokens
         WHERE port_id = ?1 ORDER BY id DESC",
        &[Param::Int(port_id)],
    )
    .await
}

/// Revokes a live token of the port; changes no row when there is none.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn revoke_token(
    db: &D1Database,
    port_id: i64,
    id: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?2 AND port_id = ?1 AND revoked_at IS NULL",
        &[Param::Int(port_id), Param::Int(id), Param::Text(now)],
    )
}

/// Who a live token speaks for.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenPrincipalRow {
    /// The token.
    pub token_id: i64,
    /// The port's account.
    pub user_id: i64,
    /// Its role.
    pub role: String,
    /// The port's scope.
    pub scope: String,
    /// The account's e-mail.
    pub email: String,
    /// The office's name.
    pub office_name: String,
    /// Last use.
    pub last_used_at: Option<String>,
}

/// The live token with this hash, if any.
///
/// # Errors
///
/// The database failed.
pub async fn live_token(db: &D1Database, hash: &str) -> worker::Result<Option<TokenPrincipalRow>> {
    first(
        db,
        "SELECT t.id AS token_id, u.id AS user_id, u.role, p.scope, u.email, p.office_name, t.last_used_at
         FROM api_tokens t JOIN ports p ON p.id = t.port_id JOIN users u ON u.id = p.user_id
         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
        &[Param::Text(hash)],
    )
    .await
}

/// Notes a token's use.
///
/// # Errors
///
/// The database failed.
pub async fn touch_token(db: &D1Database, id: i64, now: &str) -> worker::Result<()> {
    statement(
        db,
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
        &[Param::Int(id), Param::Text(now)],
    )?
    .run()
    .await
    .map(|_| ())
}

/// A listed demonstration enterprise with its coverage.
#[derive(Debug, Clone, Deserialize)]
pub struct DemonstrationRow {
    /// USCC.
    pub uscc: String,
    /// The region's label.
    pub label: String,
    /// The enterprise's name, when it has registered.
    pub name: Option<String>,
    /// Whether it has registered on the platform.
    pub registered: i64,
    /// Its products recorded and not revoked.
    pub recorded_products: i64,
}

/// Replaces a port's list with `entries` (JSON array of `[uscc, label]`).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn replace_demonstrations(
    db: &D1Database,
    port_id: i64,
    entries: &str,
    now: &str,
) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "DELETE FROM demonstration_enterprises WHERE port_id = ?1",
            &[Param::Int(port_id)],
        )?,
        statement(
            db,
            "INSERT INTO demonstration_enterprises (port_id, uscc, label, added_at)
             SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?3
             FROM json_each(?2)",
            &[Param::Int(port_id), Param::Text(entries), Param::Text(now)],
        )?,
    ])
}

/// A port's list with coverage as of `at` (products recorded before it and not
/// revoked by then), uncovered first. Only an enterprise of the region (its code in
/// `codes`, a JSON array) shows its name, registration and products: a listed USCC
/// from elsewhere reads as unregistered.
///
/// # Errors
///
/// The database failed.
pub async fn demonstrations(
    db: &D1Database,
    port_id: i64,
    at: &str,
    codes: &str,
) -> worker::Result<Vec<DemonstrationRow>> {
    all(
        db,
        "SELECT d.uscc, d.label, e.name, (e.id IS NOT NULL) AS registered,
                (SELECT count(*) FROM products p
                 WHERE p.enterprise_id = e.id AND p.recorded_at < ?2
                   AND (p.revoked_at IS NULL OR p.revoked_at >= ?2)) AS recorded_products
         FROM demonstration_enterprises d
         LEFT JOIN enterprises e ON e.uscc = d.uscc
              AND e.region_code IN (SELECT value FROM json_each(?3))
         WHERE d.port_id = ?1
         ORDER BY recorded_products > 0, d.uscc",
        &[Param::Int(port_id), Param::Text(at), Param::Text(codes)],
    )
    .await
}

/// Who read, for the access log.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The user (a token reads as its port's account).
    pub user_id: i64,
    /// The name shown to the enterprise: the office, or the staff member.
    pub name: &'a str,
    /// The reader's scope: the log names the port of that scope, if it has one.
    pub scope: &'a str,
    /// `session` or `token`.
    pub via: &'a str,
}

/// Logs one read of confidential data for each enterprise whose USCC is in `usccs`
/// (a JSON array).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn log_reads(
    db: &D1Database,
    reader: &Reader<'_>,
    usccs: &str,
    what: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO access_log (at, enterprise_id, actor_user_id, actor_name, port_id, via, what)
         SELECT ?1, e.id, ?2, ?3, (SELECT id FROM ports WHERE scope = ?4), ?5, ?6
         FROM enterprises e WHERE e.uscc IN (SELECT value FROM json_each(?7))",
        &[
            Param::Text(now),
            Param::Int(reader.user_id),
            Param::Text(reader.name),
            Param::Text(reader.scope),
            Param::Text(reader.via),
            Param::Text(what),
            Param::Text(usccs),
        ],
    )
}

/// One access-log row, as the enterprise sees it.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessRow {
    /// Id.
    pub id: i64,
    /// When.
    pub at: String,
    /// Who: the office or the staff member.
    pub actor_name: String,
    /// `session` or `token`.
    pub via: String,
    /// What was read.
    pub what: String,
}

/// An enterprise's access log, newest first, before the cursor id.
///
/// # Errors
///
/// The database failed.
pub async fn access_log(
    db: &D1Database,
    enterprise_id: i64,
    before: Option<i64>,
    limit: i64,
) -> worker::Result<Vec<AccessRow>> {
    all(
        db,
        "SELECT id, at, actor_name, via, what FROM access_log
         WHERE enterprise_id = ?1 AND (?2 IS NULL OR id < ?2)
         ORDER BY id DESC LIMIT ?3",
        &[
            Param::Int(enterprise_id),
            Param::OptInt(before),
            Param::Int(limit),
        ],
    )
    .await
}

/// The region codes enterprises are registered in, for a scope to pick from: a
/// regional query binds the codes its scope holds (decided by the core), never a
/// string prefix.
///
/// # Errors
///
/// The database failed.
pub async fn enterprise_region_codes(db: &D1Database) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Code {
        region_code: String,
    }
    let rows: Vec<Code> = all(db, "SELECT DISTINCT region_code FROM enterprises", &[]).await?;
    Ok(rows.into_iter().map(|c| c.region_code).collect())
}
