//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route.

use crate::http::{CachePolicy, Reply};

/// The document, compiled in so that it always matches the deployed routes.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

/// The document as it is.
#[must_use]
pub fn get_openapi() -> Reply {
    Reply {
        cache: CachePolicy::PublicShort,
        ..Reply::bytes(
            DOCUMENT.as_bytes().to_vec(),
            "application/json; charset=utf-8",
        )
    }
}
