//! The route table: the union of every resource's declared operations
//! ([`crate::operation`]), and the pure matching of a method and path against it.
//! The OpenAPI document must describe exactly these operations; the unit tests below
//! and an integration test over HTTP hold the two together.

use crate::error::ApiError;
use crate::handlers::{
    documents, enterprises, evaluations, filings, health, methodologies, objections, openapi,
    patents, port_applications, port_data, port_reports, ports, products, public, review,
    round_stages, rounds, sessions, settings, staff, transactions, validate, verifications,
    webhook_deliveries, webhook_endpoints,
};
use crate::operation::Operation;

/// Every resource's operations.
pub const RESOURCES: &[&[Operation]] = &[
    health::OPERATIONS,
    openapi::OPERATIONS,
    validate::OPERATIONS,
    enterprises::OPERATIONS,
    sessions::OPERATIONS,
    staff::OPERATIONS,
    public::OPERATIONS,
    verifications::OPERATIONS,
    documents::OPERATIONS,
    patents::OPERATIONS,
    filings::OPERATIONS,
    review::OPERATIONS,
    products::OPERATIONS,
    transactions::OPERATIONS,
    settings::OPERATIONS,
    methodologies::OPERATIONS,
    rounds::OPERATIONS,
    round_stages::OPERATIONS,
    evaluations::OPERATIONS,
    objections::OPERATIONS,
    port_applications::OPERATIONS,
    ports::OPERATIONS,
    port_data::OPERATIONS,
    port_reports::OPERATIONS,
    webhook_endpoints::OPERATIONS,
    webhook_deliveries::OPERATIONS,
];

/// Every operation of the API.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    RESOURCES.iter().flat_map(|ops| ops.iter())
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
#[derive(Debug, Clone)]
pub struct Matched {
    /// The operation.
    pub operation: &'static Operation,
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
    for operation in operations() {
        let Some(params) = match_template(operation.path, path) else {
            continue;
        };
        if operation.method.as_str().eq_ignore_ascii_case(method) {
            return Ok(Matched { operation, params });
        }
        allow.push(operation.method.as_str());
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
    let mut methods: Vec<&str> = operations()
        .filter(|op| match_template(op.path, path).is_some())
        .map(|op| op.method.as_str())
        .collect();
    if methods.is_empty() {
        return None;
    }
    methods.push("OPTIONS");
    Some(methods.join(", "))
}

/// 422 `unknown_parameter` for the first query parameter in `sent` that `operation`
/// does not take, naming the ones it does: a misspelt filter must not silently list
/// everything.
///
/// # Errors
///
/// As above.
pub fn check_query(operation: &Operation, sent: &[(String, String)]) -> Result<(), ApiError> {
    let known = operation.query;
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
    use crate::operation::Roles;

    fn id(method: &str, path: &str) -> Result<&'static str, RouteMiss> {
        resolve(method, path).map(|m| m.operation.id)
    }

    #[test]
    fn resolves_routes_and_misses() {
        assert_eq!(id("GET", "/api/v1/health"), Ok("get_health"));
        assert_eq!(id("post", "/api/v1/validate"), Ok("post_validate"));
        assert_eq!(id("GET", "/api/v1/nope"), Err(RouteMiss::NotFound));
        assert_eq!(id("GET", "/api/v1/health/"), Err(RouteMiss::NotFound));
        assert_eq!(
            id("DELETE", "/api/v1/validate"),
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
    fn unknown_query_parameters_are_named() {
        let sent = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let products = resolve("GET", "/api/v1/products").expect("route").operation;
        assert!(check_query(products, &sent(&[("status", "recorded")])).is_ok());
        let err = check_query(products, &sent(&[("q", "x"), ("staus", "recorded")]))
            .expect_err("misspelt");
        assert_eq!(err.status, 422);
        assert_eq!(err.fields[0].field, "staus");
        assert_eq!(err.fields[0].code, "unknown_parameter");
        let health = resolve("GET", "/api/v1/health").expect("route").operation;
        let err = check_query(health, &sent(&[("x", "1")])).expect_err("none");
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

    #[test]
    fn every_operation_is_declared_once() {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        let mut ids: Vec<&str> = Vec::new();
        for op in operations() {
            let key = (op.method.as_str(), op.path);
            assert!(!seen.contains(&key), "{op:?} is declared twice");
            assert!(
                !ids.contains(&op.id),
                "operation id {} is used twice",
                op.id
            );
            seen.push(key);
            ids.push(op.id);
        }
    }

    /// What the OpenAPI document says of one operation.
    #[derive(Debug, PartialEq, Eq)]
    struct Documented {
        id: String,
        method: String,
        path: String,
        query: Vec<String>,
        roles: String,
        /// Whether it may be called without signing in.
        anonymous: bool,
        /// Whether a port's API token is accepted.
        token: bool,
    }

    fn documented() -> Vec<Documented> {
        let doc: serde_json::Value =
            serde_json::from_str(openapi::DOCUMENT).expect("openapi.json parses");
        let shared = &doc["components"]["parameters"];
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths object") {
            let common = item["parameters"].as_array().cloned().unwrap_or_default();
            for (method, op) in item.as_object().expect("path item") {
                if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    continue;
                }
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                let mut query: Vec<String> = params
                    .iter()
                    .chain(&common)
                    .map(|p| match p["$ref"].as_str() {
                        Some(r) => shared[r.rsplit('/').next().unwrap_or_default()].clone(),
                        None => p.clone(),
                    })
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect();
                query.sort();
                // No `security`, an empty one, or an empty requirement: anyone.
                let security = op["security"].as_array().cloned().unwrap_or_default();
                let anonymous = security.is_empty()
                    || security
                        .iter()
                        .any(|s| s.as_object().is_some_and(|o| o.is_empty()));
                let token = security.iter().any(|s| s.get("apiToken").is_some());
                out.push(Documented {
                    id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    query,
                    roles: op["x-roles"].as_str().unwrap_or_default().to_owned(),
                    anonymous,
                    token,
                });
            }
        }
        out.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        out
    }

    /// The OpenAPI document and the declarations describe the same operations: the
    /// same ids, methods, paths, query parameters and roles, and no other.
    #[test]
    fn openapi_document_matches_the_declarations() {
        let mut declared: Vec<Documented> = operations()
            .map(|op| {
                let mut query: Vec<String> = op.query.iter().map(|q| (*q).to_owned()).collect();
                query.sort();
                Documented {
                    id: op.id.to_owned(),
                    method: op.method.as_str().to_owned(),
                    path: op.path.to_owned(),
                    query,
                    roles: op.roles.code().to_owned(),
                    anonymous: op.roles == Roles::Anyone,
                    token: op.roles == Roles::Port,
                }
            })
            .collect();
        declared.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        let documented = documented();
        for (d, o) in declared.iter().zip(&documented) {
            assert_eq!(
                d, o,
                "the declaration (left) and openapi.json (right) differ"
            );
        }
        assert_eq!(
            declared.len(),
            documented.len(),
            "operations missing on one side"
        );
    }
}
