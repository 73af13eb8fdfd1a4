//! The counters of the rate limits ([`crate::ratelimit`]).

use serde::Deserialize;
use worker::D1Database;

use super::{Param, statement};

/// A counter after one more attempt.
#[derive(Debug, Deserialize)]
pub struct Counted {
    /// Attempts in the window, this one included.
    pub hits: i64,
    /// When the window began.
    pub window_start: String,
}

/// Deletes the counters whose window began at or before `since`.
///
/// # Errors
///
/// The database failed.
pub async fn forget_before(db: &D1Database, since: &str) -> worker::Result<()> {
    statement(
        db,
        "DELETE FROM rate_limits WHERE window_start <= ?1",
        &[Param::Text(since)],
    )?
    .run()
    .await
    .map(|_| ())
}

/// Counts one attempt for `key` at `now`, starting a new window if the current one
/// began at or before `since`, in one statement (two requests at once both count).
///
/// # Errors
///
/// The database failed.
pub async fn hit(
    db: &D1Database,
    key: &str,
    now: &str,
    since: &str,
) -> worker::Result<Option<Counted>> {
    statement(
        db,
        "INSERT INTO rate_limits (key, window_start, hits) VALUES (?1, ?2, 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN window_start > ?3 THEN hits + 1 ELSE 1 END,
           window_start = CASE WHEN window_start > ?3 THEN window_start ELSE ?2 END
         RETURNING hits, window_start",
        &[Param::Text(key), Param::Text(now), Param::Text(since)],
    )?
    .first::<Counted>(None)
    .await
}
