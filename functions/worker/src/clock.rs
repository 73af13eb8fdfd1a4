//! The request's notion of now. Instants are stored as RFC 3339 UTC text with
//! milliseconds (`2026-11-26T08:00:00.000Z`), which sorts as it reads.

use chrono::{DateTime, SecondsFormat, Utc};
use worker::{Env, Request};

/// The variable that lets a request set the business clock: `allow` in local
/// development and in the tests (`wrangler dev --var PPR_DEV_CLOCK:allow`), so a test
/// can step past a deadline or a public notice. Never set it in a deployment.
pub const DEV_CLOCK_VAR: &str = "PPR_DEV_CLOCK";

/// The header that carries the instant (RFC 3339) a request runs at, when allowed.
pub const DEV_CLOCK_HEADER: &str = "x-ppr-now";

/// The business clock of a request: now, or the instant of its `x-ppr-now` header
/// when the dev clock is allowed. Sessions always use the real clock.
#[must_use]
pub fn request_now(req: &Request, env: &Env) -> DateTime<Utc> {
    let allowed = env
        .var(DEV_CLOCK_VAR)
        .is_ok_and(|v| v.to_string() == "allow");
    if allowed
        && let Some(at) = req
            .headers()
            .get(DEV_CLOCK_HEADER)
            .ok()
            .flatten()
            .and_then(|text| parse_stamp(&text))
    {
        return at;
    }
    now()
}

/// Now, from the runtime's clock.
#[must_use]
pub fn now() -> DateTime<Utc> {
    let millis = i64::try_from(worker::Date::now().as_millis()).unwrap_or_default();
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// An instant as stored.
#[must_use]
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A stored instant, if it is one.
#[must_use]
pub fn parse_stamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
