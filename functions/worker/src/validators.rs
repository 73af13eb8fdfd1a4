//! The validators this Worker instance sent lately. When it answers a revalidation
//! (`If-None-Match`) of a public registry page or record, an instance remembers the
//! answer's `ETag` and cache headers under the request's URL for [`FOR_MS`]; a client
//! or the edge that revalidates again within that time gets its 304 without a read of
//! D1 or a render. (Plain GETs are not remembered: they would pay for reading their
//! headers back on the path that is already the most expensive.)
//!
//! A write committed by this instance forgets everything at once; one committed by
//! another instance is seen here at most [`FOR_MS`] later, which the freshness bound
//! in `docs/DEPLOY.md` counts. The memory is per instance and holds at most
//! [`MAX_URLS`] addresses, so it cannot grow with the registry.

use std::cell::RefCell;
use std::collections::HashMap;

use worker::{Response, web_sys};

use crate::http::{REGISTRY_CACHE, matches_etag};

/// How long a validator is trusted without reading D1, in milliseconds.
pub const FOR_MS: f64 = 15_000.0;

/// The most addresses remembered; when full, the memory starts again.
pub const MAX_URLS: usize = 4096;

/// The headers a 304 repeats from the answer it stands for (RFC 9110 §15.4.5).
/// (`Access-Control-Allow-Origin` too, so a cross-origin revalidation of the API's
/// answers passes.)
const REPEATED: [&str; 5] = [
    "etag",
    "cache-control",
    "cache-tag",
    "vary",
    "access-control-allow-origin",
];

/// The validators sent lately, by URL.
#[derive(Debug, Default)]
pub struct Memory {
    sent: HashMap<String, Sent>,
}

/// What an instance remembers of one answer.
#[derive(Debug)]
struct Sent {
    at_ms: f64,
    etag: String,
    headers: Vec<(String, String)>,
}

impl Memory {
    /// The headers of the answer to `url` whose validator `if_none_match` names, if
    /// it was sent less than [`FOR_MS`] before `now_ms`.
    #[must_use]
    pub fn still_valid(
        &self,
        url: &str,
        if_none_match: &str,
        now_ms: f64,
    ) -> Option<&[(String, String)]> {
        self.sent
            .get(url)
            .filter(|s| (0.0..FOR_MS).contains(&(now_ms - s.at_ms)))
            .filter(|s| matches_etag(Some(if_none_match), &s.etag))
            .map(|s| s.headers.as_slice())
    }

    /// Remembers the answer to `url` with `headers`, sent at `now_ms`, if it carries
    /// an `ETag` and the registry's cache policy.
    pub fn remember(&mut self, url: &str, headers: Vec<(String, String)>, now_ms: f64) {
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        if value("cache-control") != Some(REGISTRY_CACHE) {
            return;
        }
        let Some(etag) = value("etag").map(str::to_owned) else {
            return;
        };
        if self.sent.len() >= MAX_URLS && !self.sent.contains_key(url) {
            self.sent.clear();
        }
        self.sent.insert(
            url.to_owned(),
            Sent {
                at_ms: now_ms,
                etag,
                headers,
            },
        );
    }

    /// Forgets every validator.
    pub fn clear(&mut self) {
        self.sent.clear();
    }

    /// How many addresses are remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Whether nothing is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

thread_local! {
    static SENT: RefCell<Memory> = RefCell::new(Memory::default());
}

/// The 304 for a GET of `url` whose `If-None-Match` names a validator this instance
/// sent less than [`FOR_MS`] ago, if there is one.
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub fn not_modified(
    url: &str,
    if_none_match: &str,
    now_ms: f64,
) -> worker::Result<Option<web_sys::Response>> {
    let headers = SENT.with_borrow(|sent| {
        sent.still_valid(url, if_none_match, now_ms)
            .map(<[(String, String)]>::to_vec)
    });
    let Some(headers) = headers else {
        return Ok(None);
    };
    let repeated = web_sys::Headers::new()?;
    for (name, value) in &headers {
        repeated.set(name, value)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(304);
    init.set_headers(&repeated);
    Ok(Some(web_sys::Response::new_with_opt_str_and_init(
        None, &init,
    )?))
}

/// Remembers the validator of `response` to a GET of `url`, when it is a public
/// registry answer (200 or 304, with an `ETag` and the registry's cache policy).
pub fn remember(url: &str, response: &Response, now_ms: f64) {
    if !matches!(response.status_code(), 200 | 304) {
        return;
    }
    let head = response.headers();
    let headers = REPEATED
        .iter()
        .filter_map(|name| {
            head.get(name)
                .ok()
                .flatten()
                .map(|v| ((*name).to_owned(), v))
        })
        .collect();
    SENT.with_borrow_mut(|sent| sent.remember(url, headers, now_ms));
}

/// Forgets every validator: a write committed here may have changed any answer.
pub fn forget_all() {
    SENT.with_borrow_mut(Memory::clear);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(etag: &str, cache: &str) -> Vec<(String, String)> {
        vec![
            ("etag".to_owned(), etag.to_owned()),
            ("cache-control".to_owned(), cache.to_owned()),
            ("cache-tag".to_owned(), "registry,product-1".to_owned()),
        ]
    }

    #[test]
    fn a_validator_holds_for_its_time_and_only_for_its_tag() {
        let mut memory = Memory::default();
        let url = "https://r.example/products/PR2025-52-000148-8/";
        memory.remember(url, answer("\"a\"", REGISTRY_CACHE), 1_000.0);
        assert_eq!(
            memory.still_valid(url, "\"a\"", 1_000.0).map(<[_]>::len),
            Some(3)
        );
        assert!(
            memory
                .still_valid(url, "W/\"a\"", 1_000.0 + FOR_MS - 1.0)
                .is_some()
        );
        assert!(
            memory.still_valid(url, "\"a\"", 1_000.0 + FOR_MS).is_none(),
            "expired"
        );
        assert!(
            memory.still_valid(url, "\"a\"", 999.0).is_none(),
            "a clock that went back"
        );
        assert!(
            memory.still_valid(url, "\"b\"", 1_000.0).is_none(),
            "another tag"
        );
        assert!(
            memory
                .still_valid(
                    "https://r.example/en/products/PR2025-52-000148-8/",
                    "\"a\"",
                    1_000.0
                )
                .is_none()
        );
        memory.clear();
        assert!(
            memory.still_valid(url, "\"a\"", 1_000.0).is_none(),
            "forgotten"
        );
    }

    #[test]
    fn only_registry_answers_with_a_tag_are_remembered_and_the_memory_is_bounded() {
        let mut memory = Memory::default();
        memory.remember("/a", answer("\"a\"", "no-store"), 0.0);
        memory.remember(
            "/b",
            vec![("cache-control".to_owned(), REGISTRY_CACHE.to_owned())],
            0.0,
        );
        assert!(memory.is_empty());
        for i in 0..MAX_URLS {
            memory.remember(&format!("/{i}"), answer("\"a\"", REGISTRY_CACHE), 0.0);
        }
        assert_eq!(memory.len(), MAX_URLS);
        memory.remember("/0", answer("\"b\"", REGISTRY_CACHE), 0.0);
        assert_eq!(
            memory.len(),
            MAX_URLS,
            "an address already remembered is replaced"
        );
        memory.remember("/new", answer("\"a\"", REGISTRY_CACHE), 0.0);
        assert_eq!(memory.len(), 1, "full: starts again");
    }
}
