//! `GET`/`POST /port/apply/`: a regional office's application for its management
//! port. A post goes to `POST /api/v1/port-applications` with the form's idempotency
//! key; success shows the application's number, a refusal comes back beside its
//! fields with everything typed kept (but the password).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::context;
use worker::{Method, Request, Response};

use super::{Body, Caller, Lang, errors_of, render};
use crate::auth;
use crate::config::Config;
use crate::error::ApiError;

/// Contact persons the form offers; the API takes up to ten.
const CONTACTS: usize = 3;

const CONTACT_FIELDS: [&str; 4] = ["name", "title", "phone", "email"];

fn field_names() -> Vec<String> {
    let mut names = vec!["office_name".to_owned(), "region_scope".to_owned()];
    for i in 0..CONTACTS {
        for f in CONTACT_FIELDS {
            names.push(format!("contacts[{i}].{f}"));
        }
    }
    names.extend(["account_email".to_owned(), "password".to_owned()]);
    names
}

/// The API's JSON of an application from the form's values. A contact row left wholly
/// empty is no contact; the first is always sent, so an empty form is told that a
/// contact is needed.
fn application_body(values: &BTreeMap<String, String>) -> String {
    let get = |name: &str| values.get(name).cloned().unwrap_or_default();
    let contacts: Vec<serde_json::Value> = (0..CONTACTS)
        .filter(|i| {
            *i == 0
                || CONTACT_FIELDS
                    .iter()
                    .any(|f| !get(&format!("contacts[{i}].{f}")).trim().is_empty())
        })
        .map(|i| {
            let field = |f: &str| get(&format!("contacts[{i}].{f}"));
            serde_json::json!({"name": field("name"), "title": field("title"), "phone": field("phone"), "email": field("email")})
        })
        .collect();
    serde_json::json!({
        "office_name": get("office_name"),
        "region_scope": get("region_scope"),
        "contacts": contacts,
        "account_email": get("account_email"),
        "password": get("password"),
    })
    .to_string()
}

/// Answers the application page.
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
    let path = "port/apply/";
    let mut values: BTreeMap<String, String> = field_names()
        .into_iter()
        .map(|f| (f, String::new()))
        .collect();
    let no_errors = BTreeMap::<String, String>::new();
    if req.method() != Method::Post {
        return render(
            &req,
            "port_application.html",
            200,
            lang,
            path,
            now,
            context! { values => values, errors => no_errors, contacts => CONTACTS, submitted => None::<()>, idempotency_key => auth::random_token()? },
        );
    }
    let form = req.form_data().await?;
    for (name, value) in &mut values {
        *value = form.get_field(name).unwrap_or_default();
    }
    let key = form.get_field("idempotency_key").unwrap_or_default();
    let body = application_body(&values);
    let caller = Caller::new(&req, config, now, None);
    let headers = super::idempotency_header(&key);
    values.insert("password".to_owned(), String::new());
    match caller
        .json(
            Method::Post,
            "/api/v1/port-applications",
            Some(Body::Json(body)),
            &headers,
        )
        .await
    {
        Ok(answer) => render(
            &req,
            "port_application.html",
            201,
            lang,
            path,
            now,
            context! { values => values, errors => no_errors, contacts => CONTACTS, submitted => answer, idempotency_key => key },
        ),
        Err(err) if err.status < 500 => {
            let mut errors = BTreeMap::new();
            errors_of(&err, &mut errors);
            render(
                &req,
                "port_application.html",
                err.status,
                lang,
                path,
                now,
                context! { values => values, errors => errors, contacts => CONTACTS, submitted => None::<()>, idempotency_key => key },
            )
        }
        Err(err) => Err(err),
    }
}
