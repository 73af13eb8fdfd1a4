//! `GET`/`POST /enterprise/filing/`: the filing form, and `GET /enterprise/filings/`:
//! the enterprise's filings.
//!
//! A post becomes API calls: the evidence file (if any) is uploaded, the content is
//! saved as a draft (`POST …/filings` with the form's idempotency key, so a repeated
//! post makes no second draft; or `PUT` of the draft an earlier post made), then
//! submitted. Any refusal comes back as the form, each error beside its field and
//! everything typed kept, with the draft's id so the next post goes on from it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use ppr_core::ProductField;
use ppr_core::calendar::business_date;
use ppr_core::money::parse_typed_yuan;
use ppr_core::product::economics_year;
use worker::{FormEntry, Method, Request, Response};

use super::{
    Body, Caller, Lang, enterprise_user, errors_of, render, script_json, see_other, strings,
};
use crate::auth::{self, Principal};
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::{accounts, rounds};
use crate::services::methodology::load_methodology;

/// Patent rows on the form.
const PATENT_ROWS: usize = 3;

const TEXT_FIELDS: [&str; 6] = [
    "name",
    "model",
    "field",
    "description",
    "first_marketed_on",
    "manufacture_region",
];

pub(super) const ECONOMICS: [&str; 4] = ["sales", "exports", "profit", "ip_investment"];

/// Every field's name on the form, each with an empty value.
fn empty_values() -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = TEXT_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), String::new()))
        .collect();
    for i in 0..PATENT_ROWS {
        for part in ["number", "contribution_pct", "core"] {
            values.insert(format!("patents[{i}].{part}"), String::new());
        }
    }
    for f in ECONOMICS {
        values.insert(format!("economics.{f}"), String::new());
    }
    for f in ["opt_in", "evidence"] {
        values.insert(f.to_owned(), String::new());
    }
    values
}

/// The filing's JSON content from the form's values, and the fields that are not
/// even numbers (the API decides everything else).
fn content(
    values: &BTreeMap<String, String>,
    year: i32,
) -> (serde_json::Value, BTreeMap<String, String>) {
    let get = |name: &str| values.get(name).map_or("", |v| v.trim());
    let mut errors = BTreeMap::new();
    let mut data = serde_json::Map::new();
    for f in TEXT_FIELDS {
        if !get(f).is_empty() {
            data.insert(f.to_owned(), get(f).into());
        }
    }
    let mut patents = Vec::new();
    for i in 0..PATENT_ROWS {
        let number = get(&format!("patents[{i}].number"));
        if number.is_empty() {
            continue;
        }
        let share_name = format!("patents[{i}].contribution_pct");
        let share = match get(&share_name) {
            "" => Some(0),
            text => text.parse::<i64>().ok(),
        };
        if share.is_none() {
            errors.insert(share_name, "a whole percentage, 0 to 100".to_owned());
        }
        patents.push(serde_json::json!({
            "number": number,
            "core": get(&format!("patents[{i}].core")) == "true",
            "contribution_pct": share.unwrap_or(0),
        }));
    }
    data.insert("patents".to_owned(), patents.into());
    if ECONOMICS
        .iter()
        .any(|f| !get(&format!("economics.{f}")).is_empty())
    {
        let mut economics = serde_json::Map::new();
        economics.insert("year".to_owned(), year.into());
        for f in ECONOMICS {
            let name = format!("economics.{f}");
            match parse_typed_yuan(get(&name)) {
                Some(n) => {
                    economics.insert(f.to_owned(), n.into());
                }
                None => {
                    errors.insert(name, "a whole number of yuan".to_owned());
                }
            }
        }
        data.insert("economics".to_owned(), economics.into());
    }
    data.insert("opt_in".to_owned(), (get("opt_in") == "true").into());
    let evidence: Vec<i64> = get("evidence").parse().ok().into_iter().collect();
    data.insert("evidence".to_owned(), evidence.into());
    (serde_json::Value::Object(data), errors)
}

/// What the form page shows beside the values and errors.
struct FormPage<'a> {
    principal: &'a Principal,
    enterprise: (String, String),
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    idempotency_key: String,
    filing_id: String,
}

async fn render_form(
    req: &Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
    page: FormPage<'_>,
    status: u16,
) -> Result<Response, ApiError> {
    let (uscc, name) = &page.enterprise;
    let caller = Caller {
        req,
        config,
        now,
        principal: Some(page.principal),
    };
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
    render(
        "filing.html",
        status,
        lang,
        "enterprise/filing/",
        now,
        context! {
            enterprise => context! { uscc => uscc, name => name },
            csrf_token => page.principal.csrf_token,
            idempotency_key => page.idempotency_key,
            filing_id => page.filing_id,
            values => page.values,
            errors => page.errors,
            fields => fields,
            documents => Value::from_serialize(&documents),
            patent_rows => PATENT_ROWS,
            economics_year => economics_year(business_date(now)),
            preview_context => script_json(&preview_context(config).await.unwrap_or_default()),
            form_strings => script_json(&form_strings(lang)?),
        },
    )
}

/// The labels of the wasm client's what-if preview, in `lang`.
pub(super) fn form_strings(lang: Lang) -> Result<serde_json::Value, ApiError> {
    let t = strings(lang)?;
    let label = |key: &str| t.get(key).cloned().unwrap_or_default();
    Ok(serde_json::json!({
        "indicator": label("preview_indicator"), "value": label("preview_value"),
        "benchmark": label("preview_benchmark"), "passed": label("preview_passed"),
        "yes": label("yes"), "no": label("no"), "unavailable": label("preview_unavailable"),
        "identified": label("filter_identified"),
    }))
}

/// The newest benchmark set with its methodology document, for the wasm client's
/// what-if preview; null before any round computed one.
pub(super) async fn preview_context(config: &Config) -> Result<serde_json::Value, ApiError> {
    let db = &config.db;
    let Some(row) = rounds::current_benchmark_set(db).await? else {
        return Ok(serde_json::Value::Null);
    };
    let set: serde_json::Value = serde_json::from_str(&row.content)
        .map_err(|e| ApiError::internal_cause("stored set", &e))?;
    let id = set
        .get("methodology")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let version = set
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let methodology = load_methodology(db, id, version).await?;
    Ok(serde_json::json!({"round": row.year, "methodology": methodology.doc(), "set": set}))
}

pub(super) async fn enterprise_of(
    config: &Config,
    principal: &Principal,
) -> Result<(String, String), ApiError> {
    let db = &config.db;
    let id = principal
        .enterprise_id
        .ok_or_else(|| ApiError::internal_cause("enterprise user", &"no enterprise"))?;
    let e = accounts::enterprise_by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("enterprise", &id))?;
    Ok((e.uscc, e.name))
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
        let page = FormPage {
            principal: &principal,
            enterprise,
            values: empty_values(),
            errors: BTreeMap::new(),
            idempotency_key: auth::random_token()?,
            filing_id: String::new(),
        };
        return render_form(&req, config, lang, now, page, 200).await;
    }
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > super::MAX_FORM_BYTES) {
        return Err(ApiError::payload_too_large(super::MAX_FORM_BYTES));
    }
    let form = req.form_data().await?;
    let field = |name: &str| form.get_field(name).unwrap_or_default();
    if !auth::constant_time_eq(&field("csrf_token"), &principal.csrf_token) {
        return Err(ApiError::forbidden(
            "csrf_failed",
            "this form is stale or came from elsewhere; open it again",
        ));
    }
    let mut values = empty_values();
    for (name, value) in &mut values {
        *value = field(name);
    }
    let mut page = FormPage {
        principal: &principal,
        enterprise,
        values,
        errors: BTreeMap::new(),
        idempotency_key: field("idempotency_key"),
        filing_id: field("filing_id"),
    };
    let uscc = page.enterprise.0.clone();
    if let Some(FormEntry::File(file)) = form.get("evidence_file")
        && file.size() > 0
    {
        let bytes = file.bytes().await?;
        let name: String = file
            .name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let caller = Caller {
            req: &req,
            config,
            now,
            principal: Some(&principal),
        };
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
    }
    let (data, parse_errors) = content(&page.values, economics_year(business_date(now)));
    page.errors.extend(parse_errors);
    if !page.errors.is_empty() {
        return render_form(&req, config, lang, now, page, 422).await;
    }
    let caller = Caller {
        req: &req,
        config,
        now,
        principal: Some(&principal),
    };
    let saved = save_and_submit(
        &caller,
        &uscc,
        &mut page.filing_id,
        &page.idempotency_key,
        data,
    )
    .await;
    match saved {
        Ok(id) => see_other(
            &format!("{}enterprise/filings/?submitted={id}", super::root(lang)),
            &[],
        ),
        Err(err) if err.status < 500 => {
            errors_of(&err, &mut page.errors);
            let status = err.status;
            render_form(&req, config, lang, now, page, status).await
        }
        Err(err) => Err(err),
    }
}

/// Saves the content as a draft (a new one, or the one an earlier post made) and
/// submits it; the filing's id. `filing_id` is updated as soon as a draft exists.
async fn save_and_submit(
    caller: &Caller<'_>,
    uscc: &str,
    filing_id: &mut String,
    idempotency_key: &str,
    data: serde_json::Value,
) -> Result<i64, ApiError> {
    let filings = format!("/api/v1/enterprises/{uscc}/filings");
    let id = if let Ok(id) = filing_id.parse::<i64>() {
        let current = caller
            .json(Method::Get, &format!("{filings}/{id}"), None, &[])
            .await?;
        let version = current
            .get("version")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(1);
        let body = serde_json::json!({"data": data, "version": version}).to_string();
        caller
            .call(
                Method::Put,
                &format!("{filings}/{id}"),
                Some(Body::Json(body)),
                &[],
            )
            .await?;
        id
    } else {
        let body = serde_json::json!({"data": data}).to_string();
        let key = super::idempotency_header(idempotency_key);
        caller
            .json(Method::Post, &filings, Some(Body::Json(body)), &key)
            .await?
            .get("id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| ApiError::internal_cause("create filing", &"no id"))?
    };
    *filing_id = id.to_string();
    caller
        .call(
            Method::Post,
            &format!("{filings}/{id}/submit"),
            Some(Body::Json("{}".to_owned())),
            &[],
        )
        .await?;
    Ok(id)
}

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
    let caller = Caller {
        req: &req,
        config,
        now,
        principal: Some(&principal),
    };
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
    let filings: Vec<serde_json::Value> = items
        .iter()
        .map(|f| {
            let text = |key: &str| f.get(key).cloned().unwrap_or_default();
            serde_json::json!({
                "id": text("id"), "kind": text("kind"), "status": text("status"),
                "product": text("product"), "updated_at": text("updated_at"),
                "name": f.get("data").and_then(|d| d.get("name")).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let products: Vec<serde_json::Value> = caller
        .json(
            Method::Get,
            &format!("/api/v1/enterprises/{uscc}/products"),
            None,
            &[],
        )
        .await?
        .get("items")
        .and_then(|i| i.as_array().cloned())
        .unwrap_or_default()
        .iter()
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
        .collect();
    let url = req.url().ok();
    let query = |key: &str| {
        url.as_ref().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        })
    };
    let submitted = query("submitted").is_some();
    let updated: String = query("updated")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    render(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_the_apis_content() {
        let mut values = empty_values();
        for (k, v) in [
            ("name", " 储能电池 "),
            ("field", "01"),
            ("patents[0].number", "ZL201080063196.9"),
            ("patents[0].core", "true"),
            ("patents[0].contribution_pct", "60"),
            ("patents[1].contribution_pct", "30"),
            ("economics.sales", "1,200,000"),
            ("economics.exports", "0"),
            ("economics.profit", "-5 000"),
            ("economics.ip_investment", "many"),
            ("opt_in", "true"),
            ("evidence", "17"),
        ] {
            values.insert(k.to_owned(), v.to_owned());
        }
        let (data, errors) = content(&values, 2025);
        assert_eq!(data["name"], "储能电池");
        assert_eq!(
            data["patents"].as_array().map(Vec::len),
            Some(1),
            "a row without a number is skipped"
        );
        assert_eq!(data["patents"][0]["core"], true);
        assert_eq!(data["economics"]["sales"], 1_200_000);
        assert_eq!(data["economics"]["profit"], -5000);
        assert_eq!(data["economics"]["year"], 2025);
        assert_eq!(data["evidence"], serde_json::json!([17]));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["economics.ip_investment"]
        );
        assert!(data.get("model").is_none(), "empty fields are left out");
    }

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
}
