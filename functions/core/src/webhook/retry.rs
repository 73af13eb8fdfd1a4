//! When to retry a delivery ([`RetrySchedule`], [`parse_retry_after`]) and when to give
//! up on an endpoint ([`should_disable`]).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::WebhookError;

/// The longest delay a Cloudflare Queue accepts for one message (12 h). Longer delays
/// are split by the caller: it enqueues with this delay and, when the message comes
/// back early, enqueues it again for the rest.
pub const QUEUE_MAX_DELAY_SECONDS: u64 = 43_200;

/// The most a receiver's `Retry-After` can push the next attempt out: a day, so that a
/// typo on their side cannot park a delivery for months.
pub const RETRY_AFTER_MAX_SECONDS: u64 = 86_400;

/// Endpoints failing continuously for this many days are disabled (and the region told).
pub const DISABLE_AFTER_DAYS: i64 = 5;

/// The delays before each delivery attempt, in seconds: entry `n` is the wait before
/// attempt `n + 1`, counted from the failure of the one before (the first from the
/// event). After the last attempt fails, the delivery goes to the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<u64>,
}

impl RetrySchedule {
    /// The design's schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h —
    /// about 27.6 hours in all.
    pub const DEFAULT_DELAYS: [u64; 8] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
    /// The most attempts a configured schedule may make.
    pub const MAX_ATTEMPTS: usize = 20;
    /// The longest single delay a configured schedule may hold: 7 days.
    pub const MAX_DELAY_SECONDS: u64 = 7 * 86_400;

    /// Reads a configured schedule: comma-separated whole seconds, such as `0,5,300`;
    /// whitespace around entries is ignored.
    ///
    /// # Errors
    ///
    /// [`WebhookError::ScheduleEntry`] for an entry that is not a non-negative integer;
    /// [`WebhookError::ScheduleDelay`] for one over [`Self::MAX_DELAY_SECONDS`];
    /// [`WebhookError::ScheduleLength`] for more than [`Self::MAX_ATTEMPTS`] entries.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let delays = text
            .split(',')
            .map(|entry| {
                let entry = entry.trim();
                if entry.is_empty() || !entry.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(WebhookError::ScheduleEntry {
                        input: entry.to_owned(),
                    });
                }
                // All digits: the only failure left is overflow, which is over the limit.
                let seconds = entry.parse().unwrap_or(u64::MAX);
                if seconds > Self::MAX_DELAY_SECONDS {
                    return Err(WebhookError::ScheduleDelay { seconds });
                }
                Ok(seconds)
            })
            .collect::<Result<Vec<u64>, _>>()?;
        if delays.len() > Self::MAX_ATTEMPTS {
            return Err(WebhookError::ScheduleLength {
                count: delays.len(),
            });
        }
        Ok(Self { delays })
    }

    /// The delays, one per attempt.
    #[must_use]
    pub fn delays(&self) -> &[u64] {
        &self.delays
    }

    /// How many attempts the schedule makes in all.
    #[must_use]
    pub fn attempts(&self) -> usize {
        self.delays.len()
    }

    /// The delay in seconds before the next attempt, after `attempts_made` attempts have
    /// failed (0 before the first), or `None` when the schedule is exhausted.
    ///
    /// `jitter` is a uniform random number in `[0, 1)` from the caller (values outside
    /// are clamped, NaN counts as 0); it scales the scheduled delay by a factor in
    /// `[0.9, 1.1)`, rounded to whole seconds, so retries of many deliveries that failed
    /// together spread out. A `Retry-After` from the receiver ([`parse_retry_after`])
    /// makes the wait at least that long, up to [`RETRY_AFTER_MAX_SECONDS`].
    #[must_use]
    pub fn next_delay(
        &self,
        attempts_made: usize,
        jitter: f64,
        retry_after: Option<u64>,
    ) -> Option<u64> {
        let scheduled = *self.delays.get(attempts_made)?;
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0 - f64::EPSILON)
        };
        let jittered = (scheduled as f64 * (0.9 + 0.2 * jitter)).round() as u64;
        let asked = retry_after.map_or(0, |seconds| seconds.min(RETRY_AFTER_MAX_SECONDS));
        Some(jittered.max(asked))
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            delays: Self::DEFAULT_DELAYS.to_vec(),
        }
    }
}

impl fmt::Display for RetrySchedule {
    /// The configuration form, which [`RetrySchedule::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .delays
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        f.write_str(&text)
    }
}

impl FromStr for RetrySchedule {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Reads a `Retry-After` header as seconds from `now`: either delta-seconds (`120`) or an
/// IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), rounded up to whole seconds; a date
/// in the past gives 0. `None` for anything else, which callers treat as no header.
#[must_use]
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: the only failure left is overflow, which the caller caps anyway.
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    let date = NaiveDateTime::parse_from_str(value, "%a, %d %b %Y %H:%M:%S GMT")
        .ok()?
        .and_utc();
    let millis = date.signed_duration_since(now).num_milliseconds();
    Some(u64::try_from(millis).map_or(0, |millis| millis.div_ceil(1_000)))
}

/// Whether an endpoint that has failed every delivery since `failing_since` should be
/// disabled: it has been failing for at least [`DISABLE_AFTER_DAYS`] days.
#[must_use]
pub fn should_disable(failing_since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(failing_since).num_days() >= DISABLE_AFTER_DAYS
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
