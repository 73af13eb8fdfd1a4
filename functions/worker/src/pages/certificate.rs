//! `GET /certificates/{code}/`: whether a certificate is genuine, as a page. The
//! answer is `GET /api/v1/certificates/{code}`'s; a code that is mistyped or unknown
//! is a page saying so, with status 404.

use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use worker::{Method, Request, Response};

use super::{Caller, Lang, render};
use crate::config::Config;
use crate::error::ApiError;

/// Answers the certificate page.
///
/// # Errors
///
/// A failure other than an unknown code.
pub async fn handle(
    req: &Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
    code: &str,
) -> Result<Response, ApiError> {
    let caller = Caller::new(req, config, now, None);
    let encoded: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let path = format!("certificates/{encoded}/");
    // A code with anything else in it (Chinese, quotes, full-width digits) is no code:
    // the page says so at once, as for an unknown one.
    let found = if encoded.is_empty() || encoded.len() != code.len() {
        Err(String::new())
    } else {
        match caller
            .json(
                Method::Get,
                &format!("/api/v1/certificates/{encoded}"),
                None,
                &[],
            )
            .await
        {
            Ok(found) => Ok(found),
            Err(err) if err.status == 404 => Err(err.message),
            Err(err) => return Err(err),
        }
    };
    let (status, certificate, reason) = match found {
        Ok(found) => (200, Value::from_serialize(&found), String::new()),
        Err(reason) => (404, Value::from(()), reason),
    };
    render(
        req,
        "certificate.html",
        status,
        lang,
        &path,
        now,
        context! { code => code, certificate => certificate, reason => reason },
    )
}
