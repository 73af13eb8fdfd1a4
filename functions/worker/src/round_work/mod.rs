//! The chunked work of identification rounds, run from a Queue.
//!
//! A stage's steps ([`ppr_core::round::Step`]) never run in one invocation: each
//! message asks for one chunk (a few hundred products, or one indicator's benchmarks),
//! which commits its results and the task's new cursor in one D1 batch and then sends
//! the message for the next chunk. So every invocation stays far inside the CPU limit
//! whatever the size of the round.
//!
//! - **Idempotent.** The batch's progress update is guarded on the task's run and
//!   cursor: a message delivered twice commits once; a message of an earlier run is
//!   dropped. Results are upserts, so even a chunk that ran half-way and failed leaves
//!   nothing that the retry does not overwrite.
//! - **Failures are visible.** A chunk that fails is tried again
//!   ([`MAX_FAILURES`] attempts in all, a few seconds apart); then its task stops as
//!   `failed` with the error, which the admin sees in the round's progress and can
//!   resume from.
//! - **Nothing is lost.** If sending the next message fails after a batch committed,
//!   the scheduled job finds the task without progress and sends it again
//!   ([`resend_stalled`]).

mod benchmarks;
mod certificates;
mod evaluation;
mod formal_check;

use chrono::Duration;
use ppr_core::methodology::{BenchmarkSet, Methodology};
use ppr_core::round::Step;
use worker::{D1Database, D1PreparedStatement, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

use crate::clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::queues::{ChunkMessage, send_chunk};
use crate::repo;
use crate::repo::audit::Actor;
use crate::repo::rounds::{self, Progress, RoundRow};
use crate::services::methodology::load_methodology;
use crate::write::{Write, WriteError};

/// Attempts at one chunk before its task stops as `failed`.
pub const MAX_FAILURES: i64 = 3;

/// Seconds between attempts at a failed chunk.
const RETRY_DELAY_SECONDS: u32 = 2;

/// A task that made no progress for this long has lost its message.
const STALLED_AFTER_MINUTES: i64 = 10;

/// What one chunk did: its statements (committed with the task's progress) and
/// where it leaves the task.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The results to write.
    pub statements: Vec<D1PreparedStatement>,
    /// The cursor reached.
    pub to: i64,
    /// Items done.
    pub items: i64,
    /// Whether the step is finished.
    pub finished: bool,
    /// The ids of the events it wrote to the webhook outbox, fanned out once it
    /// committed.
    pub events: Vec<String>,
}

/// What a chunk works with: the round, its methodology and, once computed, its
/// benchmark set.
#[derive(Debug)]
pub struct RoundContext {
    /// The round.
    pub round: RoundRow,
    /// Its methodology, parsed.
    pub methodology: Methodology,
    /// Its benchmark set and the set's id, once computed.
    pub benchmarks: Option<(i64, BenchmarkSet)>,
}

impl RoundContext {
    /// Loads round `year` with its methodology and benchmark set.
    ///
    /// # Errors
    ///
    /// The round is missing or a stored document is corrupt (both logged), or the
    /// database failed.
    pub async fn load(db: &D1Database, year: i64) -> Result<Self, ApiError> {
        let round = rounds::round(db, year)
            .await?
            .ok_or_else(|| ApiError::internal_cause("round work", &format!("no round {year}")))?;
        let methodology =
            load_methodology(db, &round.methodology_id, &round.methodology_version).await?;
        let benchmarks = match round.benchmark_set_id {
            None => None,
            Some(id) => {
                let row = rounds::benchmark_set(db, id)
                    .await?
                    .ok_or_else(|| ApiError::internal_cause("benchmark set", &id))?;
                let set: BenchmarkSet = serde_json::from_str(&row.content)
                    .map_err(|e| ApiError::internal_cause("stored benchmark set", &e))?;
                Some((id, set))
            }
        };
        Ok(Self {
            round,
            methodology,
            benchmarks,
        })
    }
}

/// The queue consumer: runs each message's chunk; on failure counts the attempt and
/// has the message delivered again, until the task stops as failed.
pub async fn consume(batch: MessageBatch<serde_json::Value>, config: &Config) {
    let messages = match batch.messages() {
        Ok(messages) => messages,
        Err(err) => {
            // Not our message shape: nothing to run, nothing to retry.
            let _ = ApiError::internal_cause("round work message", &err);
            batch.ack_all();
            return;
        }
    };
    for message in messages {
        let body = match serde_json::from_value::<ChunkMessage>(message.body().clone()) {
            Ok(body) => body,
            Err(err) => {
                let _ = ApiError::internal_cause("round work message", &err);
                message.ack();
                continue;
            }
        };
        match run_chunk(config, &body).await {
            Ok(next) => {
                message.ack();
                if let Some(next) = next {
                    // A lost send is found again by `resend_stalled`.
                    let _ = send_chunk(config, &next).await;
                }
            }
            Err(err) => {
                if failed_for_good(config, &body, &err).await {
                    message.ack();
                } else {
                    message.retry_with_options(
                        &QueueRetryOptionsBuilder::new()
                            .with_delay_seconds(RETRY_DELAY_SECONDS)
                            .build(),
                    );
                }
            }
        }
    }
}

/// Counts a failed attempt; whether the task has now stopped (so the message is
/// done with).
async fn failed_for_good(config: &Config, msg: &ChunkMessage, err: &ApiError) -> bool {
    let db = &config.db;
    let now = clock::stamp(clock::now());
    let error = format!("chunk after {} failed: {}", msg.after, err.detail());
    let Ok(statement) =
        rounds::record_failure(db, msg.year, &msg.step, msg.run, MAX_FAILURES, &error, &now)
    else {
        return false;
    };
    if statement.run().await.is_err() {
        return false;
    }
    matches!(
        rounds::task(db, msg.year, &msg.step).await,
        Ok(Some(task)) if task.status != "running" || task.run != msg.run
    )
}

/// Sends the first message of `step` of round `year` after its task was started in
/// a committed batch (the task's run is read back).
///
/// # Errors
///
/// The database failed. A failed send is not an error: the task is started, and the
/// scheduled job (or the admin's resume) sends it again.
pub async fn kick_off(config: &Config, year: i64, step: Step) -> Result<(), ApiError> {
    if let Some(task) = rounds::task(&config.db, year, step.code()).await? {
        let _ = send_chunk(config, &ChunkMessage::resume(&task)).await;
    }
    Ok(())
}

/// Runs one chunk; the message of the next one, if the work goes on.
async fn run_chunk(config: &Config, msg: &ChunkMessage) -> Result<Option<ChunkMessage>, ApiError> {
    let started = clock::now();
    let db = &config.db;
    let Some(step) = Step::from_code(&msg.step) else {
        return Ok(None);
    };
    let Some(task) = rounds::task(db, msg.year, &msg.step).await? else {
        return Ok(None);
    };
    if task.run != msg.run || task.status != "running" || task.cursor != msg.after {
        // Delivered twice, or from an earlier run: already done or superseded.
        return Ok(None);
    }
    let ctx = RoundContext::load(db, msg.year).await?;
    let now = clock::stamp(started);
    let chunk = match step {
        Step::FormalCheck => formal_check::chunk(db, &ctx, msg.after).await?,
        Step::Benchmarks => benchmarks::chunk(db, &ctx, msg.after, &now).await?,
        Step::Evaluation => evaluation::chunk(db, &ctx, msg.after).await?,
        Step::Certificates => certificates::chunk(db, &ctx, msg.after, &now).await?,
    };
    let progress = Progress {
        year: msg.year,
        step: &msg.step,
        run: msg.run,
        from: msg.after,
        to: chunk.to,
        items: chunk.items,
        finished: chunk.finished,
    };
    let mut write = Write::new(config, &now, Actor::SYSTEM);
    write
        .extend(Ok(chunk.statements))?
        .guarded(rounds::advance_task(db, &progress, &now))?;
    let next_step = if chunk.finished {
        step.next_in_stage()
    } else {
        None
    };
    if let Some(next) = next_step {
        write.push(start_step(db, msg.year, next, &now))?;
    }
    match write.commit().await {
        Ok(_) => {}
        // Another delivery of this message committed first.
        Err(WriteError::Stale) => return Ok(None),
        Err(err) => return Err(err.into()),
    }
    if !chunk.events.is_empty() {
        // Through the queue, beside the round's next chunk: a publication of 100,000
        // products fans out as it is written.
        crate::queues::notify(config, chunk.events).await;
    }
    let millis = (clock::now() - started).num_milliseconds();
    if let Ok(statement) = rounds::note_chunk_time(db, msg.year, &msg.step, msg.run, millis) {
        let _ = statement.run().await;
    }
    if !chunk.finished {
        return Ok(Some(ChunkMessage {
            after: chunk.to,
            ..msg.clone()
        }));
    }
    match next_step {
        Some(next) => Ok(rounds::task(db, msg.year, next.code())
            .await?
            .map(|task| ChunkMessage::resume(&task))),
        None => Ok(None),
    }
}

/// The statement that starts (or restarts) `step` of round `year`, its total counted.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn start_step(
    db: &D1Database,
    year: i64,
    step: Step,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let total = match step {
        Step::FormalCheck => repo::round_entries::COUNT_OPTED_IN,
        Step::Benchmarks => {
            "SELECT json_array_length(m.document, '$.indicators') FROM rounds r
             JOIN methodologies m ON m.id = r.methodology_id AND m.version = r.methodology_version
             WHERE r.year = ?1"
        }
        Step::Evaluation => repo::round_entries::COUNT_ELIGIBLE,
        Step::Certificates => repo::round_entries::COUNT_LISTED,
    };
    rounds::start_task(db, year, step.code(), total, now)
}

/// The scheduled sweep: sends again the message of every task that stopped making
/// progress (its message was lost); returns how many.
///
/// # Errors
///
/// The database failed.
pub async fn resend_stalled(config: &Config) -> Result<usize, ApiError> {
    let db = &config.db;
    let before = clock::stamp(clock::now() - Duration::minutes(STALLED_AFTER_MINUTES));
    let stalled = rounds::stalled_tasks(db, &before).await?;
    for task in &stalled {
        send_chunk(config, &ChunkMessage::resume(task)).await?;
    }
    Ok(stalled.len())
}
