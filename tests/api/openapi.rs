//! `GET /api/v1/openapi.json`, and its agreement with the routes the Worker serves.
//! (The route table → document direction is a unit test in the Worker crate; this side
//! checks the running Worker serves every documented operation.)

use anyhow::{Result, ensure};
use ppr_tests::TestWorker;

use crate::support::Case;

pub const CASES: &[Case] = &[
    (
        "openapi::is_served_as_openapi_3_1",
        is_served_as_openapi_3_1,
    ),
    (
        "openapi::every_documented_operation_is_served",
        every_documented_operation_is_served,
    ),
];

fn is_served_as_openapi_3_1(worker: &TestWorker) -> Result<()> {
    let reply = worker.get("/api/v1/openapi.json")?;
    ensure!(reply.status == 200, "{}", reply.status);
    let doc = reply.json()?;
    ensure!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    ensure!(
        doc["paths"].as_object().is_some_and(|p| !p.is_empty()),
        "no paths"
    );
    Ok(())
}

fn every_documented_operation_is_served(worker: &TestWorker) -> Result<()> {
    let doc = worker.get("/api/v1/openapi.json")?.json()?;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut checked = 0;
    for (path, item) in &paths {
        for method in item
            .as_object()
            .into_iter()
            .flatten()
            .map(|(m, _)| m.to_uppercase())
        {
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                continue;
            }
            // Path parameters get a placeholder value; the route must still match.
            let concrete: String = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let reply = worker.request(
                &method,
                &concrete,
                &[("content-type", "application/json")],
                b"{}".to_vec(),
            )?;
            let code = reply.json().ok().map(|j| j["error"]["code"].clone());
            ensure!(
                !matches!(
                    code.as_ref().and_then(|c| c.as_str()),
                    Some("not_found" | "method_not_allowed")
                ),
                "{method} {path} is documented but not served: {}",
                reply.body
            );
            checked += 1;
        }
    }
    ensure!(checked >= 3, "only {checked} operations documented");
    Ok(())
}
