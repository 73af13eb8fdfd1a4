//! A regional admin's port: found from the principal's region, its API tokens' shape,
//! and its webhook endpoints.

use ppr_core::Role;
use worker::D1Database;

use crate::auth::{self, Principal, TOKEN_PREFIX, random_token};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::repo::audit::Entry;
use crate::repo::ports::{self, PortRow};
use crate::repo::webhook_endpoints::{self as store, EndpointRow};

/// A fresh API token: `ppr_` and 64 hex characters (256 random bits).
pub(crate) fn new_token() -> Result<String, ApiError> {
    Ok(format!("{TOKEN_PREFIX}{}", random_token()?))
}

/// What a token list shows of a token: its first 12 characters.
pub(crate) fn token_prefix(token: &str) -> String {
    token.chars().take(12).collect()
}

/// The port of the signed-in regional admin (by session or token).
///
/// # Errors
///
/// 401; 403 `not_regional_admin`; 404 `no_port` when the admin's region has no port.
pub async fn own_port(ctx: &Ctx<'_>) -> Result<(Principal, PortRow), ApiError> {
    let principal = ctx.principal().await?;
    let scope = match (&principal.role, &principal.region_scope) {
        (Role::RegionalAdmin, Some(scope)) => scope.code(),
        _ => {
            return Err(ApiError::forbidden(
                "not_regional_admin",
                "the management port is for regional admins; a region applies at POST /api/v1/port-applications",
            ));
        }
    };
    let port = ports::port_by_scope(ctx.db(), &scope)
        .await?
        .ok_or_else(|| {
            ApiError::missing(
                "no_port",
                format!("{scope} has no management port yet; its office applies first"),
            )
        })?;
    Ok((principal, port))
}

/// A write to the port: [`own_port`] and the CSRF token (a session's writes only).
///
/// # Errors
///
/// As [`own_port`]; 403 `csrf_failed`.
pub async fn own_port_write(ctx: &Ctx<'_>) -> Result<(Principal, PortRow), ApiError> {
    let (principal, port) = own_port(ctx).await?;
    auth::check_csrf(ctx.req, &principal)?;
    Ok((principal, port))
}

/// The endpoint `{id}` of the caller's port.
pub(crate) async fn port_endpoint(
    ctx: &Ctx<'_>,
    db: &D1Database,
    port: &PortRow,
) -> Result<EndpointRow, ApiError> {
    let id = ctx.id_param("id", "endpoint_not_found")?;
    store::endpoint(db, id)
        .await?
        .filter(|e| e.port_id == port.id && e.status != "deleted")
        .ok_or_else(|| {
            ApiError::missing(
                "endpoint_not_found",
                format!("your port has no webhook endpoint {id}"),
            )
        })
}

/// The audit entry of `action` on webhook endpoint `id`.
#[must_use]
pub fn endpoint_entry<'a>(action: &'a str, id: &'a str) -> Entry<'a> {
    Entry::new(action, "webhook_endpoint", id)
}
