//! The authorisation matrix: every documented operation × every role (anonymous,
//! enterprise A, enterprise B, reviewer, regional admin inside and outside A's
//! region, national admin). Requests carry bodies that fail validation, so an allowed
//! role gets a 2xx or a 4xx about the request (never 401/403) and nothing changes;
//! a refused role gets 401 or 403 before any of that. The test fails if an operation
//! of the OpenAPI document has no row here.

use anyhow::{Context, Result, ensure};
use ppr_tests::{Session, TestWorker};

use crate::support::Case;

pub const CASES: &[Case] = &[(
    "authz::every_route_for_every_role",
    every_route_for_every_role,
)];

/// Who is asking.
const ROLES: [&str; 7] = [
    "anonymous",
    "enterprise_a",
    "enterprise_b",
    "reviewer",
    "regional_in",
    "regional_out",
    "national_admin",
];

/// Who may call an operation: its `x-roles` in the OpenAPI document, and the expected
/// answer per role in the order of [`ROLES`]: `Y` allowed, `U` 401, `F` 403.
type Class = (&'static str, &'static str);

/// (method and path template, body, class).
type Row = (&'static str, &'static str, Class);

const PUBLIC: Class = ("anyone", "YYYYYYY");
const SIGNED_IN: Class = ("signed_in", "UYYYYYY");
const ENTERPRISE_READ: Class = ("enterprise_read", "UYFYYFY");
const ENTERPRISE_WRITE: Class = ("enterprise_write", "UYFFFFF");
const REVIEWER: Class = ("reviewers", "UFFYFFY");
const STAFF: Class = ("staff", "UFFYYYY");
const NATIONAL: Class = ("national_admins", "UFFFFFY");
/// The management port: regional admins only (neither test region has a port, so
/// they get 404 `no_port`, which is not a refusal).
const PORT: Class = ("port", "UFFFYYF");
/// The port's API tokens: issued and revoked by a regional admin signed in.
const PORT_SIGNED_IN: Class = ("port_signed_in", "UFFFYYF");

/// (method, path template, expectation). `{uscc}` etc. are filled with A's records.
const MATRIX: &[Row] = &[
    ("GET /api/v1/health", "", PUBLIC),
    ("GET /api/v1/openapi.json", "", PUBLIC),
    ("POST /api/v1/validate", "{}", PUBLIC),
    ("POST /api/v1/enterprises", "{}", PUBLIC),
    ("POST /api/v1/sessions", "{}", PUBLIC),
    ("GET /api/v1/sessions/current", "", SIGNED_IN),
    ("POST /api/v1/staff", "{}", NATIONAL),
    ("GET /api/v1/integrity-commitment", "", PUBLIC),
    ("GET /api/v1/product-fields", "", PUBLIC),
    ("GET /api/v1/enterprises/{uscc}", "", PUBLIC),
    (
        "GET /api/v1/enterprises/{uscc}/verifications",
        "",
        ENTERPRISE_READ,
    ),
    (
        "POST /api/v1/enterprises/{uscc}/verifications",
        "{}",
        ENTERPRISE_WRITE,
    ),
    ("POST /api/v1/verifications/{id}/decision", "{}", REVIEWER),
    (
        "GET /api/v1/enterprises/{uscc}/documents",
        "",
        ENTERPRISE_READ,
    ),
    (
        "POST /api/v1/enterprises/{uscc}/documents",
        "{}",
        ENTERPRISE_WRITE,
    ),
    (
        "GET /api/v1/enterprises/{uscc}/documents/{id}",
        "",
        ENTERPRISE_READ,
    ),
    (
        "GET /api/v1/enterprises/{uscc}/patents",
        "",
        ENTERPRISE_READ,
    ),
    (
        "POST /api/v1/enterprises/{uscc}/patents",
        "{}",
        ENTERPRISE_WRITE,
    ),
    (
        "PUT /api/v1/enterprises/{uscc}/patents/{id}",
        "{}",
        ENTERPRISE_WRITE,
    ),
    ("POST /api/v1/patent-status-imports", "{}", NATIONAL),
    (
        "GET /api/v1/enterprises/{uscc}/filings",
        "",
        ENTERPRISE_READ,
    ),
    (
        "POST /api/v1/enterprises/{uscc}/filings",
        "[]",
        ENTERPRISE_WRITE,
    ),
    (
        "GET /api/v1/enterprises/{uscc}/filings/{id}",
        "",
        ENTERPRISE_READ,
    ),
    (
        "PUT /api/v1/enterprises/{uscc}/filings/{id}",
        "{}",
        ENTERPRISE_WRITE,
    ),
    (
        "POST /api/v1/enterprises/{uscc}/filings/{id}/submit",
        "{}",
        ENTERPRISE_WRITE,
    ),
    ("POST /api/v1/filings/{id}/decision", "{}", REVIEWER),
    ("GET /api/v1/review-queue", "", REVIEWER),
    (
        "GET /api/v1/enterprises/{uscc}/products",
        "",
        ENTERPRISE_READ,
    ),
    (
        "GET /api/v1/enterprises/{uscc}/products/{number}",
        "",
        ENTERPRISE_READ,
    ),
    (
        "PUT /api/v1/enterprises/{uscc}/products/{number}/years/{year}",
        "{}",
        ENTERPRISE_WRITE,
    ),
    (
        "PUT /api/v1/enterprises/{uscc}/products/{number}/opt-in",
        "{}",
        ENTERPRISE_WRITE,
    ),
    (
        "POST /api/v1/enterprises/{uscc}/products/{number}/revocation-confirmation",
        "{}",
        ENTERPRISE_WRITE,
    ),
    (
        "GET /api/v1/enterprises/{uscc}/transactions",
        "",
        ENTERPRISE_READ,
    ),
    ("GET /api/v1/transactions", "", STAFF),
    ("GET /api/v1/products", "", PUBLIC),
    ("GET /api/v1/products/{number}", "", PUBLIC),
    ("GET /api/v1/patents/{number}/products", "", PUBLIC),
    ("GET /api/v1/settings", "", NATIONAL),
    ("PUT /api/v1/settings/{key}", "{}", NATIONAL),
    ("GET /api/v1/methodologies", "", PUBLIC),
    ("POST /api/v1/methodologies", "{}", NATIONAL),
    ("GET /api/v1/rounds", "", PUBLIC),
    ("POST /api/v1/rounds", "{}", NATIONAL),
    ("GET /api/v1/rounds/{year}", "", PUBLIC),
    ("PUT /api/v1/rounds/{year}", "{}", NATIONAL),
    ("POST /api/v1/rounds/{year}/advance", "{}", NATIONAL),
    ("POST /api/v1/rounds/{year}/rerun", "{}", NATIONAL),
    ("POST /api/v1/rounds/{year}/resume", "{}", NATIONAL),
    ("GET /api/v1/rounds/{year}/entries", "", STAFF),
    ("GET /api/v1/rounds/{year}/list", "", PUBLIC),
    ("GET /api/v1/rounds/{year}/benchmarks", "", SIGNED_IN),
    ("GET /api/v1/rounds/{year}/objections", "", NATIONAL),
    ("POST /api/v1/rounds/{year}/objections", "{}", PUBLIC),
    ("POST /api/v1/objections/{id}/decision", "{}", NATIONAL),
    (
        "GET /api/v1/enterprises/{uscc}/evaluations",
        "",
        ENTERPRISE_READ,
    ),
    ("POST /api/v1/evaluation/preview", "{}", SIGNED_IN),
    ("GET /api/v1/certificates/{code}", "", PUBLIC),
    ("GET /api/v1/export/products", "", PUBLIC),
    ("POST /api/v1/port-applications", "{}", PUBLIC),
    ("GET /api/v1/port-applications", "", NATIONAL),
    ("GET /api/v1/port-applications/{id}", "", NATIONAL),
    (
        "POST /api/v1/port-applications/{id}/decision",
        "{}",
        NATIONAL,
    ),
    ("GET /api/v1/port", "", PORT),
    ("POST /api/v1/port/tokens", "{}", PORT_SIGNED_IN),
    ("DELETE /api/v1/port/tokens/{id}", "", PORT_SIGNED_IN),
    ("GET /api/v1/port/enterprises", "", PORT),
    ("GET /api/v1/port/products", "", PORT),
    ("GET /api/v1/port/statistics", "", PORT),
    ("GET /api/v1/port/demonstration-enterprises", "", PORT),
    ("PUT /api/v1/port/demonstration-enterprises", "{}", PORT),
    ("GET /api/v1/port/reports", "", PORT),
    ("GET /api/v1/port/reports/{month}", "", PORT),
    ("GET /api/v1/port/webhooks", "", PORT),
    ("POST /api/v1/port/webhooks", "{}", PORT),
    ("GET /api/v1/port/webhooks/{id}", "", PORT),
    ("PUT /api/v1/port/webhooks/{id}", "{}", PORT),
    ("DELETE /api/v1/port/webhooks/{id}", "", PORT),
    ("POST /api/v1/port/webhooks/{id}/rotate-secret", "{}", PORT),
    ("POST /api/v1/port/webhooks/{id}/pause", "{}", PORT),
    ("POST /api/v1/port/webhooks/{id}/resume", "{}", PORT),
    ("POST /api/v1/port/webhooks/{id}/test", "{}", PORT),
    ("GET /api/v1/port/webhooks/{id}/deliveries", "", PORT),
    ("GET /api/v1/port/webhook-deliveries/{id}", "", PORT),
    (
        "POST /api/v1/port/webhook-deliveries/{id}/redeliver",
        "{}",
        PORT,
    ),
    (
        "GET /api/v1/enterprises/{uscc}/access-log",
        "",
        ENTERPRISE_READ,
    ),
    // Last, since it ends the session it is called with.
    ("DELETE /api/v1/sessions/current", "", SIGNED_IN),
];

fn every_route_for_every_role(worker: &TestWorker) -> Result<()> {
    // Enterprise A in Shenzhen with a recorded product, a submitted filing, a patent,
    // a document and a verification; B elsewhere.
    let a = worker.verified_enterprise_in("440300")?;
    let number = worker.recorded_product(&a, "矩阵测试产品")?;
    let data = a.complete_data("矩阵测试草稿")?;
    let filing = a.draft(&data)?["id"].as_i64().context("filing")?;
    a.submit(filing)?;
    let patent = a.session.get(&a.path("/patents"))?.json()?["items"][0]["id"]
        .as_i64()
        .context("patent")?;
    let patent_number = a.session.get(&a.path("/patents"))?.json()?["items"][0]["number"]
        .as_str()
        .context("patent number")?
        .to_owned();
    let document = a.session.get(&a.path("/documents"))?.json()?["items"][0]["id"]
        .as_i64()
        .context("document")?;
    let verification = a.session.get(&a.path("/verifications"))?.json()?["items"][0]["id"]
        .as_i64()
        .context("verification")?;

    let b = worker.verified_enterprise_in("370200")?;
    let a_session = worker.sign_in(&a.enterprise.email, ppr_tests::fixtures::PASSWORD)?;
    let b_session = worker.sign_in(&b.enterprise.email, ppr_tests::fixtures::PASSWORD)?;
    let sessions: Vec<Option<Session<'_>>> = vec![
        None,
        Some(a_session),
        Some(b_session),
        Some(worker.reviewer()?),
        Some(worker.staff_session("regional_admin", Some("440000"))?),
        Some(worker.staff_session("regional_admin", Some("370000"))?),
        Some(worker.admin()?),
    ];

    // Every documented operation has a row, and the document says who may call it as
    // the row does (the answers below then hold the handlers to it).
    let doc = worker.get("/api/v1/openapi.json")?.json()?;
    for (path, item) in doc["paths"].as_object().context("paths")? {
        for (method, operation) in item.as_object().context("item")? {
            let op = format!("{} {path}", method.to_uppercase());
            let row = MATRIX.iter().find(|(o, _, _)| *o == op);
            let (_, _, (roles, _)) =
                row.with_context(|| format!("{op} has no row in the authorisation matrix"))?;
            ensure!(
                operation["x-roles"] == *roles,
                "{op}: the document says x-roles {}, the matrix {roles}",
                operation["x-roles"]
            );
        }
    }

    let year = (ppr_tests::registry::this_year() - 1).to_string();
    let fill = |template: &str| -> String {
        let id = if template.contains("/verifications/") {
            verification
        } else if template.contains("/documents/") {
            document
        } else if template.contains("/patents/{id}") {
            patent
        } else {
            filing
        };
        template
            .replace("{uscc}", &a.enterprise.uscc)
            .replace("{id}", &id.to_string())
            .replace("/patents/{number}", &format!("/patents/{patent_number}"))
            .replace("{number}", &number)
            .replace("{year}", &year)
            .replace("{key}", "no_such_setting")
            .replace("{code}", "PI2026-7KQM-3XDP-9TNA-C")
            .replace("{month}", "2026-01")
    };
    let mut failures = Vec::new();
    for (op, body, (_, expected)) in MATRIX {
        let (method, template) = op.split_once(' ').context("op")?;
        let path = fill(template);
        for (i, role) in ROLES.iter().enumerate() {
            let want = expected.as_bytes().get(i).copied().unwrap_or(b'?');
            let bytes = body.as_bytes().to_vec();
            let reply = match &sessions[i] {
                None => worker.request(
                    method,
                    &path,
                    &[("content-type", "application/json")],
                    bytes,
                )?,
                Some(session) => {
                    let value: Option<serde_json::Value> = if body.is_empty() {
                        None
                    } else {
                        Some(serde_json::from_str(body)?)
                    };
                    session.send(method, &path, value.as_ref(), method != "GET")?
                }
            };
            let ok = match want {
                b'Y' => ![401, 403].contains(&reply.status) && reply.status < 500,
                b'U' => reply.status == 401,
                b'F' => reply.status == 403,
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{op} as {role}: want {}, got {} {}",
                    char::from(want),
                    reply.status,
                    reply.body.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    ensure!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}
