//! The `Idempotency-Key` header of creating POSTs: a repeat with the same key and body
//! returns what the first created; the same key with another body is refused.

use worker::Request;

use crate::error::ApiError;

/// The longest key accepted; UUIDs and ULIDs fit many times over.
pub const MAX_KEY_LEN: usize = 255;

/// The key sent, if any.
///
/// # Errors
///
/// 400 `invalid_idempotency_key`: empty, too long, or not visible ASCII.
pub fn key(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(key) = req.headers().get("idempotency-key").ok().flatten() else {
        return Ok(None);
    };
    let key = key.trim().to_owned();
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_header(
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
        ));
    }
    Ok(Some(key))
}

/// 422 for a key reused with another body.
#[must_use]
pub fn reused() -> ApiError {
    let mut err = ApiError::validation(
        "this Idempotency-Key was used with a different request; use a new key for a new request",
        Vec::new(),
    );
    err.code = "idempotency_key_reused";
    err
}
