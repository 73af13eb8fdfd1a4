//! Identification rounds: methodologies, rounds, their step tasks and benchmark sets.
//! What a round made of each product is in [`super::round_entries`].

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A stored methodology document.
#[derive(Debug, Clone, Deserialize)]
pub struct MethodologyRow {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
    /// The document, as JSON.
    pub document: String,
    /// When it was loaded.
    pub loaded_at: String,
}

/// The methodology `id` at `version`, if loaded.
///
/// # Errors
///
/// The database failed.
pub async fn methodology(
    db: &D1Database,
    id: &str,
    version: &str,
) -> worker::Result<Option<MethodologyRow>> {
    first(
        db,
        "SELECT id, version, document, loaded_at FROM methodologies WHERE id = ?1 AND version = ?2",
        &[Param::Text(id), Param::Text(version)],
    )
    .await
}

/// Every loaded methodology, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn methodologies(db: &D1Database) -> worker::Result<Vec<MethodologyRow>> {
    all(
        db,
        "SELECT id, version, document, loaded_at FROM methodologies ORDER BY loaded_at DESC, id, version",
        &[],
    )
    .await
}

/// Loads a document unless `(id, version)` is there already (the caller compared).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_methodology(
    db: &D1Database,
    row: &MethodologyRow,
    by: Option<i64>,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO methodologies (id, version, document, loaded_at, loaded_by)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id, version) DO NOTHING",
        &[
            Param::Text(&row.id),
            Param::Text(&row.version),
            Param::Text(&row.document),
            Param::Text(&row.loaded_at),
            Param::OptInt(by),
        ],
    )
}

/// A round as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct RoundRow {
    /// The round year.
    pub year: i64,
    /// Methodology id.
    pub methodology_id: String,
    /// Methodology version.
    pub methodology_version: String,
    /// Last opt-in day.
    pub opt_in_deadline: String,
    /// First evaluation day.
    pub evaluation_date: String,
    /// Notice length.
    pub notice_days: i64,
    /// Stage code.
    pub stage: String,
    /// Notice start.
    pub notice_start: Option<String>,
    /// Notice end.
    pub notice_end: Option<String>,
    /// The benchmark set, once computed.
    pub benchmark_set_id: Option<i64>,
    /// When the final list was published.
    pub published_at: Option<String>,
    /// Opened.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

const ROUND_COLUMNS: &str = "year, methodology_id, methodology_version, opt_in_deadline,
    evaluation_date, notice_days, stage, notice_start, notice_end, benchmark_set_id,
    published_at, created_at, updated_at, version";

/// Round `year`, if opened.
///
/// # Errors
///
/// The database failed.
pub async fn round(db: &D1Database, year: i64) -> worker::Result<Option<RoundRow>> {
    first(
        db,
        &format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE year = ?1"),
        &[Param::Int(year)],
    )
    .await
}

/// Every round, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn rounds(db: &D1Database) -> worker::Result<Vec<RoundRow>> {
    all(
        db,
        &format!("SELECT {ROUND_COLUMNS} FROM rounds ORDER BY year DESC"),
        &[],
    )
    .await
}

/// A new round (fails on the primary key if the year has one).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_round(
    db: &D1Database,
    row: &RoundRow,
    by: i64,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO rounds (year, methodology_id, methodology_version, opt_in_deadline,
            evaluation_date, notice_days, stage, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?8)",
        &[
            Param::Int(row.year),
            Param::Text(&row.methodology_id),
            Param::Text(&row.methodology_version),
            Param::Text(&row.opt_in_deadline),
            Param::Text(&row.evaluation_date),
            Param::Int(row.notice_days),
            Param::Int(by),
            Param::Text(&row.created_at),
        ],
    )
}

/// Changes the dates of a round still open, at `version` (guard it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn update_dates(
    db: &D1Database,
    row: &RoundRow,
    version: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE rounds SET opt_in_deadline = ?2, evaluation_date = ?3, notice_days = ?4,
            updated_at = ?5, version = version + 1
         WHERE year = ?1 AND version = ?6 AND stage = 'open'",
        &[
            Param::Int(row.year),
            Param::Text(&row.opt_in_deadline),
            Param::Text(&row.evaluation_date),
            Param::Int(row.notice_days),
            Param::Text(now),
            Param::Int(version),
        ],
    )
}

/// Moves a round to `stage` at `version`, setting the notice when it begins (guard
/// it).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn set_stage(
    db: &D1Database,
    year: i64,
    version: i64,
    stage: &str,
    notice: Option<(&str, &str)>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE rounds SET stage = ?3, notice_start = coalesce(?4, notice_start),
            notice_end = coalesce(?5, notice_end), updated_at = ?6, version = version + 1
         WHERE year = ?1 AND version = ?2",
        &[
            Param::Int(year),
            Param::Int(version),
            Param::Text(stage),
            Param::OptText(notice.map(|n| n.0)),
            Param::OptText(notice.map(|n| n.1)),
            Param::Text(now),
        ],
    )
}

/// Bumps a round's version at `version` (guard it): re-runs and resumes change the
/// round's state as a whole, so two admins cannot start one twice.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn touch(
    db: &D1Database,
    year: i64,
    version: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE rounds SET updated_at = ?3, version = version + 1 WHERE year = ?1 AND version = ?2",
        &[Param::Int(year), Param::Int(version), Param::Text(now)],
    )
}

/// A step's task.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskRow {
    /// Round year.
    pub year: i64,
    /// Step code.
    pub step: String,
    /// Run number (1 for the first).
    pub run: i64,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Last product id (or indicator number) done.
    pub cursor: i64,
    /// Items done.
    pub done: i64,
    /// Items in all.
    pub total: i64,
    /// Chunks committed.
    pub chunks: i64,
    /// Failed attempts of the current chunk.
    pub failures: i64,
    /// Why it stopped, when failed.
    pub error: Option<String>,
    /// The slowest chunk, wall time in milliseconds.
    pub slowest_chunk_ms: i64,
    /// Started.
    pub started_at: String,
    /// Last progress.
    pub updated_at: String,
    /// Finished.
    pub finished_at: Option<String>,
}

const TASK_COLUMNS: &str = "year, step, run, status, cursor, done, total, chunks, failures,
    error, slowest_chunk_ms, started_at, updated_at, finished_at";

/// The tasks of round `year`, in step order.
///
/// # Errors
///
/// The database failed.
pub async fn tasks(db: &D1Database, year: i64) -> worker::Result<Vec<TaskRow>> {
    all(
        db,
        &format!(
            "SELECT {TASK_COLUMNS} FROM round_tasks WHERE year = ?1
             ORDER BY CASE step WHEN 'formal_check' THEN 1 WHEN 'benchmarks' THEN 2
                               WHEN 'evaluation' THEN 3 ELSE 4 END"
        ),
        &[Param::Int(year)],
    )
    .await
}

/// The task of `step` in round `year`.
///
/// # Errors
///
/// The database failed.
pub async fn task(db: &D1Database, year: i64, step: &str) -> worker::Result<Option<TaskRow>> {
    first(
        db,
        &format!("SELECT {TASK_COLUMNS} FROM round_tasks WHERE year = ?1 AND step = ?2"),
        &[Param::Int(year), Param::Text(step)],
    )
    .await
}

/// Tasks that are running but made no progress since `before`: their message was
/// lost (a send that failed after its batch committed).
///
/// # Errors
///
/// The database failed.
pub async fn stalled_tasks(db: &D1Database, before: &str) -> worker::Result<Vec<TaskRow>> {
    all(
        db,
        &format!(
            "SELECT {TASK_COLUMNS} FROM round_tasks WHERE status = 'running' AND updated_at < ?1"
        ),
        &[Param::Text(before)],
    )
    .await
}

/// Starts (or starts again) `step` of round `year`: a new run from the beginning,
/// `total` counted by `total_sql` (a scalar subquery over `?1` = year).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn start_task(
    db: &D1Database,
    year: i64,
    step: &str,
    total_sql: &'static str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        &format!(
            "INSERT INTO round_tasks (year, step, run, status, total, started_at, updated_at)
             VALUES (?1, ?2, 1, 'running', ({total_sql}), ?3, ?3)
             ON CONFLICT (year, step) DO UPDATE SET run = run + 1, status = 'running',
                cursor = 0, done = 0, total = excluded.total, chunks = 0, failures = 0,
                error = NULL, slowest_chunk_ms = 0, started_at = excluded.started_at,
                updated_at = excluded.updated_at, finished_at = NULL"
        ),
        &[Param::Int(year), Param::Text(step), Param::Text(now)],
    )
}

/// Where a chunk leaves its task.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Round year.
    pub year: i64,
    /// Step code.
    pub step: &'a str,
    /// The run the chunk belongs to.
    pub run: i64,
    /// The cursor the chunk started from.
    pub from: i64,
    /// The cursor it reached.
    pub to: i64,
    /// Items it did.
    pub items: i64,
    /// Whether the step is finished.
    pub finished: bool,
}

/// Records a chunk's progress, only if the task is still at the chunk's run and
/// starting cursor (guard it): a chunk delivered twice commits once.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn advance_task(
    db: &D1Database,
    p: &Progress<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE round_tasks SET cursor = ?5, done = done + ?6, chunks = chunks + 1, failures = 0,
            status = CASE WHEN ?7 = 1 THEN 'done' ELSE 'running' END,
            finished_at = CASE WHEN ?7 = 1 THEN ?8 END, updated_at = ?8
         WHERE year = ?1 AND step = ?2 AND run = ?3 AND cursor = ?4 AND status = 'running'",
        &[
            Param::Int(p.year),
            Param::Text(p.step),
            Param::Int(p.run),
            Param::Int(p.from),
            Param::Int(p.to),
            Param::Int(p.items),
            Param::Int(i64::from(p.finished)),
            Param::Text(now),
        ],
    )
}

/// Notes a committed chunk's wall time.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn note_chunk_time(
    db: &D1Database,
    year: i64,
    step: &str,
    run: i64,
    millis: i64,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE round_tasks SET slowest_chunk_ms = max(slowest_chunk_ms, ?4)
         WHERE year = ?1 AND step = ?2 AND run = ?3",
        &[
            Param::Int(year),
            Param::Text(step),
            Param::Int(run),
            Param::Int(millis),
        ],
    )
}

/// Counts a failed attempt at a chunk; after `max` the task stops as `failed` with
/// `error`. Returns nothing; read the task to see where it stands.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn record_failure(
    db: &D1Database,
    year: i64,
    step: &str,
    run: i64,
    max: i64,
    error: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE round_tasks SET failures = failures + 1, error = ?5, updated_at = ?6,
            status = CASE WHEN failures + 1 >= ?4 THEN 'failed' ELSE status END
         WHERE year = ?1 AND step = ?2 AND run = ?3 AND status = 'running'",
        &[
            Param::Int(year),
            Param::Text(step),
            Param::Int(run),
            Param::Int(max),
            Param::Text(error),
            Param::Text(now),
        ],
    )
}

/// Sets a failed (or stalled) task running again from where it stopped.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn resume_task(
    db: &D1Database,
    year: i64,
    step: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE round_tasks SET status = 'running', failures = 0, error = NULL, updated_at = ?3
         WHERE year = ?1 AND step = ?2 AND status IN ('running', 'failed')",
        &[Param::Int(year), Param::Text(step), Param::Text(now)],
    )
}

/// A stored benchmark set.
#[derive(Debug, Clone, Deserialize)]
pub struct BenchmarkSetRow {
    /// Id.
    pub id: i64,
    /// Round year.
    pub year: i64,
    /// The set, as JSON.
    pub content: String,
    /// When it was computed.
    pub created_at: String,
}

/// Benchmark set `id`.
///
/// # Errors
///
/// The database failed.
pub async fn benchmark_set(db: &D1Database, id: i64) -> worker::Result<Option<BenchmarkSetRow>> {
    first(
        db,
        "SELECT id, year, content, created_at FROM benchmark_sets WHERE id = ?1",
        &[Param::Int(id)],
    )
    .await
}

/// The newest round's benchmark set: what a what-if is computed against.
///
/// # Errors
///
/// The database failed.
pub async fn current_benchmark_set(db: &D1Database) -> worker::Result<Option<BenchmarkSetRow>> {
    first(
        db,
        "SELECT s.id, s.year, s.content, s.created_at FROM rounds r
         JOIN benchmark_sets s ON s.id = r.benchmark_set_id
         ORDER BY r.year DESC LIMIT 1",
        &[],
    )
    .await
}

/// Stores a set (once per content) and points round `year` at it.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn store_benchmark_set(
    db: &D1Database,
    year: i64,
    methodology: (&str, &str),
    content: &str,
    sha256: &str,
    now: &str,
) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "INSERT INTO benchmark_sets (year, methodology_id, methodology_version, content, sha256, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (year, sha256) DO NOTHING",
            &[
                Param::Int(year),
                Param::Text(methodology.0),
                Param::Text(methodology.1),
                Param::Text(content),
                Param::Text(sha256),
                Param::Text(now),
            ],
        )?,
        statement(
            db,
            "UPDATE rounds SET benchmark_set_id =
                (SELECT id FROM benchmark_sets WHERE year = ?1 AND sha256 = ?2), updated_at = ?3
             WHERE year = ?1",
            &[Param::Int(year), Param::Text(sha256), Param::Text(now)],
        )?,
    ])
}

/// Marks round `year` published.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn publish(db: &D1Database, year: i64, now: &str) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE rounds SET published_at = ?2, updated_at = ?2 WHERE year = ?1",
        &[Param::Int(year), Param::Text(now)],
    )
}
