//! Work done on the JavaScript side in one call where the runtime's bindings would
//! cross between wasm and JavaScript many times. Every crossing copies and converts
//! its values, and on the public reads they were a large part of the Worker's own
//! time (see `scripts/bench/README.md`):
//! - a D1 row read through `serde_wasm_bindgen` costs a crossing per column and
//!   per string; here D1's rows come over as one JSON text that `serde_json` reads;
//! - an answer's headers were set one call (two strings) each; here they go over as
//!   one text;
//! - a `worker::Response` with a body becomes the runtime's in four calls; here in
//!   one;
//! - a request's method, `cf-ray` and URL come over in one call, and its answer's
//!   `x-request-id` and log line go over in one;
//! - `worker::Request` reads the request's `cf` object, which the runtime builds
//!   afresh on every read; the Worker never uses it, so it is hidden first.
//!
//! The JavaScript is small, has no state, and is bundled with the Worker.

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::{self, Promise};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{D1PreparedStatement, web_sys};

#[wasm_bindgen(inline_js = r#"
export function firstRowJson(statement) {
  return statement.first().then((row) => (row === null ? null : JSON.stringify(row)));
}
export function rowsJson(statement) {
  return statement.all().then((result) => JSON.stringify(result.results ?? []));
}
export function hideCf(request) {
  try {
    Object.defineProperty(request, "cf", { value: undefined });
  } catch {}
}
export function respond(body, status, headers) {
  return new Response(body.length === 0 ? null : body.slice(), { status, headers });
}
export function facts(request) {
  return `${request.method}\n${request.headers.get("cf-ray") ?? ""}\n${request.url}`;
}
export function finish(response, id, line) {
  try {
    response.headers.set("x-request-id", id);
  } catch {}
  console.log(line);
}
export function headersOf(lines) {
  const headers = new Headers();
  for (const line of lines.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 1));
  }
  return headers;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = firstRowJson)]
    fn first_row_json(statement: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = rowsJson)]
    fn rows_json(statement: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = hideCf)]
    fn hide_cf(request: &web_sys::Request);
    #[wasm_bindgen(js_name = respond)]
    fn respond(body: &[u8], status: u16, headers: &web_sys::Headers) -> web_sys::Response;
    #[wasm_bindgen(js_name = facts)]
    fn facts(request: &web_sys::Request) -> String;
    #[wasm_bindgen(js_name = finish)]
    fn finish(response: &web_sys::Response, id: &str, line: &str);
    #[wasm_bindgen(js_name = headersOf)]
    fn headers_of(lines: &str) -> web_sys::Headers;
}

/// The first row of `statement`, if any.
///
/// # Errors
///
/// D1 failed, or the row does not fit `T`.
pub async fn first_row<T: DeserializeOwned>(
    statement: &D1PreparedStatement,
) -> worker::Result<Option<T>> {
    let text = JsFuture::from(first_row_json(statement.inner()))
        .await
        .map_err(d1_error)?;
    match text.as_string() {
        Some(text) => parse(&text).map(Some),
        None => Ok(None),
    }
}

/// Every row of `statement`.
///
/// # Errors
///
/// D1 failed, or a row does not fit `T`.
pub async fn rows<T: DeserializeOwned>(statement: &D1PreparedStatement) -> worker::Result<Vec<T>> {
    let text = JsFuture::from(rows_json(statement.inner()))
        .await
        .map_err(d1_error)?;
    parse(&text.as_string().unwrap_or_default())
}

/// A `Headers` object holding `headers` in order (appended, so a name may repeat).
/// Names and values are the Worker's own: no line breaks, no colon in a name.
#[must_use]
pub fn headers(headers: &[(&str, &str)]) -> worker::Headers {
    let mut lines = String::with_capacity(headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum());
    for (name, value) in headers {
        lines.push_str(name);
        lines.push(':');
        lines.push_str(value);
        lines.push('\n');
    }
    worker::Headers(headers_of(&lines))
}

/// `request` as a `worker::Request`, without reading its `cf` object (which the
/// Worker never uses).
#[must_use]
pub fn request(request: web_sys::Request) -> worker::Request {
    hide_cf(&request);
    worker::Request::from(request)
}

/// What the log needs of `request`: its method, its `cf-ray` (if any) and its URL.
#[must_use]
pub fn request_facts(request: &web_sys::Request) -> (String, Option<String>, String) {
    let text = facts(request);
    let mut parts = text.splitn(3, '\n');
    let method = parts.next().unwrap_or_default().to_owned();
    let ray = parts.next().filter(|r| !r.is_empty()).map(str::to_owned);
    let url = parts.next().unwrap_or_default().to_owned();
    (method, ray, url)
}

/// Sets `response`'s `x-request-id` to `id` (unless its headers cannot change: a
/// file passed through from the static assets) and writes `line` to the log.
pub fn finish_request(response: &web_sys::Response, id: &str, line: &str) {
    finish(response, id, line);
}

/// `response` as the runtime's own.
#[must_use]
pub fn response(response: worker::Response) -> web_sys::Response {
    match response.body() {
        worker::ResponseBody::Body(bytes) => {
            respond(bytes, response.status_code(), &response.headers().0)
        }
        _ => response.into(),
    }
}

/// Rows as D1 gave them, as JSON, read into `T`.
fn parse<T: DeserializeOwned>(text: &str) -> worker::Result<T> {
    serde_json::from_str(text).map_err(|e| worker::Error::RustError(format!("D1 row: {e}")))
}

/// D1's rejection as an error that says what D1 said.
fn d1_error(rejection: JsValue) -> worker::Error {
    let message = rejection
        .dyn_ref::<js_sys::Error>()
        .map_or_else(|| format!("{rejection:?}"), |e| String::from(e.message()));
    worker::Error::RustError(format!("D1: {message}"))
}
