//! The review desk: the queue with service levels, and decisions on filings.
//! (Decisions on verifications are in [`crate::handlers::verifications`].)

use ppr_core::calendar::business_date;
use ppr_core::filing::{FilingEvent, FilingKind, FilingStatus};
use ppr_core::product::{MAX_REASON_CHARS, is_reviewable_field};
use ppr_core::webhook::EventType;
use ppr_core::workdays::{ReviewKind, ServiceLevel, service_level};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::auth::{self, Principal};
use crate::authz;
use crate::clock::parse_stamp;
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::filings::{self, Decision, FilingRow};
use crate::repo::{self, Param};
use crate::services::{recording, settings};
use crate::validation::page_limit;
use crate::views::filings::FilingOut;
use crate::webhooks;
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(POST "/api/v1/filings/{id}/decision", decide_filing(ctx, body), Roles::Reviewers),
    operation!(GET "/api/v1/review-queue", get_review_queue(ctx), Roles::Reviewers,
        query: ["kind", "status", "cursor", "limit"]),
];

/// Largest page of the queue.
const MAX_PAGE: i64 = 200;

/// One waiting item.
#[derive(Debug, Serialize)]
pub struct QueueItem {
    /// `filing` or `verification`.
    pub kind: ReviewKind,
    /// Its id.
    pub id: i64,
    /// For a filing: `initial`, `modification` or `revocation`.
    pub filing_kind: Option<String>,
    /// Status.
    pub status: String,
    /// The enterprise.
    pub enterprise: serde_json::Value,
    /// The product, for a modification or revocation.
    pub product: Option<String>,
    /// Latest submission.
    pub submitted_at: String,
    /// Where it stands against its service level.
    pub service_level: ppr_core::workdays::ServiceLevel,
}

#[derive(Debug, Deserialize)]
struct VerificationQueueRow {
    id: i64,
    status: String,
    submitted_at: String,
    uscc: String,
    name: String,
}

/// `GET /api/v1/review-queue?kind=filing|verification&status=…&cursor=…&limit=…`:
/// oldest submission first, each with its service level. Defaults: filings that are
/// `submitted`; verifications that are `pending`.
///
/// # Errors
///
/// 401; 403 `not_reviewer`; 422 for a bad parameter.
pub async fn get_review_queue(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_reviewer(&principal)?;
    let query = ctx.query();
    let page = QueuePage::parse(&query)?;
    let db = ctx.db();
    let today = business_date(ctx.now);
    let year = chrono::Datelike::year(&today);
    let calendar = settings::work_calendar(db, &[year - 1, year]).await?;
    let level = |submitted: &str| {
        let date = parse_stamp(submitted).map_or(today, business_date);
        service_level(&calendar, page.kind, date, today)
    };
    let items: Vec<QueueItem> = if page.kind == ReviewKind::Filing {
        filing_items(db, &page, &level).await?
    } else {
        verification_items(db, &page, &level).await?
    };
    let next_cursor = (i64::try_from(items.len()).unwrap_or(0) == page.limit)
        .then(|| items.last().map(|i| format!("{}~{}", i.submitted_at, i.id)))
        .flatten();
    Reply::json(
        200,
        &serde_json::json!({"items": items, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}

/// The page of the queue a request asks for.
struct QueuePage<'q> {
    kind: ReviewKind,
    /// As given: which statuses exist depends on the kind, checked with the items.
    status: Option<&'q str>,
    limit: i64,
    cursor: Option<(String, i64)>,
}

impl<'q> QueuePage<'q> {
    fn parse(query: &'q [(String, String)]) -> Result<Self, ApiError> {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let kind = match get("kind").unwrap_or("filing") {
            "filing" => ReviewKind::Filing,
            "verification" => ReviewKind::Verification,
            _ => {
                return Err(ApiError::invalid_field(
                    "kind",
                    "unknown_kind",
                    "kind is filing or verification",
                ));
            }
        };
        let limit = page_limit(get("limit"), 50, MAX_PAGE)?;
        let cursor = match get("cursor") {
            None => None,
            Some(text) => Some(parse_cursor(text)?),
        };
        Ok(Self {
            kind,
            status: get("status"),
            limit,
            cursor,
        })
    }

    /// Where the page starts: after this submission time and id.
    fn after(&self) -> Option<(&str, i64)> {
        self.cursor.as_ref().map(|(at, id)| (at.as_str(), *id))
    }
}

/// The filings of the page, `submitted` ones unless another status is asked for.
async fn filing_items(
    db: &D1Database,
    page: &QueuePage<'_>,
    level: &impl Fn(&str) -> ServiceLevel,
) -> Result<Vec<QueueItem>, ApiError> {
    let status = page.status.unwrap_or("submitted");
    if FilingStatus::from_code(status).is_none() {
        return Err(ApiError::invalid_field(
            "status",
            "unknown_status",
            "a filing status: draft, submitted, returned, approved, rejected",
        ));
    }
    Ok(filings::queue(db, status, page.after(), page.limit)
        .await?
        .into_iter()
        .map(|f| {
            let submitted = f.submitted_at.clone().unwrap_or_default();
            QueueItem {
                kind: ReviewKind::Filing,
                id: f.id,
                filing_kind: Some(f.kind),
                status: f.status,
                enterprise: serde_json::json!({"uscc": f.uscc, "name": f.enterprise_name, "region_code": f.enterprise_region}),
                product: f.registration_number,
                service_level: level(&submitted),
                submitted_at: submitted,
            }
        })
        .collect())
}

/// The verifications of the page, `pending` ones unless another status is asked for.
async fn verification_items(
    db: &D1Database,
    page: &QueuePage<'_>,
    level: &impl Fn(&str) -> ServiceLevel,
) -> Result<Vec<QueueItem>, ApiError> {
    let status = page.status.unwrap_or("pending");
    if !["pending", "approved", "rejected"].contains(&status) {
        return Err(ApiError::invalid_field(
            "status",
            "unknown_status",
            "a verification status: pending, approved, rejected",
        ));
    }
    let (at, id) = page.after().unwrap_or(("", 0));
    let rows: Vec<VerificationQueueRow> = repo::all(
        db,
        "SELECT v.id, v.status, v.submitted_at, e.uscc, e.name
         FROM verifications v JOIN enterprises e ON e.id = v.enterprise_id
         WHERE v.status = ?1 AND (v.submitted_at > ?2 OR (v.submitted_at = ?2 AND v.id > ?3))
         ORDER BY v.submitted_at, v.id LIMIT ?4",
        &[
            Param::Text(status),
            Param::Text(at),
            Param::Int(id),
            Param::Int(page.limit),
        ],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|v| QueueItem {
            kind: ReviewKind::Verification,
            id: v.id,
            filing_kind: None,
            status: v.status,
            enterprise: serde_json::json!({"uscc": v.uscc, "name": v.name}),
            product: None,
            service_level: level(&v.submitted_at),
            submitted_at: v.submitted_at,
        })
        .collect())
}

fn parse_cursor(text: &str) -> Result<(String, i64), ApiError> {
    text.rsplit_once('~')
        .and_then(|(at, id)| Some((at.to_owned(), id.parse().ok()?)))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "cursor",
                "invalid_cursor",
                "pass next_cursor from the previous page as it is",
            )
        })
}

/// A decision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingDecisionIn {
    /// `approve`, `return` or `reject`.
    pub decision: String,
    /// Return: at least one reason, each naming a filing field.
    #[serde(default)]
    pub reasons: Vec<ReturnReasonIn>,
    /// Reject: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A reason to return a filing, for one field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnReasonIn {
    /// The field (`name`, `patents[0].number`, `economics.sales`, …).
    pub field: String,
    /// What to fix.
    pub message: String,
}

/// `POST /api/v1/filings/{id}/decision`: approve (the product is recorded, modified or
/// revoked in the same batch), return with reasons per field, or reject with a reason.
///
/// # Errors
///
/// 401; 403 `not_reviewer`; 404; 409 not submitted, stale, or a linked patent no longer
/// valid; 422 a bad decision or reasons.
pub async fn decide_filing(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_reviewer(&principal)?;
    auth::check_csrf(ctx.req, &principal)?;
    let id = ctx.id_param("id", "filing_not_found")?;
    let input: FilingDecisionIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let row = filings::by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::missing("filing_not_found", format!("no filing {id}")))?;
    authz::require_not_own(&principal, row.enterprise_id)?;
    let event = decision_event(&input.decision)?;
    let version = ctx.if_match()?.or(input.version).unwrap_or(row.version);
    let status = FilingStatus::from_code(&row.status)
        .ok_or_else(|| ApiError::internal_cause("stored filing status", &row.status))?;
    let next = status
        .apply(event)
        .map_err(|e| ApiError::state_conflict("invalid_transition", e.to_string()))?;
    let kind = FilingKind::from_code(&row.kind)
        .ok_or_else(|| ApiError::internal_cause("stored filing kind", &row.kind))?;
    if event == FilingEvent::Approve {
        recording::approve(ctx, &principal, &row, kind, version).await?;
        return decided_reply(db, id).await;
    }
    let (reasons_json, reason) = if event == FilingEvent::Return {
        (Some(return_reasons(&input.reasons)?), None)
    } else {
        (None, Some(reject_reason(input.reason.as_deref())?))
    };
    let decision = Decision {
        status: next.code(),
        return_reasons: reasons_json.as_deref(),
        reason: reason.as_deref(),
        decided_by: principal.user_id,
    };
    return_or_reject(ctx, &principal, &row, event, version, &decision).await?;
    decided_reply(db, id).await
}

/// The event a decision's word names.
fn decision_event(decision: &str) -> Result<FilingEvent, ApiError> {
    match decision {
        "approve" => Ok(FilingEvent::Approve),
        "return" => Ok(FilingEvent::Return),
        "reject" => Ok(FilingEvent::Reject),
        _ => Err(ApiError::invalid_field(
            "decision",
            "unknown_decision",
            "decision is approve, return or reject",
        )),
    }
}

/// A rejection's reason, which it must have.
fn reject_reason(reason: Option<&str>) -> Result<String, ApiError> {
    reason
        .map(|r| ppr_core::account::required_text(r, MAX_REASON_CHARS))
        .transpose()
        .map_err(|e| ApiError::invalid_field("reason", e.code(), e.to_string()))?
        .ok_or_else(|| {
            ApiError::invalid_field("reason", "required", "say why the filing is rejected")
        })
}

/// Writes a return or a rejection at the version read; a return also raises the
/// `filing.returned` event.
async fn return_or_reject(
    ctx: &Ctx<'_>,
    principal: &Principal,
    row: &FilingRow,
    event: FilingEvent,
    version: i64,
    decision: &Decision<'_>,
) -> Result<(), ApiError> {
    let db = ctx.db();
    let id_text = row.id.to_string();
    let before = serde_json::json!({"status": row.status}).to_string();
    let after = serde_json::json!({"status": decision.status, "return_reasons": decision.return_reasons.and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())}).to_string();
    let action = if event == FilingEvent::Return {
        "filing.return"
    } else {
        "filing.reject"
    };
    let mut write = Write::by(ctx, principal);
    write
        .guarded(filings::decide(db, row.id, version, decision, &ctx.stamp))?
        .audit(
            &Entry::new(action, "filing", &id_text)
                .enterprise(row.enterprise_id)
                .before(&before)
                .after(&after)
                .reason(decision.reason),
        )?;
    if event == FilingEvent::Return {
        write.event(webhooks::filing_event(
            db,
            EventType::FilingReturned,
            row,
            &ctx.stamp,
        )?);
    }
    write.commit().await?;
    Ok(())
}

/// The filing as decided.
async fn decided_reply(db: &D1Database, id: i64) -> Result<Reply, ApiError> {
    let row = filings::by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("filing", &"row missing"))?;
    Reply::json(200, &FilingOut::from_row(row), CachePolicy::NoStore)
}

fn return_reasons(reasons: &[ReturnReasonIn]) -> Result<String, ApiError> {
    let mut fields = Vec::new();
    if reasons.is_empty() {
        fields.push(FieldIssue::new(
            "reasons",
            "required",
            "give at least one reason, naming the field to fix",
        ));
    }
    if reasons.len() > 50 {
        fields.push(FieldIssue::new("reasons", "too_many", "at most 50 reasons"));
    }
    let mut clean = Vec::new();
    for (i, r) in reasons.iter().enumerate() {
        if !is_reviewable_field(&r.field) {
            fields.push(FieldIssue::new(
                format!("reasons[{i}].field"),
                "unknown_field",
                format!("{:?} is not a field of a filing", r.field),
            ));
        }
        match ppr_core::account::required_text(&r.message, MAX_REASON_CHARS) {
            Ok(message) => clean.push(ReturnReasonIn {
                field: r.field.trim().to_owned(),
                message,
            }),
            Err(e) => fields.push(FieldIssue::new(
                format!("reasons[{i}].message"),
                e.code(),
                e.to_string(),
            )),
        }
    }
    if !fields.is_empty() {
        return Err(ApiError::validation("check the return reasons", fields));
    }
    serde_json::to_string(&clean).map_err(|e| ApiError::internal_cause("reasons json", &e))
}
