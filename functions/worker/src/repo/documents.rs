//! Uploaded documents' metadata (the bytes live in R2 under `r2_key`).

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A document as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct DocumentRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub enterprise_id: i64,
    /// `verification` or `evidence`.
    pub purpose: String,
    /// Key of the object in R2.
    pub r2_key: String,
    /// File name as uploaded (cleaned).
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Upload time.
    pub uploaded_at: String,
}

const COLUMNS: &str =
    "id, enterprise_id, purpose, r2_key, filename, content_type, size_bytes, sha256, uploaded_at";

/// A new document.
#[derive(Debug, Clone, Copy)]
pub struct NewDocument<'a> {
    /// Owner.
    pub enterprise_id: i64,
    /// Purpose code.
    pub purpose: &'a str,
    /// R2 key.
    pub r2_key: &'a str,
    /// File name.
    pub filename: &'a str,
    /// Media type.
    pub content_type: &'a str,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256 hex.
    pub sha256: &'a str,
    /// Uploader.
    pub uploaded_by: i64,
}

/// Inserts a document.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    d: &NewDocument<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO documents
           (enterprise_id, purpose, r2_key, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         RETURNING id",
        &[
            Param::Int(d.enterprise_id),
            Param::Text(d.purpose),
            Param::Text(d.r2_key),
            Param::Text(d.filename),
            Param::Text(d.content_type),
            Param::Int(d.size_bytes),
            Param::Text(d.sha256),
            Param::Int(d.uploaded_by),
            Param::Text(now),
        ],
    )
}

/// One document of an enterprise.
///
/// # Errors
///
/// The database failed.
pub async fn by_id(
    db: &D1Database,
    enterprise_id: i64,
    id: i64,
) -> worker::Result<Option<DocumentRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM documents WHERE enterprise_id = ?1 AND id = ?2"),
        &[Param::Int(enterprise_id), Param::Int(id)],
    )
    .await
}

/// An enterprise's documents, newest first, optionally of one purpose.
///
/// # Errors
///
/// The database failed.
pub async fn list(
    db: &D1Database,
    enterprise_id: i64,
    purpose: Option<&str>,
) -> worker::Result<Vec<DocumentRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM documents
             WHERE enterprise_id = ?1 AND (?2 IS NULL OR purpose = ?2)
             ORDER BY id DESC LIMIT 500"
        ),
        &[Param::Int(enterprise_id), Param::OptText(purpose)],
    )
    .await
}
