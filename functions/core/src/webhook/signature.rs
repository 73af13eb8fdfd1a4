//! Secrets, signing and verification: the [Standard Webhooks] symmetric scheme,
//! `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under a `whsec_` secret.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use super::WebhookError;

/// The prefix that marks a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The fewest key bytes a secret may hold: the specification asks for at least 192 bits.
pub const SECRET_MIN_BYTES: usize = 24;
/// The most key bytes a secret may hold: the specification's 512-bit maximum, which is
/// also SHA-256's block size, so a key is never hashed down before use.
pub const SECRET_MAX_BYTES: usize = 64;
/// How far a `webhook-timestamp` may be from "now", either way, before [`verify`] refuses
/// it as a replay: the reference libraries' 5 minutes.
pub const TIMESTAMP_TOLERANCE_SECONDS: i64 = 300;

/// The version tag of symmetric (HMAC-SHA256) signatures.
const SIGNATURE_VERSION: &str = "v1";

type HmacSha256 = Hmac<Sha256>;

/// An endpoint's signing key. Its `Debug` shows the length only, never the key; the
/// text form (`whsec_<base64>`) comes only from [`Secret::encode`].
#[derive(Clone)]
pub struct Secret {
    key: Vec<u8>,
}

impl Secret {
    /// Reads `whsec_<base64>`, or the bare base64 as the reference libraries also accept,
    /// ignoring surrounding whitespace.
    ///
    /// # Errors
    ///
    /// [`WebhookError::SecretFormat`] when the text is not standard padded base64;
    /// [`WebhookError::SecretLength`] when the key is not [`SECRET_MIN_BYTES`] to
    /// [`SECRET_MAX_BYTES`] long.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let text = text.trim();
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let key = BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::SecretFormat)?;
        if !(SECRET_MIN_BYTES..=SECRET_MAX_BYTES).contains(&key.len()) {
            return Err(WebhookError::SecretLength { len: key.len() });
        }
        Ok(Self { key })
    }

    /// A new secret from 32 random bytes, which the caller draws from a secure source.
    #[must_use]
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self {
            key: bytes.to_vec(),
        }
    }

    /// The secret's text form, `whsec_<base64>`, to show once to the endpoint's owner
    /// and to store.
    #[must_use]
    pub fn encode(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.key))
    }

    /// An HMAC-SHA256 keyed with the secret.
    fn mac(&self) -> HmacSha256 {
        // HMAC pads a key shorter than the hash's block with zeros, so the padded block
        // is the same key; it makes keying infallible (keys are at most one block long).
        let mut block = [0_u8; SECRET_MAX_BYTES];
        for (slot, byte) in block.iter_mut().zip(&self.key) {
            *slot = *byte;
        }
        <HmacSha256 as hmac::digest::KeyInit>::new(&block.into())
    }

    /// The MAC over `{msg_id}.{timestamp}.{payload}`, before finalising.
    fn mac_over(&self, msg_id: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
        let mut mac = self.mac();
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("len", &self.key.len())
            .finish_non_exhaustive()
    }
}

/// The signature of one delivery attempt: `v1,<base64 HMAC-SHA256 of
/// "{msg_id}.{timestamp}.{payload}">`.
///
/// `msg_id` must not contain a `.` (the specification's rule, which ids from
/// [`event_id`](super::event_id) keep), so that the signed text splits one way only.
#[must_use]
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, payload: &[u8]) -> String {
    let tag = secret
        .mac_over(msg_id, timestamp, payload)
        .finalize()
        .into_bytes();
    format!("{SIGNATURE_VERSION},{}", BASE64.encode(tag))
}

/// The `webhook-signature` header: one [`sign`]ature per secret, in the order given,
/// separated by a single space. During a rotation, pass the new secret and the old one;
/// receivers accept the delivery if any signature matches their secret.
#[must_use]
pub fn signature_header(
    secrets: &[&Secret],
    msg_id: &str,
    timestamp: i64,
    payload: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| sign(secret, msg_id, timestamp, payload))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verifies a delivery as a receiver does: the timestamp is within
/// [`TIMESTAMP_TOLERANCE_SECONDS`] of `now` (Unix seconds), and some `v1` signature in the
/// space-separated header matches, compared in constant time. Signatures of other
/// versions (`v1a`, `v2`, …) are ignored.
///
/// # Errors
///
/// [`WebhookError::Timestamp`] when the timestamp is not an integer;
/// [`WebhookError::TimestampTooOld`] or [`WebhookError::TimestampInFuture`] outside the
/// tolerance; [`WebhookError::NoSignature`] when the header holds no `v1` signature;
/// [`WebhookError::SignatureMismatch`] when none matches.
pub fn verify(
    secret: &Secret,
    msg_id: &str,
    timestamp: &str,
    signature_header: &str,
    payload: &[u8],
    now: i64,
) -> Result<(), WebhookError> {
    let seconds: i64 = timestamp.parse().map_err(|_| WebhookError::Timestamp {
        input: timestamp.to_owned(),
    })?;
    let age = now.saturating_sub(seconds);
    if age > TIMESTAMP_TOLERANCE_SECONDS {
        return Err(WebhookError::TimestampTooOld { age });
    }
    if age < -TIMESTAMP_TOLERANCE_SECONDS {
        return Err(WebhookError::TimestampInFuture {
            ahead: age.saturating_neg(),
        });
    }
    // Signed as the number it reads as, as the reference libraries do.
    let expected = secret.mac_over(msg_id, seconds, payload);
    let mut candidates = signature_header
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == SIGNATURE_VERSION)
        .peekable();
    if candidates.peek().is_none() {
        return Err(WebhookError::NoSignature);
    }
    // `verify_slice` compares in constant time; an entry that is not base64 cannot match.
    let matched = candidates.any(|(_, encoded)| {
        BASE64
            .decode(encoded)
            .is_ok_and(|tag| expected.clone().verify_slice(&tag).is_ok())
    });
    if matched {
        Ok(())
    } else {
        Err(WebhookError::SignatureMismatch)
    }
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
