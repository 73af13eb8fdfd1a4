//! Dispatch: match the route, run its handler, and turn every outcome into a response.
//! Failures of any kind become the error envelope here, in one place.

use worker::{Date, Env, Request, Response};

use crate::body::{MAX_BODY_BYTES, read_limited};
use crate::error::ApiError;
use crate::handlers::{health, openapi, validate};
use crate::http::{Reply, error_response, options_response, reply_response};
use crate::routes::{self, Route, RouteMiss};

/// Answers one request.
///
/// # Errors
///
/// Only if the runtime cannot build a response object; handler failures are already
/// responses by then.
pub async fn handle(mut req: Request, env: &Env) -> worker::Result<Response> {
    let method = req.method().to_string().to_ascii_uppercase();
    let path = req.path();
    if method == "OPTIONS" {
        return match routes::allowed_methods(&path) {
            Some(allow) => options_response(&allow),
            None => error_response(&ApiError::not_found(&path)),
        };
    }
    match dispatch(&mut req, env, &method, &path).await {
        Ok(reply) => reply_response(reply),
        Err(err) => error_response(&err),
    }
}

async fn dispatch(
    req: &mut Request,
    env: &Env,
    method: &str,
    path: &str,
) -> Result<Reply, ApiError> {
    // HEAD is GET without a body; the runtime drops the body.
    let lookup = if method == "HEAD" { "GET" } else { method };
    let matched = routes::resolve(lookup, path).map_err(|miss| match miss {
        RouteMiss::NotFound => ApiError::not_found(path),
        RouteMiss::MethodNotAllowed { allow } => ApiError::method_not_allowed(method, path, allow),
    })?;
    match matched.route {
        Route::Health => health::get_health(env).await,
        Route::OpenApi => Ok(openapi::get_openapi()),
        Route::Validate => {
            let body = read_limited(req, MAX_BODY_BYTES).await?;
            let now = i64::try_from(Date::now().as_millis()).unwrap_or_default();
            validate::post_validate(&body, now)
        }
    }
}
