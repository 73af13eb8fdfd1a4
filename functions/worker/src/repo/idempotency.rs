//! Idempotency-Key records.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, statement};

/// What an earlier request with the same key created.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyRow {
    /// Fingerprint of the earlier body.
    pub request_hash: String,
    /// What it created.
    pub entity_type: String,
    /// Its id.
    pub entity_id: i64,
}

/// The record of `key` in `scope`, if any.
///
/// # Errors
///
/// The database failed.
pub async fn find(db: &D1Database, scope: &str, key: &str) -> worker::Result<Option<KeyRow>> {
    statement(
        db,
        "SELECT request_hash, entity_type, entity_id FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
        &[Param::Text(scope), Param::Text(key)],
    )?
    .first(None)
    .await
}

/// Records `key` for an enterprise registered in the same batch, found by its USCC.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_for_enterprise(
    db: &D1Database,
    scope: &str,
    key: &str,
    request_hash: &str,
    uscc: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO idempotency_keys (scope, key, request_hash, entity_type, entity_id, created_at)
         VALUES (?1, ?2, ?3, 'enterprise', (SELECT id FROM enterprises WHERE uscc = ?4), ?5)",
        &[Param::Text(scope), Param::Text(key), Param::Text(request_hash), Param::Text(uscc), Param::Text(now)],
    )
}

/// Records `key` for an entity created earlier in the same batch, right after its
/// audit row (written by [`super::audit::row_created`]): the entity's id is read
/// from that row, which is what `last_insert_rowid()` points at.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_after_audit(
    db: &D1Database,
    scope: &str,
    key: &str,
    request_hash: &str,
    entity_type: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO idempotency_keys (scope, key, request_hash, entity_type, entity_id, created_at)
         VALUES (?1, ?2, ?3, ?4,
                 (SELECT CAST(entity_id AS INTEGER) FROM audit_log WHERE id = last_insert_rowid()), ?5)",
        &[
            Param::Text(scope),
            Param::Text(key),
            Param::Text(request_hash),
            Param::Text(entity_type),
            Param::Text(now),
        ],
    )
}
