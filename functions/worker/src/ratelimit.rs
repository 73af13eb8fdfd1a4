//! Rate limits on what anyone can create without an account: enterprise registrations,
//! port applications and objections filed anonymously. Each is counted per client
//! address (`CF-Connecting-IP`, which Cloudflare sets and a client cannot) in a fixed
//! window; past the limit the answer is 429 `too_many_attempts` with `Retry-After`.
//! Replays of an `Idempotency-Key` are answered before the count, so a client retrying
//! one request is never refused. (Failed sign-ins have their own limit, per account
//! and per address, in [`crate::handlers::sessions`].)

use chrono::Duration;

use crate::app::Ctx;
use crate::clock::{parse_stamp, stamp};
use crate::error::ApiError;
use crate::repo::rate_limits;

/// One limit: at most `max` attempts of `action` per client address per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// What is counted (the counter's key prefix).
    pub action: &'static str,
    /// Attempts allowed in a window.
    pub max: i64,
    /// The window.
    pub window: Duration,
}

/// Enterprise registrations: a person registers one enterprise, an agent a few.
pub const REGISTRATION: Limit = Limit {
    action: "registration",
    max: 20,
    window: Duration::hours(1),
};

/// Port applications: an office applies once.
pub const PORT_APPLICATION: Limit = Limit {
    action: "port_application",
    max: 5,
    window: Duration::hours(1),
};

/// Objections filed without an account.
pub const ANONYMOUS_OBJECTION: Limit = Limit {
    action: "objection",
    max: 10,
    window: Duration::hours(1),
};

/// The client's address as Cloudflare reports it.
#[must_use]
pub fn client_address(ctx: &Ctx<'_>) -> String {
    ctx.req
        .headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".to_owned())
}

impl Limit {
    /// Counts this attempt from the client's address.
    ///
    /// # Errors
    ///
    /// 429 with `Retry-After` (the window's end) past the limit; the database failed.
    pub async fn admit(&self, ctx: &Ctx<'_>) -> Result<(), ApiError> {
        let key = format!("{}:{}", self.action, client_address(ctx));
        let since = stamp(ctx.now - self.window);
        let counted = rate_limits::hit(&ctx.db()?, &key, &ctx.stamp, &since).await?;
        let Some(counted) = counted.filter(|c| c.hits > self.max) else {
            return Ok(());
        };
        let ends = parse_stamp(&counted.window_start).map_or(ctx.now, |start| start + self.window);
        Err(ApiError::too_many_requests(
            (ends - ctx.now).num_seconds() + 1,
            format!(
                "at most {} of these in {} minutes from one address; wait until the time in Retry-After, then try again",
                self.max,
                self.window.num_minutes()
            ),
        ))
    }
}
