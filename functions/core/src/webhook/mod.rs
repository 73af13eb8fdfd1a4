//! Webhooks to province systems: the [Standard Webhooks] signature scheme and the rules
//! of delivery.
//!
//! Each delivery is a POST whose headers are `webhook-id` (the event's id, the same on
//! every retry, which receivers dedupe on), `webhook-timestamp` (Unix seconds of this
//! attempt) and `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`
//! under the endpoint's secret `whsec_<base64>`, one signature per secret, separated by a
//! space, while a secret is being rotated. A receiver's existing Standard Webhooks library
//! verifies what we send; the tests pin the scheme to the reference libraries' vectors.
//!
//! This module holds the pure parts of delivery:
//!
//! - secrets ([`Secret`]), signing ([`sign`], [`signature_header`]) and verification
//!   ([`verify`], for the fake receiver in tests and for anyone reading our code as an
//!   example);
//! - the event types ([`EventType`]) and an endpoint's subscription
//!   ([`parse_event_types`]), and event ids ([`event_id`]);
//! - when to retry ([`RetrySchedule`], [`parse_retry_after`]) and when to give up on an
//!   endpoint ([`should_disable`]);
//! - which URLs we call at all ([`check_endpoint_url`]): `https` to a public host, so that
//!   a registered endpoint cannot point the Worker at a private network.
//!
//! Like the rest of the crate it does no I/O and reads neither the clock nor a random
//! source: callers pass "now" and random bytes in.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com

use std::fmt;
use std::str::FromStr;

use crate::serde_str::serde_as_string;

mod endpoint_url;
mod retry;
mod signature;

pub use endpoint_url::{
    EndpointUrl, LOCAL_HTTP_HOST, URL_MAX_LENGTH, UrlError, addresses_in_dns_json,
    check_endpoint_url, check_resolved,
};
pub use retry::{
    DISABLE_AFTER_DAYS, QUEUE_MAX_DELAY_SECONDS, RETRY_AFTER_MAX_SECONDS, RetrySchedule,
    parse_retry_after, should_disable,
};
pub use signature::{
    SECRET_MAX_BYTES, SECRET_MIN_BYTES, SECRET_PREFIX, Secret, TIMESTAMP_TOLERANCE_SECONDS, sign,
    signature_header, verify,
};

/// The header carrying the event's id ([`event_id`]).
pub const HEADER_ID: &str = "webhook-id";
/// The header carrying the attempt's Unix timestamp in seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying the space-separated signatures ([`signature_header`]).
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// Why a secret, a signature, a subscription or a retry schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The secret is not standard base64 with padding.
    #[error(
        "the signing secret is not valid: a secret is whsec_ followed by standard base64 \
         (with = padding); copy it again in full"
    )]
    SecretFormat,
    /// The secret decodes to too few or too many bytes.
    #[error(
        "the signing secret holds {len} bytes; it must hold {min} to {max} random bytes, \
         so generate a new one",
        min = SECRET_MIN_BYTES,
        max = SECRET_MAX_BYTES
    )]
    SecretLength {
        /// The number of bytes decoded.
        len: usize,
    },
    /// The `webhook-timestamp` header is not an integer.
    #[error("the webhook-timestamp {input:?} is not a whole number of seconds since 1970")]
    Timestamp {
        /// The header's value.
        input: String,
    },
    /// The timestamp is older than the tolerance: a replay, or a request held up on the way.
    #[error(
        "the webhook-timestamp is {age} s old, more than the {tolerance} s allowed; a \
         replayed request, or a clock that is wrong",
        tolerance = TIMESTAMP_TOLERANCE_SECONDS
    )]
    TimestampTooOld {
        /// Seconds between the timestamp and now.
        age: i64,
    },
    /// The timestamp is further in the future than the tolerance.
    #[error(
        "the webhook-timestamp is {ahead} s in the future, more than the {tolerance} s \
         allowed; check the sender's and the receiver's clocks",
        tolerance = TIMESTAMP_TOLERANCE_SECONDS
    )]
    TimestampInFuture {
        /// Seconds between now and the timestamp.
        ahead: i64,
    },
    /// The signature header holds no `v1` signature at all.
    #[error("the webhook-signature header holds no v1 signature")]
    NoSignature,
    /// No `v1` signature matches.
    #[error(
        "no v1 signature in the webhook-signature header matches; check the secret, and \
         verify the body byte for byte as received, before parsing it"
    )]
    SignatureMismatch,
    /// A subscription names no event type.
    #[error("choose at least one event type to subscribe to")]
    NoEventTypes,
    /// A subscription names an unknown event type.
    #[error("{input:?} is no event type; choose from {known}", known = subscribable_codes())]
    UnknownEventType {
        /// The name as given.
        input: String,
    },
    /// A subscription names the test event, which every endpoint receives anyway.
    #[error(
        "webhook.test cannot be subscribed to: every endpoint receives test events, so \
         leave it out of the list"
    )]
    TestNotSubscribable,
    /// A retry schedule has no entries or too many.
    #[error(
        "a retry schedule has 1 to {max} delays, not {count}",
        max = RetrySchedule::MAX_ATTEMPTS
    )]
    ScheduleLength {
        /// The number of entries given.
        count: usize,
    },
    /// A retry schedule entry is not a whole number of seconds.
    #[error(
        "{input:?} in the retry schedule is not a whole number of seconds; write \
         comma-separated delays such as 0,5,300"
    )]
    ScheduleEntry {
        /// The entry as given.
        input: String,
    },
    /// A retry schedule entry is longer than a week.
    #[error(
        "a retry delay of {seconds} s is longer than the {max} s (7 days) allowed",
        max = RetrySchedule::MAX_DELAY_SECONDS
    )]
    ScheduleDelay {
        /// The entry's seconds.
        seconds: u64,
    },
}

impl WebhookError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::SecretFormat => "secret_format",
            Self::SecretLength { .. } => "secret_length",
            Self::Timestamp { .. } => "timestamp",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampInFuture { .. } => "timestamp_in_future",
            Self::NoSignature => "no_signature",
            Self::SignatureMismatch => "signature_mismatch",
            Self::NoEventTypes => "no_event_types",
            Self::UnknownEventType { .. } => "unknown_event_type",
            Self::TestNotSubscribable => "test_not_subscribable",
            Self::ScheduleLength { .. } => "schedule_length",
            Self::ScheduleEntry { .. } => "schedule_entry",
            Self::ScheduleDelay { .. } => "schedule_delay",
        }
    }
}

/// A new event id: `msg_` and the 16 random bytes as 32 lowercase hex digits. The caller
/// draws the bytes from a secure source; hex has no `.`, which the signed text forbids,
/// and is safe in URLs and logs.
#[must_use]
pub fn event_id(random: [u8; 16]) -> String {
    let hex: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("msg_{hex}")
}

// --- Event types ------------------------------------------------------------------------

/// What happened. Endpoints subscribe to a list of these; every endpoint also receives
/// [`EventType::Test`] when its owner asks for a test delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// An enterprise submitted a filing for review.
    FilingSubmitted,
    /// A regional office returned a filing for changes.
    FilingReturned,
    /// A product was recorded in the registry.
    ProductRecorded,
    /// A recorded product's details changed.
    ProductUpdated,
    /// A recorded product was revoked.
    ProductRevoked,
    /// A round's list of identified products was published.
    IdentificationPublished,
    /// The monthly report is published.
    ReportMonthly,
    /// A test delivery asked for by the endpoint's owner.
    Test,
}

/// The event types an endpoint may subscribe to: all but [`EventType::Test`], in
/// declaration order.
pub const SUBSCRIBABLE: [EventType; 7] = [
    EventType::FilingSubmitted,
    EventType::FilingReturned,
    EventType::ProductRecorded,
    EventType::ProductUpdated,
    EventType::ProductRevoked,
    EventType::IdentificationPublished,
    EventType::ReportMonthly,
];

impl EventType {
    /// Every event type, in declaration order.
    pub const ALL: [EventType; 8] = [
        Self::FilingSubmitted,
        Self::FilingReturned,
        Self::ProductRecorded,
        Self::ProductUpdated,
        Self::ProductRevoked,
        Self::IdentificationPublished,
        Self::ReportMonthly,
        Self::Test,
    ];

    /// The type's name on the wire, in payloads and in subscriptions: full-stop
    /// separated, as the specification recommends.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::FilingSubmitted => "filing.submitted",
            Self::FilingReturned => "filing.returned",
            Self::ProductRecorded => "product.recorded",
            Self::ProductUpdated => "product.updated",
            Self::ProductRevoked => "product.revoked",
            Self::IdentificationPublished => "identification.published",
            Self::ReportMonthly => "report.monthly",
            Self::Test => "webhook.test",
        }
    }

    /// The type named by `code` exactly, or `None`.
    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for EventType {
    type Err = WebhookError;

    /// As [`EventType::parse`], with an error that names the known types.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| WebhookError::UnknownEventType {
            input: s.to_owned(),
        })
    }
}

serde_as_string!(EventType);

/// The subscribable codes, for messages.
fn subscribable_codes() -> String {
    SUBSCRIBABLE
        .iter()
        .map(|t| t.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads an endpoint's subscription: the event types, deduplicated and in declaration
/// order, whatever order they were given in. Surrounding whitespace is ignored.
///
/// # Errors
///
/// [`WebhookError::NoEventTypes`] for an empty list; [`WebhookError::UnknownEventType`]
/// for a name that is no type; [`WebhookError::TestNotSubscribable`] for `webhook.test`.
pub fn parse_event_types(list: &[String]) -> Result<Vec<EventType>, WebhookError> {
    if list.is_empty() {
        return Err(WebhookError::NoEventTypes);
    }
    let mut types = list
        .iter()
        .map(|name| match name.trim().parse()? {
            EventType::Test => Err(WebhookError::TestNotSubscribable),
            event_type => Ok(event_type),
        })
        .collect::<Result<Vec<_>, _>>()?;
    types.sort_unstable();
    types.dedup();
    Ok(types)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
