//! A port's webhook endpoints: register (URL, event types, description; the answer
//! carries the `whsec_` secret, shown then and at each rotation only), change,
//! rotate the secret (the old one keeps signing for 24 hours), pause, resume,
//! delete, and send a test event. Deliveries are `webhook_deliveries`.
//!
//! Who may: the regional admin of the port (session with CSRF, or an API token); an
//! endpoint of another port is a 404.

use ppr_core::webhook::{self, Secret};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::auth::random_bytes;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::webhook_endpoints::{self as store, EndpointRow, EndpointUpdate};
use crate::repo::{self};
use crate::services::ports::{endpoint_entry, port_endpoint};
use crate::services::ports::{own_port, own_port_write};
use crate::validation::Issues;
use crate::webhooks;
use crate::webhooks::payload::{PortData, TestData};
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port/webhooks", list_webhooks(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhooks", create_webhook(ctx, body), Roles::Port),
    operation!(GET "/api/v1/port/webhooks/{id}", get_webhook(ctx), Roles::Port),
    operation!(PUT "/api/v1/port/webhooks/{id}", update_webhook(ctx, body), Roles::Port),
    operation!(DELETE "/api/v1/port/webhooks/{id}", delete_webhook(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhooks/{id}/rotate-secret", rotate_webhook_secret(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhooks/{id}/pause", pause_webhook(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhooks/{id}/resume", resume_webhook(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhooks/{id}/test", test_webhook(ctx), Roles::Port),
];

/// Most endpoints one port registers.
const MAX_ENDPOINTS: usize = 20;
/// Longest description.
const MAX_DESCRIPTION_CHARS: usize = 200;
/// How long the secret before a rotation keeps signing.
const ROTATION_OVERLAP_HOURS: i64 = 24;

/// `POST /api/v1/port/webhooks` and `PUT /api/v1/port/webhooks/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// `https://…`.
    pub url: String,
    /// Subscribed event types.
    pub event_types: Vec<String>,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// The version read (updates; or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// An endpoint as answered (never its secret, apart from creation and rotation).
#[derive(Debug, Serialize)]
pub struct EndpointOut {
    /// Id.
    pub id: i64,
    /// URL.
    pub url: String,
    /// Description.
    pub description: String,
    /// Subscribed types.
    pub event_types: serde_json::Value,
    /// `active`, `paused`, `disabled` or `deleted`.
    pub status: String,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Since when every attempt failed.
    pub failing_since: Option<String>,
    /// Until when the previous secret still signs.
    pub previous_secret_until: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
    /// The secret: in the answers to creation and rotation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn endpoint_out(row: EndpointRow, show_secret: bool) -> EndpointOut {
    EndpointOut {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types: serde_json::from_str(&row.event_types).unwrap_or_default(),
        status: row.status,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        previous_secret_until: row.previous_secret_until,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        secret: show_secret.then_some(row.secret),
    }
}

/// Checks an endpoint's fields: the URL against the SSRF policy (its form, then where
/// its name resolves), the types, the description. Answers the URL and the types as
/// stored.
async fn check(ctx: &Ctx<'_>, input: &EndpointIn) -> Result<(String, String, String), ApiError> {
    let mut issues = Issues::default();
    let url = issues.take(
        "url",
        webhook::check_endpoint_url(&input.url, ctx.config.allow_local_http),
    );
    let types = issues.take(
        "event_types",
        webhook::parse_event_types(&input.event_types),
    );
    let description = input.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        issues.push(
            "description",
            "too_long",
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        );
    }
    issues.finish()?;
    let (Some(url), Some(types)) = (url, types) else {
        return Err(ApiError::internal_cause(
            "endpoint",
            &"refused without an issue",
        ));
    };
    // Where the name leads now (every attempt checks again).
    webhooks::resolve::check(ctx.config, &url)
        .await
        .map_err(|e| ApiError::invalid_field("url", e.code(), e.to_string()))?;
    let codes: Vec<&str> = types.iter().map(|t| t.code()).collect();
    let types = serde_json::to_string(&codes).map_err(|e| ApiError::internal_cause("types", &e))?;
    Ok((url.as_str().to_owned(), types, description))
}

fn new_secret() -> Result<String, ApiError> {
    Ok(Secret::from_random(random_bytes()?).encode())
}

/// `GET /api/v1/port/webhooks`: the port's endpoints.
///
/// # Errors
///
/// As [`own_port`].
pub async fn list_webhooks(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let rows = store::endpoints_of(ctx.db(), port.id).await?;
    let items: Vec<EndpointOut> = rows.into_iter().map(|r| endpoint_out(r, false)).collect();
    Reply::json(
        200,
        &serde_json::json!({"items": items, "event_types": webhook::SUBSCRIBABLE.iter().map(|t| t.code()).collect::<Vec<_>>()}),
        CachePolicy::NoStore,
    )
}

/// `POST /api/v1/port/webhooks`: 201 with the endpoint and its secret (shown now).
///
/// # Errors
///
/// As [`own_port_write`]; 422 a refused URL (not https, a private address, …), an
/// unknown type; 409 `too_many_endpoints`.
pub async fn create_webhook(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let input: EndpointIn = crate::body::decode_json(body)?;
    let (url, types, description) = check(ctx, &input).await?;
    let db = ctx.db();
    if store::endpoints_of(db, port.id).await?.len() >= MAX_ENDPOINTS {
        return Err(ApiError::state_conflict(
            "too_many_endpoints",
            format!("a port has at most {MAX_ENDPOINTS} endpoints; delete one first"),
        ));
    }
    let secret = new_secret()?;
    let after = serde_json::json!({"url": url, "event_types": types}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .push(store::insert_endpoint(
            db,
            port.id,
            &url,
            &description,
            &types,
            &secret,
            &ctx.stamp,
        ))?
        .audit(&endpoint_entry("webhook.create", &url).after(&after))?;
    let results = write.commit().await?;
    let id = repo::returned_id(&results, "create endpoint")?;
    endpoint_reply(db, id, 201, true).await
}

async fn endpoint_reply(
    db: &D1Database,
    id: i64,
    status: u16,
    show_secret: bool,
) -> Result<Reply, ApiError> {
    let row = store::endpoint(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("endpoint", &"row missing"))?;
    Reply::json(
        status,
        &endpoint_out(row, show_secret),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/port/webhooks/{id}`.
///
/// # Errors
///
/// As [`own_port`]; 404.
pub async fn get_webhook(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let row = port_endpoint(ctx, ctx.db(), &port).await?;
    Reply::json(200, &endpoint_out(row, false), CachePolicy::NoStore)
}

/// `PUT /api/v1/port/webhooks/{id}`: changes URL, types and description at the
/// version read.
///
/// # Errors
///
/// As [`create_endpoint`]; 404; 409 stale.
pub async fn update_webhook(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let input: EndpointIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let row = port_endpoint(ctx, db, &port).await?;
    let version = ctx.required_version(input.version)?;
    let (url, types, description) = check(ctx, &input).await?;
    let update = EndpointUpdate {
        url: &url,
        description: &description,
        event_types: &types,
    };
    let id = row.id.to_string();
    let after = serde_json::json!({"url": url, "event_types": types}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(store::update_endpoint(
            db, row.id, version, &update, &ctx.stamp,
        ))?
        .audit(&endpoint_entry("webhook.update", &id).after(&after))?;
    write.commit().await?;
    endpoint_reply(db, row.id, 200, false).await
}

/// What a status change is called, where it may start, and where it ends.
#[derive(Debug, Clone, Copy)]
enum Move {
    Pause,
    Resume,
    Delete,
}

async fn move_endpoint(ctx: &Ctx<'_>, how: Move) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let db = ctx.db();
    let row = port_endpoint(ctx, db, &port).await?;
    let (action, from, to): (&str, &[&str], &str) = match how {
        Move::Pause => ("webhook.pause", &["active", "paused"], "paused"),
        Move::Resume => (
            "webhook.resume",
            &["paused", "disabled", "active"],
            "active",
        ),
        Move::Delete => (
            "webhook.delete",
            &["active", "paused", "disabled"],
            "deleted",
        ),
    };
    let id = row.id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(store::set_status(db, row.id, from, to, &ctx.stamp))?
        .audit(&endpoint_entry(action, &id))?;
    if matches!(how, Move::Resume) {
        write.push(store::release_held(db, row.id, &ctx.stamp))?;
    }
    write.commit().await?;
    if matches!(how, Move::Resume) {
        // Held deliveries are due now (more than a message batch waits for the sweep).
        let due = crate::repo::webhooks::pending_of_endpoint(db, row.id, 5_000).await?;
        webhooks::queue(ctx.config, &due).await?;
    }
    if matches!(how, Move::Delete) {
        return Ok(Reply::no_content());
    }
    endpoint_reply(db, row.id, 200, false).await
}

/// `POST /api/v1/port/webhooks/{id}/pause`: deliveries are held until resumed.
///
/// # Errors
///
/// As [`own_port_write`]; 404.
pub async fn pause_webhook(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    move_endpoint(ctx, Move::Pause).await
}

/// `POST /api/v1/port/webhooks/{id}/resume`: a paused or disabled endpoint is active
/// again, and its held deliveries are sent.
///
/// # Errors
///
/// As [`own_port_write`]; 404.
pub async fn resume_webhook(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    move_endpoint(ctx, Move::Resume).await
}

/// `DELETE /api/v1/port/webhooks/{id}`: 204; no more deliveries (the log stays).
///
/// # Errors
///
/// As [`own_port_write`]; 404.
pub async fn delete_webhook(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    move_endpoint(ctx, Move::Delete).await
}

/// `POST /api/v1/port/webhooks/{id}/rotate-secret`: a new secret (in this answer
/// only); the old one keeps signing beside it for 24 hours.
///
/// # Errors
///
/// As [`own_port_write`]; 404.
pub async fn rotate_webhook_secret(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let db = ctx.db();
    let row = port_endpoint(ctx, db, &port).await?;
    let secret = new_secret()?;
    let until = crate::clock::stamp(ctx.now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS));
    let id = row.id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(store::rotate_secret(
            db, row.id, &secret, &until, &ctx.stamp,
        ))?
        .audit(&endpoint_entry("webhook.rotate_secret", &id))?;
    write.commit().await?;
    endpoint_reply(db, row.id, 200, true).await
}

/// `POST /api/v1/port/webhooks/{id}/test`: sends a `webhook.test` event to this
/// endpoint (202 with the event id; it is delivered like any other).
///
/// # Errors
///
/// As [`own_port_write`]; 404.
pub async fn test_webhook(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let db = ctx.db();
    let row = port_endpoint(ctx, db, &port).await?;
    let test = PortData::Test(TestData::new(row.id));
    let event = webhooks::port_event(db, port.id, test, &ctx.stamp)?;
    let event_id = event.0.clone();
    let mut write = Write::by(ctx, &principal);
    write.event(event);
    write.commit().await?;
    Reply::json(
        202,
        &serde_json::json!({"event_id": event_id}),
        CachePolicy::NoStore,
    )
}
