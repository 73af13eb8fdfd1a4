//! Uploaded documents: verification papers and filing evidence, stored in R2.
//!
//! `POST /api/v1/enterprises/{uscc}/documents?purpose=evidence&filename=invoice.pdf`
//! with the file as the raw body and its `Content-Type`: PDF, PNG or JPEG up to
//! 10 MiB, checked against the file's first bytes. The bytes go to R2 first, then
//! the metadata to D1; if D1 fails, the object is deleted again, so no listed
//! document lacks its bytes. Documents are confidential: only the enterprise and
//! staff who may read its records download them.

use ppr_core::document::{DocumentPurpose, DocumentType, MAX_DOCUMENT_BYTES, clean_filename};
use serde::Serialize;
use worker::{Bucket, HttpMetadata};

use crate::auth::{Principal, hex, random_bytes, sha256_hex};
use crate::authz::{Access, enterprise_access, require_verified};
use crate::body::read_limited;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::accounts::EnterpriseRow;
use crate::repo::audit::Entry;
use crate::repo::documents::{self, DocumentRow, NewDocument};
use crate::write::{Created, Write};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/enterprises/{uscc}/documents", list_documents(ctx), Roles::EnterpriseRead),
    operation!(POST "/api/v1/enterprises/{uscc}/documents", upload_document(ctx), Roles::EnterpriseWrite,
        query: ["purpose", "filename"]),
    operation!(GET "/api/v1/enterprises/{uscc}/documents/{id}", get_document(ctx), Roles::EnterpriseRead),
];

/// A document as returned.
#[derive(Debug, Serialize)]
pub struct DocumentOut {
    /// Id.
    pub id: i64,
    /// `verification` or `evidence`.
    pub purpose: String,
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex: lets the uploader check what was stored.
    pub sha256: String,
    /// Upload time.
    pub uploaded_at: String,
}

impl From<DocumentRow> for DocumentOut {
    fn from(row: DocumentRow) -> Self {
        Self {
            id: row.id,
            purpose: row.purpose,
            filename: row.filename,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            uploaded_at: row.uploaded_at,
        }
    }
}

/// `POST /api/v1/enterprises/{uscc}/documents`: 201 with the document.
///
/// # Errors
///
/// 401/403/404 as [`enterprise_access`]; 413 over 10 MiB; 422 for the purpose, the
/// type, bytes that are not of the type, or a file name with an invisible or
/// direction-changing character.
pub async fn upload_document(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::Write).await?;
    let purpose = upload_purpose(ctx, &enterprise)?;
    let given = ctx.query_param("filename").unwrap_or_default();
    // A name that hides its type ("invoice\u{202E}fdp.exe") is refused, not cleaned.
    ppr_core::account::check_visible(&given)
        .map_err(|err| ApiError::invalid_field("filename", err.code(), err.to_string()))?;
    let (doc_type, bytes) = read_file(ctx).await?;
    let filename = clean_filename(&given);

    let db = ctx.db();
    let sha256 = sha256_hex(&bytes);
    // The key fingerprints the file and its purpose, so a retried upload is the same.
    let fingerprint = format!("{}:{}:{sha256}", purpose.code(), filename);
    let creation = Creation::begin(
        ctx.req,
        principal.user_id,
        "document",
        fingerprint.as_bytes(),
    )?;
    if let Some(id) = creation.replayed(db).await? {
        return document_reply(db, enterprise.id, id)
            .await
            .map(mark_replayed);
    }
    let r2_key = format!(
        "documents/{}/{}",
        enterprise.id,
        hex(&random_bytes::<16>()?)
    );
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let bucket = &ctx.config.documents;
    put_object(bucket, &r2_key, bytes, doc_type).await?;

    let new = NewDocument {
        enterprise_id: enterprise.id,
        purpose: purpose.code(),
        r2_key: &r2_key,
        filename: &filename,
        content_type: doc_type.media_type(),
        size_bytes: size,
        sha256: &sha256,
        uploaded_by: principal.user_id,
    };
    let created = document_write(ctx, &principal, &new, &creation)?
        .commit_creation()
        .await;
    if !matches!(created, Ok(Created::Committed(_))) {
        // Nothing in D1 points at this request's object: remove it (best effort; an
        // orphan object is invisible and costs only storage).
        let _ = bucket.delete(&r2_key).await;
    }
    let created = created?;
    let id = created.id("upload document")?;
    Ok(created.mark(document_reply(db, enterprise.id, id).await?))
}

/// The `?purpose=` of an upload, which the enterprise's state allows.
fn upload_purpose(ctx: &Ctx<'_>, enterprise: &EnterpriseRow) -> Result<DocumentPurpose, ApiError> {
    let purpose = ctx.query_param("purpose").unwrap_or_default();
    let purpose = DocumentPurpose::from_code(&purpose).ok_or_else(|| {
        ApiError::invalid_field(
            "purpose",
            "unknown_purpose",
            "give ?purpose=verification or ?purpose=evidence",
        )
    })?;
    // Verification papers come before verification; evidence needs it.
    if purpose == DocumentPurpose::Evidence {
        require_verified(enterprise)?;
    }
    Ok(purpose)
}

/// The file of an upload: its declared type, and its bytes, within the limit and of
/// that type.
async fn read_file(ctx: &Ctx<'_>) -> Result<(DocumentType, Vec<u8>), ApiError> {
    let content_type = ctx
        .req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let doc_type = DocumentType::from_media_type(&content_type)
        .map_err(|e| ApiError::invalid_field("content-type", e.code(), e.to_string()))?;
    let bytes = read_limited(ctx.req, MAX_DOCUMENT_BYTES).await?;
    doc_type
        .check(&bytes)
        .map_err(|e| ApiError::invalid_field("body", e.code(), e.to_string()))?;
    Ok((doc_type, bytes))
}

/// Stores the bytes in R2 under `key`, with their media type.
async fn put_object(
    bucket: &Bucket,
    key: &str,
    bytes: Vec<u8>,
    doc_type: DocumentType,
) -> Result<(), ApiError> {
    bucket
        .put(key, bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(doc_type.media_type().to_owned()),
            ..HttpMetadata::default()
        })
        .execute()
        .await
        .map_err(|e| ApiError::internal_cause("R2 put", &e))?;
    Ok(())
}

/// The write of an upload: the document's row, its audit row and the request's
/// `Idempotency-Key`.
fn document_write<'a>(
    ctx: &'a Ctx<'_>,
    principal: &'a Principal,
    new: &NewDocument<'_>,
    creation: &'a Creation,
) -> Result<Write<'a>, ApiError> {
    let after = serde_json::json!({"purpose": new.purpose, "filename": new.filename, "sha256": new.sha256, "size_bytes": new.size_bytes}).to_string();
    let mut write = Write::by(ctx, principal);
    write.push(documents::insert(ctx.db(), new, &ctx.stamp))?;
    write.audit_created(
        &Entry::new("document.upload", "document", "")
            .enterprise(new.enterprise_id)
            .after(&after),
        creation,
    )?;
    Ok(write)
}

async fn document_reply(
    db: &worker::D1Database,
    enterprise_id: i64,
    id: i64,
) -> Result<Reply, ApiError> {
    let row = documents::by_id(db, enterprise_id, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("idempotent replay", &"document missing"))?;
    Reply::json(201, &DocumentOut::from(row), CachePolicy::NoStore)
}

/// `GET /api/v1/enterprises/{uscc}/documents`: the enterprise's documents.
///
/// # Errors
///
/// As [`enterprise_access`].
pub async fn list_documents(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let rows = documents::list(ctx.db(), enterprise.id, None).await?;
    let items: Vec<DocumentOut> = rows.into_iter().map(DocumentOut::from).collect();
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/enterprises/{uscc}/documents/{id}`: the file itself, as an attachment.
///
/// # Errors
///
/// As [`enterprise_access`]; 404 for a document of another enterprise or none.
pub async fn get_document(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let id = ctx.id_param("id", "document_not_found")?;
    let row = documents::by_id(ctx.db(), enterprise.id, id)
        .await?
        .ok_or_else(|| ApiError::missing("document_not_found", format!("no document {id} here")))?;
    let bucket = &ctx.config.documents;
    let object = bucket
        .get(&row.r2_key)
        .execute()
        .await
        .map_err(|e| ApiError::internal_cause("R2 get", &e))?
        .ok_or_else(|| ApiError::internal_cause("R2 get", &"object missing"))?;
    let bytes = object
        .body()
        .ok_or_else(|| ApiError::internal_cause("R2 get", &"no body"))?
        .bytes()
        .await
        .map_err(|e| ApiError::internal_cause("R2 body", &e))?;
    let doc_type = DocumentType::from_media_type(&row.content_type)
        .map_err(|e| ApiError::internal_cause("stored content type", &e))?;
    let ascii_name = ppr_core::document::ascii_filename(&row.filename);
    Ok(Reply::bytes(bytes, doc_type.media_type()).with_header(
        "content-disposition",
        format!(
            "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
            percent_encode(&row.filename)
        ),
    ))
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
