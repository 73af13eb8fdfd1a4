//! The `Idempotency-Key` header of creating POSTs: a repeat with the same key and body
//! returns what the first created; the same key with another body is refused.

use worker::{D1Database, D1PreparedStatement, Request};

use crate::error::ApiError;
use crate::http::Reply;
use crate::repo::idempotency as keys;

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

/// One creating request's idempotency: its key (if sent), scoped to the user, and the
/// fingerprint of its body.
#[derive(Debug, Clone)]
pub struct Creation {
    scope: String,
    key: Option<String>,
    request_hash: String,
    entity_type: &'static str,
}

impl Creation {
    /// Reads the key of a request that creates an `entity_type` for `user_id`.
    ///
    /// # Errors
    ///
    /// 400 for a malformed key.
    pub fn begin(
        req: &Request,
        user_id: i64,
        entity_type: &'static str,
        body: &[u8],
    ) -> Result<Self, ApiError> {
        Ok(Self {
            scope: format!("{entity_type}.create:{user_id}"),
            key: key(req)?,
            request_hash: crate::auth::sha256_hex(body),
            entity_type,
        })
    }

    /// The id created by an earlier request with the same key, if there was one.
    ///
    /// # Errors
    ///
    /// 422 `idempotency_key_reused` when the key came with another body; the database
    /// failed.
    pub async fn replayed(&self, db: &D1Database) -> Result<Option<i64>, ApiError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let Some(found) = keys::find(db, &self.scope, key).await? else {
            return Ok(None);
        };
        if found.request_hash != self.request_hash || found.entity_type != self.entity_type {
            return Err(reused());
        }
        Ok(Some(found.entity_id))
    }

    /// The statement that records the key, to go right after the entity's audit row
    /// ([`crate::repo::audit::row_created`]) in the creating batch: see
    /// [`crate::write::Write::audit_created`].
    ///
    /// # Errors
    ///
    /// D1 refuses the binding.
    pub fn record(
        &self,
        db: &D1Database,
        now: &str,
    ) -> worker::Result<Option<D1PreparedStatement>> {
        self.key
            .as_ref()
            .map(|key| {
                keys::insert_after_audit(
                    db,
                    &self.scope,
                    key,
                    &self.request_hash,
                    self.entity_type,
                    now,
                )
            })
            .transpose()
    }
}

/// Marks a reply as the replay of an earlier request.
#[must_use]
pub fn mark_replayed(reply: Reply) -> Reply {
    reply.with_header("idempotent-replayed", "true".to_owned())
}
