//! `GET`/`POST /enterprise/products/{number}/update/`: the annual update of a
//! recorded product (the previous year's figures) and its opt-in to this year's
//! identification round, as `PUT …/years/{year}` and `PUT …/opt-in` would make them;
//! refusals (outside the update window, a closed round, a figure out of range) come
//! back beside their fields.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::context;
use ppr_core::calendar::{business_date, business_year};
use ppr_core::money::parse_typed_yuan;
use ppr_core::product::economics_year;
use worker::{FormData, Method, Request, Response};

use super::{
    Body, Caller, Lang, enterprise_user, errors_of, posted_form, render, root, script_json,
    see_other,
};
use crate::auth::Principal;
use crate::config::Config;
use crate::error::ApiError;

use super::enterprise::{enterprise_of, form_strings, preview_context};
use super::filing::ECONOMICS as FIGURES;

/// Answers the annual update page of product `number`.
///
/// # Errors
///
/// A failure other than a refusal of what was typed.
pub async fn handle(
    mut req: Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
    number: &str,
) -> Result<Response, ApiError> {
    let kept: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if kept.is_empty() || kept.len() != number.len() {
        let message = if lang == 0 {
            "没有这个登记号的产品。"
        } else {
            "There is no product with this registration number."
        };
        return Err(ApiError::missing("product_not_found", message));
    }
    let number = kept;
    let back = format!("/enterprise/products/{number}/update/");
    let principal = match enterprise_user(&req, config, lang, &back).await? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let (uscc, enterprise_name) = enterprise_of(config, &principal).await?;
    let product_path = format!("/api/v1/enterprises/{uscc}/products/{number}");
    let year = economics_year(business_date(now));
    let round = business_year(now);
    let product = Caller::new(&req, config, now, Some(&principal))
        .json(Method::Get, &product_path, None, &[])
        .await?;
    let (values, opted) = current_values(&product, year, round);
    // The version the form was rendered from, which a save must still find.
    let mut state = FormState {
        values,
        errors: BTreeMap::new(),
        version: stored_version(&product),
        conflict: false,
    };
    if req.method() == Method::Post {
        let form = posted_form(&mut req, &principal).await?;
        let caller = Caller::new(&req, config, now, Some(&principal));
        let update = Update {
            path: &product_path,
            year,
            version: state.version,
            opted,
        };
        if take_post(&caller, &form, update, lang, &mut state).await? {
            return see_other(
                &format!("{}enterprise/filings/?updated={number}", root(lang)),
                &[],
            );
        }
        if state.conflict {
            // Carry the version now stored, so that posting again is a deliberate
            // choice to replace it.
            state.version = stored_version(&product);
        }
    }
    let page = Page {
        enterprise: (uscc, enterprise_name),
        product: &product,
        number: &number,
        year,
        round,
    };
    render_page(&req, config, lang, now, &principal, &page, state).await
}

/// Takes a posted form into `state` and saves it at the version it was rendered
/// from; whether it was saved.
///
/// # Errors
///
/// A failure other than a refusal of what was typed.
async fn take_post(
    caller: &Caller<'_>,
    form: &FormData,
    mut update: Update<'_>,
    lang: Lang,
    state: &mut FormState,
) -> Result<bool, ApiError> {
    for (name, value) in &mut state.values {
        *value = form.get_field(name).unwrap_or_default();
    }
    if let Some(rendered) = form.get_field("version").and_then(|v| v.parse().ok()) {
        update.version = rendered;
        state.version = rendered;
    }
    match post(caller, &update, &state.values, lang, &mut state.errors).await? {
        Outcome::Saved => Ok(true),
        Outcome::Refused => Ok(false),
        // Saved by someone else since this form was rendered: say so, and keep what
        // was typed.
        Outcome::Conflict => {
            state.conflict = true;
            Ok(false)
        }
    }
}

/// What the page is about: the enterprise, the product as read, and the years.
struct Page<'a> {
    enterprise: (String, String),
    product: &'a serde_json::Value,
    number: &'a str,
    year: i32,
    round: i32,
}

/// The form as it stands: what was typed (or stored), what is wrong with it, the
/// version it saves at, and whether someone else saved first.
struct FormState {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    version: i64,
    conflict: bool,
}

/// Renders the page, 409 after a conflict, 422 with errors.
async fn render_page(
    req: &Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
    principal: &Principal,
    page: &Page<'_>,
    form: FormState,
) -> Result<Response, ApiError> {
    let status = if form.conflict {
        409
    } else if form.errors.is_empty() {
        200
    } else {
        422
    };
    let (uscc, name) = &page.enterprise;
    let number = page.number;
    render(
        req,
        "update.html",
        status,
        lang,
        &format!("enterprise/products/{number}/update/"),
        now,
        context! {
            enterprise => context! { uscc => uscc, name => name },
            product => minijinja::Value::from_serialize(page.product),
            number => number,
            year => page.year,
            round => page.round,
            values => form.values,
            errors => form.errors,
            version => form.version,
            conflict => form.conflict,
            csrf_token => principal.csrf_token,
            preview_context => script_json(&preview_context(config).await.unwrap_or_default()),
            preview_product => script_json(&preview_product(page.product)),
            form_strings => script_json(&form_strings(lang)?),
        },
    )
}

/// The update a post makes: where the product is, the year of its figures, the
/// version the form was rendered from, and whether the product takes part in this
/// year's round now.
struct Update<'a> {
    path: &'a str,
    year: i32,
    version: i64,
    opted: bool,
}

/// How a post ended.
enum Outcome {
    /// Saved.
    Saved,
    /// Refused: why, beside the fields.
    Refused,
    /// Someone else saved the product after the form was rendered.
    Conflict,
}

/// Saves the posted `values`, else says why not in `errors`.
///
/// # Errors
///
/// A failure other than a refusal of what was typed.
async fn post(
    caller: &Caller<'_>,
    update: &Update<'_>,
    values: &BTreeMap<String, String>,
    lang: Lang,
    errors: &mut BTreeMap<String, String>,
) -> Result<Outcome, ApiError> {
    let figures = typed_figures(values, lang, errors)?;
    if !errors.is_empty() {
        return Ok(Outcome::Refused);
    }
    let opt_in = values.get("opt_in").is_some_and(|v| v == "true");
    match save(caller, update, figures, opt_in).await {
        Ok(()) => Ok(Outcome::Saved),
        Err(err) if err.code == "stale_version" => Ok(Outcome::Conflict),
        Err(err) if err.status < 500 => {
            figure_errors(&err, errors);
            Ok(Outcome::Refused)
        }
        Err(err) => Err(err),
    }
}

/// A product's version as the API answered it.
fn stored_version(product: &serde_json::Value) -> i64 {
    product
        .get("version")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(1)
}

/// The form's values from the stored product: `year`'s figures, and whether it takes
/// part in `round`'s identification (also answered on its own).
fn current_values(
    product: &serde_json::Value,
    year: i32,
    round: i32,
) -> (BTreeMap<String, String>, bool) {
    let stored = product
        .get("economics")
        .and_then(|e| e.as_array())
        .and_then(|years| {
            years.iter().find(|y| {
                y.get("year").and_then(serde_json::Value::as_i64) == Some(i64::from(year))
            })
        });
    let mut values: BTreeMap<String, String> = FIGURES
        .iter()
        .map(|f| {
            let current = stored
                .and_then(|y| y.get(*f))
                .map(ToString::to_string)
                .unwrap_or_default();
            (format!("economics.{f}"), current)
        })
        .collect();
    let opted = product
        .get("opt_in_year")
        .and_then(serde_json::Value::as_i64)
        == Some(i64::from(round));
    values.insert(
        "opt_in".to_owned(),
        if opted {
            "true".to_owned()
        } else {
            String::new()
        },
    );
    (values, opted)
}

/// The typed figures as the API takes them; a figure that is not a whole number of
/// yuan goes into `errors`, in `lang`.
///
/// # Errors
///
/// The strings are missing (a bug, logged).
fn typed_figures(
    values: &BTreeMap<String, String>,
    lang: Lang,
    errors: &mut BTreeMap<String, String>,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let whole_yuan = super::strings(lang)?
        .get("update_whole_yuan")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut figures = serde_json::Map::new();
    for f in FIGURES {
        let name = format!("economics.{f}");
        match values.get(&name).and_then(|v| parse_typed_yuan(v)) {
            Some(n) => {
                figures.insert(f.to_owned(), n.into());
            }
            None => {
                errors.insert(name, whole_yuan.clone());
            }
        }
    }
    Ok(figures)
}

/// An API refusal beside the form's fields: the API names figures without the
/// `economics.` the form uses.
fn figure_errors(err: &ApiError, errors: &mut BTreeMap<String, String>) {
    let mut found = BTreeMap::new();
    errors_of(err, &mut found);
    for (name, message) in found {
        let name = if FIGURES.contains(&name.as_str()) {
            format!("economics.{name}")
        } else {
            name
        };
        errors.insert(name, message);
    }
}

/// What the what-if takes from the record: the field and the linked patents.
fn preview_product(product: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "field": product.get("field").cloned().unwrap_or_default(),
        "patents": product.get("patents").and_then(|p| p.as_array()).map(|patents| {
            patents.iter().map(|p| serde_json::json!({
                "number": p.get("number"), "core": p.get("core"),
                "contribution_pct": p.get("contribution_pct"), "legal_status": p.get("legal_status"),
            })).collect::<Vec<_>>()
        }).unwrap_or_default(),
    })
}

/// Puts the figures at the version the form was rendered from, then the opt-in if it
/// changed, at the version the figures left.
async fn save(
    caller: &Caller<'_>,
    update: &Update<'_>,
    mut figures: serde_json::Map<String, serde_json::Value>,
    opt_in: bool,
) -> Result<(), ApiError> {
    figures.insert("version".to_owned(), update.version.into());
    let updated = caller
        .json(
            Method::Put,
            &format!("{}/years/{}", update.path, update.year),
            Some(Body::Json(serde_json::Value::Object(figures).to_string())),
            &[],
        )
        .await?;
    if opt_in != update.opted {
        let body =
            serde_json::json!({"opt_in": opt_in, "version": stored_version(&updated)}).to_string();
        caller
            .call(
                Method::Put,
                &format!("{}/opt-in", update.path),
                Some(Body::Json(body)),
                &[],
            )
            .await?;
    }
    Ok(())
}
