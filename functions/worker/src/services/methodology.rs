//! Identification methodologies as the rounds, the what-if preview and the pages use
//! them: the shipped default (`ppr_core::methodology::DEFAULT_DOCUMENT`) and the
//! documents a national admin loaded, found by `id@version`.

use ppr_core::methodology::{DEFAULT_DOCUMENT, Methodology, MethodologyDoc};
use worker::D1Database;

use crate::error::ApiError;
use crate::repo::rounds::{self, MethodologyRow};

/// The shipped default's document.
#[must_use]
pub fn default_doc() -> Option<MethodologyDoc> {
    Methodology::default_methodology()
        .ok()
        .map(|m| m.doc().clone())
}

/// The canonical stored form of a document: its fields re-serialised, so that two
/// texts of the same document compare equal.
///
/// # Errors
///
/// 500 if it cannot be serialised (a bug, logged).
pub fn canonical(doc: &MethodologyDoc) -> Result<String, ApiError> {
    serde_json::to_string(doc).map_err(|e| ApiError::internal_cause("methodology json", &e))
}

/// The row that stores the shipped default, for a batch that first uses it.
///
/// # Errors
///
/// 500 if the shipped document does not parse (a test holds it).
pub fn default_row(now: &str) -> Result<MethodologyRow, ApiError> {
    let doc =
        default_doc().ok_or_else(|| ApiError::internal_cause("default methodology", &"invalid"))?;
    Ok(MethodologyRow {
        id: doc.id.clone(),
        version: doc.version.clone(),
        document: canonical(&doc)?,
        loaded_at: now.to_owned(),
    })
}

/// Methodology `id@version` from the registry (or the shipped default), parsed.
///
/// # Errors
///
/// 500 when it is not there or does not parse (stored documents were checked when
/// loaded, so either is a bug, logged); the database failed.
pub async fn load_methodology(
    db: &D1Database,
    id: &str,
    version: &str,
) -> Result<Methodology, ApiError> {
    let text = match rounds::methodology(db, id, version).await? {
        Some(row) => row.document,
        None if default_doc().is_some_and(|d| d.id == id && d.version == version) => {
            DEFAULT_DOCUMENT.to_owned()
        }
        None => {
            return Err(ApiError::internal_cause(
                "methodology",
                &format!("{id}@{version} is not loaded"),
            ));
        }
    };
    Methodology::parse(&text).map_err(|errors| {
        ApiError::internal_cause(
            "stored methodology",
            &errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
