//! The scheduled job (every five minutes), each part idempotent and each failure
//! logged, never thrown (the next run tries again):
//!
//! - revokes products whose prompted revocation deadline has passed, each in its own
//!   batch with its typed transaction, as the system;
//! - sends again the message of any identification round step that stopped making
//!   progress (see [`crate::round_work`]);
//! - makes the monthly releases that are due (see [`crate::monthly`]): on the first
//!   run of a month on the business calendar, and any month a missed run left out;
//! - sweeps the webhook outbox (see [`crate::webhooks`]);
//! - forgets rate-limit counters whose window has ended (see [`crate::ratelimit`]), so
//!   client addresses are kept no longer than their window;
//! - deletes what is past its retention period and archives old logs to R2 (see
//!   [`crate::retention`]);
//! - starts the night's backup of the database to R2, or copies its next chunks (see
//!   [`crate::backup`]), after the rest.
//!
//! A product revoked once is not found again, a chunk message sent twice runs once, a
//! month has one release; a run that stops half-way leaves the rest for the next run.

use chrono::{DateTime, Utc};

use crate::clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::products;
use crate::services::revocation::revoke_prompted;
use crate::{monthly, round_work, webhooks};

/// Most products revoked per run: each is one small batch, well inside the CPU and
/// subrequest limits of a scheduled invocation; the rest waits for the next run.
const MAX_PER_RUN: i64 = 200;

/// Runs the jobs at the trigger's scheduled time (milliseconds since the epoch):
/// the instant the cron fired, so a run that starts late still releases the month
/// it was meant for.
pub async fn run(config: &Config, scheduled_ms: f64) {
    #[expect(clippy::cast_possible_truncation, reason = "milliseconds fit i64")]
    let now =
        DateTime::<Utc>::from_timestamp_millis(scheduled_ms as i64).unwrap_or_else(clock::now);
    let db = &config.db;
    // `internal_cause` has logged the causes already.
    let _ = revoke_due(config, now).await;
    let _ = round_work::resend_stalled(config).await;
    let _ = monthly::release_due(config, now).await;
    let _ = webhooks::sweep(config, db, now).await;
    let _ = crate::ratelimit::forget_ended(db, now).await;
    crate::retention::sweep(config, now).await;
    let _ = crate::open_data::run(config, now).await;
    // Last: what the jobs before wrote is in the backup the run starts.
    crate::backup::run(config, now).await;
}

async fn revoke_due(config: &Config, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let now = clock::stamp(now);
    let due = products::due_revocations(&config.db, &now, MAX_PER_RUN).await?;
    let mut revoked = 0;
    for product in &due {
        match revoke_prompted(
            config,
            product,
            Actor::SYSTEM,
            "prompted revocation deadline passed",
            &now,
        )
        .await
        {
            Ok(_) => revoked += 1,
            Err(err) if err.status == 409 => {}
            Err(err) => return Err(err),
        }
    }
    Ok(revoked)
}
