//! The Worker's two queues, their messages and how they are sent: the round steps'
//! queue (one message per chunk of a round's work, consumed by
//! [`crate::round_work`]) and the webhooks' queue (fan-outs of new events and
//! delivery attempts, consumed by [`crate::webhooks`]).

use ppr_core::webhook;
use serde::{Deserialize, Serialize};
use worker::MessageBuilder;

use crate::config::Config;
use crate::error::ApiError;
use crate::repo::rounds::TaskRow;

/// The webhooks queue's name (its consumer is told apart from the round steps' by it).
pub const WEBHOOKS_QUEUE: &str = "ppr-webhooks";

/// Asks for one chunk of a round's step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkMessage {
    /// Round year.
    pub year: i64,
    /// Step code.
    pub step: String,
    /// The task's run the chunk belongs to.
    pub run: i64,
    /// The cursor the chunk starts after.
    pub after: i64,
}

impl ChunkMessage {
    /// The message that continues `task` from where it stands.
    #[must_use]
    pub fn resume(task: &TaskRow) -> Self {
        Self {
            year: task.year,
            step: task.step.clone(),
            run: task.run,
            after: task.cursor,
        }
    }
}

/// Sends a chunk message.
///
/// # Errors
///
/// The send failed (logged).
pub async fn send_chunk(config: &Config, msg: &ChunkMessage) -> Result<(), ApiError> {
    config
        .round_steps
        .send(msg)
        .await
        .map_err(|e| ApiError::internal_cause("queue send", &e))
}

/// A message on the webhooks queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookMessage {
    /// Fan out these events (all those not yet dispatched when empty).
    Dispatch {
        /// The events' ids.
        #[serde(default)]
        events: Vec<String>,
    },
    /// Make the next attempt of a delivery that has made `attempts`.
    Deliver {
        /// The delivery.
        delivery: i64,
        /// Attempts made when the message was sent.
        attempts: i64,
    },
}

/// After a batch with events committed: asks the queue to dispatch them (every event
/// not yet dispatched when `events` is empty). A lost message only delays them until
/// the sweeper's next run.
pub async fn notify(config: &Config, events: Vec<String>) {
    let _ = send_webhooks(config, &[WebhookMessage::Dispatch { events }], 0).await;
}

/// Sends webhook messages, `delay` seconds from now (at most the queue's maximum).
///
/// # Errors
///
/// The send failed (logged).
pub async fn send_webhooks(
    config: &Config,
    messages: &[WebhookMessage],
    delay: u64,
) -> Result<(), ApiError> {
    let delayed: Vec<_> = messages.iter().map(|m| (m.clone(), delay)).collect();
    send_each(config, &delayed).await
}

/// Sends webhook messages, each its own delay in seconds from now (at most the
/// queue's maximum), up to 100 to a call.
///
/// # Errors
///
/// The send failed (logged).
pub async fn send_each(
    config: &Config,
    messages: &[(WebhookMessage, u64)],
) -> Result<(), ApiError> {
    for chunk in messages.chunks(100) {
        let batch: Vec<_> = chunk
            .iter()
            .map(|(message, delay)| {
                let delay =
                    u32::try_from((*delay).min(webhook::QUEUE_MAX_DELAY_SECONDS)).unwrap_or(0);
                MessageBuilder::new(message.clone())
                    .delay_seconds(delay)
                    .build()
            })
            .collect();
        config
            .webhooks
            .send_batch(batch)
            .await
            .map_err(|e| ApiError::internal_cause("webhook queue send", &e))?;
    }
    Ok(())
}
