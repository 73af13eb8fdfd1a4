//! Dispatch: match the route, run its handler, and turn every outcome into a response.
//! Failures of any kind become the error envelope here, in one place.

use chrono::{DateTime, Utc};
use worker::{D1Database, Env, Request, Response};

use crate::auth::{self, Principal};
use crate::body::{MAX_BODY_BYTES, read_limited};
use crate::clock;
use crate::error::ApiError;
use crate::handlers::{enterprises, health, openapi, sessions, staff, validate};
use crate::http::{Reply, error_response, options_response, reply_response};
use crate::repo::DB_BINDING;
use crate::routes::{self, Route, RouteMiss};

/// What every handler may use: the request, the bindings, and one reading of the clock.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The request.
    pub req: &'a Request,
    /// The Worker's bindings.
    pub env: &'a Env,
    /// Now, read once per request.
    pub now: DateTime<Utc>,
    /// Now, as stored.
    pub stamp: String,
}

impl Ctx<'_> {
    /// The database.
    ///
    /// # Errors
    ///
    /// The binding is missing (a deployment error, logged).
    pub fn db(&self) -> Result<D1Database, ApiError> {
        self.env
            .d1(DB_BINDING)
            .map_err(|e| ApiError::internal_cause("D1 binding", &e))
    }

    /// The signed-in user, or 401.
    ///
    /// # Errors
    ///
    /// 401 without a live session; the database failed.
    pub async fn principal(&self) -> Result<Principal, ApiError> {
        auth::authenticate(self.req, &self.db()?, &self.stamp)
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// Answers one request.
///
/// # Errors
///
/// Only if the runtime cannot build a response object; handler failures are already
/// responses by then.
pub async fn handle(req: Request, env: &Env) -> worker::Result<Response> {
    let method = req.method().to_string().to_ascii_uppercase();
    let path = req.path();
    if method == "OPTIONS" {
        return match routes::allowed_methods(&path) {
            Some(allow) => options_response(&allow),
            None => error_response(&ApiError::not_found(&path)),
        };
    }
    let now = clock::now();
    let ctx = Ctx {
        req: &req,
        env,
        now,
        stamp: clock::stamp(now),
    };
    match dispatch(&ctx, &method, &path).await {
        Ok(reply) => reply_response(reply),
        Err(err) => error_response(&err),
    }
}

async fn dispatch(ctx: &Ctx<'_>, method: &str, path: &str) -> Result<Reply, ApiError> {
    // HEAD is GET without a body; the runtime drops the body.
    let lookup = if method == "HEAD" { "GET" } else { method };
    let matched = routes::resolve(lookup, path).map_err(|miss| match miss {
        RouteMiss::NotFound => ApiError::not_found(path),
        RouteMiss::MethodNotAllowed { allow } => ApiError::method_not_allowed(method, path, allow),
    })?;
    let body = || read_limited(ctx.req, MAX_BODY_BYTES);
    match matched.route {
        Route::Health => health::get_health(ctx.env).await,
        Route::OpenApi => Ok(openapi::get_openapi()),
        Route::Validate => validate::post_validate(&body().await?, ctx.now.timestamp_millis()),
        Route::CreateEnterprise => enterprises::create_enterprise(ctx, &body().await?).await,
        Route::CreateSession => sessions::create_session(ctx, &body().await?).await,
        Route::GetSession => sessions::get_session(ctx).await,
        Route::DeleteSession => sessions::delete_session(ctx).await,
        Route::CreateStaff => staff::create_staff(ctx, &body().await?).await,
    }
}
