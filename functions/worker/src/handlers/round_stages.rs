//! Moving a round through its stages: advancing it (which starts the new stage's
//! chunked work, [`crate::round_work`]), running a stage's work again, and resuming a
//! step that stopped. What may happen when is `ppr_core::round::check_advance`'s.

use ppr_core::calendar::business_date;
use ppr_core::round::{RoundState, Stage, Step, check_advance};
use serde::Deserialize;
use worker::D1Database;

use crate::authz;
use crate::clock;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::Reply;
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::objections;
use crate::repo::round_entries;
use crate::repo::rounds::{self, RoundRow, TaskRow};
use crate::round_work;
use crate::services::rounds::{notice_of, round_param, round_reply, stage_and_dates};
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(POST "/api/v1/rounds/{year}/advance", advance_round(ctx, body), Roles::NationalAdmins),
    operation!(POST "/api/v1/rounds/{year}/rerun", rerun_round(ctx, body), Roles::NationalAdmins),
    operation!(POST "/api/v1/rounds/{year}/resume", resume_round(ctx, body), Roles::NationalAdmins),
];

/// Moving a round on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceIn {
    /// The next stage.
    pub to: String,
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// Where a stored round stands for [`check_advance`].
async fn state(db: &D1Database, row: &RoundRow) -> Result<(RoundState, Vec<TaskRow>), ApiError> {
    let (stage, dates) = stage_and_dates(row)?;
    let tasks = rounds::tasks(db, row.year).await?;
    let steps_done = stage.steps().iter().all(|s| {
        tasks
            .iter()
            .any(|t| t.step == s.code() && t.status == "done")
    });
    let notice = notice_of(row);
    let open = objections::count_open(db, row.year).await?;
    Ok((
        RoundState {
            stage,
            dates,
            notice,
            steps_done,
            open_objections: u32::try_from(open).unwrap_or(u32::MAX),
        },
        tasks,
    ))
}

/// The round of the path, the version the admin read, where it stands and its tasks.
async fn round_at_version(
    ctx: &Ctx<'_>,
    db: &D1Database,
    sent: Option<i64>,
) -> Result<(RoundRow, i64, RoundState, Vec<TaskRow>), ApiError> {
    let row = round_param(ctx, db).await?;
    let version = ctx.required_version(sent)?;
    let (state, tasks) = state(db, &row).await?;
    Ok((row, version, state, tasks))
}

/// `POST /api/v1/rounds/{year}/advance`: moves the round to its next stage and starts
/// that stage's work.
///
/// # Errors
///
/// 401; 403; 404; 409 with the rule that stops it (`not_next_stage`, `opt_in_open`,
/// `stage_not_done`, `before_evaluation_date`, `notice_running`, `objections_open`)
/// or stale; 422 an unknown stage.
pub async fn advance_round(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let input: AdvanceIn = crate::body::decode_json(body)?;
    let to = Stage::from_code(&input.to).ok_or_else(|| {
        ApiError::invalid_field(
            "to",
            "unknown_stage",
            "a stage: formal_check, evaluation, public_notice, objection_handling, final",
        )
    })?;
    let db = ctx.db();
    let (row, version, current, _) = round_at_version(ctx, db, input.version).await?;
    let today = business_date(ctx.now);
    check_advance(&current, to, today)
        .map_err(|e| ApiError::state_conflict(e.code(), e.to_string()))?;
    let notice = (to == Stage::PublicNotice).then(|| current.dates.notice_from(today));
    let notice_text = notice.map(|n| (n.start.to_string(), n.end.to_string()));
    // Step bookkeeping runs on the wall clock, as the queue's chunks do.
    let wall = clock::stamp(clock::now());
    let year_text = row.year.to_string();
    let before = serde_json::json!({"stage": row.stage}).to_string();
    let after = serde_json::json!({"stage": to.code(), "notice": notice}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(rounds::set_stage(
            db,
            row.year,
            version,
            to.code(),
            notice_text.as_ref().map(|(s, e)| (s.as_str(), e.as_str())),
            &ctx.stamp,
        ))?
        .audit(
            &Entry::new("round.advance", "round", &year_text)
                .before(&before)
                .after(&after),
        )?;
    let first = to.steps().first().copied();
    if let Some(step) = first {
        write.push(round_work::start_step(db, row.year, step, &wall))?;
    }
    write.commit().await?;
    if let Some(step) = first {
        round_work::kick_off(ctx.config, row.year, step).await?;
    }
    round_reply(db, row.year, 200, true).await
}

/// A re-run or a resume: the round version read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundActionIn {
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `POST /api/v1/rounds/{year}/rerun`: runs the current stage's work again from the
/// start (formal check or evaluation only, once its steps stopped). The same inputs
/// give the same results, down to the benchmark set.
///
/// # Errors
///
/// 401; 403; 404; 409 `stage_not_rerunnable`, `stage_running` or stale.
pub async fn rerun_round(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let input: RoundActionIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let (row, version, current, tasks) = round_at_version(ctx, db, input.version).await?;
    let stage = current.stage;
    if !stage.may_rerun() {
        return Err(ApiError::state_conflict(
            "stage_not_rerunnable",
            "only the formal check and the evaluation run again, before anything is made public",
        ));
    }
    if running(&tasks, stage) {
        return Err(ApiError::state_conflict(
            "stage_running",
            "the stage is still working; wait for it to finish or fail",
        ));
    }
    let Some(first) = stage.steps().first().copied() else {
        return Err(ApiError::internal_cause("rerun", &"a stage without steps"));
    };
    let wall = clock::stamp(clock::now());
    let year_text = row.year.to_string();
    let before = serde_json::json!({"stage": row.stage}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(rounds::touch(db, row.year, version, &ctx.stamp))?
        .extend(if first == Step::FormalCheck {
            round_entries::clear_formal_check(db, row.year)
        } else {
            round_entries::clear_evaluation(db, row.year)
        })?
        .push(round_work::start_step(db, row.year, first, &wall))?
        .audit(
            &Entry::new("round.rerun", "round", &year_text)
                .before(&before)
                .after(&before),
        )?;
    write.commit().await?;
    round_work::kick_off(ctx.config, row.year, first).await?;
    round_reply(db, row.year, 200, true).await
}

fn running(tasks: &[TaskRow], stage: Stage) -> bool {
    tasks
        .iter()
        .any(|t| t.status == "running" && stage.steps().iter().any(|s| s.code() == t.step))
}

/// `POST /api/v1/rounds/{year}/resume`: sets the current stage's stopped (or stalled)
/// step going again from where it stopped.
///
/// # Errors
///
/// 401; 403; 404; 409 `nothing_to_resume` or stale.
pub async fn resume_round(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let input: RoundActionIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let (row, version, current, tasks) = round_at_version(ctx, db, input.version).await?;
    let stopped: Vec<&TaskRow> = tasks
        .iter()
        .filter(|t| t.status != "done" && current.stage.steps().iter().any(|s| s.code() == t.step))
        .collect();
    if stopped.is_empty() {
        return Err(ApiError::state_conflict(
            "nothing_to_resume",
            "no step of this stage is stopped or waiting",
        ));
    }
    let wall = clock::stamp(clock::now());
    let year_text = row.year.to_string();
    let before = serde_json::json!({"steps": stopped.iter().map(|t| (&t.step, &t.status, &t.error)).collect::<Vec<_>>()}).to_string();
    let mut write = Write::by(ctx, &principal);
    write.guarded(rounds::touch(db, row.year, version, &ctx.stamp))?;
    for task in &stopped {
        write.push(rounds::resume_task(db, row.year, &task.step, &wall))?;
    }
    write.audit(
        &Entry::new("round.resume", "round", &year_text)
            .before(&before)
            .after(&before),
    )?;
    write.commit().await?;
    for task in &stopped {
        if let Some(step) = Step::from_code(&task.step) {
            round_work::kick_off(ctx.config, row.year, step).await?;
        }
    }
    round_reply(db, row.year, 200, true).await
}
