//! The webhook outbox (events), their deliveries and every attempt.

use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A new event for the outbox.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// `msg_…`.
    pub id: &'a str,
    /// Its type code.
    pub kind: &'a str,
    /// The enterprise it is about.
    pub enterprise_id: Option<i64>,
    /// Its region (the enterprise's).
    pub region_code: Option<&'a str>,
    /// The port it is for (a port's own events).
    pub port_id: Option<i64>,
    /// The one endpoint it is for (a test event).
    pub endpoint_id: Option<i64>,
    /// The payload (JSON), exactly as it will be signed and sent.
    pub payload: &'a str,
}

/// The outbox row of an event: goes into the batch of the state change it reports.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_event(
    db: &D1Database,
    event: &NewEvent<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO webhook_events (id, type, enterprise_id, region_code, port_id, endpoint_id, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            Param::Text(event.id),
            Param::Text(event.kind),
            Param::OptInt(event.enterprise_id),
            Param::OptText(event.region_code),
            Param::OptInt(event.port_id),
            Param::OptInt(event.endpoint_id),
            Param::Text(event.payload),
            Param::Text(now),
        ],
    )
}

/// An event waiting to be fanned out.
#[derive(Debug, Clone, Deserialize)]
pub struct PendingEvent {
    /// `msg_…`.
    pub id: String,
    /// Type code.
    pub r#type: String,
    /// Its region, for enterprise events.
    pub region_code: Option<String>,
    /// Its port, for a port's own events.
    pub port_id: Option<i64>,
    /// Its endpoint, for a test event.
    pub endpoint_id: Option<i64>,
    /// The product it is about, if any.
    pub registration_number: Option<String>,
    /// The enterprise it is about, if any.
    pub uscc: Option<String>,
}

// A note on `+state` below: the unary plus keeps SQLite from reading a batch's
// deliveries through the `(state, next_attempt_at)` index, which would walk every
// pending delivery (100,000 after a round's publication) instead of looking each up by
// its id or event.

/// Events not yet fanned out, oldest first: those whose ids are in `only` (a JSON
/// array), or all when `None`.
///
/// # Errors
///
/// The database failed.
pub async fn undispatched(
    db: &D1Database,
    only: Option<&str>,
    limit: i64,
) -> worker::Result<Vec<PendingEvent>> {
    // Two queries: the named events are looked up by id; with the two conditions in
    // one, SQLite walks the undispatched index, every event a round's publication
    // left waiting, to find a handful.
    match only {
        Some(ids) => {
            all(
                db,
                &format!(
                    "{UNDISPATCHED} WHERE id IN (SELECT value FROM json_each(?1))
                     AND dispatched_at IS NULL ORDER BY created_at LIMIT ?2"
                ),
                &[Param::Text(ids), Param::Int(limit)],
            )
            .await
        }
        None => {
            all(
                db,
                &format!("{UNDISPATCHED} WHERE dispatched_at IS NULL ORDER BY created_at LIMIT ?1"),
                &[Param::Int(limit)],
            )
            .await
        }
    }
}

const UNDISPATCHED: &str = "SELECT id, type, region_code, port_id, endpoint_id,
        json_extract(payload, '$.data.registration_number') AS registration_number,
        json_extract(payload, '$.data.enterprise.uscc') AS uscc
 FROM webhook_events";

/// Creates the deliveries of a batch of events (`routes`: a JSON array of
/// `[event_id, endpoint_id]`; a delivery that exists is kept) and marks the events
/// (`event_ids`: a JSON array) dispatched: two statements whatever the batch's size.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn fan_out(
    db: &D1Database,
    routes: &str,
    event_ids: &str,
    now: &str,
) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "INSERT OR IGNORE INTO webhook_deliveries
               (event_id, endpoint_id, state, next_attempt_at, created_at, updated_at)
             SELECT json_extract(j.value, '$[0]'), w.id,
                    CASE w.status WHEN 'active' THEN 'pending' ELSE 'held' END, ?2, ?2, ?2
             FROM json_each(?1) j JOIN webhook_endpoints w ON w.id = json_extract(j.value, '$[1]')",
            &[Param::Text(routes), Param::Text(now)],
        )?,
        statement(
            db,
            "UPDATE webhook_events SET dispatched_at = ?2
             WHERE id IN (SELECT value FROM json_each(?1)) AND dispatched_at IS NULL",
            &[Param::Text(event_ids), Param::Text(now)],
        )?,
    ])
}

/// A delivery that is due, for the queue.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct DueRow {
    /// Id.
    pub id: i64,
    /// Attempts made.
    pub attempts: i64,
}

/// Pending deliveries of these events (a JSON array of ids).
///
/// # Errors
///
/// The database failed.
pub async fn pending_of_events(db: &D1Database, event_ids: &str) -> worker::Result<Vec<DueRow>> {
    all(
        db,
        "SELECT id, attempts FROM webhook_deliveries
         WHERE +state = 'pending' AND event_id IN (SELECT value FROM json_each(?1))",
        &[Param::Text(event_ids)],
    )
    .await
}

/// An endpoint's pending deliveries (after it was resumed), oldest first.
///
/// # Errors
///
/// The database failed.
pub async fn pending_of_endpoint(
    db: &D1Database,
    endpoint_id: i64,
    limit: i64,
) -> worker::Result<Vec<DueRow>> {
    all(
        db,
        "SELECT id, attempts FROM webhook_deliveries
         WHERE endpoint_id = ?1 AND +state = 'pending' ORDER BY id LIMIT ?2",
        &[Param::Int(endpoint_id), Param::Int(limit)],
    )
    .await
}

/// Pending deliveries whose attempt was due before `before`: their message was lost
/// or is late.
///
/// # Errors
///
/// The database failed.
pub async fn overdue(db: &D1Database, before: &str, limit: i64) -> worker::Result<Vec<DueRow>> {
    all(
        db,
        "SELECT id, attempts FROM webhook_deliveries
         WHERE state = 'pending' AND next_attempt_at < ?1 ORDER BY next_attempt_at LIMIT ?2",
        &[Param::Text(before), Param::Int(limit)],
    )
    .await
}

/// Everything an attempt needs: the delivery, its event and its endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct AttemptContext {
    /// Delivery id.
    pub id: i64,
    /// Its state.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// Attempts before the last redelivery.
    pub schedule_base: i64,
    /// When the next is due.
    pub next_attempt_at: String,
    /// The event.
    pub event_id: String,
    /// Its payload.
    pub payload: String,
    /// When the event happened.
    pub event_created_at: String,
    /// The endpoint.
    pub endpoint_id: i64,
    /// Its URL.
    pub url: String,
    /// Its status.
    pub endpoint_status: String,
    /// Its secret.
    pub secret: String,
    /// The previous secret.
    pub previous_secret: Option<String>,
    /// Until when the previous signs.
    pub previous_secret_until: Option<String>,
    /// Since when it fails.
    pub failing_since: Option<String>,
}

/// The contexts of deliveries (`ids`: a JSON array), in one query.
///
/// # Errors
///
/// The database failed.
pub async fn attempt_contexts(db: &D1Database, ids: &str) -> worker::Result<Vec<AttemptContext>> {
    all(
        db,
        "SELECT d.id, d.state, d.attempts, d.schedule_base, d.next_attempt_at, d.event_id,
                e.payload, e.created_at AS event_created_at, w.id AS endpoint_id, w.url,
                w.status AS endpoint_status, w.secret, w.previous_secret, w.previous_secret_until,
                w.failing_since
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
         WHERE d.id IN (SELECT value FROM json_each(?1))",
        &[Param::Text(ids)],
    )
    .await
}

/// A delivery whose attempt a consumer claimed.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Claimed {
    /// The delivery.
    pub id: i64,
}

/// Claims the next attempt of pending deliveries (`due`: a JSON array of
/// `[delivery, attempts made]`), in one statement: each row changes only for the
/// first of two concurrent consumers, and the answer names the deliveries this one
/// claimed. Their next attempt is put off to `lease`, so the sweep leaves them alone
/// while this attempt runs.
///
/// # Errors
///
/// The database failed.
pub async fn claim(
    db: &D1Database,
    due: &str,
    now: &str,
    lease: &str,
) -> worker::Result<Vec<Claimed>> {
    all(
        db,
        "UPDATE webhook_deliveries SET attempts = attempts + 1, updated_at = ?2,
                next_attempt_at = ?3
         WHERE +state = 'pending' AND (id, attempts) IN
               (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM json_each(?1) j)
         RETURNING id",
        &[Param::Text(due), Param::Text(now), Param::Text(lease)],
    )
    .await
}

/// Holds deliveries (`ids`: a JSON array) whose endpoint is paused or disabled (still
/// so as this runs: a resume in between leaves them pending).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn hold(db: &D1Database, ids: &str, now: &str) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE webhook_deliveries SET state = 'held', updated_at = ?2
         WHERE id IN (SELECT value FROM json_each(?1)) AND +state = 'pending'
           AND (SELECT status FROM webhook_endpoints w WHERE w.id = endpoint_id) != 'active'",
        &[Param::Text(ids), Param::Text(now)],
    )
}

/// One attempt's outcome and what follows it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: i64,
    /// Its number (1-based).
    pub attempt: i64,
    /// When it started.
    pub at: String,
    /// The receiver's status.
    pub status_code: Option<i64>,
    /// How long it took.
    pub latency_ms: i64,
    /// What went wrong.
    pub error: Option<String>,
    /// The response's first bytes.
    pub response: Option<String>,
    /// The delivery's state after it: `delivered`, `pending` or `exhausted`.
    pub state: &'static str,
    /// When the next attempt is due (when delivered or exhausted: now).
    pub next_attempt_at: String,
}

/// The attempts' log rows and their deliveries' new states (`records`: a JSON array
/// of [`AttemptRecord`]), two statements for a whole batch; a delivery that another
/// attempt or a redelivery moved on meanwhile is left as it is.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn finish_attempts(
    db: &D1Database,
    records: &str,
    now: &str,
) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "INSERT OR IGNORE INTO webhook_attempts
               (delivery_id, attempt, at, status_code, latency_ms, error, response)
             SELECT json_extract(j.value, '$.delivery_id'), json_extract(j.value, '$.attempt'),
                    json_extract(j.value, '$.at'), json_extract(j.value, '$.status_code'),
                    json_extract(j.value, '$.latency_ms'), json_extract(j.value, '$.error'),
                    json_extract(j.value, '$.response')
             FROM json_each(?1) j",
            &[Param::Text(records)],
        )?,
        statement(
            db,
            "UPDATE webhook_deliveries AS d SET state = r.state, next_attempt_at = r.next_at,
                    last_status = r.status_code, last_error = r.error, updated_at = ?2,
                    delivered_at = CASE WHEN r.state = 'delivered' THEN ?2 ELSE d.delivered_at END
             FROM (SELECT json_extract(j.value, '$.delivery_id') AS id,
                          json_extract(j.value, '$.attempt') AS attempt,
                          json_extract(j.value, '$.state') AS state,
                          json_extract(j.value, '$.next_attempt_at') AS next_at,
                          json_extract(j.value, '$.status_code') AS status_code,
                          json_extract(j.value, '$.error') AS error
                   FROM json_each(?1) j) AS r
             WHERE d.id = r.id AND d.attempts = r.attempt AND +d.state = 'pending'",
            &[Param::Text(records), Param::Text(now)],
        )?,
    ])
}

/// A delivery as the region sees it.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryRow {
    /// Id.
    pub id: i64,
    /// The event (`webhook-id`).
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// The endpoint.
    pub endpoint_id: i64,
    /// `pending`, `held`, `delivered` or `exhausted`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The next attempt, when pending.
    pub next_attempt_at: String,
    /// The last status code.
    pub last_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When the delivery was made (the event fanned out to the endpoint).
    pub created_at: String,
}

const DELIVERY_SELECT: &str =
    "SELECT d.id, d.event_id, e.type AS event_type, d.endpoint_id, d.state, d.attempts,
        d.next_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at
 FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

/// An endpoint's deliveries, newest first, optionally in one state, before the
/// cursor id.
///
/// # Errors
///
/// The database failed.
pub async fn deliveries(
    db: &D1Database,
    endpoint_id: i64,
    state: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> worker::Result<Vec<DeliveryRow>> {
    all(
        db,
        &format!(
            "{DELIVERY_SELECT} WHERE d.endpoint_id = ?1 AND (?2 IS NULL OR d.state = ?2)
             AND (?3 IS NULL OR d.id < ?3) ORDER BY d.id DESC LIMIT ?4"
        ),
        &[
            Param::Int(endpoint_id),
            Param::OptText(state),
            Param::OptInt(before),
            Param::Int(limit),
        ],
    )
    .await
}

/// One delivery with its endpoint's port.
///
/// # Errors
///
/// The database failed.
pub async fn delivery(db: &D1Database, id: i64) -> worker::Result<Option<(DeliveryRow, i64)>> {
    #[derive(Deserialize)]
    struct Port {
        port_id: i64,
    }
    let row: Option<DeliveryRow> = first(
        db,
        &format!("{DELIVERY_SELECT} WHERE d.id = ?1"),
        &[Param::Int(id)],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let port: Option<Port> = first(
        db,
        "SELECT port_id FROM webhook_endpoints WHERE id = ?1",
        &[Param::Int(row.endpoint_id)],
    )
    .await?;
    Ok(port.map(|p| (row, p.port_id)))
}

/// An attempt as logged.
#[derive(Debug, Clone, Deserialize)]
pub struct AttemptRow {
    /// Its number.
    pub attempt: i64,
    /// When.
    pub at: String,
    /// The receiver's status, if it answered.
    pub status_code: Option<i64>,
    /// How long it took.
    pub latency_ms: i64,
    /// What went wrong.
    pub error: Option<String>,
    /// The response's first bytes.
    pub response: Option<String>,
}

/// A delivery's attempts, in order.
///
/// # Errors
///
/// The database failed.
pub async fn attempts(db: &D1Database, delivery_id: i64) -> worker::Result<Vec<AttemptRow>> {
    all(
        db,
        "SELECT attempt, at, status_code, latency_ms, error, response FROM webhook_attempts
         WHERE delivery_id = ?1 ORDER BY attempt",
        &[Param::Int(delivery_id)],
    )
    .await
}

/// Makes an exhausted (or delivered) delivery due again now, its schedule restarted
/// (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn redeliver(db: &D1Database, id: i64, now: &str) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?2, updated_at = ?2,
                schedule_base = attempts
         WHERE id = ?1 AND state IN ('exhausted', 'delivered')",
        &[Param::Int(id), Param::Text(now)],
    )
}
