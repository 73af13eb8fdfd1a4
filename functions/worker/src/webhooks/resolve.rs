//! An endpoint's name is resolved before anything is sent to it, and refused when any
//! address it resolves to is private, loopback, link-local or otherwise internal (the
//! core's rules, `ppr_core::webhook::check_resolved`). Names are resolved over
//! DNS-over-HTTPS (JSON answers) at registration and again before every attempt, so a
//! name changed to point inward after it was registered is caught too.

use std::time::Duration;

use futures_util::future::{Either, join, select};
use ppr_core::webhook::{self, EndpointUrl, UrlError};

use crate::config::Config;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// How long one lookup may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Checks where `url` leads: nothing to do for an address literal (checked already);
/// a name's A and AAAA records must all be public.
///
/// # Errors
///
/// [`UrlError::PrivateAddress`], or [`UrlError::Unresolved`] when the name has no
/// address or the resolver gave no answer.
pub async fn check(config: &Config, url: &EndpointUrl) -> Result<(), UrlError> {
    if !url.is_name() {
        return Ok(());
    }
    let resolver = &config.dns_resolver;
    let host = url.host();
    let (v4, v6) = join(lookup(resolver, host, "A"), lookup(resolver, host, "AAAA")).await;
    let mut addresses = v4;
    addresses.extend(v6);
    webhook::check_resolved(host, &addresses)
}

/// The addresses of one record type, none when the lookup failed.
async fn lookup(resolver: &str, name: &str, kind: &str) -> Vec<std::net::IpAddr> {
    let separator = if resolver.contains('?') { '&' } else { '?' };
    let url = format!("{resolver}{separator}name={name}&type={kind}");
    let headers = Headers::new();
    if headers.set("accept", "application/dns-json").is_err() {
        return Vec::new();
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let Ok(request) = Request::new_with_init(&url, &init) else {
        return Vec::new();
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = Box::pin(fetch.send_with_signal(&signal));
    let timeout = Box::pin(Delay::from(TIMEOUT));
    let mut response = match select(sending, timeout).await {
        Either::Left((Ok(response), _)) if response.status_code() == 200 => response,
        Either::Left(_) => return Vec::new(),
        Either::Right(((), _)) => {
            controller.abort();
            return Vec::new();
        }
    };
    let body = response.text().await.unwrap_or_default();
    webhook::addresses_in_dns_json(&body)
}
