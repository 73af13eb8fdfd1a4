//! Data that stops growing. The scheduled job deletes what has served its purpose
//! once it is older than its retention period, and moves the logs that are kept for
//! good (the audit log, the access log) out of D1 into R2 once they are old:
//!
//! | What | Kept in D1 | Then |
//! |---|---|---|
//! | sessions | until they expire | deleted |
//! | sign-in failure counts | 1 day after their window began | deleted |
//! | rate-limit counters | until their window ends | deleted (`ratelimit::forget_ended`) |
//! | idempotency keys | 30 days | deleted: a request repeated later is a new one |
//! | webhook deliveries delivered or exhausted, with their attempts | 90 days after their last change | deleted (pending and held ones stay) |
//! | webhook events | 90 days, once fanned out and with no delivery left | deleted |
//! | audit log, access log | 2 years | archived to R2 (`DOCUMENTS`, `archive/…`), then deleted from D1 |
//!
//! Each run does at most [`PER_RUN`] rows of each kind, so a backlog is worked off
//! over several runs inside one invocation's limits. An archive chunk is written
//! before its rows are deleted, under a name made of its first and last ids: a run
//! that stops between the two writes the same chunk again, and no row is lost or
//! archived twice.

use chrono::{DateTime, Duration, Utc};
use worker::HttpMetadata;

use crate::clock::stamp;
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::retention::{self, Aged, Log};

/// Most rows of each kind one run deletes or archives.
pub const PER_RUN: i64 = 2_000;

/// How long sign-in failure counts are kept after their window began.
pub const LOGIN_FAILURES: Duration = Duration::days(1);
/// How long an idempotency key is honoured.
pub const IDEMPOTENCY_KEYS: Duration = Duration::days(30);
/// How long finished webhook deliveries and their events are kept.
pub const WEBHOOK_HISTORY: Duration = Duration::days(90);
/// How long the audit and access logs stay in D1 before they are archived.
pub const LOGS_IN_D1: Duration = Duration::days(730);

/// The R2 key of an archive chunk of `log` holding ids `first` to `last`.
#[must_use]
pub fn archive_key(log: Log, first: i64, last: i64) -> String {
    format!("archive/{}/{first:012}-{last:012}.jsonl.gz", log.table())
}

/// Runs every sweep once at `now`. Each failure is logged and the rest go on.
pub async fn sweep(config: &Config, now: DateTime<Utc>) {
    let db = &config.db;
    let add = |result: worker::Result<usize>, what: &str| {
        if let Err(err) = result {
            let _ = ApiError::internal_cause(what, &err);
        }
    };
    let history = stamp(now - WEBHOOK_HISTORY);
    // Deliveries before events: an event goes only once no delivery is left.
    add(
        retention::finished_deliveries(db, &history, PER_RUN).await,
        "sweep webhook deliveries",
    );
    for (what, cutoff) in [
        (Aged::Sessions, stamp(now)),
        (Aged::LoginFailures, stamp(now - LOGIN_FAILURES)),
        (Aged::IdempotencyKeys, stamp(now - IDEMPOTENCY_KEYS)),
        (Aged::WebhookEvents, history),
    ] {
        add(
            retention::delete(db, what, &cutoff, PER_RUN).await,
            &format!("sweep {what:?}"),
        );
    }
    for log in [Log::Audit, Log::Access] {
        if let Err(err) = archive(config, log, &stamp(now - LOGS_IN_D1)).await {
            let _ = ApiError::internal_cause("archive log", &err);
        }
    }
}

/// Moves the oldest rows of `log` written before `cutoff` (at most [`PER_RUN`]) to
/// one gzip-compressed JSON Lines object in R2, then deletes them from D1.
async fn archive(config: &Config, log: Log, cutoff: &str) -> Result<usize, String> {
    let rows = retention::oldest(&config.db, log, cutoff, PER_RUN)
        .await
        .map_err(|e| e.to_string())?;
    let id = |row: Option<&serde_json::Value>| row.and_then(|r| r["id"].as_i64());
    let (Some(first), Some(last)) = (id(rows.first()), id(rows.last())) else {
        return Ok(0);
    };
    let mut text = String::new();
    for row in &rows {
        text.push_str(&row.to_string());
        text.push('\n');
    }
    let bytes = crate::open_data::files::gzip(&text).map_err(|e| e.to_string())?;
    config
        .documents
        .put(archive_key(log, first, last), bytes)
        .http_metadata(HttpMetadata {
            content_type: Some("application/gzip".to_owned()),
            ..HttpMetadata::default()
        })
        .execute()
        .await
        .map_err(|e| e.to_string())?;
    retention::forget_archived(&config.db, log, cutoff, last)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_chunks_sort_by_their_ids() {
        let a = archive_key(Log::Audit, 1, 2_000);
        let b = archive_key(Log::Audit, 2_001, 4_000);
        assert_eq!(a, "archive/audit_log/000000000001-000000002000.jsonl.gz");
        assert!(a < b);
        assert!(archive_key(Log::Access, 10_000_000, 10_001_999) > archive_key(Log::Access, 9, 99));
    }
}
