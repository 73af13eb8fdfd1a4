//! The retention sweep's statements: each deletes at most `limit` rows older than a
//! cutoff (a stored timestamp), oldest first, through an index on its age.

use super::{Param, Prepare, all, statement};

/// The rows a delete changed.
async fn changed(run: worker::D1PreparedStatement) -> worker::Result<usize> {
    Ok(run
        .run()
        .await?
        .meta()?
        .and_then(|m| m.changes)
        .unwrap_or(0))
}

/// Rows that are deleted once older than a cutoff, each through its index on age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aged {
    /// Sessions that expired before the cutoff.
    Sessions,
    /// Sign-in failure counts whose window began before the cutoff.
    LoginFailures,
    /// Idempotency keys recorded before the cutoff.
    IdempotencyKeys,
    /// Webhook events created before the cutoff that were fanned out and have no
    /// delivery left.
    WebhookEvents,
}

impl Aged {
    /// Deletes the oldest such rows before `?1`, at most `?2`.
    fn delete_sql(self) -> &'static str {
        match self {
            Self::Sessions => {
                "DELETE FROM sessions WHERE token_hash IN
                   (SELECT token_hash FROM sessions WHERE expires_at < ?1
                    ORDER BY expires_at LIMIT ?2)"
            }
            Self::LoginFailures => {
                "DELETE FROM login_failures WHERE key IN
                   (SELECT key FROM login_failures WHERE window_start < ?1
                    ORDER BY window_start LIMIT ?2)"
            }
            Self::IdempotencyKeys => {
                "DELETE FROM idempotency_keys WHERE rowid IN
                   (SELECT rowid FROM idempotency_keys WHERE created_at < ?1
                    ORDER BY created_at LIMIT ?2)"
            }
            Self::WebhookEvents => {
                "DELETE FROM webhook_events WHERE id IN
                   (SELECT e.id FROM webhook_events e
                    WHERE e.created_at < ?1 AND e.dispatched_at IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
                    ORDER BY e.created_at LIMIT ?2)"
            }
        }
    }
}

/// Deletes at most `limit` of the oldest `what` older than `cutoff`; how many went.
///
/// # Errors
///
/// The database failed.
pub async fn delete(
    db: &(impl Prepare + ?Sized),
    what: Aged,
    cutoff: &str,
    limit: i64,
) -> worker::Result<usize> {
    changed(statement(
        db,
        what.delete_sql(),
        &[Param::Text(cutoff), Param::Int(limit)],
    )?)
    .await
}

/// The oldest finished deliveries last changed before `?1`, at most `?2`.
const FINISHED: &str = "SELECT id FROM webhook_deliveries
    WHERE state IN ('delivered', 'exhausted') AND updated_at < ?1
    ORDER BY updated_at, id LIMIT ?2";

/// Deletes finished webhook deliveries (delivered or exhausted) last changed before
/// `cutoff`, with their attempts. Pending and held deliveries are never touched.
///
/// # Errors
///
/// The database failed.
pub async fn finished_deliveries(
    db: &worker::D1Database,
    cutoff: &str,
    limit: i64,
) -> worker::Result<usize> {
    // The same deliveries in both statements: the attempts go first (they refer to
    // their delivery), in one batch, so a delivery never loses half its history.
    let params = [Param::Text(cutoff), Param::Int(limit)];
    let results = db
        .batch(vec![
            statement(
                db,
                &format!("DELETE FROM webhook_attempts WHERE delivery_id IN ({FINISHED})"),
                &params,
            )?,
            statement(
                db,
                &format!("DELETE FROM webhook_deliveries WHERE id IN ({FINISHED})"),
                &params,
            )?,
        ])
        .await?;
    Ok(results
        .last()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0))
}

/// A log kept for good but moved out of D1 when old: `audit_log` or `access_log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    /// Every change, by whom.
    Audit,
    /// Every staff read of an enterprise's confidential data.
    Access,
}

impl Log {
    /// The table's name.
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            Self::Audit => "audit_log",
            Self::Access => "access_log",
        }
    }

    /// Its oldest rows written before `?1`, at most `?2`, in id order.
    fn oldest_sql(self) -> &'static str {
        match self {
            Self::Audit => "SELECT * FROM audit_log WHERE at < ?1 ORDER BY id LIMIT ?2",
            Self::Access => "SELECT * FROM access_log WHERE at < ?1 ORDER BY id LIMIT ?2",
        }
    }

    /// Deletes its rows written before `?1` with ids up to `?2`.
    fn forget_sql(self) -> &'static str {
        match self {
            Self::Audit => "DELETE FROM audit_log WHERE at < ?1 AND id <= ?2",
            Self::Access => "DELETE FROM access_log WHERE at < ?1 AND id <= ?2",
        }
    }
}

/// The oldest rows of `log` written before `cutoff`, at most `limit`, each as one
/// JSON object (every column), in id order.
///
/// # Errors
///
/// The database failed.
pub async fn oldest(
    db: &(impl Prepare + ?Sized),
    log: Log,
    cutoff: &str,
    limit: i64,
) -> worker::Result<Vec<serde_json::Value>> {
    all(
        db,
        log.oldest_sql(),
        &[Param::Text(cutoff), Param::Int(limit)],
    )
    .await
}

/// Deletes the rows of `log` written before `cutoff` with ids up to `last`: exactly
/// the rows [`oldest`] gave, once they are archived.
///
/// # Errors
///
/// The database failed.
pub async fn forget_archived(
    db: &(impl Prepare + ?Sized),
    log: Log,
    cutoff: &str,
    last: i64,
) -> worker::Result<usize> {
    changed(statement(
        db,
        log.forget_sql(),
        &[Param::Text(cutoff), Param::Int(last)],
    )?)
    .await
}
