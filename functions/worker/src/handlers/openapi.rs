//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route.

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] =
    &[operation!(GET "/api/v1/openapi.json", get_openapi(ctx), Roles::Anyone)];

/// The document, compiled in so that it always matches the deployed routes.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

/// The document as it is.
///
/// # Errors
///
/// None: the document is compiled in.
pub async fn get_openapi(_ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    Ok(Reply {
        cache: CachePolicy::PublicShort,
        ..Reply::bytes(
            DOCUMENT.as_bytes().to_vec(),
            "application/json; charset=utf-8",
        )
    })
}
