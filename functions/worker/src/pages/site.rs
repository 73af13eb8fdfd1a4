//! What the Worker answers for the static site, outside the API: the exact lookup
//! (`GET /lookup?q=…&lang=en`), which jumps to the right page without JavaScript,
//! and the 404 page for any other path no static file matched.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ppr_core::lookup::{Identifier, classify};
use worker::Response;

use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::page_headers;
use crate::repo::{accounts, public};

/// What a search text keeps as it is in the search page's address: letters, digits and
/// `-._`; every other byte is escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

/// `GET /lookup?q=…&lang=zh|en`: a registration number goes to its product page, a
/// USCC to its enterprise page, a patent number to the page of the products using it,
/// a certificate code to its verification; anything else to
/// the search with the text. Unknown identifiers go to the search too, so a mistyped
/// number still finds something.
///
/// # Errors
///
/// The database failed.
pub async fn lookup(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let q = ctx.query_param("q").unwrap_or_default();
    let root = if ctx.query_param("lang").as_deref() == Some("en") {
        "/en/"
    } else {
        "/"
    };
    let db = ctx.db();
    let search = || {
        let encoded = utf8_percent_encode(q.trim(), QUERY_VALUE);
        format!("{root}search/?q={encoded}")
    };
    let location = match classify(&q) {
        Some(Identifier::Registration(number)) => {
            let number = number.to_string();
            if public::by_number(db, &number).await?.is_some() {
                format!("{root}products/{number}/")
            } else {
                search()
            }
        }
        Some(Identifier::Uscc(uscc)) => {
            if accounts::enterprise_by_uscc(db, uscc.as_str())
                .await?
                .is_some()
            {
                format!("{root}enterprises/{}/", uscc.as_str())
            } else {
                search()
            }
        }
        Some(Identifier::Patent(number)) => format!("{root}patents/{number}/"),
        Some(Identifier::Certificate(code)) => format!("{root}certificates/{code}/"),
        None => search(),
    };
    super::redirect(302, &location).map_err(ApiError::from)
}

/// The site's 404 page with status 404, for a path that is neither a static file nor
/// an API route.
///
/// # Errors
///
/// Only if the runtime refuses to build a response.
pub async fn not_found_page(config: &Config) -> worker::Result<Response> {
    let mut page = None;
    {
        let assets = &config.assets;
        // `/404` with the default HTML handling, `/404.html` without it.
        for url in ["https://assets.local/404", "https://assets.local/404.html"] {
            if let Ok(mut found) = assets.fetch(url, None).await
                && found.status_code() == 200
            {
                page = found.text().await.ok();
                break;
            }
        }
    }
    let body = page.unwrap_or_else(|| {
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>页面不存在 · Page not found</title><p>页面不存在 · Page not found. <a href=\"/\">首页 · Home</a></p></html>".to_owned()
    });
    let headers = page_headers()?;
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::from_html(body)?
        .with_status(404)
        .with_headers(headers))
}
