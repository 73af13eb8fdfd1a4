//! The identification rounds: the list of rounds and one round with its published
//! list (paged by cursor), from the API's public round operations.

use serde::Serialize;
use serde_json::Value as Json;
use worker::{Method, Response};

use super::{Out, Shown};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::public_tags;
use crate::pages::Caller;

/// A round as its pages show it.
#[derive(Debug, Serialize)]
struct RoundShown {
    year: i64,
    figures_year: i64,
    stage: String,
    methodology: Json,
    published_at: Option<String>,
}

fn shown(round: &Json) -> RoundShown {
    let text = |key: &str| round.get(key).and_then(Json::as_str).map(str::to_owned);
    let int = |key: &str| round.get(key).and_then(Json::as_i64).unwrap_or_default();
    RoundShown {
        year: int("year"),
        figures_year: int("figures_year"),
        stage: text("stage").unwrap_or_default(),
        methodology: round.get("methodology").cloned().unwrap_or_default(),
        published_at: text("published_at"),
    }
}

/// `rounds/`.
///
/// # Errors
///
/// The database failed.
pub async fn rounds(out: &Out<'_>, config: &Config) -> Result<Response, ApiError> {
    let caller = Caller::new(out.req, config, out.now, None);
    let answer = caller
        .json(Method::Get, "/api/v1/rounds", None, &[])
        .await?;
    let rounds: Vec<RoundShown> = answer
        .get("items")
        .and_then(Json::as_array)
        .map(|items| items.iter().map(shown).collect())
        .unwrap_or_default();
    #[derive(Serialize)]
    struct Shows {
        rounds: Vec<RoundShown>,
    }
    out.answer(Shown {
        template: "rounds.html",
        status: 200,
        path: "rounds/",
        data: Shows { rounds },
        tags: vec![public_tags::LISTINGS.to_owned()],
        qr: false,
    })
}

/// `rounds/{year}/?cursor=`: a round, and its list once public.
///
/// # Errors
///
/// The database failed.
pub async fn round(out: &Out<'_>, config: &Config, raw: &str) -> Result<Response, ApiError> {
    let Some(year) = raw
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=9999).contains(y))
    else {
        return out.not_found("rounds/", raw);
    };
    let path = format!("rounds/{year}/");
    let caller = Caller::new(out.req, config, out.now, None);
    let round = match caller
        .json(Method::Get, &format!("/api/v1/rounds/{year}"), None, &[])
        .await
    {
        Ok(round) => shown(&round),
        Err(err) if err.status == 404 => return out.not_found(&path, raw),
        Err(err) => return Err(err),
    };
    let cursor = out
        .query_param("cursor")
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()) && c.len() < 16);
    let list_path = format!(
        "/api/v1/rounds/{year}/list?limit=200{}",
        cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default()
    );
    let (list, list_status, next) = match caller.json(Method::Get, &list_path, None, &[]).await {
        Ok(answer) => (
            answer.get("items").cloned().unwrap_or_default(),
            answer
                .get("status")
                .and_then(Json::as_str)
                .map(str::to_owned),
            answer
                .get("next_cursor")
                .and_then(Json::as_str)
                .map(|c| format!("{path}?cursor={c}")),
        ),
        // Before its public notice a round has no public list.
        Err(err) if err.status == 409 => (Json::Array(Vec::new()), None, None),
        Err(err) => return Err(err),
    };
    #[derive(Serialize)]
    struct Shows {
        r: RoundShown,
        list: Json,
        list_status: Option<String>,
        next: Option<String>,
        first: Option<String>,
    }
    out.answer(Shown {
        template: "round.html",
        status: 200,
        path: &path,
        data: Shows {
            first: cursor.map(|_| path.clone()),
            r: round,
            list,
            list_status,
            next,
        },
        tags: vec![public_tags::LISTINGS.to_owned()],
        qr: false,
    })
}
