//! `GET /enterprise/filings/`: the enterprise's filings and its recorded products.

use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use worker::{Method, Request, Response};

use super::enterprise::enterprise_of;
use super::{Caller, Lang, enterprise_user, render};
use crate::config::Config;
use crate::error::ApiError;

/// Answers the list of the enterprise's filings.
///
/// # Errors
///
/// The API failed.
pub async fn list(
    req: Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Response, ApiError> {
    let principal = match enterprise_user(&req, config, lang, "/enterprise/filings/").await? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let (uscc, name) = enterprise_of(config, &principal).await?;
    let caller = Caller::new(&req, config, now, Some(&principal));
    let items: Vec<serde_json::Value> = caller
        .json(
            Method::Get,
            &format!("/api/v1/enterprises/{uscc}/filings"),
            None,
            &[],
        )
        .await?
        .get("items")
        .and_then(|i| i.as_array().cloned())
        .unwrap_or_default();
    let filings = filing_rows(&items);
    let products = product_rows(
        caller
            .json(
                Method::Get,
                &format!("/api/v1/enterprises/{uscc}/products"),
                None,
                &[],
            )
            .await?
            .get("items")
            .and_then(|i| i.as_array()),
    );
    let pairs = crate::http::query_of(&req);
    let query = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let submitted = query("submitted").is_some();
    let updated: String = query("updated")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    render(
        &req,
        "filings.html",
        200,
        lang,
        "enterprise/filings/",
        now,
        context! {
            enterprise => context! { uscc => uscc, name => name },
            filings => Value::from_serialize(&filings),
            submitted => submitted,
            updated => updated,
            products => Value::from_serialize(&products),
        },
    )
}

/// The list's rows of the API's filings.
fn filing_rows(items: &[serde_json::Value]) -> Vec<serde_json::Value> {
    items
        .iter()
        .map(|f| {
            let text = |key: &str| f.get(key).cloned().unwrap_or_default();
            serde_json::json!({
                "id": text("id"), "kind": text("kind"), "status": text("status"),
                "product": text("product"), "updated_at": text("updated_at"),
                "name": f.get("data").and_then(|d| d.get("name")).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The list's rows of the API's products, with the years of their figures.
fn product_rows(items: Option<&Vec<serde_json::Value>>) -> Vec<serde_json::Value> {
    items
        .into_iter()
        .flatten()
        .map(|p| {
            let text = |key: &str| p.get(key).cloned().unwrap_or_default();
            let years: Vec<serde_json::Value> = p
                .get("economics")
                .and_then(|e| e.as_array())
                .map(|e| e.iter().filter_map(|y| y.get("year").cloned()).collect())
                .unwrap_or_default();
            serde_json::json!({
                "registration_number": text("registration_number"), "name": text("name"),
                "status": text("status"), "years": years,
            })
        })
        .collect()
}
