//! A round as the handlers read it: from the path, its stage and dates, its notice,
//! this year's opt-in window, and the round as answered with its steps' progress.

use chrono::NaiveDate;
use ppr_core::calendar::{business_date, business_year};
use ppr_core::round::{
    DEFAULT_NOTICE_DAYS, NoticePeriod, OptInError, RoundDates, Stage, check_opt_in,
};
use serde::Serialize;
use worker::D1Database;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::repo::rounds::{self, RoundRow};
use crate::repo::{objections, round_entries};
use crate::services::methodology::load_methodology;

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
