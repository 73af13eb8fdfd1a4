//! Pages the Worker renders: the enterprise's side of the site (registration,
//! sign-in, the filing form, the list of filings and products, a product's annual
//! update), the certificate check and a regional office's port application, in Chinese (`/enterprise/…`) and English
//! (`/en/enterprise/…`). They are plain HTML forms: they work without JavaScript; the
//! wasm client (`ppr-form`, loaded by `/form.js`) only makes them instant.
//!
//! A page is a thin adapter over the API: what a form posts is turned into the API's
//! JSON and sent through the same dispatch as any API request ([`call`]), so the
//! rules, the checks, the idempotency and the audit trail are exactly the API's. Its
//! answer comes back as the same page, each error beside the field it names, with
//! everything typed kept.
//!
//! The templates are the site's (`site/templates/`, the same layout as the static
//! pages), embedded here and rendered with minijinja.

mod certificate;
mod enterprise;
mod filing;
mod filings;
mod open_data;
mod port_application;
mod register;
mod registry;
mod signin;
mod site;
mod sitemap;
mod update;

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use ppr_core::text::escape_html;
use worker::{FormData, Headers, Method, Request, RequestInit, Response};

use crate::auth::{self, Principal};
use crate::clock;
use crate::config::Config;
use crate::ctx::{Ctx, percent_decode};
use crate::error::ApiError;
use crate::http::{Reply, page_headers};
use crate::routes;

/// The site's interface strings, converted from `site/content/i18n.toml` at build time.
const STRINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/i18n.json"));

/// The templates these pages use, from the site's set.
const TEMPLATES: [(&str, &str); 20] = [
    (
        "base.html",
        include_str!("../../../../site/templates/base.html"),
    ),
    (
        "form_macros.html",
        include_str!("../../../../site/templates/form_macros.html"),
    ),
    (
        "signin.html",
        include_str!("../../../../site/templates/signin.html"),
    ),
    (
        "register.html",
        include_str!("../../../../site/templates/register.html"),
    ),
    (
        "filing.html",
        include_str!("../../../../site/templates/filing.html"),
    ),
    (
        "filings.html",
        include_str!("../../../../site/templates/filings.html"),
    ),
    (
        "update.html",
        include_str!("../../../../site/templates/update.html"),
    ),
    (
        "certificate.html",
        include_str!("../../../../site/templates/certificate.html"),
    ),
    (
        "port_application.html",
        include_str!("../../../../site/templates/port_application.html"),
    ),
    (
        "macros.html",
        include_str!("../../../../site/templates/macros.html"),
    ),
    (
        "product.html",
        include_str!("../../../../site/templates/product.html"),
    ),
    (
        "products.html",
        include_str!("../../../../site/templates/products.html"),
    ),
    (
        "enterprise.html",
        include_str!("../../../../site/templates/enterprise.html"),
    ),
    (
        "patent.html",
        include_str!("../../../../site/templates/patent.html"),
    ),
    (
        "rounds.html",
        include_str!("../../../../site/templates/rounds.html"),
    ),
    (
        "round.html",
        include_str!("../../../../site/templates/round.html"),
    ),
    (
        "not_found.html",
        include_str!("../../../../site/templates/not_found.html"),
    ),
    (
        "error.html",
        include_str!("../../../../site/templates/error.html"),
    ),
    (
        "statistics.html",
        include_str!("../../../../site/templates/statistics.html"),
    ),
    (
        "chart.html",
        include_str!("../../../../site/templates/chart.html"),
    ),
];

/// Largest form post accepted: a 10 MiB document and the fields around it.
pub const MAX_FORM_BYTES: usize = 11 * 1024 * 1024;

/// A page the Worker renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `enterprise/signin/`.
    SignIn,
    /// `enterprise/register/`.
    Register,
    /// `enterprise/filing/`.
    Filing,
    /// `enterprise/filings/`: the filings and the products.
    Filings,
    /// `enterprise/products/{number}/update/`: the annual update of a product.
    AnnualUpdate(String),
    /// `certificates/{code}/`: whether a certificate is genuine.
    Certificate(String),
    /// `port/apply/`: a regional office applies for its management port.
    PortApplication,
    /// A page of the public registry (a product, a listing, the search, …).
    Registry(registry::Page),
}

/// The language of a page: 0 Chinese (the root), 1 English (`/en/`).
pub type Lang = usize;

/// The page at `path`, if it is one.
#[must_use]
pub fn resolve(path: &str) -> Option<(Page, Lang)> {
    let (lang, rest) = match path.strip_prefix("/en") {
        Some(rest) if rest.starts_with('/') => (1, rest),
        _ => (0, path),
    };
    let segments: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let page = match segments.as_slice() {
        ["enterprise", "signin"] => Page::SignIn,
        ["enterprise", "register"] => Page::Register,
        ["enterprise", "filing"] => Page::Filing,
        ["enterprise", "filings"] => Page::Filings,
        ["enterprise", "products", number, "update"] if !number.is_empty() => {
            Page::AnnualUpdate(percent_decode(number))
        }
        ["certificates", code] if !code.is_empty() => Page::Certificate(percent_decode(code)),
        ["port", "apply"] => Page::PortApplication,
        segments => Page::Registry(registry::resolve(segments)?),
    };
    Some((page, lang))
}

/// The root of a language's pages.
#[must_use]
pub fn root(lang: Lang) -> &'static str {
    if lang == 0 { "/" } else { "/en/" }
}

/// Answers a request outside the API: a page, the site's lookup, or the site's 404
/// page.
///
/// # Errors
///
/// Only if the runtime cannot build a response; failures are pages.
pub async fn handle(
    req: Request,
    config: &Config,
    path: &str,
    method: &str,
) -> worker::Result<Response> {
    if let Some(rest) = path.strip_prefix("/open-data/") {
        return open_data_file(&req, config, rest, method).await;
    }
    if method == "GET" && (path == "/sitemap.xml" || path.starts_with("/sitemaps/")) {
        return match sitemap::handle(&req, config, path).await {
            Ok(Some(response)) => Ok(response),
            Ok(None) => site::not_found_page(config).await,
            Err(err) => failed(&err, &req, config),
        };
    }
    let Some((page, lang)) = resolve(path) else {
        if path == "/lookup" && method == "GET" {
            return match site::lookup(&Ctx::new(&req, config)).await {
                Ok(response) => Ok(response),
                Err(err) => failed(&err, &req, config),
            };
        }
        return site::not_found_page(config).await;
    };
    let now = clock::request_now(&req, config);
    let origin = crate::http::origin_of(&req);
    if method != "GET" && method != "HEAD" && sent_from_another_site(&req) {
        let message = if lang == 0 {
            "这个表单是从其他网站提交的，没有执行。请在本站打开页面后重新提交。"
        } else {
            "This form was sent from another site and was not acted on. Open the page on this site and send it again."
        };
        let refused = ApiError::forbidden("cross_site_form", message);
        return error_page(&refused, lang, path, &origin, now);
    }
    let result = match page {
        Page::SignIn => signin::handle(req, config, lang, now).await,
        Page::Register => register::handle(req, config, lang, now).await,
        Page::Filing => filing::handle(req, config, lang, now).await,
        Page::Filings => filings::list(req, config, lang, now).await,
        Page::AnnualUpdate(number) => update::handle(req, config, lang, now, &number).await,
        Page::Certificate(code) => certificate::handle(&req, config, lang, now, &code).await,
        Page::PortApplication => port_application::handle(req, config, lang, now).await,
        Page::Registry(page) => {
            if method != "GET" {
                let refused = ApiError::method_not_allowed(method, path, "GET, HEAD".to_owned());
                return error_page(&refused, lang, path, &origin, now);
            }
            registry::handle(&req, config, lang, now, page).await
        }
    };
    match result {
        Ok(response) => Ok(response),
        Err(err) => error_page(&err, lang, path, &origin, now),
    }
}

/// Whether a form post came from another site, as the browser says: by
/// `Sec-Fetch-Site` where it sends one, else by `Origin`. A post that names neither
/// comes from no browser page, so no other site can have made a visitor send it.
/// Every page that takes a post (sign-in included) is behind this check, so another
/// site can neither act in a visitor's session nor sign them in to its own account.
fn sent_from_another_site(req: &Request) -> bool {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    cross_site(
        header("sec-fetch-site").as_deref(),
        header("origin").as_deref(),
        &crate::http::origin_of(req),
    )
}

/// [`sent_from_another_site`] on the headers' values and this site's origin.
fn cross_site(sec_fetch_site: Option<&str>, origin: Option<&str>, own_origin: &str) -> bool {
    match (sec_fetch_site, origin) {
        (Some(site), _) => !matches!(site, "same-origin" | "none"),
        (None, Some(origin)) => origin != own_origin,
        (None, None) => false,
    }
}

/// The template environment, compiled once per isolate.
static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();

/// The interface strings of both languages, parsed once per isolate.
static STRING_VALUES: OnceLock<[Value; 2]> = OnceLock::new();

fn environment() -> Result<&'static Environment<'static>, ApiError> {
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let env = compile()?;
    Ok(ENVIRONMENT.get_or_init(|| env))
}

/// The strings of `lang` as a template value.
fn string_value(lang: Lang) -> Result<Value, ApiError> {
    if STRING_VALUES.get().is_none() {
        let values = [
            Value::from_serialize(strings(0)?),
            Value::from_serialize(strings(1)?),
        ];
        let _ = STRING_VALUES.set(values);
    }
    Ok(STRING_VALUES
        .get()
        .and_then(|v| v.get(lang.min(1)).cloned())
        .unwrap_or_default())
}

/// `/open-data/…` that no static file matched: a day's file, a moved file, or the 404
/// page.
async fn open_data_file(
    req: &Request,
    config: &Config,
    rest: &str,
    method: &str,
) -> worker::Result<Response> {
    let segments: Vec<&str> = rest.split('/').collect();
    if let [file] = segments.as_slice()
        && let Some(location) = open_data::moved(file)
    {
        return redirect(301, location);
    }
    if method != "GET" {
        let refused = ApiError::method_not_allowed(method, rest, "GET, HEAD".to_owned());
        return failed(&refused, req, config);
    }
    if let [day, file] = segments.as_slice() {
        match open_data::handle(req, config, day, file).await {
            Ok(Some(response)) => return Ok(response),
            Ok(None) => {}
            Err(err) => return failed(&err, req, config),
        }
    }
    site::not_found_page(config).await
}

fn compile() -> Result<Environment<'static>, ApiError> {
    let mut config = Environment::new();
    config.set_undefined_behavior(UndefinedBehavior::Strict);
    config.set_auto_escape_callback(|_| AutoEscape::Html);
    // The site's escaping (no `&#x2f;` in every URL), so both render the same bytes.
    config.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Html
            && !value.is_safe()
            && let Some(text) = value.as_str()
        {
            return out
                .write_str(&escape_html(text))
                .map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    config.set_trim_blocks(true);
    config.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        config
            .add_template(name, source)
            .map_err(|e| ApiError::internal_cause("page template", &e))?;
    }
    Ok(config)
}

/// The interface strings of `lang`.
fn strings(lang: Lang) -> Result<&'static serde_json::Value, ApiError> {
    static PARSED: OnceLock<serde_json::Value> = OnceLock::new();
    let all = match PARSED.get() {
        Some(all) => all,
        None => {
            let parsed: serde_json::Value = serde_json::from_str(STRINGS)
                .map_err(|e| ApiError::internal_cause("strings", &e))?;
            PARSED.get_or_init(|| parsed)
        }
    };
    Ok(all
        .get(if lang == 0 { "zh" } else { "en" })
        .unwrap_or(&serde_json::Value::Null))
}

/// Where a page is: its language, its path under the language's root, and the
/// site's origin (for the absolute addresses of `hreflang` and print).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The page's language.
    pub lang: Lang,
    /// Its path under the language's root, e.g. `products/PR…/`.
    pub path: &'a str,
    /// The origin requests reach the site at, e.g. `https://example.cn`.
    pub origin: &'a str,
}

/// Renders `template` with the layout's context and `extra`, as HTML.
fn render_html(
    template: &str,
    place: Place<'_>,
    now: DateTime<Utc>,
    extra: Value,
) -> Result<String, ApiError> {
    let lang = place.lang;
    let other = 1 - lang.min(1);
    let taken_at = clock::stamp(now);
    let base = context! {
        lang => if lang == 0 { "zh" } else { "en" },
        t => string_value(lang)?,
        root => root(lang),
        path => place.path,
        origin => place.origin,
        other => context! {
            lang => if other == 0 { "zh" } else { "en" },
            t => string_value(other)?,
            root => root(other),
        },
        date_as_of => taken_at.get(0..10).unwrap_or_default(),
        taken_at => taken_at,
        request_id => crate::observe::current_id(),
    };
    environment()?
        .get_template(template)
        .and_then(|t| t.render(context! { ..base, ..extra }))
        .map_err(|e| ApiError::internal_cause("render page", &format!("{e:#}")))
}

/// Renders `template` with the layout's context and `extra`, as the response to `req`.
fn render(
    req: &Request,
    template: &str,
    status: u16,
    lang: Lang,
    path: &str,
    now: DateTime<Utc>,
    extra: Value,
) -> Result<Response, ApiError> {
    let origin = crate::http::origin_of(req);
    let place = Place {
        lang,
        path,
        origin: &origin,
    };
    let html = render_html(template, place, now, extra)?;
    let headers = page_headers()?;
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::from_html(html)?
        .with_status(status)
        .with_headers(headers))
}

/// A failure outside the pages that have a language (the open-data files, the
/// sitemaps, the lookup) as the Chinese error page.
fn failed(err: &ApiError, req: &Request, config: &Config) -> worker::Result<Response> {
    let origin = crate::http::origin_of(req);
    let path = req.path();
    error_page(err, 0, &path, &origin, clock::request_now(req, config))
}

/// A failure as a page in the site's layout and the page's language: what happened,
/// by its status, and what to do next (sign in after a 401 or 403; the home page, the
/// search and the FAQ always), with the request id to quote. The error's own message
/// is shown where it is in the page's language (every message of an English page; on
/// a Chinese page, one written in Chinese). A 500 says nothing internal.
fn error_page(
    err: &ApiError,
    lang: Lang,
    path: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> worker::Result<Response> {
    crate::observe::note_error(err.code);
    let key = match err.status {
        400 | 401 | 403 | 404 | 405 | 409 | 413 | 422 | 429 | 500 | 503 => err.status.to_string(),
        _ => "other".to_owned(),
    };
    let in_language = lang == 1 || !err.message.is_ascii();
    let detail = (err.status != 500 && in_language).then_some(err.message.as_str());
    let place = Place {
        lang,
        path: path.strip_prefix(root(lang)).unwrap_or_default(),
        origin,
    };
    let extra = context! {
        key => key,
        detail => detail,
        sign_in => matches!(err.status, 401 | 403),
    };
    let headers = page_headers()?;
    headers.set("content-type", "text/html; charset=utf-8")?;
    for (name, value) in &err.headers {
        headers.set(name, value)?;
    }
    let body =
        render_html("error.html", place, now, extra).unwrap_or_else(|_| bare_error(err, lang));
    Ok(Response::from_html(body)?
        .with_status(err.status)
        .with_headers(headers))
}

/// The error page without the layout, should the template ever fail to render.
fn bare_error(err: &ApiError, lang: Lang) -> String {
    let request = crate::observe::current_id().map_or_else(String::new, |id| {
        format!(
            "<p class=\"muted\">{}: <code>{}</code></p>",
            if lang == 0 {
                "请求编号"
            } else {
                "Request ID"
            },
            escape_html(&id)
        )
    });
    format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>{}</title><link rel=\"stylesheet\" href=\"/style.css\"><main id=\"main\"><h1>{}</h1>{request}<p><a href=\"{}\">←</a></p></main></html>",
        if lang == 0 { "zh-CN" } else { "en" },
        err.status,
        err.status,
        root(lang)
    )
}

/// A redirect (`status` 301 or 302) to `location`, a path of this site.
fn redirect(status: u16, location: &str) -> worker::Result<Response> {
    let headers = page_headers()?;
    headers.set("location", location)?;
    Ok(Response::empty()?.with_status(status).with_headers(headers))
}

/// A 303 to `location` (a path of this site), with extra headers (a session cookie).
fn see_other(location: &str, extra: &[(&str, String)]) -> Result<Response, ApiError> {
    let headers = page_headers()?;
    headers.set("location", location)?;
    for (name, value) in extra {
        headers.append(name, value)?;
    }
    Ok(Response::empty()?.with_status(303).with_headers(headers))
}

/// The signed-in enterprise user of a page request, or a redirect to sign in.
async fn enterprise_user(
    req: &Request,
    config: &Config,
    lang: Lang,
    back_to: &str,
) -> Result<Result<Principal, Response>, ApiError> {
    let principal = auth::authenticate(req, &config.db, &clock::stamp(clock::now())).await?;
    match principal {
        Some(p) if p.role == ppr_core::Role::Enterprise => Ok(Ok(p)),
        Some(_) => Err(ApiError::forbidden(
            "not_enterprise",
            strings(lang)?
                .get("staff_only_enterprises")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("enterprise users only")
                .to_owned(),
        )),
        None => Ok(Err(see_other(
            &format!("{}enterprise/signin/?next={back_to}", root(lang)),
            &[],
        )?)),
    }
}

/// A form a signed-in user posted, within [`MAX_FORM_BYTES`], its CSRF token checked.
///
/// # Errors
///
/// 413 over the limit; 403 `csrf_failed` for a stale or foreign form.
async fn posted_form(req: &mut Request, principal: &Principal) -> Result<FormData, ApiError> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_FORM_BYTES) {
        return Err(ApiError::payload_too_large(MAX_FORM_BYTES));
    }
    let form = req.form_data().await?;
    let token = form.get_field("csrf_token").unwrap_or_default();
    if !auth::constant_time_eq(&token, &principal.csrf_token) {
        return Err(ApiError::forbidden(
            "csrf_failed",
            "this form is stale or came from elsewhere; open it again",
        ));
    }
    Ok(form)
}

/// The `Idempotency-Key` header of a form's post (its hidden `idempotency_key`), none
/// when the form sent none.
#[must_use]
pub fn idempotency_header(key: &str) -> Vec<(&'static str, &str)> {
    if key.is_empty() {
        Vec::new()
    } else {
        vec![("idempotency-key", key)]
    }
}

/// A body for [`call`].
#[derive(Debug)]
pub enum Body {
    /// JSON text.
    Json(String),
    /// Raw bytes of a media type (an upload).
    Bytes(Vec<u8>, String),
}

/// Who calls the API on a page's behalf: the page request (its cookie and address go
/// along) and, once known, the signed-in user (whose CSRF token goes along).
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The page request.
    pub req: &'a Request,
    /// The Worker's configuration.
    pub config: &'a Config,
    /// The request's business clock.
    pub now: DateTime<Utc>,
    /// The signed-in user.
    pub principal: Option<&'a Principal>,
}

impl<'a> Caller<'a> {
    /// A caller for the page request `req`, signed in as `principal` if any.
    #[must_use]
    pub fn new(
        req: &'a Request,
        config: &'a Config,
        now: DateTime<Utc>,
        principal: Option<&'a Principal>,
    ) -> Self {
        Self {
            req,
            config,
            now,
            principal,
        }
    }

    /// Sends an API request through the Worker's own dispatch: the same routes,
    /// rules and checks as any client's request.
    ///
    /// # Errors
    ///
    /// The API's own error; 500 for a path that is no API route (a bug, logged).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        extra_headers: &[(&str, &str)],
    ) -> Result<Reply, ApiError> {
        let headers = Headers::new();
        for name in ["cookie", "cf-connecting-ip"] {
            if let Some(value) = self.req.headers().get(name).ok().flatten() {
                headers.set(name, &value)?;
            }
        }
        if let Some(p) = self.principal {
            headers.set(auth::CSRF_HEADER, &p.csrf_token)?;
        }
        for (name, value) in extra_headers {
            headers.set(name, value)?;
        }
        let mut init = RequestInit::new();
        match body {
            Some(Body::Json(text)) => {
                headers.set("content-type", "application/json")?;
                init.with_body(Some(text.into()));
            }
            Some(Body::Bytes(bytes, media)) => {
                headers.set("content-type", &media)?;
                let array = worker::js_sys::Uint8Array::from(bytes.as_slice());
                init.with_body(Some(array.into()));
            }
            None => {}
        }
        init.with_method(method.clone()).with_headers(headers);
        let req = Request::new_with_init(&format!("https://pages.internal{path}"), &init)?;
        let route_path = path.split('?').next().unwrap_or(path);
        let matched = routes::resolve(method.as_ref(), route_path)
            .map_err(|_| ApiError::internal_cause("page call", &route_path))?;
        let ctx = Ctx {
            req: &req,
            config: self.config,
            now: self.now,
            stamp: clock::stamp(self.now),
            params: matched.params,
        };
        (matched.operation.run)(&ctx).await
    }

    /// [`Self::call`], its JSON answer.
    ///
    /// # Errors
    ///
    /// As [`Self::call`]; 500 when the answer is not JSON (a bug, logged).
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        extra_headers: &[(&str, &str)],
    ) -> Result<serde_json::Value, ApiError> {
        let reply = self.call(method, path, body, extra_headers).await?;
        serde_json::from_slice(&reply.body).map_err(|e| ApiError::internal_cause("page call", &e))
    }
}

/// The form's errors from an API refusal: each field at fault beside its field (the
/// API's paths are the forms' names, a filing's under `data.`), the message of a
/// refusal that names no field at the top (`form`).
pub fn errors_of(err: &ApiError, errors: &mut std::collections::BTreeMap<String, String>) {
    if err.fields.is_empty() {
        errors.insert("form".to_owned(), err.message.clone());
    }
    for f in &err.fields {
        let name = f.field.strip_prefix("data.").unwrap_or(&f.field);
        errors.insert(name.to_owned(), f.message.clone());
    }
}

/// JSON for a `<script type="application/json">`: `<`, `>` and `&` as escapes, so
/// nothing in it can end the script.
#[must_use]
pub fn script_json(value: &serde_json::Value) -> Value {
    let text = value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Value::from_safe_string(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_resolve_in_both_languages() {
        assert_eq!(resolve("/enterprise/filing/"), Some((Page::Filing, 0)));
        assert_eq!(resolve("/en/enterprise/filing"), Some((Page::Filing, 1)));
        assert_eq!(resolve("/en/enterprise/signin/"), Some((Page::SignIn, 1)));
        assert_eq!(resolve("/enterprise/filings/"), Some((Page::Filings, 0)));
        assert_eq!(resolve("/enterprise/other/"), None);
        assert_eq!(resolve("/english/enterprise/filing/"), None);
        assert_eq!(
            resolve("/en/enterprise/products/PR2026-44-000123-X/update/"),
            Some((Page::AnnualUpdate("PR2026-44-000123-X".into()), 1))
        );
        assert_eq!(
            resolve("/certificates/pi2026%2D7kqm/"),
            Some((Page::Certificate("pi2026-7kqm".into()), 0))
        );
        assert_eq!(resolve("/certificates/"), None);
    }

    #[test]
    fn the_templates_compile_and_the_strings_parse() {
        if let Err(err) = environment() {
            panic!("{}", err.detail());
        }
        assert!(strings(0).is_ok_and(|s| s.get("filing_title").is_some()));
        assert!(strings(1).is_ok_and(|s| s.get("filing_title").is_some()));
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = serde_json::json!({"a": "</script><b>&"});
        let text = script_json(&v).to_string();
        assert!(!text.contains('<') && !text.contains('&'), "{text}");
    }

    #[test]
    fn a_post_from_another_site_is_told_apart() {
        let here = "https://registry.example.cn";
        assert!(!cross_site(Some("same-origin"), Some(here), here));
        assert!(!cross_site(Some("none"), None, here));
        assert!(
            cross_site(Some("cross-site"), Some(here), here),
            "the browser's word wins"
        );
        assert!(
            cross_site(Some("same-site"), None, here),
            "a sibling subdomain is another site"
        );
        assert!(!cross_site(None, Some(here), here));
        assert!(cross_site(None, Some("https://evil.example"), here));
        assert!(cross_site(None, Some("null"), here), "a sandboxed frame");
        assert!(!cross_site(None, None, here), "no browser page sent it");
    }
}
