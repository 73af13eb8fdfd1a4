//! The route table: every operation the API offers, and the pure matching of a method
//! and path against it. `openapi.json` must describe exactly these routes; a unit test
//! below and an integration test over HTTP hold the two together.

use crate::error::ApiError;

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/v1/health`.
    Health,
    /// `POST /api/v1/validate`.
    Validate,
    /// `GET /api/v1/openapi.json`.
    OpenApi,
    /// `POST /api/v1/enterprises`.
    CreateEnterprise,
    /// `POST /api/v1/sessions`.
    CreateSession,
    /// `GET /api/v1/sessions/current`.
    GetSession,
    /// `DELETE /api/v1/sessions/current`.
    DeleteSession,
    /// `POST /api/v1/staff`.
    CreateStaff,
    /// `GET /api/v1/integrity-commitment`.
    GetCommitment,
    /// `GET /api/v1/enterprises/{uscc}`.
    GetEnterprise,
    /// `GET /api/v1/enterprises/{uscc}/verifications`.
    ListVerifications,
    /// `POST /api/v1/enterprises/{uscc}/verifications`.
    CreateVerification,
    /// `POST /api/v1/verifications/{id}/decision`.
    DecideVerification,
    /// `GET /api/v1/enterprises/{uscc}/documents`.
    ListDocuments,
    /// `POST /api/v1/enterprises/{uscc}/documents`.
    UploadDocument,
    /// `GET /api/v1/enterprises/{uscc}/documents/{id}`.
    GetDocument,
    /// `GET /api/v1/enterprises/{uscc}/patents`.
    ListPatents,
    /// `POST /api/v1/enterprises/{uscc}/patents`.
    CreatePatent,
    /// `PUT /api/v1/enterprises/{uscc}/patents/{id}`.
    UpdatePatent,
    /// `POST /api/v1/patent-status-imports`.
    ImportPatentStatuses,
    /// `GET /api/v1/enterprises/{uscc}/filings`.
    ListFilings,
    /// `POST /api/v1/enterprises/{uscc}/filings`.
    CreateFiling,
    /// `GET /api/v1/enterprises/{uscc}/filings/{id}`.
    GetFiling,
    /// `PUT /api/v1/enterprises/{uscc}/filings/{id}`.
    UpdateFiling,
    /// `POST /api/v1/enterprises/{uscc}/filings/{id}/submit`.
    SubmitFiling,
    /// `POST /api/v1/filings/{id}/decision`.
    DecideFiling,
    /// `GET /api/v1/review-queue`.
    GetReviewQueue,
    /// `GET /api/v1/enterprises/{uscc}/products`.
    ListOwnProducts,
    /// `GET /api/v1/enterprises/{uscc}/products/{number}`.
    GetOwnProduct,
    /// `PUT /api/v1/enterprises/{uscc}/products/{number}/years/{year}`.
    PutAnnualUpdate,
    /// `PUT /api/v1/enterprises/{uscc}/products/{number}/opt-in`.
    PutOptIn,
    /// `POST /api/v1/enterprises/{uscc}/products/{number}/revocation-confirmation`.
    ConfirmRevocation,
    /// `GET /api/v1/enterprises/{uscc}/transactions`.
    ListTransactions,
    /// `GET /api/v1/transactions`.
    ListAllTransactions,
    /// `GET /api/v1/products`.
    ListProducts,
    /// `GET /api/v1/products/{number}`.
    GetProduct,
    /// `GET /api/v1/patents/{number}/products`.
    GetPatentProducts,
    /// `GET /api/v1/settings`.
    ListSettings,
    /// `PUT /api/v1/settings/{key}`.
    PutSetting,
    /// `GET /api/v1/methodologies`.
    ListMethodologies,
    /// `POST /api/v1/methodologies`.
    CreateMethodology,
    /// `GET /api/v1/rounds`.
    ListRounds,
    /// `POST /api/v1/rounds`.
    CreateRound,
    /// `GET /api/v1/rounds/{year}`.
    GetRound,
    /// `PUT /api/v1/rounds/{year}`.
    UpdateRound,
    /// `POST /api/v1/rounds/{year}/advance`.
    AdvanceRound,
    /// `POST /api/v1/rounds/{year}/rerun`.
    RerunRound,
    /// `POST /api/v1/rounds/{year}/resume`.
    ResumeRound,
    /// `GET /api/v1/rounds/{year}/entries`.
    ListRoundEntries,
    /// `GET /api/v1/rounds/{year}/list`.
    GetRoundList,
    /// `GET /api/v1/rounds/{year}/benchmarks`.
    GetRoundBenchmarks,
    /// `GET /api/v1/rounds/{year}/objections`.
    ListObjections,
    /// `POST /api/v1/rounds/{year}/objections`.
    CreateObjection,
    /// `POST /api/v1/objections/{id}/decision`.
    DecideObjection,
    /// `GET /api/v1/enterprises/{uscc}/evaluations`.
    ListEvaluations,
    /// `POST /api/v1/evaluation/preview`.
    PreviewEvaluation,
    /// `GET /api/v1/certificates/{code}`.
    GetCertificate,
    /// `GET /api/v1/export/products`.
    ExportProducts,
    /// `POST /api/v1/port-applications`.
    CreatePortApplication,
    /// `GET /api/v1/port-applications`.
    ListPortApplications,
    /// `GET /api/v1/port-applications/{id}`.
    GetPortApplication,
    /// `POST /api/v1/port-applications/{id}/decision`.
    DecidePortApplication,
    /// `GET /api/v1/port`.
    GetPort,
    /// `POST /api/v1/port/tokens`.
    CreatePortToken,
    /// `DELETE /api/v1/port/tokens/{id}`.
    RevokePortToken,
    /// `GET /api/v1/port/enterprises`.
    ListPortEnterprises,
    /// `GET /api/v1/port/products`.
    ListPortProducts,
    /// `GET /api/v1/port/statistics`.
    GetPortStatistics,
    /// `GET /api/v1/port/demonstration-enterprises`.
    GetDemonstrations,
    /// `PUT /api/v1/port/demonstration-enterprises`.
    PutDemonstrations,
    /// `GET /api/v1/port/reports`.
    ListReports,
    /// `GET /api/v1/port/reports/{month}`.
    GetReport,
    /// `GET /api/v1/port/webhooks`.
    ListWebhooks,
    /// `POST /api/v1/port/webhooks`.
    CreateWebhook,
    /// `GET /api/v1/port/webhooks/{id}`.
    GetWebhook,
    /// `PUT /api/v1/port/webhooks/{id}`.
    UpdateWebhook,
    /// `DELETE /api/v1/port/webhooks/{id}`.
    DeleteWebhook,
    /// `POST /api/v1/port/webhooks/{id}/rotate-secret`.
    RotateWebhookSecret,
    /// `POST /api/v1/port/webhooks/{id}/pause`.
    PauseWebhook,
    /// `POST /api/v1/port/webhooks/{id}/resume`.
    ResumeWebhook,
    /// `POST /api/v1/port/webhooks/{id}/test`.
    TestWebhook,
    /// `GET /api/v1/port/webhooks/{id}/deliveries`.
    ListWebhookDeliveries,
    /// `GET /api/v1/port/webhook-deliveries/{id}`.
    GetWebhookDelivery,
    /// `POST /api/v1/port/webhook-deliveries/{id}/redeliver`.
    RedeliverWebhook,
    /// `GET /api/v1/enterprises/{uscc}/access-log`.
    GetAccessLog,
}

/// One operation: method, path template (`{name}` matches one segment), route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template, as written in the OpenAPI document.
    pub path: &'static str,
    /// The route.
    pub route: Route,
}

/// Every operation of the API.
pub const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        method: "GET",
        path: "/api/v1/health",
        route: Route::Health,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/validate",
        route: Route::Validate,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/openapi.json",
        route: Route::OpenApi,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises",
        route: Route::CreateEnterprise,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/sessions",
        route: Route::CreateSession,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/sessions/current",
        route: Route::GetSession,
    },
    RouteSpec {
        method: "DELETE",
        path: "/api/v1/sessions/current",
        route: Route::DeleteSession,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/staff",
        route: Route::CreateStaff,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/integrity-commitment",
        route: Route::GetCommitment,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}",
        route: Route::GetEnterprise,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/verifications",
        route: Route::ListVerifications,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises/{uscc}/verifications",
        route: Route::CreateVerification,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/verifications/{id}/decision",
        route: Route::DecideVerification,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/documents",
        route: Route::ListDocuments,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises/{uscc}/documents",
        route: Route::UploadDocument,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/documents/{id}",
        route: Route::GetDocument,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/patents",
        route: Route::ListPatents,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises/{uscc}/patents",
        route: Route::CreatePatent,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/enterprises/{uscc}/patents/{id}",
        route: Route::UpdatePatent,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/patent-status-imports",
        route: Route::ImportPatentStatuses,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/filings",
        route: Route::ListFilings,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises/{uscc}/filings",
        route: Route::CreateFiling,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/filings/{id}",
        route: Route::GetFiling,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/enterprises/{uscc}/filings/{id}",
        route: Route::UpdateFiling,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises/{uscc}/filings/{id}/submit",
        route: Route::SubmitFiling,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/filings/{id}/decision",
        route: Route::DecideFiling,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/review-queue",
        route: Route::GetReviewQueue,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/products",
        route: Route::ListOwnProducts,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/products/{number}",
        route: Route::GetOwnProduct,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/enterprises/{uscc}/products/{number}/years/{year}",
        route: Route::PutAnnualUpdate,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/enterprises/{uscc}/products/{number}/opt-in",
        route: Route::PutOptIn,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/enterprises/{uscc}/products/{number}/revocation-confirmation",
        route: Route::ConfirmRevocation,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/transactions",
        route: Route::ListTransactions,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/transactions",
        route: Route::ListAllTransactions,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/products",
        route: Route::ListProducts,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/products/{number}",
        route: Route::GetProduct,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/patents/{number}/products",
        route: Route::GetPatentProducts,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/settings",
        route: Route::ListSettings,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/settings/{key}",
        route: Route::PutSetting,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/methodologies",
        route: Route::ListMethodologies,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/methodologies",
        route: Route::CreateMethodology,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/rounds",
        route: Route::ListRounds,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/rounds",
        route: Route::CreateRound,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/rounds/{year}",
        route: Route::GetRound,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/rounds/{year}",
        route: Route::UpdateRound,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/rounds/{year}/advance",
        route: Route::AdvanceRound,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/rounds/{year}/rerun",
        route: Route::RerunRound,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/rounds/{year}/resume",
        route: Route::ResumeRound,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/rounds/{year}/entries",
        route: Route::ListRoundEntries,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/rounds/{year}/list",
        route: Route::GetRoundList,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/rounds/{year}/benchmarks",
        route: Route::GetRoundBenchmarks,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/rounds/{year}/objections",
        route: Route::ListObjections,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/rounds/{year}/objections",
        route: Route::CreateObjection,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/objections/{id}/decision",
        route: Route::DecideObjection,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/evaluations",
        route: Route::ListEvaluations,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/evaluation/preview",
        route: Route::PreviewEvaluation,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/certificates/{code}",
        route: Route::GetCertificate,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/export/products",
        route: Route::ExportProducts,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port-applications",
        route: Route::CreatePortApplication,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port-applications",
        route: Route::ListPortApplications,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port-applications/{id}",
        route: Route::GetPortApplication,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port-applications/{id}/decision",
        route: Route::DecidePortApplication,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port",
        route: Route::GetPort,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/tokens",
        route: Route::CreatePortToken,
    },
    RouteSpec {
        method: "DELETE",
        path: "/api/v1/port/tokens/{id}",
        route: Route::RevokePortToken,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/enterprises",
        route: Route::ListPortEnterprises,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/products",
        route: Route::ListPortProducts,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/statistics",
        route: Route::GetPortStatistics,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/demonstration-enterprises",
        route: Route::GetDemonstrations,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/port/demonstration-enterprises",
        route: Route::PutDemonstrations,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/reports",
        route: Route::ListReports,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/reports/{month}",
        route: Route::GetReport,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/webhooks",
        route: Route::ListWebhooks,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/webhooks",
        route: Route::CreateWebhook,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/webhooks/{id}",
        route: Route::GetWebhook,
    },
    RouteSpec {
        method: "PUT",
        path: "/api/v1/port/webhooks/{id}",
        route: Route::UpdateWebhook,
    },
    RouteSpec {
        method: "DELETE",
        path: "/api/v1/port/webhooks/{id}",
        route: Route::DeleteWebhook,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/webhooks/{id}/rotate-secret",
        route: Route::RotateWebhookSecret,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/webhooks/{id}/pause",
        route: Route::PauseWebhook,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/webhooks/{id}/resume",
        route: Route::ResumeWebhook,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/webhooks/{id}/test",
        route: Route::TestWebhook,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/webhooks/{id}/deliveries",
        route: Route::ListWebhookDeliveries,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/port/webhook-deliveries/{id}",
        route: Route::GetWebhookDelivery,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/port/webhook-deliveries/{id}/redeliver",
        route: Route::RedeliverWebhook,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/enterprises/{uscc}/access-log",
        route: Route::GetAccessLog,
    },
];

// `QUERY_PARAMETERS`, generated by build.rs from openapi.json.
include!(concat!(env!("OUT_DIR"), "/query_parameters.rs"));

/// The query parameters the operation `method` `template` takes, as documented.
#[must_use]
pub fn query_parameters(method: &str, template: &str) -> Option<&'static [&'static str]> {
    QUERY_PARAMETERS
        .iter()
        .find(|(m, t, _)| m.eq_ignore_ascii_case(method) && *t == template)
        .map(|(_, _, names)| *names)
}

/// 422 `unknown_parameter` for the first query parameter in `sent` that the operation
/// does not take, naming the ones it does: a misspelt filter must not silently list
/// everything.
///
/// # Errors
///
/// As above.
pub fn check_query(
    method: &str,
    template: &str,
    sent: &[(String, String)],
) -> Result<(), ApiError> {
    let known = query_parameters(method, template).unwrap_or_default();
    let Some((name, _)) = sent
        .iter()
        .find(|(name, _)| !known.contains(&name.as_str()))
    else {
        return Ok(());
    };
    let takes = if known.is_empty() {
        "this operation takes no query parameters".to_owned()
    } else {
        format!("this operation takes {}", known.join(", "))
    };
    Err(ApiError::invalid_field(
        name,
        "unknown_parameter",
        format!("unknown query parameter {name:?}; {takes}"),
    ))
}

/// Why a request matched no operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMiss {
    /// No template matches the path.
    NotFound,
    /// The path exists, but not with this method; `allow` lists the methods it has.
    MethodNotAllowed {
        /// Methods the path accepts, comma-separated, for the `Allow` header.
        allow: String,
    },
}

/// A matched operation and its path parameters, in template order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The route.
    pub route: Route,
    /// Its path template, as in the OpenAPI document.
    pub template: &'static str,
    /// `(name, value)` for each `{name}` in the template.
    pub params: Vec<(&'static str, String)>,
}

/// Finds the operation for `method` and `path`.
///
/// # Errors
///
/// [`RouteMiss::NotFound`] for an unknown path, [`RouteMiss::MethodNotAllowed`] for a
/// known path with another method.
pub fn resolve(method: &str, path: &str) -> Result<Matched, RouteMiss> {
    let mut allow: Vec<&str> = Vec::new();
    for spec in ROUTES {
        let Some(params) = match_template(spec.path, path) else {
            continue;
        };
        if spec.method.eq_ignore_ascii_case(method) {
            return Ok(Matched {
                route: spec.route,
                template: spec.path,
                params,
            });
        }
        allow.push(spec.method);
    }
    if allow.is_empty() {
        return Err(RouteMiss::NotFound);
    }
    allow.push("OPTIONS");
    Err(RouteMiss::MethodNotAllowed {
        allow: allow.join(", "),
    })
}

/// Whether a path exists under any method (for `OPTIONS`).
#[must_use]
pub fn allowed_methods(path: &str) -> Option<String> {
    let mut methods: Vec<&str> = ROUTES
        .iter()
        .filter(|spec| match_template(spec.path, path).is_some())
        .map(|s| s.method)
        .collect();
    if methods.is_empty() {
        return None;
    }
    methods.push("OPTIONS");
    Some(methods.join(", "))
}

fn match_template(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut params = Vec::new();
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    if g.is_empty() {
                        return None;
                    }
                    params.push((name, g.to_owned()));
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_routes_and_misses() {
        assert_eq!(
            resolve("GET", "/api/v1/health").map(|m| m.route),
            Ok(Route::Health)
        );
        assert_eq!(
            resolve("post", "/api/v1/validate").map(|m| m.route),
            Ok(Route::Validate)
        );
        assert_eq!(resolve("GET", "/api/v1/nope"), Err(RouteMiss::NotFound));
        assert_eq!(resolve("GET", "/api/v1/health/"), Err(RouteMiss::NotFound));
        assert_eq!(
            resolve("DELETE", "/api/v1/validate"),
            Err(RouteMiss::MethodNotAllowed {
                allow: "POST, OPTIONS".into()
            })
        );
        assert_eq!(
            allowed_methods("/api/v1/health").as_deref(),
            Some("GET, OPTIONS")
        );
        assert_eq!(allowed_methods("/elsewhere"), None);
    }

    #[test]
    fn every_route_has_its_documented_query_parameters() {
        for spec in ROUTES {
            assert!(
                query_parameters(spec.method, spec.path).is_some(),
                "{} {} is not in openapi.json",
                spec.method,
                spec.path
            );
        }
        assert!(
            query_parameters("GET", "/api/v1/products")
                .is_some_and(|names| names.contains(&"status") && names.contains(&"q"))
        );
    }

    #[test]
    fn unknown_query_parameters_are_named() {
        let sent = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert!(check_query("GET", "/api/v1/products", &sent(&[("status", "recorded")])).is_ok());
        let err = check_query(
            "GET",
            "/api/v1/products",
            &sent(&[("q", "x"), ("staus", "recorded")]),
        )
        .expect_err("misspelt");
        assert_eq!(err.status, 422);
        assert_eq!(err.fields[0].field, "staus");
        assert_eq!(err.fields[0].code, "unknown_parameter");
        let err = check_query("GET", "/api/v1/health", &sent(&[("x", "1")])).expect_err("none");
        assert!(err.fields[0].message.contains("takes no query parameters"));
    }

    #[test]
    fn templates_capture_segments() {
        assert_eq!(
            match_template("/api/v1/products/{number}", "/api/v1/products/R-1"),
            Some(vec![("number", "R-1".to_owned())])
        );
        assert_eq!(
            match_template("/api/v1/products/{number}", "/api/v1/products/"),
            None
        );
        assert_eq!(
            match_template("/api/v1/products/{number}", "/api/v1/products/a/b"),
            None
        );
    }

    /// The OpenAPI document and the route table describe the same operations.
    #[test]
    fn openapi_document_lists_every_route_and_no_other() {
        let doc: serde_json::Value =
            serde_json::from_str(crate::handlers::openapi::DOCUMENT).expect("openapi.json parses");
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths object") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    documented.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        documented.sort();
        let mut implemented: Vec<(String, String)> = ROUTES
            .iter()
            .map(|s| (s.method.to_owned(), s.path.to_owned()))
            .collect();
        implemented.sort();
        assert_eq!(documented, implemented);
    }
}
