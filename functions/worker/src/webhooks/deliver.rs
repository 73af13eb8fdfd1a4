//! The queue consumer: the attempts a batch of messages asks for, made together. Each
//! is claimed first so that a duplicate message sends nothing, signed, posted with a
//! timeout, logged, and followed by the next attempt on the schedule, or by
//! `exhausted`; the batch's reads and writes are a few set-based statements, whatever
//! its size.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use futures_util::future::{Either, select};
use ppr_core::webhook::{self, RetrySchedule, Secret};
use worker::{
    AbortController, D1Database, Delay, Fetch, Headers, MessageBatch, Method, Request, RequestInit,
    RequestRedirect,
};

use super::dispatch;
use crate::auth::random_bytes;
use crate::clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::queues::{WebhookMessage, send_each};
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

/// The queue consumer: a fan-out per `Dispatch` message, and the attempts of all the
/// batch's `Deliver` messages together ([`attempt_all`]). Every message is
/// acknowledged: retries are scheduled here, on each delivery's own schedule, never
/// by the queue's redelivery.
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
    let mut due = Vec::new();
    let mut dispatches = Vec::new();
    for message in &messages {
        match serde_json::from_value::<WebhookMessage>(message.body().clone()) {
            Ok(WebhookMessage::Dispatch { events }) => dispatches.push(events),
            Ok(WebhookMessage::Deliver { delivery, attempts }) => due.push((delivery, attempts)),
            Err(err) => {
                let _ = ApiError::internal_cause("webhook message", &err);
            }
        }
    }
    let fan_outs = dispatches.iter().map(|events| async move {
        let _ = dispatch(env, db, events).await;
    });
    let attempts = async {
        let _ = attempt_all(env, db, &due).await;
    };
    futures_util::future::join(futures_util::future::join_all(fan_outs), attempts).await;
    batch.ack_all();
}

/// Makes the next attempt of each delivery (`due`: the delivery and the attempts it
/// had made when its message was sent) that is still due and not taken: its context
/// read, its claim, and its log and new state written for the whole batch at once
/// (four queries for up to a batch of 50), the posts side by side.
async fn attempt_all(env: &Config, db: &D1Database, due: &[(i64, i64)]) -> Result<(), ApiError> {
    if due.is_empty() {
        return Ok(());
    }
    let ids = json(&due.iter().map(|(id, _)| id).collect::<Vec<_>>())?;
    let contexts = store::attempt_contexts(db, &ids).await?;
    // Only the attempt a message asked for: a message for an attempt already made (a
    // duplicate, or one the sweep sent again) sends nothing.
    let asked =
        |ctx: &AttemptContext| ctx.state == "pending" && due.contains(&(ctx.id, ctx.attempts));
    let now = clock::now();
    let stamp = clock::stamp(now);
    let mut held = Vec::new();
    let mut early = Vec::new();
    let mut ready = Vec::new();
    for ctx in contexts.into_iter().filter(asked) {
        let wait =
            clock::parse_stamp(&ctx.next_attempt_at).map_or(0, |at| (at - now).num_seconds());
        if ctx.endpoint_status != "active" {
            held.push(ctx.id);
        } else if wait > 1 {
            // Sent early (a delay beyond the queue's maximum): send it on.
            let message = WebhookMessage::Deliver {
                delivery: ctx.id,
                attempts: ctx.attempts,
            };
            early.push((message, u64::try_from(wait).unwrap_or(0)));
        } else {
            ready.push(ctx);
        }
    }
    if !held.is_empty() {
        store::hold(db, &json(&held)?, &stamp)?.run().await?;
    }
    send_each(env, &early).await?;
    let ready = claim(db, ready, now, &stamp).await?;
    if ready.is_empty() {
        return Ok(());
    }
    let posts = ready.iter().map(|ctx| async move {
        let outcome = post(env, ctx, now).await;
        (outcome, clock::now())
    });
    let outcomes = futures_util::future::join_all(posts).await;
    finish(env, db, &ready, outcomes, now, &stamp).await
}

/// Writes what the attempts got (each attempt's log row, its delivery's new state and
/// its endpoint's health), then sends the message of each attempt that follows.
async fn finish(
    env: &Config,
    db: &D1Database,
    ready: &[AttemptContext],
    outcomes: Vec<(Outcome, DateTime<Utc>)>,
    started: DateTime<Utc>,
    stamp: &str,
) -> Result<(), ApiError> {
    let schedule = &env.webhook_schedule;
    let mut records = Vec::with_capacity(ready.len());
    let mut next = Vec::new();
    // Per endpoint: whether any attempt succeeded, and why it is to be disabled.
    let mut health: Vec<(i64, bool, Option<String>)> = Vec::new();
    let mut last = started;
    for (ctx, (outcome, finished)) in ready.iter().zip(outcomes) {
        last = last.max(finished);
        let number = ctx.attempts + 1;
        let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
        let (state, next_at, next_delay) = if ok {
            ("delivered", clock::stamp(finished), None)
        } else {
            after_failure(schedule, ctx, number, &outcome, finished)?
        };
        if let Some(delay) = next_delay {
            let message = WebhookMessage::Deliver {
                delivery: ctx.id,
                attempts: number,
            };
            next.push((message, delay));
        }
        let disable = (!ok)
            .then(|| disable_reason(ctx, finished, outcome.error.as_deref(), outcome.status))
            .flatten();
        match health.iter_mut().find(|(id, _, _)| *id == ctx.endpoint_id) {
            Some(seen) => {
                seen.1 |= ok;
                seen.2 = seen.2.take().or(disable);
            }
            None => health.push((ctx.endpoint_id, ok, disable)),
        }
        records.push(AttemptRecord {
            delivery_id: ctx.id,
            attempt: number,
            at: stamp.to_owned(),
            status_code: outcome.status,
            latency_ms: (finished - started).num_milliseconds(),
            error: outcome.error,
            response: outcome.response,
            state,
            next_attempt_at: next_at,
        });
    }
    let now = clock::stamp(last);
    let mut write = Write::new(env, &now, Actor::SYSTEM);
    write.extend(store::finish_attempts(db, &json(&records)?, &now))?;
    for (endpoint, ok, disable) in &health {
        // One success is enough: the endpoint answers, so it is not failing.
        let disable = if *ok { None } else { disable.as_deref() };
        write.push(crate::repo::webhook_endpoints::endpoint_health(
            db, *endpoint, *ok, disable, &now,
        ))?;
    }
    write.commit().await?;
    // A lost send is found again by the sweeper once the attempt is overdue.
    send_each(env, &next).await
}

/// Claims the attempts of `ready` in one statement: those another consumer claimed
/// first are dropped.
async fn claim(
    db: &D1Database,
    ready: Vec<AttemptContext>,
    now: DateTime<Utc>,
    stamp: &str,
) -> Result<Vec<AttemptContext>, ApiError> {
    if ready.is_empty() {
        return Ok(ready);
    }
    // The claim holds the delivery past the attempt's timeout, so the sweep does not
    // queue it again while this attempt runs.
    let lease = clock::stamp(now + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
    let due = json(&ready.iter().map(|c| (c.id, c.attempts)).collect::<Vec<_>>())?;
    let claimed = store::claim(db, &due, stamp, &lease).await?;
    Ok(ready
        .into_iter()
        .filter(|ctx| claimed.iter().any(|c| c.id == ctx.id))
        .collect())
}

/// A value as JSON text, for a statement's binding.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal_cause("webhook batch", &e))
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
