//! A port's webhook deliveries: an endpoint's list, one delivery with every attempt,
//! and redelivery of an exhausted one on a fresh schedule.

use worker::D1Database;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::ports::PortRow;
use crate::repo::webhooks as store;
use crate::services::ports::port_endpoint;
use crate::services::ports::{own_port, own_port_write};
use crate::webhooks;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port/webhooks/{id}/deliveries", list_webhook_deliveries(ctx), Roles::Port,
        query: ["state", "cursor", "limit"]),
    operation!(GET "/api/v1/port/webhook-deliveries/{id}", get_webhook_delivery(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhook-deliveries/{id}/redeliver", redeliver_webhook(ctx), Roles::Port),
];

/// `GET /api/v1/port/webhooks/{id}/deliveries`: newest first; `?state=` filters.
///
/// # Errors
///
/// As [`own_port`]; 404; 422 bad filter or paging.
pub async fn list_webhook_deliveries(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let db = ctx.db();
    let row = port_endpoint(ctx, db, &port).await?;
    let state = ctx.query_param("state");
    if let Some(s) = &state
        && !["pending", "held", "delivered", "exhausted"].contains(&s.as_str())
    {
        return Err(ApiError::invalid_field(
            "state",
            "unknown_state",
            "state is pending, held, delivered or exhausted",
        ));
    }
    let limit = ctx.page_limit(50, 500)?;
    let rows = store::deliveries(db, row.id, state.as_deref(), ctx.id_cursor()?, limit).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Reply::json(
        200,
        &serde_json::json!({"items": rows, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}

async fn port_delivery(
    ctx: &Ctx<'_>,
    db: &D1Database,
    port: &PortRow,
) -> Result<store::DeliveryRow, ApiError> {
    let id = ctx.id_param("id", "delivery_not_found")?;
    store::delivery(db, id)
        .await?
        .filter(|(_, port_id)| *port_id == port.id)
        .map(|(row, _)| row)
        .ok_or_else(|| {
            ApiError::missing(
                "delivery_not_found",
                format!("your port has no delivery {id}"),
            )
        })
}

/// `GET /api/v1/port/webhook-deliveries/{id}`: a delivery with every attempt (time,
/// status, latency, error, the response's first 1,024 bytes) and the payload sent.
///
/// # Errors
///
/// As [`own_port`]; 404.
pub async fn get_webhook_delivery(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let db = ctx.db();
    let row = port_delivery(ctx, db, &port).await?;
    let attempts = store::attempts(db, row.id).await?;
    let mut out =
        serde_json::to_value(&row).map_err(|e| ApiError::internal_cause("delivery", &e))?;
    if let Some(map) = out.as_object_mut() {
        map.insert("attempts_log".into(), serde_json::json!(attempts));
    }
    Reply::json(200, &out, CachePolicy::NoStore)
}

/// `POST /api/v1/port/webhook-deliveries/{id}/redeliver`: an exhausted (or delivered)
/// delivery is sent again now, on a fresh schedule; 202.
///
/// # Errors
///
/// As [`own_port_write`]; 404; 409 `delivery_in_progress` while it is pending or held.
pub async fn redeliver_webhook(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let db = ctx.db();
    let row = port_delivery(ctx, db, &port).await?;
    let id = row.id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(store::redeliver(db, row.id, &ctx.stamp))?
        .audit(&Entry::new("webhook.redeliver", "webhook_delivery", &id))?;
    write.commit().await.map_err(|err| match err {
        WriteError::Stale => ApiError::state_conflict(
            "delivery_in_progress",
            format!(
                "delivery {} is {}; only an exhausted or delivered one is sent again",
                row.id, row.state
            ),
        ),
        err => err.into(),
    })?;
    webhooks::queue(
        ctx.config,
        &[store::DueRow {
            id: row.id,
            attempts: row.attempts,
        }],
    )
    .await?;
    Reply::json(
        202,
        &serde_json::json!({"id": row.id, "state": "pending"}),
        CachePolicy::NoStore,
    )
}
