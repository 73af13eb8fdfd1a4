//! `GET`/`POST /enterprise/filing/`: the filing form. `?id=N` opens the enterprise's
//! draft or returned filing N to go on with it.
//!
//! A post becomes API calls: the evidence file (if any) is uploaded, the content is
//! saved as a draft (`POST …/filings` with the form's idempotency key, so a repeated
//! post makes no second draft; or `PUT` of the filing the form was opened on, at the
//! version it was rendered from), then submitted. Any refusal comes back as the form,
//! each error beside its field and everything typed kept, with the filing's id and
//! version so the next post goes on from it. When someone else saved the filing
//! after this form was rendered (another tab, a colleague), the save is refused, and
//! the form says so, keeps what was typed and offers the newer version.

mod values;

pub use values::ECONOMICS;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use ppr_core::ProductField;
use ppr_core::calendar::business_date;
use ppr_core::product::economics_year;
use worker::{FormData, FormEntry, Method, Request, Response};

use super::enterprise::{enterprise_of, form_strings, preview_context};
use super::{
    Body, Caller, Lang, enterprise_user, errors_of, posted_form, render, script_json, see_other,
};
use crate::auth::{self, Principal};
use crate::config::Config;
use crate::error::ApiError;
use values::{PATENT_ROWS, content, empty_values, patent_rows, patent_rows_in, values_of};

/// The filing a form saves to: its id and the version the form was rendered from
/// (both empty until a first save made a draft).
#[derive(Debug, Default)]
struct Saved {
    id: String,
    version: String,
}

/// What the form page shows beside the values and errors.
struct FormPage<'a> {
    principal: &'a Principal,
    enterprise: (String, String),
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    idempotency_key: String,
    filing: Saved,
    /// Someone else saved the filing after this form was rendered.
    conflict: bool,
}

async fn render_form(
    caller: &Caller<'_>,
    lang: Lang,
    page: FormPage<'_>,
    status: u16,
) -> Result<Response, ApiError> {
    let (uscc, name) = &page.enterprise;
    let documents: Vec<serde_json::Value> = caller
        .json(
            Method::Get,
            &format!("/api/v1/enterprises/{uscc}/documents"),
            None,
            &[],
        )
        .await
        .ok()
        .and_then(|v| v.get("items").and_then(|i| i.as_array().cloned()))
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.get("purpose").and_then(|p| p.as_str()) == Some("evidence"))
        .collect();
    let fields: Vec<Value> = ProductField::ALL
        .iter()
        .map(|f| context! {code => f.code(), name_zh => f.name_zh(), name_en => f.name_en()})
        .collect();
    let now = caller.now;
    render(
        caller.req,
        "filing.html",
        status,
        lang,
        "enterprise/filing/",
        now,
        context! {
            enterprise => context! { uscc => uscc, name => name },
            csrf_token => page.principal.csrf_token,
            idempotency_key => page.idempotency_key,
            filing_id => page.filing.id,
            filing_version => page.filing.version,
            conflict => page.conflict,
            patent_rows => patent_rows(&page.values),
            values => page.values,
            errors => page.errors,
            fields => fields,
            documents => Value::from_serialize(&documents),
            economics_year => economics_year(business_date(now)),
            preview_context => script_json(&preview_context(caller.config).await.unwrap_or_default()),
            form_strings => script_json(&form_strings(lang)?),
        },
    )
}

/// Answers the filing form.
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
    let principal = match enterprise_user(&req, config, lang, "/enterprise/filing/").await? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let enterprise = enterprise_of(config, &principal).await?;
    if req.method() != Method::Post {
        let caller = Caller::new(&req, config, now, Some(&principal));
        return open(&caller, lang, enterprise).await;
    }
    let form = posted_form(&mut req, &principal).await?;
    let caller = Caller::new(&req, config, now, Some(&principal));
    post(&caller, lang, enterprise, &form).await
}

/// The empty form, or with `?id=N` the enterprise's draft or returned filing N as it
/// was saved; any other filing sends the user back to the list.
async fn open(
    caller: &Caller<'_>,
    lang: Lang,
    enterprise: (String, String),
) -> Result<Response, ApiError> {
    let principal = caller
        .principal
        .ok_or_else(|| ApiError::internal_cause("filing form", &"no user"))?;
    let mut page = FormPage {
        principal,
        enterprise,
        values: empty_values(PATENT_ROWS),
        errors: BTreeMap::new(),
        idempotency_key: auth::random_token()?,
        filing: Saved::default(),
        conflict: false,
    };
    let wanted = crate::http::query_of(caller.req)
        .into_iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v);
    if let Some(id) = wanted {
        let uscc = &page.enterprise.0;
        let filing = caller
            .json(
                Method::Get,
                &format!("/api/v1/enterprises/{uscc}/filings/{}", query_safe(&id)),
                None,
                &[],
            )
            .await?;
        let status = filing.get("status").and_then(serde_json::Value::as_str);
        if !matches!(status, Some("draft" | "returned")) {
            return see_other(&format!("{}enterprise/filings/", super::root(lang)), &[]);
        }
        page.values = values_of(filing.get("data").unwrap_or(&serde_json::Value::Null));
        page.filing = saved_of(&filing);
    }
    render_form(caller, lang, page, 200).await
}

/// Saves and submits a posted form; the list of filings once submitted, else the form
/// again with what stopped it.
async fn post(
    caller: &Caller<'_>,
    lang: Lang,
    enterprise: (String, String),
    form: &FormData,
) -> Result<Response, ApiError> {
    let principal = caller
        .principal
        .ok_or_else(|| ApiError::internal_cause("filing form", &"no user"))?;
    let field = |name: &str| form.get_field(name).unwrap_or_default();
    let mut values = empty_values(patent_rows_in(|name| form.has(name)));
    for (name, value) in &mut values {
        *value = field(name);
    }
    let mut page = FormPage {
        principal,
        enterprise,
        values,
        errors: BTreeMap::new(),
        idempotency_key: field("idempotency_key"),
        filing: Saved {
            id: field("filing_id"),
            version: field("filing_version"),
        },
        conflict: false,
    };
    upload_evidence(caller, form, &mut page).await?;
    let (data, parse_errors) = content(&page.values, economics_year(business_date(caller.now)));
    page.errors.extend(parse_errors);
    if !page.errors.is_empty() {
        return render_form(caller, lang, page, 422).await;
    }
    let uscc = page.enterprise.0.clone();
    let saved = save_and_submit(caller, &uscc, &mut page.filing, &page.idempotency_key, data).await;
    match saved {
        Ok(id) => see_other(
            &format!("{}enterprise/filings/?submitted={id}", super::root(lang)),
            &[],
        ),
        Err(err) if err.code == "stale_version" => {
            // Saved by someone else since this form was rendered: say so, keep what was
            // typed, and carry the newer version, so that posting again is a deliberate
            // choice to replace it.
            let current = caller
                .json(
                    Method::Get,
                    &format!("/api/v1/enterprises/{uscc}/filings/{}", page.filing.id),
                    None,
                    &[],
                )
                .await?;
            page.filing = saved_of(&current);
            page.conflict = true;
            render_form(caller, lang, page, 409).await
        }
        Err(err) if err.status < 500 => {
            errors_of(&err, &mut page.errors);
            let status = err.status;
            render_form(caller, lang, page, status).await
        }
        Err(err) => Err(err),
    }
}

/// Uploads the posted evidence file, if any, and selects it; a refusal goes beside the
/// evidence input.
async fn upload_evidence(
    caller: &Caller<'_>,
    form: &FormData,
    page: &mut FormPage<'_>,
) -> Result<(), ApiError> {
    let Some(FormEntry::File(file)) = form.get("evidence_file") else {
        return Ok(());
    };
    if file.size() == 0 {
        return Ok(());
    }
    let bytes = file.bytes().await?;
    // The name goes into the query string as it is.
    let name = ppr_core::document::ascii_filename(&file.name());
    let uscc = &page.enterprise.0;
    let uploaded = caller
        .json(
            Method::Post,
            &format!("/api/v1/enterprises/{uscc}/documents?purpose=evidence&filename={name}"),
            Some(Body::Bytes(bytes, file.type_())),
            &[],
        )
        .await
        .and_then(|v| {
            v.get("id")
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| ApiError::internal_cause("upload", &"no id"))
        });
    match uploaded {
        Ok(id) => {
            page.values.insert("evidence".to_owned(), id.to_string());
        }
        Err(err) if err.status < 500 => {
            page.errors
                .insert("evidence".to_owned(), err.message.clone());
        }
        Err(err) => return Err(err),
    }
    Ok(())
}

/// Saves the content as a draft (a new one, or the filing the form was rendered from,
/// at the version it was rendered from) and submits it; the filing's id. `filing`
/// follows each save, so a refusal of the submission renders the form at the version
/// it now has.
async fn save_and_submit(
    caller: &Caller<'_>,
    uscc: &str,
    filing: &mut Saved,
    idempotency_key: &str,
    data: serde_json::Value,
) -> Result<i64, ApiError> {
    let filings = format!("/api/v1/enterprises/{uscc}/filings");
    let saved = if let Ok(id) = filing.id.parse::<i64>() {
        let version = filing.version.parse::<i64>().ok();
        let body = serde_json::json!({"data": data, "version": version}).to_string();
        caller
            .json(
                Method::Put,
                &format!("{filings}/{id}"),
                Some(Body::Json(body)),
                &[],
            )
            .await?
    } else {
        let body = serde_json::json!({"data": data}).to_string();
        let key = super::idempotency_header(idempotency_key);
        caller
            .json(Method::Post, &filings, Some(Body::Json(body)), &key)
            .await?
    };
    *filing = saved_of(&saved);
    let id = filing
        .id
        .parse::<i64>()
        .map_err(|_| ApiError::internal_cause("save filing", &"no id"))?;
    // Submitted at the version just saved: a save by someone else in between stops it.
    let at_version: Vec<(&str, &str)> = if filing.version.is_empty() {
        Vec::new()
    } else {
        vec![("if-match", filing.version.as_str())]
    };
    caller
        .call(
            Method::Post,
            &format!("{filings}/{id}/submit"),
            Some(Body::Json("{}".to_owned())),
            &at_version,
        )
        .await?;
    Ok(id)
}

/// The id and version of a filing as the API answered it.
fn saved_of(filing: &serde_json::Value) -> Saved {
    let number = |key: &str| {
        filing
            .get(key)
            .and_then(serde_json::Value::as_i64)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    Saved {
        id: number("id"),
        version: number("version"),
    }
}

/// A value from the address bar, reduced to what an id can hold, for an API path.
fn query_safe(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn api_errors_land_beside_their_fields() {
        let mut err = ApiError::validation(
            "check",
            vec![crate::error::FieldIssue::new(
                "data.patents[0].number",
                "x",
                "not registered",
            )],
        );
        let mut errors = BTreeMap::new();
        errors_of(&err, &mut errors);
        assert_eq!(errors["patents[0].number"], "not registered");
        err.fields.clear();
        errors_of(&err, &mut errors);
        assert_eq!(errors["form"], "check");
    }

    #[test]
    fn an_answer_gives_the_filing_and_its_version() {
        let saved = saved_of(&serde_json::json!({"id": 7, "version": 3, "status": "draft"}));
        assert_eq!((saved.id.as_str(), saved.version.as_str()), ("7", "3"));
        assert_eq!(query_safe("12/../x"), "12x");
    }
}
