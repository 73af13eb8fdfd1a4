//! `GET`/`POST /enterprise/signin/`: the sign-in form. A post goes to
//! `POST /api/v1/sessions` (the same limits on failures); success sets the session
//! cookie and goes on to `next`, a path of this site.

use chrono::{DateTime, Utc};
use minijinja::context;
use worker::{Method, Request, Response};

use super::{Body, Caller, Lang, render, root, see_other};
use crate::config::Config;
use crate::error::ApiError;

/// The page to go on to: a path of this site only (no `//host` or scheme), else the
/// filings.
fn next_path(next: Option<String>, lang: Lang) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| format!("{}enterprise/filings/", root(lang)))
}

/// Answers the sign-in page.
///
/// # Errors
///
/// A failure other than wrong credentials.
pub async fn handle(
    mut req: Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Response, ApiError> {
    let path = "enterprise/signin/";
    if req.method() != Method::Post {
        let query = crate::http::query_of(&req);
        let next = query
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.clone());
        let registered = query.iter().any(|(k, _)| k == "registered");
        return render(
            &req,
            "signin.html",
            200,
            lang,
            path,
            now,
            context! { next => next_path(next, lang), email => "", failed => false, registered => registered },
        );
    }
    let form = req.form_data().await?;
    let field = |name: &str| form.get_field(name).unwrap_or_default();
    let email = field("email");
    let next = next_path(Some(field("next")), lang);
    let body = serde_json::json!({"email": email, "password": field("password")}).to_string();
    let caller = Caller::new(&req, config, now, None);
    let answer = caller
        .call(
            Method::Post,
            "/api/v1/sessions",
            Some(Body::Json(body)),
            &[],
        )
        .await;
    match answer {
        Ok(reply) => {
            let cookies: Vec<(&str, String)> = reply
                .headers
                .iter()
                .filter(|(name, _)| *name == "set-cookie")
                .map(|(name, value)| (*name, value.clone()))
                .collect();
            see_other(&next, &cookies)
        }
        Err(err) if [401, 422, 429].contains(&err.status) => render(
            &req,
            "signin.html",
            err.status,
            lang,
            path,
            now,
            context! { next => next, email => email, failed => true, registered => false },
        ),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::next_path;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            next_path(Some("/enterprise/filing/".into()), 0),
            "/enterprise/filing/"
        );
        assert_eq!(
            next_path(Some("//evil.example/".into()), 0),
            "/enterprise/filings/"
        );
        assert_eq!(
            next_path(Some("https://evil.example/".into()), 1),
            "/en/enterprise/filings/"
        );
        assert_eq!(next_path(Some("/\\evil".into()), 0), "/enterprise/filings/");
        assert_eq!(next_path(None, 0), "/enterprise/filings/");
    }
}
