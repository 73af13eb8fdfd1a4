//! Product filings, from the enterprise's side: create a draft (initial filing,
//! modification of a recorded product, or revocation request), edit it, submit it.
//! Reviewers decide in [`crate::handlers::review`].

use crate::webhooks;
use ppr_core::PatentNumber;
use ppr_core::account::required_text;
use ppr_core::calendar::business_date;
use ppr_core::filing::{FilingEvent, FilingKind, FilingStatus};
use ppr_core::holding::LegalStatus;
use ppr_core::product::{
    Completeness, EconomicsIn, FilingContext, FilingData, LinkedPatentIn, MAX_REASON_CHARS,
    Problem, check_filing, economics_year,
};
use ppr_core::webhook::EventType;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::app::Ctx;
use crate::authz::{Access, enterprise_access};
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Committed, Creation, mark_replayed};
use crate::repo::accounts::EnterpriseRow;
use crate::repo::audit::{self, Actor, Change};
use crate::repo::filings::{self, FilingRow, NewFiling};
use crate::repo::products::{self, ProductRow};
use crate::repo::{self, documents, patents};

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

/// A filing as the enterprise and staff see it (confidential data included).
#[derive(Debug, Serialize)]
pub struct FilingOut {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// The enterprise.
    pub enterprise: serde_json::Value,
    /// The product's registration number, once there is one.
    pub product: Option<String>,
    /// Content.
    pub data: FilingData,
    /// Reason (revocation request, or a rejection).
    pub reason: Option<String>,
    /// Reasons per field of the last return.
    pub return_reasons: serde_json::Value,
    /// First submission.
    pub first_submitted_at: Option<String>,
    /// Latest submission.
    pub submitted_at: Option<String>,
    /// Decision.
    pub decided_at: Option<String>,
    /// Creation.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

impl FilingOut {
    /// From a row.
    #[must_use]
    pub fn from_row(row: FilingRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            status: row.status,
            enterprise: serde_json::json!({"uscc": row.uscc, "name": row.enterprise_name}),
            product: row.registration_number,
            data: serde_json::from_str(&row.data).unwrap_or_default(),
            reason: row.decision_reason,
            return_reasons: row
                .return_reasons
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_else(|| serde_json::json!([])),
            first_submitted_at: row.first_submitted_at,
            submitted_at: row.submitted_at,
            decided_at: row.decided_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// 422 from the core's problems.
#[must_use]
pub fn problems_error(problems: Vec<Problem>, prefix: &str) -> ApiError {
    let fields: Vec<FieldIssue> = problems
        .into_iter()
        .map(|p| FieldIssue::new(format!("{prefix}{}", p.field), p.code, p.message))
        .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    let message = format!("check these fields: {}", names.join(", "));
    ApiError::validation(message, fields)
}

/// What the filing rules need to know about the enterprise: its patents' statuses and
/// its evidence documents.
#[derive(Debug)]
pub struct Holdings {
    /// Patents and statuses.
    pub patents: Vec<(PatentNumber, LegalStatus)>,
    /// Evidence document ids.
    pub evidence: Vec<i64>,
}

impl Holdings {
    /// Loads them.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn load(db: &D1Database, enterprise_id: i64) -> Result<Self, ApiError> {
        let patents = patents::list(db, enterprise_id)
            .await?
            .into_iter()
            .filter_map(|p| {
                let number: PatentNumber = p.number.parse().ok()?;
                Some((number, LegalStatus::from_code(&p.legal_status)?))
            })
            .collect();
        let evidence = documents::list(db, enterprise_id, Some("evidence"))
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect();
        Ok(Self { patents, evidence })
    }

    /// The rules' context for `today`.
    #[must_use]
    pub fn context(&self, today: chrono::NaiveDate) -> FilingContext<'_> {
        FilingContext {
            today,
            patents: &self.patents,
            evidence: &self.evidence,
        }
    }
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

/// The product an enterprise names by registration number, which must be its own.
///
/// # Errors
///
/// 404 for an unknown number or another enterprise's product.
pub async fn own_product(
    db: &D1Database,
    enterprise: &EnterpriseRow,
    number: &str,
) -> Result<ProductRow, ApiError> {
    let not_found = || {
        ApiError::missing(
            "product_not_found",
            format!("no product {number} of this enterprise"),
        )
    };
    let parsed = ppr_core::regnum::RegistrationNumber::parse(number).map_err(|_| not_found())?;
    products::by_number(db, &parsed.to_string())
        .await?
        .filter(|p| p.enterprise_id == enterprise.id)
        .ok_or_else(not_found)
}

/// The current data of a recorded product, as a filing's content: where a
/// modification starts.
///
/// # Errors
///
/// The database failed.
pub async fn current_data(
    db: &D1Database,
    product: &ProductRow,
    today: chrono::NaiveDate,
) -> Result<FilingData, ApiError> {
    let ids = format!("[{}]", product.id);
    let linked = products::linked_patents(db, &ids).await?;
    let year = economics_year(today);
    let economics = products::years(db, &ids)
        .await?
        .into_iter()
        .find(|y| y.year == i64::from(year))
        .map(|y| EconomicsIn {
            year,
            sales: y.sales,
            exports: y.exports,
            profit: y.profit,
            ip_investment: y.ip_investment,
        });
    Ok(FilingData {
        name: Some(product.name.clone()),
        model: Some(product.model.clone()),
        field: Some(product.field.clone()),
        description: Some(product.description.clone()),
        first_marketed_on: Some(product.first_marketed_on.clone()),
        manufacture_region: Some(product.manufacture_region.clone()),
        patents: linked
            .into_iter()
            .map(|l| LinkedPatentIn {
                number: l.number,
                core: l.is_core == 1,
                contribution_pct: l.contribution_pct,
            })
            .collect(),
        economics,
        opt_in: product.opt_in_year.is_some(),
        evidence: Vec::new(),
    })
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
    let db = ctx.db()?;
    let creation = Creation::begin(ctx.req, principal.user_id, "filing", body)?;
    if let Some(id) = creation.replayed(&db).await? {
        return filing_reply(&db, id, 201).await.map(mark_replayed);
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
            let product = own_product(&db, &enterprise, number).await?;
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
                    None => current_data(&db, &product, today).await?,
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
    if kind != FilingKind::Revocation {
        let holdings = Holdings::load(&db, enterprise.id).await?;
        let problems = check_filing(&data, Completeness::Draft, &holdings.context(today));
        if !problems.is_empty() {
            return Err(problems_error(problems, "data."));
        }
    }
    let data_json =
        serde_json::to_string(&data).map_err(|e| ApiError::internal_cause("filing json", &e))?;
    let new = NewFiling {
        enterprise_id: enterprise.id,
        kind: kind.code(),
        product_id: product.as_ref().map(|p| p.id),
        data_json: &data_json,
        reason: reason.as_deref(),
        created_by: principal.user_id,
    };
    let after = serde_json::json!({"kind": kind.code(), "status": "draft"}).to_string();
    let change = Change {
        at: &ctx.stamp,
        actor: Actor::of(&principal),
        action: "filing.create",
        entity_type: "filing",
        entity_id: "",
        enterprise_id: Some(enterprise.id),
        before: None,
        after: Some(&after),
        reason: None,
    };
    let batch = vec![
        filings::insert(&db, &new, &ctx.stamp)?,
        audit::record_created(&db, &change)?,
    ];
    let committed = creation
        .commit(&db, batch, &ctx.stamp, |err| {
            if repo::unique_violation(err).is_some() {
                ApiError::state_conflict(
                    "filing_open",
                    "this product already has an open modification or revocation filing; finish that one first",
                )
            } else {
                ApiError::internal_cause("create filing", err)
            }
        })
        .await?;
    let results = match committed {
        Committed::Created(results) => results,
        Committed::Replayed(id) => return filing_reply(&db, id, 201).await.map(mark_replayed),
    };
    // The insert returns its id, so a concurrent filing of the same enterprise
    // cannot be mistaken for this one.
    let id = repo::returned_id(&results, "create filing")?;
    filing_reply(&db, id, 201).await
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
    let rows = filings::list(&ctx.db()?, enterprise.id).await?;
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
    let db = ctx.db()?;
    let row = own_filing(ctx, &db, &enterprise).await?;
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
    let db = ctx.db()?;
    let row = own_filing(ctx, &db, &enterprise).await?;
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
        let holdings = Holdings::load(&db, enterprise.id).await?;
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
    let change = Change {
        at: &ctx.stamp,
        actor: Actor::of(&principal),
        action: "filing.edit",
        entity_type: "filing",
        entity_id: &id_text,
        enterprise_id: Some(enterprise.id),
        before: Some(&row.data),
        after: Some(&data_json),
        reason: None,
    };
    let batch = vec![
        filings::update_data(
            &db,
            row.id,
            version,
            &data_json,
            reason.as_deref(),
            &ctx.stamp,
        )?,
        repo::guard(&db)?,
        audit::record(&db, &change)?,
        repo::guard_end(&db)?,
    ];
    repo::commit_guarded(&db, batch, "update filing").await?;
    filing_reply(&db, row.id, 200).await
}

/// `POST /api/v1/enterprises/{uscc}/filings/{id}/submit`: sends a complete draft or
/// returned filing for review.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 409 not submittable or stale; 422 incomplete.
pub async fn submit_filing(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let db = ctx.db()?;
    let row = own_filing(ctx, &db, &enterprise).await?;
    let version = ctx.if_match()?.unwrap_or(row.version);
    transition(&row, FilingEvent::Submit)?;
    if row.kind == FilingKind::Revocation.code() {
        check_reason(row.decision_reason.as_deref(), true)?;
    } else {
        let data: FilingData = serde_json::from_str(&row.data)
            .map_err(|e| ApiError::internal_cause("stored filing data", &e))?;
        let holdings = Holdings::load(&db, enterprise.id).await?;
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
    let change = Change {
        at: &ctx.stamp,
        actor: Actor::of(&principal),
        action: "filing.submit",
        entity_type: "filing",
        entity_id: &id_text,
        enterprise_id: Some(enterprise.id),
        before: Some(&before),
        after: Some(r#"{"status":"submitted"}"#),
        reason: None,
    };
    let (event, event_row) =
        webhooks::filing_event(&db, EventType::FilingSubmitted, &row, &ctx.stamp)?;
    let batch = vec![
        filings::submit(&db, row.id, version, &ctx.stamp)?,
        repo::guard(&db)?,
        audit::record(&db, &change)?,
        event_row,
        repo::guard_end(&db)?,
    ];
    repo::commit_guarded(&db, batch, "submit filing").await?;
    webhooks::notify(ctx.env, vec![event]).await;
    filing_reply(&db, row.id, 200).await
}
