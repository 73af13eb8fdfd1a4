//! Product filings, from the enterprise's side: create a draft (initial filing,
//! modification of a recorded product, or revocation request), edit it, submit it.
//! Reviewers decide in [`crate::handlers::review`].

use chrono::NaiveDate;
use ppr_core::account::required_text;
use ppr_core::calendar::business_date;
use ppr_core::filing::{FilingEvent, FilingKind, FilingStatus};
use ppr_core::product::{Completeness, FilingData, MAX_REASON_CHARS, check_filing};
use ppr_core::webhook::EventType;
use serde::Deserialize;
use worker::D1Database;

use crate::auth::Principal;
use crate::authz::{Access, enterprise_access};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::accounts::EnterpriseRow;
use crate::repo::audit::Entry;
use crate::repo::filings::{self, FilingRow, NewFiling};
use crate::repo::products::ProductRow;
use crate::services::products::{Holdings, current_data, own_product};
use crate::validation::problems_error;
use crate::views::filings::FilingOut;
use crate::webhooks;
use crate::write::{Created, Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/enterprises/{uscc}/filings", list_filings(ctx), Roles::EnterpriseRead),
    operation!(POST "/api/v1/enterprises/{uscc}/filings", create_filing(ctx, body), Roles::EnterpriseWrite),
    operation!(GET "/api/v1/enterprises/{uscc}/filings/{id}", get_filing(ctx), Roles::EnterpriseRead),
    operation!(PUT "/api/v1/enterprises/{uscc}/filings/{id}", update_filing(ctx, body), Roles::EnterpriseWrite),
    operation!(POST "/api/v1/enterprises/{uscc}/filings/{id}/submit", submit_filing(ctx), Roles::EnterpriseWrite),
];

/// A new filing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingIn {
    /// `initial` (default), `modification` or `revocation`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The product's registration number (modification, revocation).
    #[serde(default)]
    pub product: Option<String>,
    /// The content (initial, modification). A modification without it starts from
    /// the product's current data.
    #[serde(default)]
    pub data: Option<FilingData>,
    /// Why (revocation).
    #[serde(default)]
    pub reason: Option<String>,
}

/// An edit of a draft or returned filing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingUpdateIn {
    /// The new content.
    #[serde(default)]
    pub data: Option<FilingData>,
    /// Why (revocation).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

fn check_reason(reason: Option<&str>, required: bool) -> Result<Option<String>, ApiError> {
    match reason {
        Some(text) => required_text(text, MAX_REASON_CHARS)
            .map(Some)
            .map_err(|e| ApiError::invalid_field("reason", e.code(), e.to_string())),
        None if required => Err(ApiError::invalid_field(
            "reason",
            "required",
            "say why the product should be revoked",
        )),
        None => Ok(None),
    }
}

/// `POST /api/v1/enterprises/{uscc}/filings`: 201 with the draft.
///
/// # Errors
///
/// As [`enterprise_access`] (verified); 422 invalid content; 404 unknown product; 409
/// when the product is revoked or already has an open filing.
pub async fn create_filing(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let input: FilingIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let creation = Creation::begin(ctx.req, principal.user_id, "filing", body)?;
    if let Some(id) = creation.replayed(db).await? {
        return filing_reply(db, id, 201).await.map(mark_replayed);
    }
    let kind = match input.kind.as_deref() {
        None => FilingKind::Initial,
        Some(code) => FilingKind::from_code(code).ok_or_else(|| {
            ApiError::invalid_field(
                "kind",
                "unknown_kind",
                "kind is initial, modification or revocation",
            )
        })?,
    };
    let today = business_date(ctx.now);
    let draft = Draft::of(db, &enterprise, kind, input, today).await?;
    if kind != FilingKind::Revocation {
        let holdings = Holdings::load(db, enterprise.id).await?;
        let problems = check_filing(&draft.data, Completeness::Draft, &holdings.context(today));
        if !problems.is_empty() {
            return Err(problems_error(problems, "data."));
        }
    }
    let data_json = serde_json::to_string(&draft.data)
        .map_err(|e| ApiError::internal_cause("filing json", &e))?;
    let new = NewFiling {
        enterprise_id: enterprise.id,
        kind: kind.code(),
        product_id: draft.product.as_ref().map(|p| p.id),
        data_json: &data_json,
        reason: draft.reason.as_deref(),
        created_by: principal.user_id,
    };
    let created = insert_draft(ctx, &principal, &new, &creation).await?;
    // The insert returns its id, so a concurrent filing of the same enterprise
    // cannot be mistaken for this one.
    let id = created.id("create filing")?;
    Ok(created.mark(filing_reply(db, id, 201).await?))
}

/// What a new filing starts with.
struct Draft {
    /// The product it changes (modification, revocation).
    product: Option<ProductRow>,
    data: FilingData,
    /// Why (revocation).
    reason: Option<String>,
}

impl Draft {
    /// The draft a request asks for: an initial filing names no product; a change
    /// names a recorded product of the enterprise's own.
    async fn of(
        db: &D1Database,
        enterprise: &EnterpriseRow,
        kind: FilingKind,
        input: FilingIn,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let (product, data, reason) = match kind {
            FilingKind::Initial => {
                if input.product.is_some() || input.reason.is_some() {
                    return Err(ApiError::invalid_field(
                        "product",
                        "not_allowed",
                        "an initial filing names no product and no reason",
                    ));
                }
                (None, input.data.unwrap_or_default(), None)
            }
            FilingKind::Modification | FilingKind::Revocation => {
                let number = input.product.as_deref().ok_or_else(|| {
                    ApiError::invalid_field(
                        "product",
                        "required",
                        "name the product by its registration number",
                    )
                })?;
                let product = own_product(db, enterprise, number).await?;
                if product.status != "recorded" {
                    return Err(ApiError::state_conflict(
                        "product_revoked",
                        format!(
                            "{} is revoked; it cannot change any more",
                            product.registration_number
                        ),
                    ));
                }
                let (data, reason) = if kind == FilingKind::Modification {
                    let data = match input.data {
                        Some(data) => data,
                        None => current_data(db, &product, today).await?,
                    };
                    (data, None)
                } else {
                    (
                        FilingData::default(),
                        check_reason(input.reason.as_deref(), false)?,
                    )
                };
                (Some(product), data, reason)
            }
        };
        Ok(Self {
            product,
            data,
            reason,
        })
    }
}

/// Inserts the draft with its audit row and the request's `Idempotency-Key`.
async fn insert_draft(
    ctx: &Ctx<'_>,
    principal: &Principal,
    new: &NewFiling<'_>,
    creation: &Creation,
) -> Result<Created, ApiError> {
    let after = serde_json::json!({"kind": new.kind, "status": "draft"}).to_string();
    let mut write = Write::by(ctx, principal);
    write.push(filings::insert(ctx.db(), new, &ctx.stamp))?;
    write.audit_created(
        &Entry::new("filing.create", "filing", "")
            .enterprise(new.enterprise_id)
            .after(&after),
        creation,
    )?;
    write.commit_creation().await.map_err(|err| match err {
        WriteError::Duplicate(_) => ApiError::state_conflict(
            "filing_open",
            "this product already has an open modification or revocation filing; finish that one first",
        ),
        err => err.into(),
    })
}

async fn filing_reply(db: &D1Database, id: i64, status: u16) -> Result<Reply, ApiError> {
    let row = filings::by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("filing", &"row missing"))?;
    Reply::json(status, &FilingOut::from_row(row), CachePolicy::NoStore)
}

/// The filing `{id}` of the enterprise `{uscc}`.
async fn own_filing(
    ctx: &Ctx<'_>,
    db: &D1Database,
    enterprise: &EnterpriseRow,
) -> Result<FilingRow, ApiError> {
    let id = ctx.id_param("id", "filing_not_found")?;
    filings::by_id(db, id)
        .await?
        .filter(|f| f.enterprise_id == enterprise.id)
        .ok_or_else(|| {
            ApiError::missing(
                "filing_not_found",
                format!("no filing {id} of this enterprise"),
            )
        })
}

/// `GET /api/v1/enterprises/{uscc}/filings`: newest first.
///
/// # Errors
///
/// As [`enterprise_access`].
pub async fn list_filings(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let rows = filings::list(ctx.db(), enterprise.id).await?;
    let items: Vec<FilingOut> = rows.into_iter().map(FilingOut::from_row).collect();
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/enterprises/{uscc}/filings/{id}`.
///
/// # Errors
///
/// As [`enterprise_access`]; 404.
pub async fn get_filing(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let db = ctx.db();
    let row = own_filing(ctx, db, &enterprise).await?;
    Reply::json(200, &FilingOut::from_row(row), CachePolicy::NoStore)
}

fn transition(row: &FilingRow, event: FilingEvent) -> Result<FilingStatus, ApiError> {
    let status = FilingStatus::from_code(&row.status)
        .ok_or_else(|| ApiError::internal_cause("stored filing status", &row.status))?;
    status
        .apply(event)
        .map_err(|e| ApiError::state_conflict("invalid_transition", e.to_string()))
}

/// `PUT /api/v1/enterprises/{uscc}/filings/{id}`: replaces a draft's or returned
/// filing's content at the version read.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 409 not editable or stale; 422 invalid content.
pub async fn update_filing(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let input: FilingUpdateIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let row = own_filing(ctx, db, &enterprise).await?;
    let version = ctx.required_version(input.version)?;
    transition(&row, FilingEvent::Edit)?;
    let kind = FilingKind::from_code(&row.kind)
        .ok_or_else(|| ApiError::internal_cause("stored filing kind", &row.kind))?;
    let (data, reason) = if kind == FilingKind::Revocation {
        if input.data.is_some() {
            return Err(ApiError::invalid_field(
                "data",
                "not_allowed",
                "a revocation request has only a reason",
            ));
        }
        (
            FilingData::default(),
            check_reason(input.reason.as_deref(), false)?,
        )
    } else {
        let data = input.data.unwrap_or_default();
        let holdings = Holdings::load(db, enterprise.id).await?;
        let problems = check_filing(
            &data,
            Completeness::Draft,
            &holdings.context(business_date(ctx.now)),
        );
        if !problems.is_empty() {
            return Err(problems_error(problems, "data."));
        }
        (data, None)
    };
    let data_json =
        serde_json::to_string(&data).map_err(|e| ApiError::internal_cause("filing json", &e))?;
    let id_text = row.id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(filings::update_data(
            db,
            row.id,
            version,
            &data_json,
            reason.as_deref(),
            &ctx.stamp,
        ))?
        .audit(
            &Entry::new("filing.edit", "filing", &id_text)
                .enterprise(enterprise.id)
                .before(&row.data)
                .after(&data_json),
        )?;
    write.commit().await?;
    filing_reply(db, row.id, 200).await
}

/// `POST /api/v1/enterprises/{uscc}/filings/{id}/submit`: sends a complete draft or
/// returned filing for review.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 409 not submittable or stale; 422 incomplete.
pub async fn submit_filing(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let db = ctx.db();
    let row = own_filing(ctx, db, &enterprise).await?;
    let version = ctx.if_match()?.unwrap_or(row.version);
    transition(&row, FilingEvent::Submit)?;
    if row.kind == FilingKind::Revocation.code() {
        check_reason(row.decision_reason.as_deref(), true)?;
    } else {
        let data: FilingData = serde_json::from_str(&row.data)
            .map_err(|e| ApiError::internal_cause("stored filing data", &e))?;
        let holdings = Holdings::load(db, enterprise.id).await?;
        let problems = check_filing(
            &data,
            Completeness::Complete,
            &holdings.context(business_date(ctx.now)),
        );
        if !problems.is_empty() {
            return Err(problems_error(problems, "data."));
        }
    }
    let id_text = row.id.to_string();
    let before = serde_json::json!({ "status": row.status }).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(filings::submit(db, row.id, version, &ctx.stamp))?
        .audit(
            &Entry::new("filing.submit", "filing", &id_text)
                .enterprise(enterprise.id)
                .before(&before)
                .after(r#"{"status":"submitted"}"#),
        )?
        .event(webhooks::filing_event(
            db,
            EventType::FilingSubmitted,
            &row,
            &ctx.stamp,
        )?);
    write.commit().await?;
    filing_reply(db, row.id, 200).await
}
