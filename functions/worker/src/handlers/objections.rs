//! Objections during a round's public notice: anyone files one against a listed
//! product (signed in, or leaving a contact); a national admin upholds it (the product
//! leaves the list, and its result records why) or dismisses it, with a reason.
//! The rules are `ppr_core::objection`'s and `ppr_core::round`'s.

use ppr_core::calendar::business_date;
use ppr_core::objection::{ContactIn, ObjectionProblem, Verdict, check_objection};
use ppr_core::regnum::RegistrationNumber;
use ppr_core::round::{check_objection_window, may_decide_objections};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::auth;
use crate::authz;
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::{Actor, Entry};
use crate::repo::objections::{self, NewObjection, ObjectionRow};
use crate::repo::round_entries;
use crate::services::rounds::{notice_of, round_param, stage_and_dates};
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/rounds/{year}/objections", list_objections(ctx), Roles::NationalAdmins,
        query: ["status", "cursor", "limit"]),
    operation!(POST "/api/v1/rounds/{year}/objections", create_objection(ctx, body), Roles::Anyone),
    operation!(POST "/api/v1/objections/{id}/decision", decide_objection(ctx, body), Roles::NationalAdmins),
];

/// Largest page of objections.
const MAX_PAGE: i64 = 200;

/// An objection as filed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionIn {
    /// The listed product's registration number.
    pub registration_number: String,
    /// What is wrong.
    pub reason: String,
    /// Without a session: who objects and how to reach them.
    #[serde(default)]
    pub contact: Option<ContactIn>,
}

/// An objection as answered to its filer (no contact data echoed).
#[derive(Debug, Serialize)]
pub struct ObjectionOut {
    /// Id.
    pub id: i64,
    /// Round year.
    pub year: i64,
    /// The product.
    pub registration_number: String,
    /// Why.
    pub reason: String,
    /// `open`, `upheld` or `dismissed`.
    pub status: String,
    /// The decision's reason.
    pub decision_reason: Option<String>,
    /// Decided when.
    pub decided_at: Option<String>,
    /// Filed when.
    pub created_at: String,
    /// Row version.
    pub version: i64,
    /// For national admins only: the signed-in filer and the contact left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filer: Option<serde_json::Value>,
}

impl ObjectionOut {
    fn from_row(row: ObjectionRow, with_filer: bool) -> Self {
        let filer = with_filer.then(|| {
            serde_json::json!({
                "user_id": row.filed_by,
                "name": row.contact_name,
                "email": row.contact_email,
                "phone": row.contact_phone,
            })
        });
        Self {
            id: row.id,
            year: row.year,
            registration_number: row.registration_number,
            reason: row.reason,
            status: row.status,
            decision_reason: row.decision_reason,
            decided_at: row.decided_at,
            created_at: row.created_at,
            version: row.version,
            filer,
        }
    }
}

async fn objection_reply(
    db: &D1Database,
    id: i64,
    status: u16,
    with_filer: bool,
) -> Result<Reply, ApiError> {
    let row = objections::by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("objection", &"row missing"))?;
    Reply::json(
        status,
        &ObjectionOut::from_row(row, with_filer),
        CachePolicy::NoStore,
    )
}

/// `POST /api/v1/rounds/{year}/objections`: files an objection against a listed
/// product during the public notice. Signed in (the session's CSRF token is checked),
/// or anonymous with a contact.
///
/// # Errors
///
/// 404 round or product; 409 `objections_closed` outside the notice, `not_listed`
/// for a product not on the list, `objection_open` when the signed-in objector has an
/// open one against it; 422 reason or contact; 429 past the objector's limit (per
/// address without an account, per account with one).
pub async fn create_objection(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let db = ctx.db();
    let principal = ctx.optional_principal().await?;
    if let Some(principal) = &principal {
        auth::check_csrf(ctx.req, principal)?;
    }
    let input: ObjectionIn = crate::body::decode_json(body)?;
    let creation = Creation::begin(
        ctx.req,
        principal.as_ref().map_or(0, |p| p.user_id),
        "objection",
        body,
    )?;
    if let Some(id) = creation.replayed(db).await? {
        return objection_reply(db, id, 201, false).await.map(mark_replayed);
    }
    let (reason, contact) =
        check_objection(&input.reason, input.contact.as_ref(), principal.is_some())
            .map_err(objection_refused)?;
    // Counted once the objection itself is well formed, before anything is looked
    // up: a typo costs nothing, probing for rounds or products does.
    match &principal {
        None => crate::ratelimit::ANONYMOUS_OBJECTION.admit(ctx).await?,
        Some(p) => {
            crate::ratelimit::ACCOUNT_OBJECTION
                .admit_as(ctx, &format!("user:{}", p.user_id))
                .await?;
        }
    }
    let listed = Listed::find(ctx, db, &input.registration_number).await?;
    let new = NewObjection {
        year: listed.year,
        product_id: listed.product_id,
        reason: &reason,
        filed_by: principal.as_ref().map(|p| p.user_id),
        contact: contact.as_ref().map_or((None, None, None), |c| {
            (
                Some(c.name.as_str()),
                c.email.as_deref(),
                c.phone.as_deref(),
            )
        }),
    };
    let after =
        serde_json::json!({"registration_number": listed.number, "status": "open"}).to_string();
    let actor = principal
        .as_ref()
        .map_or(Actor::ANONYMOUS, crate::auth::Principal::actor);
    let mut write = Write::new(ctx.config, &ctx.stamp, actor);
    write.push(objections::insert(db, &new, &ctx.stamp))?;
    write.audit_created(
        &Entry::new("objection.file", "objection", "")
            .after(&after)
            .reason(Some(&reason)),
        &creation,
    )?;
    let created = write.commit_creation().await.map_err(|err| match err {
        WriteError::Duplicate(constraint) if constraint.starts_with("objections.") => {
            ApiError::state_conflict(
                "objection_open",
                "you already have an open objection against this product in this round; \
                 it is decided before you may object again",
            )
        }
        other => other.into(),
    })?;
    let id = created.id("file objection")?;
    Ok(created.mark(objection_reply(db, id, 201, false).await?))
}

/// The 422 naming every refused field of an objection.
fn objection_refused(problems: Vec<ObjectionProblem>) -> ApiError {
    ApiError::validation(
        "check the objection",
        problems
            .into_iter()
            .map(|p| FieldIssue::new(p.field, p.code, p.message))
            .collect(),
    )
}

/// The product an objection is against: on the list of the round in the path, while
/// its public notice runs.
struct Listed {
    /// The round's year.
    year: i64,
    /// Canonical registration number.
    number: String,
    product_id: i64,
}

impl Listed {
    async fn find(
        ctx: &Ctx<'_>,
        db: &D1Database,
        registration_number: &str,
    ) -> Result<Self, ApiError> {
        let round = round_param(ctx, db).await?;
        let (stage, _) = stage_and_dates(&round)?;
        let year = i32::try_from(round.year).unwrap_or(i32::MIN);
        check_objection_window(year, stage, notice_of(&round), business_date(ctx.now))
            .map_err(|e| ApiError::state_conflict("objections_closed", e.to_string()))?;
        let not_found = || {
            ApiError::missing(
                "product_not_found",
                format!("no product is recorded under {registration_number}"),
            )
        };
        let number = RegistrationNumber::parse(registration_number)
            .map_err(|_| not_found())?
            .to_string();
        let entry = round_entries::entry_by_number(db, round.year, &number)
            .await?
            .ok_or_else(not_found)?;
        if entry.outcome.as_deref() != Some("identified") {
            return Err(ApiError::conflict(
                "not_listed",
                "registration_number",
                format!("{number} is not on the list of round {}", round.year),
            ));
        }
        Ok(Self {
            year: round.year,
            number,
            product_id: entry.product_id,
        })
    }
}

/// `GET /api/v1/rounds/{year}/objections?status=&cursor=&limit=`: a round's
/// objections, oldest first, with who filed them (national admins).
///
/// # Errors
///
/// 401; 403; 404; 422 bad paging or status.
pub async fn list_objections(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_national_admin(&principal)?;
    let db = ctx.db();
    let round = round_param(ctx, db).await?;
    let status = ctx.query_param("status");
    if let Some(s) = status.as_deref()
        && !["open", "upheld", "dismissed"].contains(&s)
    {
        return Err(ApiError::invalid_field(
            "status",
            "unknown_status",
            "status is open, upheld or dismissed",
        ));
    }
    let after = ctx.id_cursor()?.unwrap_or(0);
    let limit = ctx.page_limit(50, MAX_PAGE)?;
    let rows = objections::list(db, round.year, status.as_deref(), after, limit).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items: Vec<ObjectionOut> = rows
        .into_iter()
        .map(|r| ObjectionOut::from_row(r, true))
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"items": items, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}

/// A decision on an objection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionDecisionIn {
    /// `uphold` or `dismiss`.
    pub decision: Verdict,
    /// Why (published with the outcome).
    pub reason: String,
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `POST /api/v1/objections/{id}/decision`: upholds (the product leaves the list) or
/// dismisses an open objection, with a reason.
///
/// # Errors
///
/// 401; 403; 404; 409 `objection_decided`, `round_not_in_notice` or stale; 422.
pub async fn decide_objection(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let id = ctx.id_param("id", "objection_not_found")?;
    let input: ObjectionDecisionIn = crate::body::decode_json(body)?;
    let reason =
        ppr_core::product::check_text_block(&input.reason, ppr_core::objection::MAX_REASON_CHARS)
            .map_err(|e| ApiError::invalid_field("reason", e.code(), e.to_string()))?;
    let db = ctx.db();
    let row = objections::by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::missing("objection_not_found", format!("no objection {id}")))?;
    if row.status != "open" {
        return Err(ApiError::state_conflict(
            "objection_decided",
            format!("objection {id} was {} already", row.status),
        ));
    }
    let round = crate::repo::rounds::round(db, row.year)
        .await?
        .ok_or_else(|| ApiError::internal_cause("objection round", &row.year))?;
    let (stage, _) = stage_and_dates(&round)?;
    if !may_decide_objections(stage) {
        return Err(ApiError::state_conflict(
            "round_not_in_notice",
            "objections are decided during the public notice and the objection handling",
        ));
    }
    let version = ctx.if_match()?.or(input.version).unwrap_or(row.version);
    let status = input.decision.status();
    let id_text = id.to_string();
    let before = serde_json::json!({"status": "open", "outcome": "identified"}).to_string();
    let after = match input.decision {
        Verdict::Uphold => {
            serde_json::json!({"status": status, "outcome": "removed", "rule": "objection_upheld"})
        }
        Verdict::Dismiss => serde_json::json!({"status": status, "outcome": "identified"}),
    }
    .to_string();
    let action = if input.decision == Verdict::Uphold {
        "objection.uphold"
    } else {
        "objection.dismiss"
    };
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(objections::decide(
            db,
            id,
            version,
            status,
            &reason,
            principal.user_id,
            &ctx.stamp,
        ))?
        .audit(
            &Entry::new(action, "objection", &id_text)
                .before(&before)
                .after(&after)
                .reason(Some(&reason)),
        )?;
    if input.decision == Verdict::Uphold {
        write.push(round_entries::remove_listed(
            db,
            row.year,
            row.product_id,
            id,
        ))?;
    }
    write.commit().await?;
    objection_reply(db, id, 200, true).await
}
