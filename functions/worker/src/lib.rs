//! # ppr-worker: the registry's Cloudflare Worker
//!
//! The HTTP API under `/api/v1/`, running on workerd (locally through `wrangler dev`,
//! in production on Cloudflare). It is an adapter: every domain rule is a call into
//! `ppr-core`; this crate turns HTTP into those calls and their answers back into JSON.
//!
//! Layout: [`routes`] is the route table (pure), [`app`] dispatches a request and turns
//! every failure into the one error envelope of [`error`], [`body`] reads and decodes
//! request bodies within limits, [`auth`] says who is asking, [`handlers`] holds one
//! module per resource (each with its authorisation check), and [`repo`] is the only
//! place that talks to D1.
//!
//! Nothing in a request path may panic: a panic in wasm kills the instance for every
//! request in flight. Fallible steps return [`error::ApiError`].

pub mod app;
pub mod auth;
pub mod authz;
pub mod backup;
pub mod body;
pub mod clock;
pub mod config;
pub mod cron;
pub mod ctx;
pub mod error;
pub mod handlers;
pub mod http;
pub mod idempotency;
pub mod js;
pub mod monthly;
pub mod observe;
pub mod open_data;
pub mod operation;
pub mod pages;
pub mod queues;
pub mod ratelimit;
pub mod repo;
pub mod retention;
pub mod round_work;
pub mod routes;
pub mod services;
pub mod validation;
pub mod validators;
pub mod views;
pub mod webhooks;
pub mod write;

use worker::{Context, Env, MessageBatch, ScheduleContext, ScheduledEvent, event, js_sys, web_sys};

use crate::config::Config;
use crate::error::ApiError;
use crate::observe::Trace;

/// The fetch entry point: every request, API or not, that static assets did not serve.
/// It takes and gives the runtime's own objects, so that a 304 from [`validators`]
/// costs no conversion into `worker`'s types.
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, ctx: Context) -> worker::Result<web_sys::Response> {
    app::handle(req, &env, &ctx).await
}

/// The scheduled entry point (the cron trigger in `wrangler.toml`): see [`cron`].
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let trace = Trace::event("scheduled", &event.cron(), js_sys::Date::now());
    trace
        .run(async {
            match Config::from_env(&env) {
                Ok(config) => cron::run(&config, event.schedule()).await,
                Err(err) => {
                    let _ = ApiError::misconfigured(&err);
                }
            }
        })
        .await;
    observe::write(&trace.line(None, None, js_sys::Date::now()));
}

/// Queue batches: the webhook deliveries' and the round steps' (each its own
/// consumer; see `wrangler.toml`).
#[event(queue)]
async fn queue(
    batch: MessageBatch<serde_json::Value>,
    env: Env,
    ctx: Context,
) -> worker::Result<()> {
    let trace = Trace::event("queue", &batch.queue(), js_sys::Date::now());
    let messages = batch.raw_iter().len();
    let done = trace
        .run(async {
            let mut config = Config::from_env(&env).map_err(|err| {
                let _ = ApiError::misconfigured(&err);
                worker::Error::RustError(err.to_string())
            })?;
            config.edge_cache = config::EdgeCache::of(ctx.as_ref());
            if batch.queue() == queues::WEBHOOKS_QUEUE {
                webhooks::consume(batch, &config).await;
            } else {
                round_work::consume(batch, &config).await;
            }
            Ok(())
        })
        .await;
    observe::write(&trace.line(None, Some(messages), js_sys::Date::now()));
    done
}
