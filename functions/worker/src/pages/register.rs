//! `GET`/`POST /enterprise/register/`: the registration form. A post goes to
//! `POST /api/v1/enterprises` (one enterprise per USCC, with the form's idempotency
//! key); success goes on to sign-in, a refusal comes back beside its fields.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::context;
use worker::{Method, Request, Response};

use super::{Body, Caller, Lang, errors_of, render, root, see_other};
use crate::auth;
use crate::config::Config;
use crate::error::ApiError;

const FIELDS: [&str; 6] = [
    "uscc",
    "name",
    "contact.name",
    "contact.email",
    "contact.phone",
    "password",
];

/// Answers the registration page.
///
/// # Errors
///
/// A failure other than a refusal of what was typed.
pub async fn handle(
    mut req: Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Response, ApiError> {
    let path = "enterprise/register/";
    let mut values: BTreeMap<String, String> = FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), String::new()))
        .collect();
    if req.method() != Method::Post {
        return render(
            &req,
            "register.html",
            200,
            lang,
            path,
            now,
            context! { values => values, errors => BTreeMap::<String, String>::new(), idempotency_key => auth::random_token()? },
        );
    }
    let form = req.form_data().await?;
    for (name, value) in &mut values {
        *value = form.get_field(name).unwrap_or_default();
    }
    let key = form.get_field("idempotency_key").unwrap_or_default();
    let get = |name: &str| values.get(name).cloned().unwrap_or_default();
    let body = serde_json::json!({
        "uscc": get("uscc"),
        "name": get("name"),
        "contact": {"name": get("contact.name"), "email": get("contact.email"), "phone": get("contact.phone")},
        "password": get("password"),
    })
    .to_string();
    let caller = Caller::new(&req, config, now, None);
    let headers = super::idempotency_header(&key);
    match caller
        .call(
            Method::Post,
            "/api/v1/enterprises",
            Some(Body::Json(body)),
            &headers,
        )
        .await
    {
        Ok(_) => see_other(
            &format!("{}enterprise/signin/?registered=1", root(lang)),
            &[],
        ),
        Err(err) if err.status < 500 => {
            let mut errors = BTreeMap::new();
            errors_of(&err, &mut errors);
            // The password is never sent back.
            values.insert("password".to_owned(), String::new());
            render(
                &req,
                "register.html",
                err.status,
                lang,
                path,
                now,
                context! { values => values, errors => errors, idempotency_key => key },
            )
        }
        Err(err) => Err(err),
    }
}
