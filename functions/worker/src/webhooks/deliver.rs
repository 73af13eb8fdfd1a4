//! The queue consumer: one attempt per message, claimed first so that a duplicate
//! message sends nothing, signed, posted with a timeout, logged, and followed by the
//! next attempt on the schedule, or by `exhausted`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use futures_util::future::{Either, select};
use ppr_core::webhook::{self, RetrySchedule, Secret};
use worker::{
    AbortController, D1Database, Delay, Fetch, Headers, MessageBatch, MessageExt, Method, Request,
    RequestInit, RequestRedirect,
};

use super::dispatch;
use crate::auth::random_bytes;
use crate::clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::queues::{WebhookMessage, send_webhooks as send};
use crate::repo::audit::Actor;
use crate::repo::webhooks::{self as store, AttemptContext, AttemptRecord};
use crate::write::Write;

/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// How long a claimed attempt keeps its delivery from the sweep (well past the
/// attempt's timeout).
const CLAIM_LEASE_SECONDS: i64 = 60;

/// How much of a response the attempt log keeps.
const RESPONSE_KEEP_BYTES: usize = 1_024;

/// The queue consumer: one attempt per `Deliver` message, a fan-out per `Dispatch`.
/// Every message is acknowledged: retries are scheduled here, on the delivery's own
/// schedule, never by the queue's redelivery.
pub async fn consume(batch: MessageBatch<serde_json::Value>, env: &Config) {
    let db = &env.db;
    let messages = match batch.messages() {
        Ok(messages) => messages,
        Err(err) => {
            let _ = ApiError::internal_cause("webhook message", &err);
            batch.ack_all();
            return;
        }
    };
    let schedule = &env.webhook_schedule;
    let work = messages.iter().map(|message| {
        let db = &db;
        let schedule = &schedule;
        async move {
            match serde_json::from_value::<WebhookMessage>(message.body().clone()) {
                Ok(WebhookMessage::Dispatch { events }) => {
                    let _ = dispatch(env, db, &events).await;
                }
                Ok(WebhookMessage::Deliver { delivery, attempts }) => {
                    let _ = attempt(env, db, schedule, delivery, attempts).await;
                }
                Err(err) => {
                    let _ = ApiError::internal_cause("webhook message", &err);
                }
            }
            message.ack();
        }
    });
    futures_util::future::join_all(work).await;
}

/// Makes the next attempt of a delivery, if it is still due and not taken.
async fn attempt(
    env: &Config,
    db: &D1Database,
    schedule: &RetrySchedule,
    delivery: i64,
    attempts: i64,
) -> Result<(), ApiError> {
    let Some(ctx) = store::attempt_context(db, delivery).await? else {
        return Ok(());
    };
    if ctx.state != "pending" || ctx.attempts != attempts {
        return Ok(());
    }
    let Some((now, stamp)) = start(env, db, &ctx, delivery, attempts).await? else {
        return Ok(());
    };
    let number = attempts + 1;
    let outcome = post(env, &ctx, now).await;
    let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
    let finished = clock::now();
    let record = AttemptRecord {
        delivery_id: delivery,
        attempt: number,
        at: stamp.clone(),
        status_code: outcome.status,
        latency_ms: (finished - now).num_milliseconds(),
        error: outcome.error.clone(),
        response: outcome.response.clone(),
    };
    let finished_stamp = clock::stamp(finished);
    let (state, next_at, next_delay) = if ok {
        ("delivered", finished_stamp.clone(), None)
    } else {
        after_failure(schedule, &ctx, number, &outcome, finished)?
    };
    let disable = (!ok)
        .then(|| disable_reason(&ctx, finished, outcome.error.as_deref(), outcome.status))
        .flatten();
    let mut write = Write::new(env, &finished_stamp, Actor::SYSTEM);
    write
        .extend(store::finish_attempt(
            db,
            &record,
            state,
            &next_at,
            &finished_stamp,
        ))?
        .push(crate::repo::webhook_endpoints::endpoint_health(
            db,
            ctx.endpoint_id,
            ok,
            disable.as_deref(),
            &finished_stamp,
        ))?;
    write.commit().await?;
    if let Some(delay) = next_delay {
        let message = WebhookMessage::Deliver {
            delivery,
            attempts: number,
        };
        // A lost send is found again by the sweeper once the attempt is overdue.
        send(env, &[message], delay).await?;
    }
    Ok(())
}

/// Starts the attempt if it is this message's to make: the instant it started and its
/// stamp. Otherwise nothing is sent: a paused endpoint's delivery is held, a message
/// that came early is sent on, and one whose claim was lost is dropped.
async fn start(
    env: &Config,
    db: &D1Database,
    ctx: &AttemptContext,
    delivery: i64,
    attempts: i64,
) -> Result<Option<(DateTime<Utc>, String)>, ApiError> {
    let now = clock::now();
    let stamp = clock::stamp(now);
    if ctx.endpoint_status != "active" {
        store::hold(db, delivery, &stamp)?.run().await?;
        return Ok(None);
    }
    if let Some(due) = clock::parse_stamp(&ctx.next_attempt_at) {
        let wait = (due - now).num_seconds();
        if wait > 1 {
            // Sent early (a delay beyond the queue's maximum): send it on.
            let message = WebhookMessage::Deliver { delivery, attempts };
            send(env, &[message], u64::try_from(wait).unwrap_or(0)).await?;
            return Ok(None);
        }
    }
    if !claim(db, delivery, attempts, now, &stamp).await? {
        return Ok(None);
    }
    Ok(Some((now, stamp)))
}

/// Claims attempt `attempts + 1` of the delivery: false when another consumer claimed
/// it first, or it is no longer pending.
async fn claim(
    db: &D1Database,
    delivery: i64,
    attempts: i64,
    now: DateTime<Utc>,
    stamp: &str,
) -> Result<bool, ApiError> {
    // The claim holds the delivery past the attempt's timeout, so the sweep does not
    // queue it again while this attempt runs.
    let lease = clock::stamp(now + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
    let claimed = store::claim(db, delivery, attempts, stamp, &lease)?
        .run()
        .await?;
    let changed = claimed.meta()?.and_then(|m| m.changes).unwrap_or(0);
    Ok(changed == 1)
}

/// What follows failed attempt `number`, finished at `finished`: the delivery's state,
/// when it is due, and the delay of the next attempt's message; `exhausted` when the
/// schedule has no attempt left.
fn after_failure(
    schedule: &RetrySchedule,
    ctx: &AttemptContext,
    number: i64,
    outcome: &Outcome,
    finished: DateTime<Utc>,
) -> Result<(&'static str, String, Option<u64>), ApiError> {
    let made = usize::try_from(number - ctx.schedule_base).unwrap_or(usize::MAX);
    let jitter = f64::from(u32::from_le_bytes(random_bytes::<4>()?)) / 4_294_967_296.0;
    let retry_after = outcome
        .retry_after
        .as_deref()
        .and_then(|v| webhook::parse_retry_after(v, finished));
    Ok(match schedule.next_delay(made, jitter, retry_after) {
        Some(delay) => {
            let at = finished + chrono::Duration::seconds(i64::try_from(delay).unwrap_or(0));
            ("pending", clock::stamp(at), Some(delay))
        }
        None => ("exhausted", clock::stamp(finished), None),
    })
}

/// Why an endpoint that just failed is disabled now: it has failed without a
/// success for [`webhook::DISABLE_AFTER_DAYS`] days.
fn disable_reason(
    ctx: &AttemptContext,
    now: DateTime<Utc>,
    error: Option<&str>,
    status: Option<i64>,
) -> Option<String> {
    let since = ctx.failing_since.as_deref().and_then(clock::parse_stamp)?;
    webhook::should_disable(since, now).then(|| {
        let last = match (status, error) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(error)) => error.to_owned(),
            (None, None) => "no answer".to_owned(),
        };
        format!(
            "every delivery failed since {} ({} days or more); the last said: {last}. \
             Fix the receiver, then resume the endpoint: held deliveries are sent again.",
            clock::stamp(since),
            webhook::DISABLE_AFTER_DAYS
        )
    })
}

/// What one attempt got back.
#[derive(Debug, Default)]
struct Outcome {
    status: Option<i64>,
    error: Option<String>,
    response: Option<String>,
    retry_after: Option<String>,
}

/// Checks where the endpoint leads now, then signs and posts the payload, within the
/// timeout. A refused address sends nothing and counts as a failed attempt.
async fn post(env: &Config, ctx: &AttemptContext, now: DateTime<Utc>) -> Outcome {
    let checked = match webhook::check_endpoint_url(&ctx.url, env.allow_local_http) {
        Ok(url) => super::resolve::check(env, &url).await.map(|()| url),
        Err(err) => Err(err),
    };
    if let Err(err) = checked {
        return failed(format!("not sent: {err}"));
    }
    let headers = match signed_headers(ctx, now) {
        Ok(headers) => headers,
        Err(error) => return failed(error),
    };
    let mut init = RequestInit::new();
    // A redirect is an answer, not a place to go: following it would send the signed
    // payload where the URL checks never looked.
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(ctx.payload.clone().into()));
    let request = match Request::new_with_init(&ctx.url, &init) {
        Ok(request) => request,
        Err(err) => return failed(format!("request: {err}")),
    };
    exchange(request).await
}

/// A failed attempt: nothing came back, for this reason.
fn failed(error: String) -> Outcome {
    Outcome {
        error: Some(error),
        ..Outcome::default()
    }
}

/// The headers of a delivery, its signature included: by the endpoint's secret, and
/// by the previous one while it is still honoured. The error says what failed.
fn signed_headers(ctx: &AttemptContext, now: DateTime<Utc>) -> Result<Headers, String> {
    let Ok(secret) = Secret::parse(&ctx.secret) else {
        return Err("the endpoint's secret is unreadable".into());
    };
    let previous = ctx
        .previous_secret
        .as_deref()
        .zip(
            ctx.previous_secret_until
                .as_deref()
                .and_then(clock::parse_stamp),
        )
        .filter(|(_, until)| *until > now)
        .and_then(|(text, _)| Secret::parse(text).ok());
    let mut secrets = vec![&secret];
    secrets.extend(previous.as_ref());
    let timestamp = now.timestamp();
    let signature =
        webhook::signature_header(&secrets, &ctx.event_id, timestamp, ctx.payload.as_bytes());
    let headers = Headers::new();
    for (name, value) in [
        ("content-type", "application/json"),
        ("user-agent", "ppr-webhooks/1"),
        (webhook::HEADER_ID, ctx.event_id.as_str()),
        (webhook::HEADER_TIMESTAMP, &timestamp.to_string()),
        (webhook::HEADER_SIGNATURE, &signature),
    ] {
        if let Err(err) = headers.set(name, value) {
            return Err(format!("header {name}: {err}"));
        }
    }
    Ok(headers)
}

/// Sends the request and reads the start of the answer, or gives up after the
/// timeout.
async fn exchange(request: Request) -> Outcome {
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    // The timeout covers the whole exchange, the answer's start included, so a
    // receiver that sends headers and then stalls cannot hold the attempt.
    let exchange = Box::pin(async {
        let mut response = fetch.send_with_signal(&signal).await?;
        let retry_after = response.headers().get("retry-after").ok().flatten();
        // Only the start of the answer is kept; the rest is never read, so a receiver
        // cannot make the consumer hold a large body in memory.
        let mut body = Vec::new();
        if let Ok(mut stream) = response.stream() {
            while body.len() < RESPONSE_KEEP_BYTES {
                match stream.next().await {
                    Some(Ok(chunk)) => body.extend_from_slice(&chunk),
                    _ => break,
                }
            }
        }
        body.truncate(RESPONSE_KEEP_BYTES);
        Ok::<_, worker::Error>(Outcome {
            status: Some(i64::from(response.status_code())),
            error: None,
            response: Some(String::from_utf8_lossy(&body).into_owned()),
            retry_after,
        })
    });
    let timeout = Box::pin(Delay::from(TIMEOUT));
    match select(exchange, timeout).await {
        Either::Left((Ok(outcome), _)) => outcome,
        Either::Left((Err(err), _)) => failed(format!("no answer: {err}")),
        Either::Right(((), _)) => {
            controller.abort();
            failed(format!("no answer within {} s", TIMEOUT.as_secs()))
        }
    }
}
