//! A port's webhook deliveries: an endpoint's list, one delivery with every attempt,
//! and redelivery of an exhausted one on a fresh schedule.

use serde::Serialize;
use worker::D1Database;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::ports::PortRow;
use crate::repo::webhooks::{self as store, AttemptRow, DeliveryRow};
use crate::services::ports::port_endpoint;
use crate::services::ports::{own_port, own_port_write};
use crate::views::page::Page;
use crate::webhooks;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port/webhooks/{id}/deliveries", list_webhook_deliveries(ctx), Roles::Port,
        query: ["state", "cursor", "limit"]),
    operation!(GET "/api/v1/port/webhook-deliveries/{id}", get_webhook_delivery(ctx), Roles::Port),
    operation!(POST "/api/v1/port/webhook-deliveries/{id}/redeliver", redeliver_webhook(ctx), Roles::Port),
];

// The answers below declare their fields in alphabetical order: they were first
// written through `serde_json::Value`, which sorts keys, and clients have had that
// order since (the tests hold each to it).

/// A delivery of an event to one endpoint.
#[derive(Debug, Serialize)]
pub struct DeliveryOut {
    /// Attempts made so far.
    pub attempts: i64,
    /// Every attempt, in order: in the answer about one delivery only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_log: Option<Vec<AttemptOut>>,
    /// When the delivery was made (the event fanned out to the endpoint).
    pub created_at: String,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// The endpoint.
    pub endpoint_id: i64,
    /// The event: its `webhook-id`.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// Its id.
    pub id: i64,
    /// What went wrong at the last attempt.
    pub last_error: Option<String>,
    /// The status code of the last attempt's answer.
    pub last_status: Option<i64>,
    /// When the next attempt is due (while pending).
    pub next_attempt_at: String,
    /// `pending`, `held`, `delivered` or `exhausted`.
    pub state: String,
}

impl From<DeliveryRow> for DeliveryOut {
    fn from(row: DeliveryRow) -> Self {
        Self {
            attempts: row.attempts,
            attempts_log: None,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
            endpoint_id: row.endpoint_id,
            event_id: row.event_id,
            event_type: row.event_type,
            id: row.id,
            last_error: row.last_error,
            last_status: row.last_status,
            next_attempt_at: row.next_attempt_at,
            state: row.state,
        }
    }
}

/// One attempt of a delivery, as logged.
#[derive(Debug, Serialize)]
pub struct AttemptOut {
    /// When it started.
    pub at: String,
    /// Its number, from 1.
    pub attempt: i64,
    /// What went wrong (no answer, a refused URL, …).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub latency_ms: i64,
    /// The answer's first 1,024 bytes.
    pub response: Option<String>,
    /// The receiver's status code, if it answered.
    pub status_code: Option<i64>,
}

impl From<AttemptRow> for AttemptOut {
    fn from(row: AttemptRow) -> Self {
        Self {
            at: row.at,
            attempt: row.attempt,
            error: row.error,
            latency_ms: row.latency_ms,
            response: row.response,
            status_code: row.status_code,
        }
    }
}

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
    let page: Page<DeliveryOut> = Page::cut(rows, limit, |r| r.id);
    Reply::json(200, &page, CachePolicy::NoStore)
}

async fn port_delivery(
    ctx: &Ctx<'_>,
    db: &D1Database,
    port: &PortRow,
) -> Result<DeliveryRow, ApiError> {
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
/// status, latency, error, the response's first 1,024 bytes).
///
/// # Errors
///
/// As [`own_port`]; 404.
pub async fn get_webhook_delivery(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let db = ctx.db();
    let row = port_delivery(ctx, db, &port).await?;
    let attempts = store::attempts(db, row.id).await?;
    let out = DeliveryOut {
        attempts_log: Some(attempts.into_iter().map(AttemptOut::from).collect()),
        ..DeliveryOut::from(row)
    };
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::views::sorted::assert_sorted;

    fn delivery() -> DeliveryRow {
        DeliveryRow {
            id: 31,
            event_id: "msg_abc".to_owned(),
            event_type: "product.recorded".to_owned(),
            endpoint_id: 4,
            state: "exhausted".to_owned(),
            attempts: 2,
            next_attempt_at: "2026-01-02T03:04:10.000Z".to_owned(),
            last_status: Some(500),
            last_error: None,
            delivered_at: None,
            created_at: "2026-01-02T03:04:05.000Z".to_owned(),
        }
    }

    fn before() -> serde_json::Value {
        json!({
            "id": 31, "event_id": "msg_abc", "event_type": "product.recorded",
            "endpoint_id": 4, "state": "exhausted", "attempts": 2,
            "next_attempt_at": "2026-01-02T03:04:10.000Z", "last_status": 500,
            "last_error": null, "delivered_at": null, "created_at": "2026-01-02T03:04:05.000Z",
        })
    }

    #[test]
    fn a_listed_delivery_answers_as_before() {
        let page: Page<DeliveryOut> = Page::cut(vec![delivery()], 50, |r| r.id);
        assert_sorted(&page);
        let before = json!({"items": [before()], "next_cursor": null});
        assert_eq!(serde_json::to_string(&page).unwrap(), before.to_string());
    }

    #[test]
    fn a_delivery_with_its_attempts_answers_as_before() {
        let attempt = |n: i64, status_code: Option<i64>, error: Option<&str>| AttemptRow {
            attempt: n,
            at: "2026-01-02T03:04:05.000Z".to_owned(),
            status_code,
            latency_ms: 120,
            error: error.map(str::to_owned),
            response: status_code.map(|_| "oops".to_owned()),
        };
        let attempts = [
            attempt(1, None, Some("timed out")),
            attempt(2, Some(500), None),
        ];
        let out = DeliveryOut {
            attempts_log: Some(attempts.into_iter().map(AttemptOut::from).collect()),
            ..DeliveryOut::from(delivery())
        };
        assert_sorted(&out);
        let mut before = before();
        before.as_object_mut().unwrap().insert(
            "attempts_log".into(),
            json!([
                {"attempt": 1, "at": "2026-01-02T03:04:05.000Z", "status_code": null,
                 "latency_ms": 120, "error": "timed out", "response": null},
                {"attempt": 2, "at": "2026-01-02T03:04:05.000Z", "status_code": 500,
                 "latency_ms": 120, "error": null, "response": "oops"},
            ]),
        );
        assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
    }
}
