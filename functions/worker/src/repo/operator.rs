//! What an operator watches (the staff's part of `GET /api/v1/health`): backlogs and
//! failures, each one indexed query.

use serde::Deserialize;

use super::{Prepare, all, first};

/// The webhook backlog.
#[derive(Debug, Clone, Deserialize)]
pub struct Backlog {
    /// Deliveries waiting for an attempt.
    pub pending: i64,
    /// When the oldest of them was created.
    pub oldest: Option<String>,
    /// Events not yet fanned out.
    pub outbox: i64,
}

/// A round step that stopped on an error.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct FailedStep {
    /// The round's year.
    pub year: i64,
    /// The step.
    pub step: String,
    /// What went wrong.
    pub error: Option<String>,
    /// When it stopped.
    pub updated_at: String,
}

/// The newest monthly release.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Release {
    /// Its month (`YYYY-MM`).
    pub month: String,
    /// When it was made.
    pub created_at: String,
}

/// The webhook backlog: pending deliveries (the `(state, next_attempt_at)` index) and
/// undispatched events (the outbox's partial index).
///
/// # Errors
///
/// The database failed.
pub async fn backlog(db: &(impl Prepare + ?Sized)) -> worker::Result<Backlog> {
    let row = first(
        db,
        "SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending') AS pending,
                (SELECT MIN(created_at) FROM webhook_deliveries WHERE state = 'pending') AS oldest,
                (SELECT COUNT(*) FROM webhook_events WHERE dispatched_at IS NULL) AS outbox",
        &[],
    )
    .await?;
    Ok(row.unwrap_or(Backlog {
        pending: 0,
        oldest: None,
        outbox: 0,
    }))
}

/// The round steps whose last run failed.
///
/// # Errors
///
/// The database failed.
pub async fn failed_steps(db: &(impl Prepare + ?Sized)) -> worker::Result<Vec<FailedStep>> {
    all(
        db,
        "SELECT year, step, error, updated_at FROM round_tasks
         WHERE status = 'failed' ORDER BY year DESC, step LIMIT 20",
        &[],
    )
    .await
}

/// The newest monthly release.
///
/// # Errors
///
/// The database failed.
pub async fn last_release(db: &(impl Prepare + ?Sized)) -> worker::Result<Option<Release>> {
    first(
        db,
        "SELECT month, created_at FROM monthly_reports ORDER BY month DESC, id DESC LIMIT 1",
        &[],
    )
    .await
}
