//! Identification rounds: a national admin opens round Y and may move its dates while
//! it is open; anyone reads a round and the progress of its stages' work. Moving it
//! through its stages is [`super::round_stages`]'s; the rules of what may happen when
//! are `ppr_core::round`'s.

use chrono::NaiveDate;
use ppr_core::calendar::business_date;
use ppr_core::round::{DEFAULT_NOTICE_DAYS, DateIssue, RoundDates, Stage};
use serde::Deserialize;

use crate::auth::Principal;
use crate::authz;
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::rounds::{self, RoundRow};
use crate::services::methodology::default_row;
use crate::services::rounds::{round_out, round_param, round_reply, stage_and_dates};
use crate::write::{Created, Write, WriteError};
use ppr_core::Role;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/rounds", list_rounds(ctx), Roles::Anyone),
    operation!(POST "/api/v1/rounds", create_round(ctx, body), Roles::NationalAdmins),
    operation!(GET "/api/v1/rounds/{year}", get_round(ctx), Roles::Anyone),
    operation!(PUT "/api/v1/rounds/{year}", update_round(ctx, body), Roles::NationalAdmins),
];

fn date_issues(issues: Vec<DateIssue>) -> ApiError {
    ApiError::validation(
        "check the round's year and dates",
        issues
            .into_iter()
            .map(|i| FieldIssue::new(i.field, i.code, i.message))
            .collect(),
    )
}

fn is_staff(principal: Option<&Principal>) -> bool {
    principal.is_some_and(|p| p.role == Role::NationalAdmin)
}

/// Opening a round.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundIn {
    /// The round year.
    pub year: i64,
    /// `id@version` of a loaded methodology; the shipped default when left out.
    #[serde(default)]
    pub methodology: Option<String>,
    /// Last day to opt in.
    pub opt_in_deadline: NaiveDate,
    /// First day the evaluation may run.
    pub evaluation_date: NaiveDate,
    /// Public notice length (default 10).
    #[serde(default)]
    pub notice_days: Option<u32>,
}

/// `POST /api/v1/rounds`: opens round Y (stage `open`).
///
/// # Errors
///
/// 401; 403 `not_national_admin`; 422 dates or an unknown methodology; 409
/// `round_exists`.
pub async fn create_round(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let input: RoundIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let creation = Creation::begin(ctx.req, principal.user_id, "round", body)?;
    if let Some(year) = creation.replayed(db).await? {
        return round_reply(db, year, 201, true).await.map(mark_replayed);
    }
    let year = i32::try_from(input.year).unwrap_or(i32::MIN);
    let dates = RoundDates {
        opt_in_deadline: input.opt_in_deadline,
        evaluation_date: input.evaluation_date,
        notice_days: input.notice_days.unwrap_or(DEFAULT_NOTICE_DAYS),
    }
    .check(year, business_date(ctx.now))
    .map_err(date_issues)?;
    let default = default_row(&ctx.stamp)?;
    let (methodology_id, methodology_version) = match input.methodology.as_deref() {
        None => (default.id.clone(), default.version.clone()),
        Some(name) => {
            let (id, version) = name.split_once('@').unwrap_or((name, ""));
            let known = (id == default.id && version == default.version)
                || rounds::methodology(db, id, version).await?.is_some();
            if !known {
                return Err(ApiError::invalid_field(
                    "methodology",
                    "unknown_methodology",
                    format!("{name} is not loaded; see GET /api/v1/methodologies"),
                ));
            }
            (id.to_owned(), version.to_owned())
        }
    };
    let row = RoundRow {
        year: input.year,
        methodology_id,
        methodology_version,
        opt_in_deadline: dates.opt_in_deadline.to_string(),
        evaluation_date: dates.evaluation_date.to_string(),
        notice_days: i64::from(dates.notice_days),
        stage: Stage::Open.code().to_owned(),
        notice_start: None,
        notice_end: None,
        benchmark_set_id: None,
        published_at: None,
        created_at: ctx.stamp.clone(),
        updated_at: ctx.stamp.clone(),
        version: 1,
    };
    let after = serde_json::json!({
        "methodology": format!("{}@{}", row.methodology_id, row.methodology_version),
        "opt_in_deadline": row.opt_in_deadline,
        "evaluation_date": row.evaluation_date,
        "notice_days": row.notice_days,
    })
    .to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .push(rounds::insert_methodology(db, &default, None))?
        .push(rounds::insert_round(db, &row, principal.user_id))?;
    // The round's rowid is its year.
    write.audit_created(
        &Entry::new("round.open", "round", "").after(&after),
        &creation,
    )?;
    let created = write.commit_creation().await.map_err(|err| match err {
        WriteError::Duplicate(_) => ApiError::conflict(
            "round_exists",
            "year",
            format!("round {} is open already", row.year),
        ),
        err => err.into(),
    })?;
    let year = match created {
        Created::Committed(_) => row.year,
        Created::Replayed(year) => year,
    };
    Ok(created.mark(round_reply(db, year, 201, true).await?))
}

/// `GET /api/v1/rounds`: every round, newest first (public).
///
/// # Errors
///
/// The database failed.
pub async fn list_rounds(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let db = ctx.db();
    let mut items = Vec::new();
    for row in rounds::rounds(db).await? {
        items.push(round_out(db, row, false).await?);
    }
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/rounds/{year}`: one round with its progress (public; national admins
/// also see why a step stopped).
///
/// # Errors
///
/// 404 `round_not_found`.
pub async fn get_round(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let db = ctx.db();
    let row = round_param(ctx, db).await?;
    let principal = ctx.optional_principal().await?;
    Reply::json(
        200,
        &round_out(db, row, is_staff(principal.as_ref())).await?,
        CachePolicy::NoStore,
    )
}

/// New dates for a round still open.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundDatesIn {
    /// Last opt-in day.
    #[serde(default)]
    pub opt_in_deadline: Option<NaiveDate>,
    /// First evaluation day.
    #[serde(default)]
    pub evaluation_date: Option<NaiveDate>,
    /// Notice length.
    #[serde(default)]
    pub notice_days: Option<u32>,
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `PUT /api/v1/rounds/{year}`: moves the dates of a round that is still open.
///
/// # Errors
///
/// 401; 403; 404; 409 not open or stale; 422 dates.
pub async fn update_round(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let input: RoundDatesIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let mut row = round_param(ctx, db).await?;
    let version = ctx.required_version(input.version)?;
    let (stage, dates) = stage_and_dates(&row)?;
    if stage != Stage::Open {
        return Err(ApiError::state_conflict(
            "round_not_open",
            "the dates can only change while the round is open",
        ));
    }
    let year = i32::try_from(row.year).unwrap_or(i32::MIN);
    let dates = RoundDates {
        opt_in_deadline: input.opt_in_deadline.unwrap_or(dates.opt_in_deadline),
        evaluation_date: input.evaluation_date.unwrap_or(dates.evaluation_date),
        notice_days: input.notice_days.unwrap_or(dates.notice_days),
    }
    .check(year, business_date(ctx.now))
    .map_err(date_issues)?;
    let before = serde_json::json!({"opt_in_deadline": row.opt_in_deadline, "evaluation_date": row.evaluation_date, "notice_days": row.notice_days}).to_string();
    row.opt_in_deadline = dates.opt_in_deadline.to_string();
    row.evaluation_date = dates.evaluation_date.to_string();
    row.notice_days = i64::from(dates.notice_days);
    let after = serde_json::json!({"opt_in_deadline": row.opt_in_deadline, "evaluation_date": row.evaluation_date, "notice_days": row.notice_days}).to_string();
    let year_text = row.year.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(rounds::update_dates(db, &row, version, &ctx.stamp))?
        .audit(
            &Entry::new("round.dates", "round", &year_text)
                .before(&before)
                .after(&after),
        )?;
    write.commit().await?;
    round_reply(db, row.year, 200, true).await
}
