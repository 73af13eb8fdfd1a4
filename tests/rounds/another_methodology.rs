//! The same registry under a loaded methodology: documents are checked when loaded,
//! and changing the document changes the outcome with no change of code. On the way:
//! a message lost after its chunk committed is sent again by the scheduled job, and a
//! chunk that keeps failing stops its step with an error that the admin sees, until
//! the cause is fixed and the round resumed.

use std::collections::BTreeSet;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ppr_core::methodology::{Methodology, compute_benchmarks};
use ppr_tests::TestWorker;
use ppr_tests::rounds::{
    advance, advance_and_wait, all_entries, assert_core_outcomes, entry_inputs, noon_in,
    rerun_and_wait, today,
};
use serde_json::{Value, json};

use crate::DEFAULT_IDENTIFIED;

const STRICT: &str = include_str!("../fixtures/strict-methodology.json");

/// How long to wait for the default round's outcome to compare with.
const COMPARE_TIMEOUT: Duration = Duration::from_secs(600);

pub fn run(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    let year = today().format("%Y").to_string().parse::<i32>()?;
    let tomorrow = noon_in(1);

    // Loading: checked, named by line or key; the same document twice is one.
    let load = |text: &str| {
        admin.post_raw(
            "/api/v1/methodologies",
            "application/json",
            text.as_bytes().to_vec(),
        )
    };
    let loaded = load(STRICT)?;
    ensure!(
        loaded.status == 201,
        "load: {} {}",
        loaded.status,
        loaded.body
    );
    ensure!(loaded.json()?["name"] == "test-strict@1", "{}", loaded.body);
    let again = load(STRICT)?;
    ensure!(
        again.status == 200,
        "load again: {} {}",
        again.status,
        again.body
    );
    let changed = load(&STRICT.replace("A stricter", "Another"))?;
    ensure!(
        changed.status == 409 && changed.json()?["error"]["code"] == "methodology_version_exists",
        "{}",
        changed.body
    );
    let broken = load(&STRICT.replace("\"sales * contribution_share\"", "\"sales * luck\""))?;
    let error = broken.json()?;
    ensure!(
        broken.status == 422
            && error["error"]["code"] == "invalid_methodology"
            && error["error"]["fields"][0]["field"] == "indicators[3].formula",
        "{}",
        broken.body
    );
    let syntax = load("{\n  \"id\": \"x\",\n  \"version\": 3\n}")?;
    ensure!(
        syntax.status == 422
            && syntax.json()?["error"]["fields"][0]["field"]
                .as_str()
                .is_some_and(|f| f.starts_with("line 3")),
        "{}",
        syntax.body
    );
    let unknown = admin.post_json(
        "/api/v1/rounds",
        &json!({"year": year, "methodology": "nope@1", "opt_in_deadline": today(), "evaluation_date": today()}),
    )?;
    ensure!(unknown.status == 422, "{}", unknown.body);

    let opened = admin.post_json(
        "/api/v1/rounds",
        &json!({"year": year, "methodology": "test-strict@1", "opt_in_deadline": today(), "evaluation_date": today(), "notice_days": 5}),
    )?;
    ensure!(
        opened.status == 201,
        "open: {} {}",
        opened.status,
        opened.body
    );
    ensure!(
        opened.json()?["methodology"]["name"] == "test-strict@1",
        "{}",
        opened.body
    );
    let round = advance_and_wait(worker, &admin, year, "formal_check", &tomorrow)?;

    // Running the formal check again reads the same facts into the same entries.
    let checked = all_entries(&admin, year)?;
    let round = rerun_and_wait(worker, &admin, year, &round)?;
    ensure!(
        round["steps"][0]["run"] == 2 && round["steps"][0]["status"] == "done",
        "{round}"
    );
    ensure!(
        all_entries(&admin, year)? == checked,
        "a re-run changed the entries"
    );

    // A chunk message lost after its batch committed: the scheduled job sends it again.
    worker.execute_sql(&format!(
        "UPDATE round_tasks SET status = 'running', updated_at = '2000-01-01T00:00:00.000Z', finished_at = NULL WHERE year = {year} AND step = 'formal_check'"
    ))?;
    ensure!(
        worker.round(year)?["steps"][0]["status"] == "running",
        "not stalled"
    );
    worker.run_scheduled()?;
    let round = worker.wait_for_round(&admin, year)?;
    ensure!(round["steps"][0]["status"] == "done", "{round}");

    // A chunk that keeps failing: a corrupt entry stops the evaluation with an error.
    let entries = all_entries(&admin, year)?;
    let victim = entries
        .iter()
        .find(|e| e["outcome"] == "pending")
        .context("an eligible entry")?;
    let number = victim["registration_number"].as_str().context("number")?;
    let original = serde_json::to_string(&victim["inputs"])?;
    let set_inputs = |inputs: &str| {
        worker.execute_sql(&format!(
            "UPDATE round_entries SET inputs = '{inputs}' WHERE year = {year} AND product_id = (SELECT id FROM products WHERE registration_number = '{number}')"
        ))
    };
    set_inputs(r#"{"sales":"corrupt"}"#)?;
    let reply = advance(&admin, year, "evaluation", &tomorrow)?;
    ensure!(
        reply.status == 200,
        "advance: {} {}",
        reply.status,
        reply.body
    );
    let round = worker.wait_for_round(&admin, year)?;
    let evaluation = &round["steps"][2];
    ensure!(
        round["steps"][1]["status"] == "done" && evaluation["status"] == "failed",
        "{round}"
    );
    ensure!(
        evaluation["error"]
            .as_str()
            .is_some_and(|e| e.contains("stored inputs") && e.contains("product")),
        "the error says what failed: {evaluation}"
    );
    ensure!(
        worker.round(year)?["steps"][2]["error"].is_null(),
        "the public sees the error"
    );
    let stuck = advance(&admin, year, "public_notice", &tomorrow)?;
    ensure!(
        stuck.status == 409 && stuck.json()?["error"]["code"] == "stage_not_done",
        "{}",
        stuck.body
    );
    set_inputs(&original)?;
    let version = round["version"].as_i64().context("version")?;
    let resumed = admin.post_json(
        &format!("/api/v1/rounds/{year}/resume"),
        &json!({"version": version}),
    )?;
    ensure!(
        resumed.status == 200,
        "resume: {} {}",
        resumed.status,
        resumed.body
    );
    let round = worker.wait_for_round(&admin, year)?;
    ensure!(round["steps"][2]["status"] == "done", "{round}");

    // The outcome is this document's: the core agrees, and it differs from the default's.
    let entries = all_entries(&admin, year)?;
    let strict = Methodology::parse(STRICT).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let set = compute_benchmarks(&strict, &entry_inputs(&entries)?);
    ensure!(set.method.starts_with("P75"), "{}", set.method);
    assert_core_outcomes(&strict, &set, &entries)?;
    let identified = identified_numbers(&entries);
    let default = wait_for_default()?;
    ensure!(
        !identified.is_empty() && identified != default,
        "the strict methodology should identify other products: {} vs {}",
        identified.len(),
        default.len()
    );
    Ok(())
}

fn identified_numbers(entries: &[Value]) -> BTreeSet<String> {
    entries
        .iter()
        .filter(|e| e["outcome"] == "identified")
        .filter_map(|e| e["registration_number"].as_str().map(str::to_owned))
        .collect()
}

/// The default round's outcome, once its scenario has published it.
fn wait_for_default() -> Result<BTreeSet<String>> {
    let started = Instant::now();
    loop {
        match DEFAULT_IDENTIFIED.lock().ok().and_then(|s| s.clone()) {
            Some(Ok(set)) => return Ok(set),
            Some(Err(err)) => bail!("the default round failed, nothing to compare with: {err}"),
            None => {}
        }
        if started.elapsed() > COMPARE_TIMEOUT {
            bail!("the default round did not finish; see rounds::default_round");
        }
        sleep(Duration::from_millis(500));
    }
}
