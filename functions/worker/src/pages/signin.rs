//! `GET`/`POST /enterprise/signin/`: the sign-in form. A post goes to
//! `POST /api/v1/sessions` (the same limits on failures); success sets the session
//! cookie and goes on to `next`, a path of this site.

use chrono::{DateTime, Utc};
use minijinja::context;
use worker::{Method, Request, Response};

use super::{Body, Caller, Lang, render, root, see_other};
use crate::config::Config;
use crate::error::ApiError;

/// The page to go on to: `next` read as a browser would read it against this site
/// (tabs and line breaks dropped, backslashes as slashes), kept only if it stays on
/// this site, as its path and query; else the filings. Parsing, not matching a
/// pattern, is what catches `/<TAB>/evil.example`, which a browser follows to
/// `//evil.example`.
fn next_path(next: Option<String>, lang: Lang) -> String {
    const HERE: &str = "https://this.site.invalid/";
    let fallback = || format!("{}enterprise/filings/", root(lang));
    let Some(next) = next.filter(|n| n.starts_with('/')) else {
        return fallback();
    };
    let Ok(base) = worker::Url::parse(HERE) else {
        return fallback();
    };
    match base.join(&next) {
        Ok(url) if url.origin() == base.origin() => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
        _ => fallback(),
    }
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
        // What a browser reads as another host, however it is written.
        for sneaky in [
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "/\r\n/evil.example",
            "/\\/evil.example",
            "/\t\\evil.example",
        ] {
            assert_eq!(
                next_path(Some(sneaky.into()), 0),
                "/enterprise/filings/",
                "{sneaky:?}"
            );
        }
        // An encoded tab is a path of this site.
        assert_eq!(
            next_path(Some("/%09/evil.example".into()), 0),
            "/%09/evil.example"
        );
        assert_eq!(
            next_path(Some("/enterprise/products/PR1/update/?year=2026".into()), 1),
            "/enterprise/products/PR1/update/?year=2026"
        );
        assert_eq!(
            next_path(Some("/a\r\nSet-Cookie: x".into()), 0),
            "/aSet-Cookie:%20x"
        );
    }
}
