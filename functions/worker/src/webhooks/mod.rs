//! Webhook delivery: the outbox, the dispatcher, the queue consumer and the sweeper.
//!
//! 1. A state change writes its event row in the same D1 batch ([`enterprise_event`],
//!    [`port_event`]), then asks the queue to dispatch ([`crate::queues::notify`]).
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
//! Delivery is at least once; receivers dedupe on `webhook-id`. What each event
//! carries is typed in [`payload`], the one place its fields are named.

mod deliver;
mod dispatch;
mod outbox;
pub mod payload;
pub mod resolve;

pub use deliver::consume;
pub use dispatch::{dispatch, queue, sweep};
pub use outbox::{About, enterprise_event, filing_event, port_event, product_event};

pub use crate::queues::WEBHOOKS_QUEUE as QUEUE_NAME;
