//! Helpers shared by the test modules.

use std::sync::Arc;

use anyhow::{Result, ensure};
use libtest_mimic::{Failed, Trial};
use ppr_tests::{Reply, TestWorker};

/// A named test against the shared worker.
pub type Case = (&'static str, fn(&TestWorker) -> Result<()>);

/// Turns cases into trials bound to the shared worker.
pub fn trials(worker: Option<&Arc<TestWorker>>, cases: &[Case]) -> Vec<Trial> {
    cases
        .iter()
        .map(|&(name, test)| {
            let worker = worker.cloned();
            Trial::test(name, move || {
                let worker = worker.ok_or_else(|| Failed::from("no worker"))?;
                test(&worker).map_err(|e| Failed::from(format!("{e:#}")))
            })
        })
        .collect()
}

/// Asserts `reply` is an error with `status` and `code` in the documented envelope,
/// and returns the envelope's `error` object.
pub fn assert_error(reply: &Reply, status: u16, code: &str) -> Result<serde_json::Value> {
    ensure!(
        reply.status == status,
        "status {} (want {status}): {}",
        reply.status,
        reply.body
    );
    let json = reply.json()?;
    let error = &json["error"];
    ensure!(
        error["code"] == code,
        "code {} (want {code}): {}",
        error["code"],
        reply.body
    );
    ensure!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {}",
        reply.body
    );
    ensure!(
        error["fields"].is_array(),
        "no fields array: {}",
        reply.body
    );
    ensure!(
        json.as_object().is_some_and(|o| o.len() == 1),
        "extra keys: {}",
        reply.body
    );
    Ok(error.clone())
}

/// Asserts that the error names `field` with `code` among its fields.
pub fn assert_field(error: &serde_json::Value, field: &str, code: &str) -> Result<()> {
    let fields = error["fields"].as_array().cloned().unwrap_or_default();
    ensure!(
        fields
            .iter()
            .any(|f| f["field"] == field && f["code"] == code),
        "no field {field} with code {code} in {error}"
    );
    Ok(())
}
