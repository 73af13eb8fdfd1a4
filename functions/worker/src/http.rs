//! Building responses: JSON bodies, caching policy, and the security and CORS headers
//! every API response carries.

use sha2::{Digest, Sha256};
use worker::{Headers, Request, Response};

use crate::error::ApiError;
use crate::js;

/// How long clients and caches may keep a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Live state or a per-request answer: never cached.
    NoStore,
    /// Changes only with a deploy: five minutes in any cache.
    PublicShort,
    /// The public registry ([`REGISTRY_CACHE`]), with an `ETag` answered by 304.
    Registry,
}

/// How long any cache (the edge's, a browser's) may keep a public registry page or
/// answer: fresh for a minute, then served once more while it is fetched anew. A
/// change purges the edge's copies by their `Cache-Tag` where the runtime can purge,
/// so this is the bound on staleness only where it cannot (docs/DEPLOY.md).
pub const REGISTRY_CACHE: &str = "public, max-age=60, stale-while-revalidate=60";

/// The `Cache-Tag`s of the public registry's pages and answers, by which a change
/// purges them from the edge cache.
pub mod public_tags {
    /// Every public registry page and answer.
    pub const REGISTRY: &str = "registry";

    /// Every listing, search and patent page (a recording or revocation anywhere
    /// changes them).
    pub const LISTINGS: &str = "listings";

    /// A product's page and answer.
    #[must_use]
    pub fn product(number: &str) -> String {
        format!("product-{number}")
    }

    /// An enterprise's page and answer.
    #[must_use]
    pub fn enterprise(uscc: &str) -> String {
        format!("enterprise-{uscc}")
    }
}

/// `tags` with [`public_tags::REGISTRY`] first, as a `Cache-Tag` value.
fn registry_tags<'a>(tags: impl Iterator<Item = &'a str>) -> String {
    std::iter::once(public_tags::REGISTRY)
        .chain(tags)
        .collect::<Vec<_>>()
        .join(",")
}

/// The `ETag` of a representation made of `parts`: a strong tag from their SHA-256.
#[must_use]
pub fn etag_of(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
        hash.update(part);
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` header names `etag` (or is `*`); weak tags compare by
/// their value, as RFC 9110 asks of `If-None-Match`.
#[must_use]
pub fn matches_etag(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(header) = if_none_match else {
        return false;
    };
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
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
const API_HEADERS: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("referrer-policy", "no-referrer"),
    ("access-control-allow-origin", "*"),
];

/// [`API_HEADERS`], a body of `content_type` and the `Cache-Control` of `cache`.
fn base_headers(cache: CachePolicy, content_type: &str) -> Vec<(&str, &str)> {
    let mut headers = Vec::with_capacity(API_HEADERS.len() + 6);
    headers.extend(API_HEADERS);
    headers.push(("content-type", content_type));
    headers.push((
        "cache-control",
        match cache {
            CachePolicy::NoStore => "no-store",
            CachePolicy::PublicShort => "public, max-age=300",
            CachePolicy::Registry => REGISTRY_CACHE,
        },
    ));
    headers
}

/// The `Response` for a reply to a request that sent `if_none_match`: a public
/// registry answer carries its `ETag` and its `Cache-Tag`s after
/// [`public_tags::REGISTRY`], and is a bodiless 304 when the client has it.
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub fn reply_response(reply: Reply, if_none_match: Option<&str>) -> worker::Result<Response> {
    let registry = reply.cache == CachePolicy::Registry;
    let mut headers = base_headers(reply.cache, reply.content_type);
    let mut tags = Vec::new();
    for (name, value) in &reply.headers {
        if registry && *name == "cache-tag" {
            tags.extend(value.split(',').filter(|t| !t.is_empty()));
        } else {
            headers.push((name, value));
        }
    }
    let cache_tag = registry.then(|| registry_tags(tags.into_iter()));
    if let Some(cache_tag) = &cache_tag {
        headers.push(("cache-tag", cache_tag));
    }
    let etag = (registry && reply.status == 200).then(|| etag_of(&[&reply.body]));
    if let Some(etag) = &etag {
        headers.push(("etag", etag));
        if matches_etag(if_none_match, etag) {
            return Ok(Response::empty()?
                .with_status(304)
                .with_headers(js::headers(&headers)));
        }
    }
    let headers = js::headers(&headers);
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
    crate::observe::note_error(err.code);
    let mut headers = base_headers(CachePolicy::NoStore, JSON);
    headers.extend(err.headers.iter().map(|(n, v)| (*n, v.as_str())));
    Ok(Response::from_bytes(err.to_json().into_bytes())?
        .with_status(err.status)
        .with_headers(js::headers(&headers)))
}

/// 204 for a CORS preflight or `OPTIONS` on a known path.
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub fn options_response(allow: &str) -> worker::Result<Response> {
    let mut headers = base_headers(CachePolicy::NoStore, JSON);
    headers.extend([
        ("allow", allow),
        ("access-control-allow-methods", allow),
        ("access-control-allow-headers", CORS_ALLOW_HEADERS),
        ("access-control-max-age", "86400"),
    ]);
    Ok(Response::empty()?
        .with_status(204)
        .with_headers(js::headers(&headers)))
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

/// The headers of a public registry page: the page's security headers, cacheable by
/// anyone for [`REGISTRY_CACHE`], with its `ETag` and the `Cache-Tag`s a change
/// purges it by.
///
/// # Errors
///
/// Only if the runtime refuses to build headers.
pub fn public_page_headers(etag: &str, tags: &[String]) -> worker::Result<Headers> {
    let headers = page_headers()?;
    headers.set("cache-control", REGISTRY_CACHE)?;
    headers.set("etag", etag)?;
    headers.set("cache-tag", &registry_tags(tags.iter().map(String::as_str)))?;
    Ok(headers)
}

/// A `Range` that lies wholly outside the representation (answered 416).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// The byte range a `Range` header asks of a representation of `size` bytes: `None`
/// for the whole (no header, or one this server does not do, such as several ranges,
/// which RFC 9110 lets it ignore), `Some((first, last))` inclusive.
///
/// # Errors
///
/// [`Unsatisfiable`]: the range lies wholly outside the representation.
pub fn byte_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((from, to)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    let range = match (from.trim().is_empty(), number(from), number(to)) {
        // `bytes=-N`: the last N bytes.
        (true, _, Some(n)) if n > 0 => Some((
            size.saturating_sub(n),
            size.checked_sub(1).ok_or(Unsatisfiable)?,
        )),
        (true, _, _) => return Err(Unsatisfiable),
        (false, Some(first), None) if to.trim().is_empty() => Some((first, size.saturating_sub(1))),
        (false, Some(first), Some(last)) if first <= last => {
            Some((first, last.min(size.saturating_sub(1))))
        }
        _ => return Ok(None),
    };
    match range {
        Some((first, _)) if first >= size => Err(Unsatisfiable),
        other => Ok(other),
    }
}

/// The query parameters of a request's URL, decoded, in order. Read from the URL as
/// the runtime serialised it, without parsing the whole URL again.
#[must_use]
pub fn query_of(req: &Request) -> Vec<(String, String)> {
    query_pairs(&req.inner().url())
}

/// The query parameters of a serialised URL, decoded, in order.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The origin (`scheme://host[:port]`) of a request's URL.
#[must_use]
pub fn origin_of(req: &Request) -> String {
    origin(&req.inner().url())
}

/// The path of a serialised URL: after the origin, before the query.
#[must_use]
pub fn path_of(url: &str) -> &str {
    let rest = url.get(origin(url).len()..).unwrap_or_default();
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() { "/" } else { path }
}

/// The origin of a serialised URL: everything before the path.
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url
        .get(after_scheme..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| after_scheme + i);
    url.get(..end).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range(None, 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-3"), 10), Ok(Some((0, 3))));
        assert_eq!(byte_range(Some("bytes=4-"), 10), Ok(Some((4, 9))));
        assert_eq!(byte_range(Some("bytes=-3"), 10), Ok(Some((7, 9))));
        assert_eq!(byte_range(Some("bytes=-30"), 10), Ok(Some((0, 9))));
        assert_eq!(byte_range(Some("bytes=5-100"), 10), Ok(Some((5, 9))));
        assert_eq!(byte_range(Some("bytes=10-"), 10), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=-0"), 10), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=5-2"), 10), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-0"), 0), Err(Unsatisfiable));
    }

    #[test]
    fn an_etag_matches_itself_in_a_list_and_as_weak() {
        let tag = etag_of(&[b"page", b"zh"]);
        assert_ne!(tag, etag_of(&[b"pagez", b"h"]));
        assert!(matches_etag(Some(&tag), &tag));
        assert!(matches_etag(Some(&format!("\"x\", W/{tag}")), &tag));
        assert!(matches_etag(Some("*"), &tag));
        assert!(!matches_etag(Some("\"x\""), &tag));
        assert!(!matches_etag(None, &tag));
    }

    #[test]
    fn a_urls_query_and_origin_are_read_from_its_serialisation() {
        assert_eq!(
            query_pairs("https://r.example/search/?q=%E7%94%B5%E6%B1%A0&field=03&q=+x#top"),
            [("q", "电池"), ("field", "03"), ("q", " x")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(query_pairs("https://r.example/products/").is_empty());
        assert_eq!(
            origin("https://r.example/products/?q=1"),
            "https://r.example"
        );
        assert_eq!(origin("http://127.0.0.1:8787/"), "http://127.0.0.1:8787");
        assert_eq!(origin("http://127.0.0.1:8787?x"), "http://127.0.0.1:8787");
        assert_eq!(path_of("https://r.example/products/?q=1#x"), "/products/");
        assert_eq!(path_of("http://127.0.0.1:8787?x"), "/");
    }
}
