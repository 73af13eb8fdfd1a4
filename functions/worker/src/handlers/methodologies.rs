//! Identification methodologies: the documents rounds are evaluated with. The shipped
//! default (`ppr_core::methodology::DEFAULT_DOCUMENT`) is always available; a national
//! admin loads others. A loaded `(id, version)` never changes, so every result that
//! names it can be reproduced.

use ppr_core::methodology::{Methodology, MethodologyDoc};
use serde::Serialize;

use crate::authz;
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::rounds::{self, MethodologyRow};
use crate::services::methodology::{canonical, default_doc};
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/methodologies", list_methodologies(ctx), Roles::Anyone),
    operation!(POST "/api/v1/methodologies", create_methodology(ctx, body), Roles::NationalAdmins),
];

/// A methodology as answered.
#[derive(Debug, Serialize)]
pub struct MethodologyOut {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
    /// `id@version`, as results name it.
    pub name: String,
    /// The public notice (e.g. that it is a configurable default).
    pub notice: String,
    /// Whether this is the platform's shipped default.
    pub default: bool,
    /// When it was loaded into the registry (`None`: the default, not yet used).
    pub loaded_at: Option<String>,
    /// The document.
    pub document: MethodologyDoc,
}

impl MethodologyOut {
    fn new(doc: MethodologyDoc, loaded_at: Option<String>) -> Self {
        let default = default_doc().is_some_and(|d| d.id == doc.id && d.version == doc.version);
        Self {
            name: format!("{}@{}", doc.id, doc.version),
            id: doc.id.clone(),
            version: doc.version.clone(),
            notice: doc.notice.clone(),
            default,
            loaded_at,
            document: doc,
        }
    }
}

/// `GET /api/v1/methodologies`: the shipped default and every loaded document.
///
/// # Errors
///
/// The database failed.
pub async fn list_methodologies(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let rows = rounds::methodologies(ctx.db()).await?;
    let mut items = Vec::with_capacity(rows.len() + 1);
    for row in rows {
        let doc: MethodologyDoc = serde_json::from_str(&row.document)
            .map_err(|e| ApiError::internal_cause("stored methodology", &e))?;
        items.push(MethodologyOut::new(doc, Some(row.loaded_at)));
    }
    if !items.iter().any(|m| m.default)
        && let Some(doc) = default_doc()
    {
        items.push(MethodologyOut::new(doc, None));
    }
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// `POST /api/v1/methodologies`: loads a document (the body is the document). The
/// same document again answers 200; another document under a loaded `id@version`
/// answers 409.
///
/// # Errors
///
/// 401; 403 `not_national_admin`; 422 naming the line, column or key of each mistake;
/// 409 `methodology_version_exists`.
pub async fn create_methodology(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::malformed_json(format!("the body is not UTF-8: {e}")))?;
    let methodology = Methodology::parse(text).map_err(|errors| {
        let mut err = ApiError::validation(
            "the methodology document has mistakes; each is named by its line or key",
            errors
                .into_iter()
                .map(|e| FieldIssue::new(e.path, "invalid_methodology", e.message))
                .collect(),
        );
        err.code = "invalid_methodology";
        err
    })?;
    let doc = methodology.doc();
    let document = canonical(doc)?;
    let db = ctx.db();
    let existing = rounds::methodology(db, &doc.id, &doc.version).await?;
    let taken_by_default = default_doc()
        .filter(|d| d.id == doc.id && d.version == doc.version)
        .map(|d| canonical(&d))
        .transpose()?;
    let stored = existing
        .as_ref()
        .map(|row| row.document.clone())
        .or(taken_by_default);
    if let Some(stored) = stored {
        if stored != document {
            return Err(ApiError::conflict(
                "methodology_version_exists",
                "version",
                format!(
                    "{}@{} is loaded with another content; a changed document needs a new version",
                    doc.id, doc.version
                ),
            ));
        }
        if let Some(row) = existing {
            return Reply::json(
                200,
                &MethodologyOut::new(doc.clone(), Some(row.loaded_at)),
                CachePolicy::NoStore,
            );
        }
    }
    let row = MethodologyRow {
        id: doc.id.clone(),
        version: doc.version.clone(),
        document,
        loaded_at: ctx.stamp.clone(),
    };
    let name = format!("{}@{}", row.id, row.version);
    let mut write = Write::by(ctx, &principal);
    write
        .push(rounds::insert_methodology(
            db,
            &row,
            Some(principal.user_id),
        ))?
        .audit(&Entry::new("methodology.load", "methodology", &name).after(&row.document))?;
    write.commit().await?;
    Reply::json(
        201,
        &MethodologyOut::new(doc.clone(), Some(row.loaded_at)),
        CachePolicy::NoStore,
    )
}
