//! Platform settings: JSON values by key; a missing key means the shipped default.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A stored setting.
#[derive(Debug, Clone, Deserialize)]
pub struct SettingRow {
    /// Key.
    pub key: String,
    /// JSON value.
    pub value: String,
    /// Last change.
    pub updated_at: String,
    /// Who changed it (e-mail).
    pub updated_by: String,
}

/// The stored value of `key`, if any.
///
/// # Errors
///
/// The database failed.
pub async fn get(db: &D1Database, key: &str) -> worker::Result<Option<String>> {
    let row: Option<SettingRow> = first(
        db,
        "SELECT key, value, updated_at, updated_by FROM settings WHERE key = ?1",
        &[Param::Text(key)],
    )
    .await?;
    Ok(row.map(|r| r.value))
}

/// Every stored setting.
///
/// # Errors
///
/// The database failed.
pub async fn list(db: &D1Database) -> worker::Result<Vec<SettingRow>> {
    all(
        db,
        "SELECT key, value, updated_at, updated_by FROM settings ORDER BY key",
        &[],
    )
    .await
}

/// Stores `value` under `key`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn put(
    db: &D1Database,
    key: &str,
    value: &str,
    by: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
            updated_by = excluded.updated_by",
        &[
            Param::Text(key),
            Param::Text(value),
            Param::Text(now),
            Param::Text(by),
        ],
    )
}
