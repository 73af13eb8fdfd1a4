//! Answers a request: an API operation from the route table, else a page the Worker
//! renders (or the site's lookup and 404 page). Every failure becomes the error
//! envelope (API) or an error page here; only the fetch entry point calls this.

use worker::{Context, Env, Request, Response, web_sys};

use crate::clock::DEV_CLOCK_HEADER;
use crate::config::{Config, EdgeCache};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{error_response, options_response, reply_response};
use crate::js;
use crate::observe::{self, Trace};
use crate::pages;
use crate::routes::{self, RouteMiss};
use crate::validators;

/// Answers one request.
///
/// # Errors
///
/// Only if the runtime cannot build a response object; failures are already
/// responses by then.
pub async fn handle(
    req: web_sys::Request,
    env: &Env,
    ctx: &Context,
) -> worker::Result<web_sys::Response> {
    let (method, ray, url) = js::request_facts(&req);
    let trace = Trace::request(
        &method,
        crate::http::path_of(&url),
        ray.as_deref(),
        worker::js_sys::Date::now(),
    );
    let response = trace.run(serve(req, url, env, ctx)).await;
    let now = worker::js_sys::Date::now();
    match &response {
        Ok(answer) => js::finish_request(
            answer,
            trace.id(),
            &trace.line(Some(answer.status()), None, now),
        ),
        Err(_) => observe::write(&trace.line(Some(500), None, now)),
    }
    response
}

/// Answers one request at `url`.
async fn serve(
    req: web_sys::Request,
    url: String,
    env: &Env,
    ctx: &Context,
) -> worker::Result<web_sys::Response> {
    // A GET revalidating what this instance answered a moment ago needs nothing else.
    let revalidating = revalidation(&req, url);
    if let Some((url, if_none_match)) = &revalidating
        && let Some(not_modified) =
            validators::not_modified(url, if_none_match, worker::js_sys::Date::now())?
    {
        return Ok(not_modified);
    }
    let response = answer(js::request(req), env, ctx).await?;
    if let Some((url, _)) = &revalidating {
        validators::remember(url, &response, worker::js_sys::Date::now());
    }
    Ok(js::response(response))
}

/// The URL of a GET that could be answered from [`validators`], with its
/// `If-None-Match`: not when the dev clock header asks for another time.
fn revalidation(req: &web_sys::Request, url: String) -> Option<(String, String)> {
    let method = req.method();
    if method != "GET" && method != "HEAD" {
        return None;
    }
    let headers = req.headers();
    if headers.has(DEV_CLOCK_HEADER).unwrap_or(true) {
        return None;
    }
    let if_none_match = headers.get("if-none-match").ok().flatten()?;
    Some((url, if_none_match))
}

/// Answers one request afresh.
async fn answer(req: Request, env: &Env, ctx: &Context) -> worker::Result<Response> {
    let mut config = match Config::from_env(env) {
        Ok(config) => config,
        Err(err) => return error_response(&ApiError::misconfigured(&err)),
    };
    config.edge_cache = EdgeCache::of(ctx.as_ref());
    // The method as sent: `Request::method` reads any method it does not know as GET.
    let method = req.inner().method().to_ascii_uppercase();
    let path = req.path();
    if method == "OPTIONS" {
        return match routes::allowed_methods(&path) {
            Some(allow) => options_response(&allow),
            None => error_response(&ApiError::not_found(&path)),
        };
    }
    // HEAD is GET without a body; the runtime drops the body.
    let lookup = if method == "HEAD" { "GET" } else { &method };
    let matched = match routes::resolve(lookup, &path) {
        Ok(matched) => matched,
        // Outside the API: the pages, the site's lookup, and its 404 page.
        Err(RouteMiss::NotFound) if !path.starts_with("/api/") => {
            return pages::handle(req, &config, &path, lookup).await;
        }
        Err(RouteMiss::NotFound) => return error_response(&ApiError::not_found(&path)),
        Err(RouteMiss::MethodNotAllowed { allow }) => {
            return error_response(&ApiError::method_not_allowed(&method, &path, allow));
        }
    };
    observe::note_route(matched.operation.path);
    let ctx = Ctx {
        params: matched.params,
        ..Ctx::new(&req, &config)
    };
    if let Err(err) = routes::check_query(matched.operation, &ctx.query()) {
        return error_response(&err);
    }
    match (matched.operation.run)(&ctx).await {
        Ok(reply) => {
            let if_none_match = req.headers().get("if-none-match").ok().flatten();
            reply_response(reply, if_none_match.as_deref())
        }
        Err(err) => error_response(&err),
    }
}
