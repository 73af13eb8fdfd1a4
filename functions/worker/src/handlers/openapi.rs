//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route.

use crate::http::{CachePolicy, Reply};

/// The document, compiled in so that it always matches the deployed routes.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

/// The document as it is.
#[must_use]
pub fn get_openapi() -> Reply {
    Reply {
        status: 200,
        body: DOCUMENT.to_owned(),
        cache: CachePolicy::PublicShort,
        headers: Vec::new(),
    }
}
