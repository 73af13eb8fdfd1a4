//! Sessions and the failed-login counters.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, statement};
use crate::clock::{parse_stamp, stamp};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::hours(2);

/// A session ends this long after login, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

/// A request renews the idle expiry at most this often, to spare writes.
pub const TOUCH_INTERVAL: Duration = Duration::minutes(5);

/// A live session and its user.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    /// The user.
    pub user_id: i64,
    /// Role code.
    pub role: String,
    /// Enterprise of an enterprise user.
    pub enterprise_id: Option<i64>,
    /// Scope of a regional admin.
    pub region_scope: Option<String>,
    /// E-mail address.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// CSRF token.
    pub csrf_token: String,
    /// Login time.
    pub created_at: String,
    /// Last renewal.
    pub last_seen_at: String,
    /// The session's key (hash of its token).
    pub token_hash: String,
}

/// The session with key `key` if it is live at `now` and its user is enabled.
///
/// # Errors
///
/// The database failed.
pub async fn find_live(
    db: &D1Database,
    key: &str,
    now: &str,
) -> worker::Result<Option<SessionRow>> {
    statement(
        db,
        "SELECT s.user_id, u.role, u.enterprise_id, u.region_scope, u.email, u.display_name,
                s.csrf_token, s.created_at, s.last_seen_at, s.token_hash
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL",
        &[Param::Text(key), Param::Text(now)],
    )?
    .first(None)
    .await
}

/// When a session seen at `at` expires: idle timeout, capped by the absolute one.
#[must_use]
pub fn expiry(created: DateTime<Utc>, at: DateTime<Utc>) -> DateTime<Utc> {
    (at + IDLE_TIMEOUT).min(created + ABSOLUTE_TIMEOUT)
}

/// Renews the idle expiry when the last renewal is older than [`TOUCH_INTERVAL`].
///
/// # Errors
///
/// The database failed.
pub async fn touch(db: &D1Database, row: &SessionRow, now: &str) -> worker::Result<()> {
    let (Some(at), Some(last), Some(created)) = (
        parse_stamp(now),
        parse_stamp(&row.last_seen_at),
        parse_stamp(&row.created_at),
    ) else {
        return Ok(());
    };
    if at - last < TOUCH_INTERVAL {
        return Ok(());
    }
    let expires = stamp(expiry(created, at));
    statement(
        db,
        "UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE token_hash = ?3",
        &[
            Param::Text(now),
            Param::Text(&expires),
            Param::Text(&row.token_hash),
        ],
    )?
    .run()
    .await?;
    Ok(())
}

/// A new session.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    key: &str,
    user_id: i64,
    csrf_token: &str,
    now: &str,
    expires: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        &[Param::Text(key), Param::Int(user_id), Param::Text(csrf_token), Param::Text(now), Param::Text(expires)],
    )
}

/// Ends a session.
///
/// # Errors
///
/// The database failed.
pub async fn delete(db: &D1Database, key: &str) -> worker::Result<()> {
    statement(
        db,
        "DELETE FROM sessions WHERE token_hash = ?1",
        &[Param::Text(key)],
    )?
    .run()
    .await?;
    Ok(())
}

/// Failures counted for a rate-limit key in its current window.
#[derive(Debug, Clone, Deserialize)]
pub struct FailureRow {
    /// The key.
    pub key: String,
    /// When the window started.
    pub window_start: String,
    /// Failures in it.
    pub failures: i64,
}

/// Counts one attempt for `key` as a failure, and gives the count: starts a new window
/// at `now` if the old one began at or before `since`. One statement increments and
/// returns, so parallel attempts each see their own count.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn count_failure(
    db: &D1Database,
    key: &str,
    now: &str,
    since: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO login_failures (key, window_start, failures) VALUES (?1, ?2, 1)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN window_start > ?3 THEN failures + 1 ELSE 1 END,
           window_start = CASE WHEN window_start > ?3 THEN window_start ELSE ?2 END
         RETURNING key, window_start, failures",
        &[Param::Text(key), Param::Text(now), Param::Text(since)],
    )
}

/// Takes back one attempt counted for `key` (it was not a failure after all).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn uncount_failure(db: &D1Database, key: &str) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE login_failures SET failures = max(failures - 1, 0) WHERE key = ?1",
        &[Param::Text(key)],
    )
}

/// Forgets the failures of `key` (after a successful login).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn clear_failures(db: &D1Database, key: &str) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "DELETE FROM login_failures WHERE key = ?1",
        &[Param::Text(key)],
    )
}
