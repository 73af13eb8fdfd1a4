//! Webhook delivery: the outbox, the dispatcher, the queue consumer and the sweeper.
//!
//! 1. A state change writes its event row in the same D1 batch ([`enterprise_event`],
//!    [`port_event`]), then asks the queue to dispatch ([`notify`]).
//! 2. The dispatcher ([`dispatch`]) fans each new event out to one delivery per
//!    endpoint whose port's scope holds the event's region (decided by the core's
//!    `RegionScope`) and that subscribed to its type, and queues the deliveries.
//! 3. The consumer ([`consume`]) makes one attempt per message: it claims the attempt
//!    (so a duplicate message sends nothing), signs the payload with the endpoint's
//!    secrets (Standard Webhooks, `ppr_core::webhook`), posts it with a 15 s timeout,
//!    logs the attempt, and schedules the next one from the retry schedule, with
//!    jitter and the receiver's `Retry-After`, or marks the delivery exhausted. A delay
//!    longer than the queue's 12 h maximum arrives early and is sent on again.
//! 4. The sweeper ([`sweep`], in the scheduled job) dispatches events left behind and
//!    re-queues deliveries whose message was lost, so nothing committed is lost.
//!
//! Delivery is at least once; receivers dedupe on `webhook-id`.

mod deliver;
mod dispatch;
mod outbox;
pub mod resolve;

pub use deliver::consume;
pub use dispatch::{dispatch, queue, sweep};
pub use outbox::{About, enterprise_event, filing_event, port_event, product_data, product_event};

use ppr_core::webhook::{self, RetrySchedule};
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBuilder};

use crate::error::ApiError;

/// The queue binding of deliveries.
pub const QUEUE_BINDING: &str = "WEBHOOKS";

/// The queue's name (its consumer is told apart from the round steps' by it).
pub const QUEUE_NAME: &str = "ppr-webhooks";

/// The variable that overrides the retry schedule: comma-separated seconds
/// (`0,1,2`), for local development and the tests. Unset, DESIGN's schedule applies.
pub const SCHEDULE_VAR: &str = "PPR_WEBHOOK_SCHEDULE";

/// The variable that lets endpoints use `http://127.0.0.1` (`allow`): local
/// development and the tests only, never a deployment.
pub const LOCAL_HTTP_VAR: &str = "PPR_WEBHOOK_ALLOW_LOCAL_HTTP";

/// A message on the webhook queue.
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

/// The retry schedule in force.
#[must_use]
pub fn schedule(env: &Env) -> RetrySchedule {
    env.var(SCHEDULE_VAR)
        .ok()
        .and_then(|v| RetrySchedule::parse(&v.to_string()).ok())
        .unwrap_or_default()
}

/// Whether endpoints may use `http://127.0.0.1` here.
#[must_use]
pub fn local_http_allowed(env: &Env) -> bool {
    env.var(LOCAL_HTTP_VAR)
        .is_ok_and(|v| v.to_string() == "allow")
}

/// After a batch with events committed: asks the queue to dispatch them (every event
/// not yet dispatched when `events` is empty). A lost message only delays them until
/// the sweeper's next run.
pub async fn notify(env: &Env, events: Vec<String>) {
    let _ = send(env, &[WebhookMessage::Dispatch { events }], 0).await;
}

pub(crate) async fn send(
    env: &Env,
    messages: &[WebhookMessage],
    delay: u64,
) -> Result<(), ApiError> {
    if messages.is_empty() {
        return Ok(());
    }
    let queue = env
        .queue(QUEUE_BINDING)
        .map_err(|e| ApiError::internal_cause("webhook queue binding", &e))?;
    let delay = u32::try_from(delay.min(webhook::QUEUE_MAX_DELAY_SECONDS)).unwrap_or(0);
    for chunk in messages.chunks(100) {
        let batch: Vec<_> = chunk
            .iter()
            .map(|m| MessageBuilder::new(m.clone()).delay_seconds(delay).build())
            .collect();
        queue
            .send_batch(batch)
            .await
            .map_err(|e| ApiError::internal_cause("webhook queue send", &e))?;
    }
    Ok(())
}
