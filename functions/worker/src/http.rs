//! Building responses: JSON bodies, caching policy, and the security and CORS headers
//! every API response carries.

use worker::{Headers, Response};

use crate::error::ApiError;

/// How long clients and caches may keep a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Live state or a per-request answer: never cached.
    NoStore,
    /// Changes only with a deploy: five minutes in any cache.
    PublicShort,
}

/// A successful handler's answer, before it becomes a `Response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body: JSON text, or a document's bytes.
    pub body: Vec<u8>,
    /// Its media type.
    pub content_type: &'static str,
    /// Caching.
    pub cache: CachePolicy,
    /// Extra headers (`Set-Cookie`, …).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON reply from a serialisable value.
    ///
    /// # Errors
    ///
    /// 500 if the value cannot be serialised (a bug, logged).
    pub fn json<T: serde::Serialize>(
        status: u16,
        value: &T,
        cache: CachePolicy,
    ) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ApiError::internal_cause("serialise reply", &e))?;
        Ok(Self {
            status,
            body,
            content_type: JSON,
            cache,
            headers: Vec::new(),
        })
    }

    /// 200 with a document's bytes; never cached, since documents are confidential.
    #[must_use]
    pub fn bytes(body: Vec<u8>, content_type: &'static str) -> Self {
        Self {
            status: 200,
            body,
            content_type,
            cache: CachePolicy::NoStore,
            headers: Vec::new(),
        }
    }

    /// 204 with no body.
    #[must_use]
    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: Vec::new(),
            content_type: JSON,
            cache: CachePolicy::NoStore,
            headers: Vec::new(),
        }
    }

    /// The reply with one more header.
    #[must_use]
    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// The media type of every JSON body.
const JSON: &str = "application/json; charset=utf-8";

/// The methods and headers browsers may use across origins. Any origin may read the
/// API; `*` never carries credentials, so no other site can use a visitor's session.
const CORS_ALLOW_HEADERS: &str = "content-type, idempotency-key, if-match, x-csrf-token";

/// Headers on every API response: no sniffing, no framing, HTTPS only, no referrer,
/// and open CORS for reads.
fn base_headers(cache: CachePolicy) -> worker::Result<Headers> {
    let headers = Headers::new();
    headers.set("content-type", JSON)?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set(
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    )?;
    headers.set(
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    )?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set("access-control-allow-origin", "*")?;
    headers.set(
        "cache-control",
        match cache {
            CachePolicy::NoStore => "no-store",
            CachePolicy::PublicShort => "public, max-age=300",
        },
    )?;
    Ok(headers)
}

/// The `Response` for a reply.
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub fn reply_response(reply: Reply) -> worker::Result<Response> {
    let headers = base_headers(reply.cache)?;
    headers.set("content-type", reply.content_type)?;
    for (name, value) in &reply.headers {
        headers.append(name, value)?;
    }
    Ok(Response::from_bytes(reply.body)?
        .with_status(reply.status)
        .with_headers(headers))
}

/// The `Response` for an error: the envelope, and its headers (`Allow`, `Retry-After`).
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub fn error_response(err: &ApiError) -> worker::Result<Response> {
    let headers = base_headers(CachePolicy::NoStore)?;
    for (name, value) in &err.headers {
        headers.set(name, value)?;
    }
    Ok(Response::from_bytes(err.to_json().into_bytes())?
        .with_status(err.status)
        .with_headers(headers))
}

/// 204 for a CORS preflight or `OPTIONS` on a known path.
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub fn options_response(allow: &str) -> worker::Result<Response> {
    let headers = base_headers(CachePolicy::NoStore)?;
    headers.set("allow", allow)?;
    headers.set("access-control-allow-methods", allow)?;
    headers.set("access-control-allow-headers", CORS_ALLOW_HEADERS)?;
    headers.set("access-control-max-age", "86400")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

/// The security headers of a page (as `site/static/_headers` gives static files).
const PAGE_HEADERS: [(&str, &str); 6] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cache-control", "no-store"),
];

/// The security headers of a page the Worker answers.
///
/// # Errors
///
/// Only if the runtime refuses to build headers.
pub fn page_headers() -> worker::Result<Headers> {
    let headers = Headers::new();
    for (name, value) in PAGE_HEADERS {
        headers.set(name, value)?;
    }
    Ok(headers)
}
