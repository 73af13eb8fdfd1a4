//! Webhook endpoints: registration, settings, status, secrets, their routing, and
//! the failure streak that disables one.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// An endpoint as stored (the secrets stay in here: never serialise this).
#[derive(Debug, Clone, Deserialize)]
pub struct EndpointRow {
    /// Id.
    pub id: i64,
    /// Its port.
    pub port_id: i64,
    /// Where deliveries go.
    pub url: String,
    /// The region's note.
    pub description: String,
    /// JSON array of subscribed type codes.
    pub event_types: String,
    /// The signing secret.
    pub secret: String,
    /// The secret before the last rotation.
    pub previous_secret: Option<String>,
    /// Until when it still signs.
    pub previous_secret_until: Option<String>,
    /// `active`, `paused`, `disabled` or `deleted`.
    pub status: String,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Since when every attempt failed.
    pub failing_since: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

const ENDPOINT_COLUMNS: &str = "id, port_id, url, description, event_types, secret, previous_secret, previous_secret_until, status, disabled_reason, failing_since, created_at, updated_at, version";

/// Inserts an endpoint, returning its id.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_endpoint(
    db: &D1Database,
    port_id: i64,
    url: &str,
    description: &str,
    event_types: &str,
    secret: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO webhook_endpoints (port_id, url, description, event_types, secret, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
        &[
            Param::Int(port_id),
            Param::Text(url),
            Param::Text(description),
            Param::Text(event_types),
            Param::Text(secret),
            Param::Text(now),
        ],
    )
}

/// One endpoint of a port (deleted ones included).
///
/// # Errors
///
/// The database failed.
pub async fn endpoint(db: &D1Database, id: i64) -> worker::Result<Option<EndpointRow>> {
    first(
        db,
        &format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?1"),
        &[Param::Int(id)],
    )
    .await
}

/// A port's endpoints, deleted ones left out.
///
/// # Errors
///
/// The database failed.
pub async fn endpoints_of(db: &D1Database, port_id: i64) -> worker::Result<Vec<EndpointRow>> {
    all(
        db,
        &format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints
             WHERE port_id = ?1 AND status != 'deleted' ORDER BY id"
        ),
        &[Param::Int(port_id)],
    )
    .await
}

/// Every endpoint that may receive events (not deleted), with its port's scope.
#[derive(Debug, Clone, Deserialize)]
pub struct RoutingRow {
    /// Id.
    pub id: i64,
    /// Its port.
    pub port_id: i64,
    /// The port's scope.
    pub scope: String,
    /// JSON array of subscribed types.
    pub event_types: String,
}

/// The endpoints events are routed to.
///
/// # Errors
///
/// The database failed.
pub async fn routing(db: &D1Database) -> worker::Result<Vec<RoutingRow>> {
    all(
        db,
        "SELECT w.id, w.port_id, p.scope, w.event_types FROM webhook_endpoints w
         JOIN ports p ON p.id = w.port_id WHERE w.status != 'deleted'",
        &[],
    )
    .await
}

/// What an endpoint change sets, at the version read.
#[derive(Debug, Clone, Copy)]
pub struct EndpointUpdate<'a> {
    /// New URL.
    pub url: &'a str,
    /// New description.
    pub description: &'a str,
    /// New types (JSON).
    pub event_types: &'a str,
}

/// Updates an endpoint's settings at the version read (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn update_endpoint(
    db: &D1Database,
    id: i64,
    version: i64,
    update: &EndpointUpdate<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE webhook_endpoints SET url = ?3, description = ?4, event_types = ?5, updated_at = ?6,
                version = version + 1
         WHERE id = ?1 AND version = ?2 AND status != 'deleted'",
        &[
            Param::Int(id),
            Param::Int(version),
            Param::Text(update.url),
            Param::Text(update.description),
            Param::Text(update.event_types),
            Param::Text(now),
        ],
    )
}

/// Moves an endpoint to `status` from one of `from` (guard it). Resuming clears the
/// failure streak and the reason a disabled endpoint carried.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn set_status(
    db: &D1Database,
    id: i64,
    from: &[&str],
    status: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let from = serde_json::to_string(from).unwrap_or_default();
    statement(
        db,
        "UPDATE webhook_endpoints SET status = ?3, updated_at = ?4, version = version + 1,
                disabled_reason = CASE WHEN ?3 = 'active' THEN NULL ELSE disabled_reason END,
                failing_since = CASE WHEN ?3 = 'active' THEN NULL ELSE failing_since END
         WHERE id = ?1 AND status IN (SELECT value FROM json_each(?2))",
        &[
            Param::Int(id),
            Param::Text(&from),
            Param::Text(status),
            Param::Text(now),
        ],
    )
}

/// Rotates the secret: the old one keeps signing until `until` (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn rotate_secret(
    db: &D1Database,
    id: i64,
    secret: &str,
    until: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = ?3,
                secret = ?2, updated_at = ?4, version = version + 1
         WHERE id = ?1 AND status != 'deleted'",
        &[
            Param::Int(id),
            Param::Text(secret),
            Param::Text(until),
            Param::Text(now),
        ],
    )
}

/// Deliveries held for an endpoint become due now (after a resume).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn release_held(
    db: &D1Database,
    endpoint_id: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?2, updated_at = ?2,
                schedule_base = attempts
         WHERE endpoint_id = ?1 AND state = 'held'",
        &[Param::Int(endpoint_id), Param::Text(now)],
    )
}

/// After an attempt: a success ends the endpoint's failure streak; a failure starts
/// one (or keeps it); `disable` disables the endpoint with `reason`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn endpoint_health(
    db: &D1Database,
    endpoint_id: i64,
    succeeded: bool,
    disable: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE webhook_endpoints SET
           failing_since = CASE WHEN ?2 = 1 THEN NULL ELSE COALESCE(failing_since, ?4) END,
           status = CASE WHEN ?3 IS NOT NULL AND status = 'active' THEN 'disabled' ELSE status END,
           disabled_reason = CASE WHEN ?3 IS NOT NULL AND status = 'active' THEN ?3 ELSE disabled_reason END
         WHERE id = ?1",
        &[
            Param::Int(endpoint_id),
            Param::Int(i64::from(succeeded)),
            Param::OptText(disable),
            Param::Text(now),
        ],
    )
}
