//! Dispatch: match the route, run its handler, and turn every outcome into a response.
//! Failures of any kind become the error envelope here, in one place.

use chrono::{DateTime, Utc};
use worker::{D1Database, Env, Request, Response};

use crate::auth::{self, Principal};
use crate::body::{MAX_BODY_BYTES, read_limited};
use crate::clock;
use crate::error::ApiError;
use crate::handlers::{
    documents, enterprises, evaluations, filings, health, methodologies, objections, openapi,
    patents, port_applications, port_data, ports, products, public, review, round_stages, rounds,
    sessions, settings, site, staff, transactions, validate, verifications, webhook_deliveries,
    webhook_endpoints,
};
use crate::http::{Reply, error_response, options_response, reply_response};
use crate::pages;
use crate::repo::DB_BINDING;
use crate::routes::{self, Route, RouteMiss};

/// What every handler may use: the request, the bindings, and one reading of the clock.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The request.
    pub req: &'a Request,
    /// The Worker's bindings.
    pub env: &'a Env,
    /// Now on the business calendar, read once per request ([`clock::request_now`]).
    pub now: DateTime<Utc>,
    /// Now, as stored.
    pub stamp: String,
    /// Path parameters of the matched route, in template order.
    pub params: Vec<(&'static str, String)>,
}

impl Ctx<'_> {
    /// The database.
    ///
    /// # Errors
    ///
    /// The binding is missing (a deployment error, logged).
    pub fn db(&self) -> Result<D1Database, ApiError> {
        self.env
            .d1(DB_BINDING)
            .map_err(|e| ApiError::internal_cause("D1 binding", &e))
    }

    /// A path parameter, percent-decoded.
    ///
    /// # Errors
    ///
    /// 500 if the route has no such parameter (a bug in the route table).
    pub fn param(&self, name: &str) -> Result<String, ApiError> {
        let raw = self
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| ApiError::internal_cause("path parameter", &name))?;
        Ok(percent_decode(raw))
    }

    /// A numeric id path parameter; anything else is a 404 (`what` names the thing).
    ///
    /// # Errors
    ///
    /// 404 `{what}_not_found` when it is not a positive integer.
    pub fn id_param(&self, name: &str, code: &'static str) -> Result<i64, ApiError> {
        let raw = self.param(name)?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ApiError::missing(code, format!("nothing with id {raw} here")))
    }

    /// The query parameters, decoded, in order.
    #[must_use]
    pub fn query(&self) -> Vec<(String, String)> {
        self.req
            .url()
            .map(|url| {
                url.query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The row version the client read: the `If-Match` header (`"3"`, `3` or
    /// `W/"3"`), if sent.
    ///
    /// # Errors
    ///
    /// 400 `invalid_if_match` when it is not a version number.
    pub fn if_match(&self) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.req.headers().get("if-match").ok().flatten() else {
            return Ok(None);
        };
        let trimmed = value.trim();
        let bare = trimmed
            .strip_prefix("W/")
            .unwrap_or(trimmed)
            .trim_matches('"');
        bare.parse::<i64>().map(Some).map_err(|_| {
            ApiError::bad_header(
                "invalid_if_match",
                "If-Match must carry the version you read, as in If-Match: \"3\"",
            )
        })
    }

    /// The version an update was based on: `If-Match`, else the body's `version`.
    ///
    /// # Errors
    ///
    /// 400 for a malformed `If-Match`; 422 `version` required when neither was sent.
    pub fn required_version(&self, body_version: Option<i64>) -> Result<i64, ApiError> {
        self.if_match()?.or(body_version).ok_or_else(|| {
            ApiError::invalid_field(
                "version",
                "required",
                "send the version you read (If-Match or version)",
            )
        })
    }

    /// One query parameter, decoded, if given.
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The `limit` query parameter: 1 to `max`, `default` when absent.
    ///
    /// # Errors
    ///
    /// 422 `range` for anything else.
    pub fn page_limit(&self, default: i64, max: i64) -> Result<i64, ApiError> {
        match self.query_param("limit") {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid_field("limit", "range", format!("limit is 1 to {max}"))
                }),
        }
    }

    /// The `cursor` query parameter, a positive id, if given.
    ///
    /// # Errors
    ///
    /// 422 `invalid_cursor` for anything else.
    pub fn id_cursor(&self) -> Result<Option<i64>, ApiError> {
        self.query_param("cursor")
            .filter(|c| !c.trim().is_empty())
            .map(|text| {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| {
                        ApiError::invalid_field(
                            "cursor",
                            "invalid_cursor",
                            "pass next_cursor from the previous page as it is",
                        )
                    })
            })
            .transpose()
    }

    /// The signed-in user, if the request carries a live session.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn optional_principal(&self) -> Result<Option<Principal>, ApiError> {
        auth::authenticate(self.req, &self.db()?, &clock::stamp(clock::now())).await
    }

    /// The signed-in user, or 401.
    ///
    /// # Errors
    ///
    /// 401 without a live session; the database failed.
    pub async fn principal(&self) -> Result<Principal, ApiError> {
        self.optional_principal()
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// Answers one request.
///
/// # Errors
///
/// Only if the runtime cannot build a response object; handler failures are already
/// responses by then.
pub async fn handle(req: Request, env: &Env) -> worker::Result<Response> {
    // The method as sent: `Request::method` reads any method it does not know as GET.
    let method = req.inner().method().to_ascii_uppercase();
    let path = req.path();
    if method == "OPTIONS" {
        return match routes::allowed_methods(&path) {
            Some(allow) => options_response(&allow),
            None => error_response(&ApiError::not_found(&path)),
        };
    }
    let now = clock::request_now(&req, env);
    // HEAD is GET without a body; the runtime drops the body.
    let lookup = if method == "HEAD" { "GET" } else { &method };
    let matched = match routes::resolve(lookup, &path) {
        Ok(matched) => matched,
        // Outside the API: the enterprise's pages, the site's lookup, and its 404 page
        // for anything else.
        Err(RouteMiss::NotFound) if !path.starts_with("/api/") => {
            if let Some((page, lang)) = pages::resolve(&path) {
                return pages::handle(req, env, page, lang, now).await;
            }
            if path == "/lookup" && lookup == "GET" {
                let ctx = Ctx {
                    req: &req,
                    env,
                    now,
                    stamp: clock::stamp(now),
                    params: Vec::new(),
                };
                return match site::lookup(&ctx).await {
                    Ok(response) => Ok(response),
                    Err(err) => error_response(&err),
                };
            }
            return site::not_found_page(env).await;
        }
        Err(RouteMiss::NotFound) => return error_response(&ApiError::not_found(&path)),
        Err(RouteMiss::MethodNotAllowed { allow }) => {
            return error_response(&ApiError::method_not_allowed(&method, &path, allow));
        }
    };
    let ctx = Ctx {
        req: &req,
        env,
        now,
        stamp: clock::stamp(now),
        params: matched.params,
    };
    if let Err(err) = routes::check_query(lookup, matched.template, &ctx.query()) {
        return error_response(&err);
    }
    match dispatch(&ctx, matched.route).await {
        Ok(reply) => reply_response(reply),
        Err(err) => error_response(&err),
    }
}

/// Decodes `%XX` escapes (UTF-8); a malformed escape is kept as written.
pub(crate) fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs the handler of `route`.
///
/// # Errors
///
/// The handler's.
pub(crate) async fn dispatch(ctx: &Ctx<'_>, route: Route) -> Result<Reply, ApiError> {
    let body = || read_limited(ctx.req, MAX_BODY_BYTES);
    match route {
        Route::Health => health::get_health(ctx.env).await,
        Route::OpenApi => Ok(openapi::get_openapi()),
        Route::Validate => validate::post_validate(&body().await?, ctx.now.timestamp_millis()),
        Route::CreateEnterprise => enterprises::create_enterprise(ctx, &body().await?).await,
        Route::CreateSession => sessions::create_session(ctx, &body().await?).await,
        Route::GetSession => sessions::get_session(ctx).await,
        Route::DeleteSession => sessions::delete_session(ctx).await,
        Route::CreateStaff => staff::create_staff(ctx, &body().await?).await,
        Route::GetCommitment => verifications::get_commitment(),
        Route::GetEnterprise => public::get_enterprise(ctx).await,
        Route::ListVerifications => verifications::list_verifications(ctx).await,
        Route::CreateVerification => verifications::create_verification(ctx, &body().await?).await,
        Route::DecideVerification => verifications::decide_verification(ctx, &body().await?).await,
        Route::ListDocuments => documents::list_documents(ctx).await,
        Route::UploadDocument => documents::upload_document(ctx).await,
        Route::GetDocument => documents::get_document(ctx).await,
        Route::ListPatents => patents::list_patents(ctx).await,
        Route::CreatePatent => patents::create_patent(ctx, &body().await?).await,
        Route::UpdatePatent => patents::update_patent(ctx, &body().await?).await,
        Route::ImportPatentStatuses => patents::import_patent_statuses(ctx).await,
        Route::ListFilings => filings::list_filings(ctx).await,
        Route::CreateFiling => filings::create_filing(ctx, &body().await?).await,
        Route::GetFiling => filings::get_filing(ctx).await,
        Route::UpdateFiling => filings::update_filing(ctx, &body().await?).await,
        Route::SubmitFiling => filings::submit_filing(ctx).await,
        Route::DecideFiling => review::decide_filing(ctx, &body().await?).await,
        Route::GetReviewQueue => review::get_review_queue(ctx).await,
        Route::ListOwnProducts => products::list_own_products(ctx).await,
        Route::GetOwnProduct => products::get_own_product(ctx).await,
        Route::PutAnnualUpdate => products::put_annual_update(ctx, &body().await?).await,
        Route::PutOptIn => products::put_opt_in(ctx, &body().await?).await,
        Route::ConfirmRevocation => products::confirm_revocation(ctx).await,
        Route::ListTransactions => transactions::list_transactions(ctx).await,
        Route::ListAllTransactions => transactions::list_all_transactions(ctx).await,
        Route::ListProducts => public::list_products(ctx).await,
        Route::GetProduct => public::get_product(ctx).await,
        Route::GetPatentProducts => public::get_patent_products(ctx).await,
        Route::ListSettings => settings::list_settings(ctx).await,
        Route::PutSetting => settings::put_setting(ctx, &body().await?).await,
        Route::ListMethodologies => methodologies::list_methodologies(ctx).await,
        Route::CreateMethodology => methodologies::create_methodology(ctx, &body().await?).await,
        Route::ListRounds => rounds::list_rounds(ctx).await,
        Route::CreateRound => rounds::create_round(ctx, &body().await?).await,
        Route::GetRound => rounds::get_round(ctx).await,
        Route::UpdateRound => rounds::update_round(ctx, &body().await?).await,
        Route::AdvanceRound => round_stages::advance_round(ctx, &body().await?).await,
        Route::RerunRound => round_stages::rerun_round(ctx, &body().await?).await,
        Route::ResumeRound => round_stages::resume_round(ctx, &body().await?).await,
        Route::ListRoundEntries => evaluations::list_entries(ctx).await,
        Route::GetRoundList => evaluations::get_round_list(ctx).await,
        Route::GetRoundBenchmarks => evaluations::get_round_benchmarks(ctx).await,
        Route::ListObjections => objections::list_objections(ctx).await,
        Route::CreateObjection => objections::create_objection(ctx, &body().await?).await,
        Route::DecideObjection => objections::decide_objection(ctx, &body().await?).await,
        Route::ListEvaluations => evaluations::list_enterprise_evaluations(ctx).await,
        Route::PreviewEvaluation => evaluations::preview_evaluation(ctx, &body().await?).await,
        Route::GetCertificate => evaluations::get_certificate(ctx).await,
        Route::ExportProducts => public::export_products(ctx).await,
        Route::CreatePortApplication => {
            port_applications::create_application(ctx, &body().await?).await
        }
        Route::ListPortApplications => port_applications::list_applications(ctx).await,
        Route::GetPortApplication => port_applications::get_application(ctx).await,
        Route::DecidePortApplication => {
            port_applications::decide_application(ctx, &body().await?).await
        }
        Route::GetPort => ports::get_port(ctx).await,
        Route::CreatePortToken => ports::create_token(ctx, &body().await?).await,
        Route::RevokePortToken => ports::revoke_token(ctx).await,
        Route::ListPortEnterprises => port_data::list_enterprises(ctx).await,
        Route::ListPortProducts => port_data::list_products(ctx).await,
        Route::GetPortStatistics => port_data::get_statistics(ctx).await,
        Route::GetDemonstrations => ports::get_demonstrations(ctx).await,
        Route::PutDemonstrations => ports::put_demonstrations(ctx, &body().await?).await,
        Route::ListReports => port_data::list_reports(ctx).await,
        Route::GetReport => port_data::get_report(ctx).await,
        Route::ListWebhooks => webhook_endpoints::list_endpoints(ctx).await,
        Route::CreateWebhook => webhook_endpoints::create_endpoint(ctx, &body().await?).await,
        Route::GetWebhook => webhook_endpoints::get_endpoint(ctx).await,
        Route::UpdateWebhook => webhook_endpoints::update_endpoint(ctx, &body().await?).await,
        Route::DeleteWebhook => webhook_endpoints::delete_endpoint(ctx).await,
        Route::RotateWebhookSecret => webhook_endpoints::rotate_secret(ctx).await,
        Route::PauseWebhook => webhook_endpoints::pause_endpoint(ctx).await,
        Route::ResumeWebhook => webhook_endpoints::resume_endpoint(ctx).await,
        Route::TestWebhook => webhook_endpoints::test_endpoint(ctx).await,
        Route::ListWebhookDeliveries => webhook_deliveries::list_deliveries(ctx).await,
        Route::GetWebhookDelivery => webhook_deliveries::get_delivery(ctx).await,
        Route::RedeliverWebhook => webhook_deliveries::redeliver(ctx).await,
        Route::GetAccessLog => ports::get_access_log(ctx).await,
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn path_parameters_are_decoded() {
        assert_eq!(percent_decode("PR2026-44-000123-X"), "PR2026-44-000123-X");
        assert_eq!(percent_decode("%E7%94%B5%E6%B1%A0"), "电池");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }
}
