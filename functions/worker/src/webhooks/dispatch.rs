//! Fan-out and the sweep: each new event becomes one delivery per endpoint whose
//! port's scope holds the event's region (the core's `RegionScope`) and that
//! subscribed to its type; the sweep catches what a lost message left behind.

use chrono::{DateTime, Utc};
use ppr_core::{RegionCode, RegionScope};
use worker::D1Database;

use crate::config::Config;
use crate::http::public_tags;
use crate::repo::audit::Actor;
use crate::write::Write;

use crate::clock;
use crate::error::ApiError;
use crate::queues::{WebhookMessage, send_webhooks as send};
use crate::repo::{webhook_endpoints, webhooks as store};

/// How late a pending delivery may be before the sweeper sends it again.
const OVERDUE_SECONDS: i64 = 120;

/// Most overdue deliveries one sweep sends again (the rest at the next).
const OVERDUE_LIMIT: i64 = 1_000;

/// Most events one fan-out batch handles (a round's certificates chunk writes 500):
/// five queries, whatever the number of endpoints.
const BATCH_LIMIT: i64 = 500;

/// Most batches one `dispatch` of everything pending runs; when there is more, it
/// sends itself a message to go on, so a round's publication fans out through the
/// queue without waiting for the scheduled job.
const MAX_BATCHES: usize = 20;

/// Fans out events not yet dispatched (`only` these, or all, oldest first) and queues
/// their deliveries. Safe to run twice at once: a delivery exists once per event and
/// endpoint, and an attempt is claimed before it is made.
///
/// # Errors
///
/// The database or the queue failed (logged).
pub async fn dispatch(env: &Config, db: &D1Database, only: &[String]) -> Result<usize, ApiError> {
    let limit = usize::try_from(BATCH_LIMIT).unwrap_or(500);
    if !only.is_empty() {
        let mut total = 0;
        for ids in only.chunks(limit) {
            let ids =
                serde_json::to_string(ids).map_err(|e| ApiError::internal_cause("events", &e))?;
            total += dispatch_batch(env, db, Some(&ids)).await?;
        }
        return Ok(total);
    }
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let done = dispatch_batch(env, db, None).await?;
        total += done;
        if done < limit {
            return Ok(total);
        }
    }
    // More is waiting: a fresh invocation goes on (its query budget is its own).
    send(env, &[WebhookMessage::Dispatch { events: Vec::new() }], 0).await?;
    Ok(total)
}

async fn dispatch_batch(
    env: &Config,
    db: &D1Database,
    only: Option<&str>,
) -> Result<usize, ApiError> {
    let events = store::undispatched(db, only, BATCH_LIMIT).await?;
    if events.is_empty() {
        return Ok(0);
    }
    let endpoints = webhook_endpoints::routing(db).await?;
    let now = clock::stamp(clock::now());
    let routes: Vec<(&str, i64)> = events
        .iter()
        .flat_map(|event| {
            endpoints
                .iter()
                .filter(|e| routes_to(event, e))
                .map(|e| (event.id.as_str(), e.id))
        })
        .collect();
    let ids = serde_json::to_string(&events.iter().map(|e| &e.id).collect::<Vec<_>>())
        .map_err(|e| ApiError::internal_cause("fan out", &e))?;
    let routes =
        serde_json::to_string(&routes).map_err(|e| ApiError::internal_cause("fan out", &e))?;
    let mut write = Write::new(env, &now, Actor::SYSTEM);
    write.extend(store::fan_out(db, &routes, &ids, &now))?;
    write.commit().await?;
    purge(env, &events).await;
    queue(env, &store::pending_of_events(db, &ids).await?).await?;
    Ok(events.len())
}

/// Purges the public pages and answers the events changed from the edge cache, by
/// their `Cache-Tag`s: a product's, its enterprise's and the listings for a product
/// event; everything public for a round's publication (it changes the identified
/// years of many products at once). Where the runtime cannot purge, the pages'
/// `max-age` bounds their staleness instead.
async fn purge(env: &Config, events: &[store::PendingEvent]) {
    if !env.edge_cache.purges() {
        return;
    }
    let tags = purge_tags(events.iter().map(|e| {
        (
            e.r#type.as_str(),
            e.registration_number.as_deref(),
            e.uscc.as_deref(),
        )
    }));
    if let Err(err) = env.edge_cache.purge(&tags).await {
        let _ = ApiError::internal_cause("purge the edge cache", &err);
    }
}

/// The `Cache-Tag`s that events (their type, product number and enterprise) purge,
/// each once.
fn purge_tags<'a>(
    events: impl Iterator<Item = (&'a str, Option<&'a str>, Option<&'a str>)>,
) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for (kind, number, uscc) in events {
        match kind {
            "product.recorded" | "product.updated" | "product.revoked" => {
                tags.push(public_tags::LISTINGS.to_owned());
                tags.extend(number.map(public_tags::product));
                tags.extend(uscc.map(public_tags::enterprise));
            }
            "identification.published" => tags.push(public_tags::REGISTRY.to_owned()),
            _ => {}
        }
    }
    tags.sort_unstable();
    tags.dedup();
    tags
}

/// Sends one `Deliver` message per delivery, for its next attempt.
///
/// # Errors
///
/// The queue failed (logged).
pub async fn queue(env: &Config, due: &[store::DueRow]) -> Result<(), ApiError> {
    let messages: Vec<WebhookMessage> = due
        .iter()
        .map(|d| WebhookMessage::Deliver {
            delivery: d.id,
            attempts: d.attempts,
        })
        .collect();
    send(env, &messages, 0).await
}

/// Whether an event goes to an endpoint: the endpoint subscribed to its type (a test
/// event goes to its one endpoint), and the event is its port's own or about an
/// enterprise inside the port's scope.
fn routes_to(event: &store::PendingEvent, endpoint: &webhook_endpoints::RoutingRow) -> bool {
    if let Some(only) = event.endpoint_id {
        return only == endpoint.id;
    }
    let subscribed = serde_json::from_str::<Vec<String>>(&endpoint.event_types)
        .is_ok_and(|types| types.contains(&event.r#type));
    if !subscribed {
        return false;
    }
    if let Some(port) = event.port_id {
        return port == endpoint.port_id;
    }
    match (
        event.region_code.as_deref().map(RegionCode::parse),
        RegionScope::parse(&endpoint.scope),
    ) {
        (Some(Ok(code)), Ok(scope)) => scope.contains(code),
        _ => false,
    }
}

/// The sweeper, from the scheduled job: dispatches events a lost message left
/// behind (and those the job itself wrote), and re-queues deliveries whose attempt
/// is overdue.
///
/// # Errors
///
/// The database or the queue failed (logged).
pub async fn sweep(env: &Config, db: &D1Database, now: DateTime<Utc>) -> Result<(), ApiError> {
    dispatch(env, db, &[]).await?;
    let cutoff = clock::stamp(now - chrono::Duration::seconds(OVERDUE_SECONDS));
    queue(env, &store::overdue(db, &cutoff, OVERDUE_LIMIT).await?).await
}

#[cfg(test)]
mod tests {
    use super::purge_tags;

    #[test]
    fn a_change_purges_its_product_its_enterprise_and_the_listings() {
        let tags = purge_tags(
            [
                (
                    "product.revoked",
                    Some("PR2026-44-000001-1"),
                    Some("91440300MA5F000001"),
                ),
                (
                    "product.updated",
                    Some("PR2026-44-000002-X"),
                    Some("91440300MA5F000001"),
                ),
                (
                    "filing.submitted",
                    Some("PR2026-44-000003-2"),
                    Some("91440300MA5F000002"),
                ),
            ]
            .into_iter(),
        );
        assert_eq!(
            tags,
            [
                "enterprise-91440300MA5F000001",
                "listings",
                "product-PR2026-44-000001-1",
                "product-PR2026-44-000002-X",
            ]
        );
        let published = purge_tags([("identification.published", None, None)].into_iter());
        assert_eq!(
            published,
            ["registry"],
            "a round's results change every page"
        );
        assert!(purge_tags([("webhook.test", None, None)].into_iter()).is_empty());
    }
}
