//! The request's notion of now. Instants are stored as RFC 3339 UTC text with
//! milliseconds (`2026-11-26T08:00:00.000Z`), which sorts as it reads.

use chrono::{DateTime, SecondsFormat, Utc};
use worker::Request;

use crate::config::Config;

/// The header that carries the instant (RFC 3339) a request runs at, when allowed.
pub const DEV_CLOCK_HEADER: &str = "x-ppr-now";

/// The business clock of a request: now, or the instant of its `x-ppr-now` header
/// when the dev clock is allowed. Sessions always use the real clock.
#[must_use]
pub fn request_now(req: &Request, config: &Config) -> DateTime<Utc> {
    if config.dev_clock
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
