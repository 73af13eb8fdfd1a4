//! What the enterprise's pages share: the signed-in user's enterprise, and the
//! context and labels of the wasm client's what-if preview.

use super::{Lang, strings};
use crate::auth::Principal;
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::{accounts, rounds};
use crate::services::methodology::load_methodology;

/// The labels of the wasm client's what-if preview, in `lang`.
pub fn form_strings(lang: Lang) -> Result<serde_json::Value, ApiError> {
    let t = strings(lang)?;
    let label = |key: &str| t.get(key).cloned().unwrap_or_default();
    Ok(serde_json::json!({
        "indicator": label("preview_indicator"), "value": label("preview_value"),
        "benchmark": label("preview_benchmark"), "passed": label("preview_passed"),
        "yes": label("yes"), "no": label("no"), "unavailable": label("preview_unavailable"),
        "identified": label("filter_identified"),
    }))
}

/// The newest benchmark set with its methodology document, for the wasm client's
/// what-if preview; null before any round computed one.
pub async fn preview_context(config: &Config) -> Result<serde_json::Value, ApiError> {
    let db = &config.db;
    let Some(row) = rounds::current_benchmark_set(db).await? else {
        return Ok(serde_json::Value::Null);
    };
    let set: serde_json::Value = serde_json::from_str(&row.content)
        .map_err(|e| ApiError::internal_cause("stored set", &e))?;
    let id = set
        .get("methodology")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let version = set
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let methodology = load_methodology(db, id, version).await?;
    Ok(serde_json::json!({"round": row.year, "methodology": methodology.doc(), "set": set}))
}

/// The USCC and name of the signed-in enterprise user's enterprise.
///
/// # Errors
///
/// The user has no enterprise or it is gone (both logged); the database failed.
pub async fn enterprise_of(
    config: &Config,
    principal: &Principal,
) -> Result<(String, String), ApiError> {
    let db = &config.db;
    let id = principal
        .enterprise_id
        .ok_or_else(|| ApiError::internal_cause("enterprise user", &"no enterprise"))?;
    let e = accounts::enterprise_by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("enterprise", &id))?;
    Ok((e.uscc, e.name))
}
