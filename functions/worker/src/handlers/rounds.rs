//! Identification rounds: a national admin opens round Y and may move its dates while
//! it is open; anyone reads a round and the progress of its stages' work. Moving it
//! through its stages is [`super::round_stages`]'s; the rules of what may happen when
//! are `ppr_core::round`'s.

use chrono::NaiveDate;
use ppr_core::calendar::{business_date, business_year};
use ppr_core::round::{
    DEFAULT_NOTICE_DAYS, DateIssue, NoticePeriod, OptInError, RoundDates, Stage, check_opt_in,
};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::app::Ctx;
use crate::auth::Principal;
use crate::authz;
use crate::error::{ApiError, FieldIssue};
use crate::handlers::methodologies::{default_row, load_methodology};
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Committed, Creation, mark_replayed};
use crate::repo::audit::{self, Actor, Change};
use crate::repo::objections;
use crate::repo::round_entries;
use crate::repo::rounds::{self, RoundRow};
use crate::repo::{self};
use ppr_core::Role;

/// A step's progress as answered.
#[derive(Debug, Serialize)]
pub struct StepOut {
    /// Step code.
    pub step: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Items done.
    pub done: i64,
    /// Items in all.
    pub total: i64,
    /// Chunks committed.
    pub chunks: i64,
    /// Run (1 for the first; more after re-runs).
    pub run: i64,
    /// The slowest chunk's wall time, in milliseconds.
    pub slowest_chunk_ms: i64,
    /// Why it stopped (national admins only).
    pub error: Option<String>,
    /// Started.
    pub started_at: String,
    /// Finished.
    pub finished_at: Option<String>,
}

/// A round as answered.
#[derive(Debug, Serialize)]
pub struct RoundOut {
    /// The round year; it evaluates the previous year's figures.
    pub year: i64,
    /// The year whose figures it evaluates.
    pub figures_year: i64,
    /// Stage code.
    pub stage: String,
    /// The methodology, with its public notice.
    pub methodology: serde_json::Value,
    /// Last opt-in day.
    pub opt_in_deadline: String,
    /// First evaluation day.
    pub evaluation_date: String,
    /// Public notice length in days.
    pub notice_days: i64,
    /// The public notice, once it began: first and last day.
    pub notice: Option<serde_json::Value>,
    /// The benchmark set, once computed.
    pub benchmark_set_id: Option<i64>,
    /// When the final list was published.
    pub published_at: Option<String>,
    /// Each step's progress.
    pub steps: Vec<StepOut>,
    /// Entries per outcome (`pending`, `ineligible`, `identified`, `not_identified`,
    /// `removed`).
    pub counts: serde_json::Map<String, serde_json::Value>,
    /// Objections still open.
    pub open_objections: i64,
    /// Row version, for updates.
    pub version: i64,
}

/// The round as a reader sees it; `staff_detail` adds the steps' errors.
///
/// # Errors
///
/// The database failed.
pub async fn round_out(
    db: &D1Database,
    row: RoundRow,
    staff_detail: bool,
) -> Result<RoundOut, ApiError> {
    let tasks = rounds::tasks(db, row.year).await?;
    let counts = round_entries::outcome_counts(db, row.year)
        .await?
        .into_iter()
        .map(|c| (c.outcome, serde_json::Value::from(c.n)))
        .collect();
    let open_objections = objections::count_open(db, row.year).await?;
    let methodology = load_methodology(db, &row.methodology_id, &row.methodology_version).await?;
    let doc = methodology.doc();
    Ok(RoundOut {
        year: row.year,
        figures_year: row.year - 1,
        stage: row.stage,
        methodology: serde_json::json!({
            "id": doc.id,
            "version": doc.version,
            "name": format!("{}@{}", doc.id, doc.version),
            "notice": doc.notice,
        }),
        opt_in_deadline: row.opt_in_deadline,
        evaluation_date: row.evaluation_date,
        notice_days: row.notice_days,
        notice: row
            .notice_start
            .zip(row.notice_end)
            .map(|(start, end)| serde_json::json!({"start": start, "end": end})),
        benchmark_set_id: row.benchmark_set_id,
        published_at: row.published_at,
        steps: tasks
            .into_iter()
            .map(|t| StepOut {
                step: t.step,
                status: t.status,
                done: t.done,
                total: t.total,
                chunks: t.chunks,
                run: t.run,
                slowest_chunk_ms: t.slowest_chunk_ms,
                error: t.error.filter(|_| staff_detail),
                started_at: t.started_at,
                finished_at: t.finished_at,
            })
            .collect(),
        counts,
        open_objections,
        version: row.version,
    })
}

/// Round `year` from the path, or 404.
///
/// # Errors
///
/// 404 `round_not_found`; the database failed.
pub async fn round_param(ctx: &Ctx<'_>, db: &D1Database) -> Result<RoundRow, ApiError> {
    let raw = ctx.param("year")?;
    let not_found = || ApiError::missing("round_not_found", format!("no round for year {raw}"));
    let year: i64 = raw.parse().map_err(|_| not_found())?;
    rounds::round(db, year).await?.ok_or_else(not_found)
}

/// The stage and dates of a stored round.
///
/// # Errors
///
/// A stored value is corrupt (logged).
pub fn stage_and_dates(row: &RoundRow) -> Result<(Stage, RoundDates), ApiError> {
    let stage = Stage::from_code(&row.stage)
        .ok_or_else(|| ApiError::internal_cause("stored round stage", &row.stage))?;
    let date = |text: &str| {
        text.parse::<NaiveDate>()
            .map_err(|e| ApiError::internal_cause("stored round date", &e))
    };
    Ok((
        stage,
        RoundDates {
            opt_in_deadline: date(&row.opt_in_deadline)?,
            evaluation_date: date(&row.evaluation_date)?,
            notice_days: u32::try_from(row.notice_days).unwrap_or(DEFAULT_NOTICE_DAYS),
        },
    ))
}

/// The public notice of a stored round, once it began.
#[must_use]
pub fn notice_of(row: &RoundRow) -> Option<NoticePeriod> {
    let start = row.notice_start.as_deref()?.parse().ok()?;
    let end = row.notice_end.as_deref()?.parse().ok()?;
    Some(NoticePeriod { start, end })
}

/// Whether products may opt in to (or out of) this year's round now: the round year
/// and the core's answer ([`check_opt_in`]).
///
/// # Errors
///
/// The database failed, or a stored round is corrupt (logged).
pub async fn opt_in_window(
    db: &D1Database,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(i32, Result<(), OptInError>), ApiError> {
    let year = business_year(now);
    let round = match rounds::round(db, i64::from(year)).await? {
        Some(row) => Some(stage_and_dates(&row)?),
        None => None,
    };
    Ok((year, check_opt_in(year, round, business_date(now))))
}

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
    let db = ctx.db()?;
    let creation = Creation::begin(ctx.req, principal.user_id, "round", body)?;
    if let Some(year) = creation.replayed(&db).await? {
        return round_reply(&db, year, 201, true).await.map(mark_replayed);
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
                || rounds::methodology(&db, id, version).await?.is_some();
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
    let change = Change {
        at: &ctx.stamp,
        actor: Actor::of(&principal),
        action: "round.open",
        entity_type: "round",
        entity_id: "",
        enterprise_id: None,
        before: None,
        after: Some(&after),
        reason: None,
    };
    let batch = vec![
        rounds::insert_methodology(&db, &default, None)?,
        rounds::insert_round(&db, &row, principal.user_id)?,
        // The round's rowid is its year.
        audit::record_created(&db, &change)?,
    ];
    let committed = creation
        .commit(&db, batch, &ctx.stamp, |err| {
            if repo::unique_violation(err).is_some() {
                ApiError::conflict(
                    "round_exists",
                    "year",
                    format!("round {} is open already", row.year),
                )
            } else {
                ApiError::internal_cause("open round", err)
            }
        })
        .await?;
    match committed {
        Committed::Created(_) => round_reply(&db, row.year, 201, true).await,
        Committed::Replayed(year) => round_reply(&db, year, 201, true).await.map(mark_replayed),
    }
}

/// Round `year` as a reply with `status`.
///
/// # Errors
///
/// The database failed.
pub(crate) async fn round_reply(
    db: &D1Database,
    year: i64,
    status: u16,
    staff_detail: bool,
) -> Result<Reply, ApiError> {
    let row = rounds::round(db, year)
        .await?
        .ok_or_else(|| ApiError::internal_cause("round", &"row missing"))?;
    Reply::json(
        status,
        &round_out(db, row, staff_detail).await?,
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/rounds`: every round, newest first (public).
///
/// # Errors
///
/// The database failed.
pub async fn list_rounds(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let db = ctx.db()?;
    let mut items = Vec::new();
    for row in rounds::rounds(&db).await? {
        items.push(round_out(&db, row, false).await?);
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
    let db = ctx.db()?;
    let row = round_param(ctx, &db).await?;
    let principal = ctx.optional_principal().await?;
    Reply::json(
        200,
        &round_out(&db, row, is_staff(principal.as_ref())).await?,
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
    let db = ctx.db()?;
    let mut row = round_param(ctx, &db).await?;
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
    let change = round_change(ctx, &principal, "round.dates", &year_text, &before, &after);
    let batch = vec![
        rounds::update_dates(&db, &row, version, &ctx.stamp)?,
        repo::guard(&db)?,
        audit::record(&db, &change)?,
        repo::guard_end(&db)?,
    ];
    repo::commit_guarded(&db, batch, "round dates").await?;
    round_reply(&db, row.year, 200, true).await
}

pub(crate) fn round_change<'a>(
    ctx: &'a Ctx<'_>,
    principal: &'a Principal,
    action: &'a str,
    year: &'a str,
    before: &'a str,
    after: &'a str,
) -> Change<'a> {
    Change {
        at: &ctx.stamp,
        actor: Actor::of(principal),
        action,
        entity_type: "round",
        entity_id: year,
        enterprise_id: None,
        before: Some(before),
        after: Some(after),
        reason: None,
    }
}
