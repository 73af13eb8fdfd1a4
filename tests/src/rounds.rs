//! Driving identification rounds: dates around today, the business clock for
//! stepping past them, waiting for a stage's chunked work, and reading every entry.

use std::thread::sleep;
use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail, ensure};
use chrono::{Days, NaiveDate};
use ppr_core::calendar::business_date;
use ppr_core::methodology::{BenchmarkSet, Methodology, ProductYear, Scorer};
use serde_json::{Value, json};

use crate::{Session, TestWorker};

/// How long a stage's work may take in a test (a few hundred products take seconds;
/// a failing chunk is tried three times, seconds apart).
const WORK_TIMEOUT: Duration = Duration::from_secs(180);

/// Today on the business calendar.
#[must_use]
pub fn today() -> NaiveDate {
    business_date(chrono::Utc::now())
}

/// Noon (Asia/Shanghai) of the business day `days` after today, as an `x-ppr-now`
/// instant.
#[must_use]
pub fn noon_in(days: u64) -> String {
    let date = today().checked_add_days(Days::new(days)).unwrap_or(today());
    format!("{date}T04:00:00Z")
}

impl TestWorker {
    /// Round `year` as the public sees it.
    ///
    /// # Errors
    ///
    /// Not 200.
    pub fn round(&self, year: i32) -> Result<Value> {
        let reply = self.get(&format!("/api/v1/rounds/{year}"))?;
        ensure!(
            reply.status == 200,
            "round: {} {}",
            reply.status,
            reply.body
        );
        reply.json()
    }

    /// Waits until no step of round `year` is running, and returns the round as
    /// `session` sees it.
    ///
    /// # Errors
    ///
    /// The work did not stop in time.
    pub fn wait_for_round(&self, session: &Session<'_>, year: i32) -> Result<Value> {
        let started = Instant::now();
        loop {
            let reply = session.get(&format!("/api/v1/rounds/{year}"))?;
            ensure!(
                reply.status == 200,
                "round: {} {}",
                reply.status,
                reply.body
            );
            let round = reply.json()?;
            let running = round["steps"]
                .as_array()
                .is_some_and(|steps| steps.iter().any(|s| s["status"] == "running"));
            if !running {
                return Ok(round);
            }
            if started.elapsed() > WORK_TIMEOUT {
                bail!("round {year} still working after {WORK_TIMEOUT:?}: {round}");
            }
            sleep(Duration::from_millis(200));
        }
    }
}

/// Moves round `year` on to `to` at `instant`, from the version the admin reads
/// first; the answer.
///
/// # Errors
///
/// Transport failures.
pub fn advance(admin: &Session<'_>, year: i32, to: &str, instant: &str) -> Result<crate::Reply> {
    let version = admin.get(&format!("/api/v1/rounds/{year}"))?.json()?["version"]
        .as_i64()
        .context("round version")?;
    admin.at(instant).post_json(
        &format!("/api/v1/rounds/{year}/advance"),
        &json!({"to": to, "version": version}),
    )
}

/// Moves round `year` on to `to` at `instant` and waits for the stage's work; fails
/// unless every step is done.
///
/// # Errors
///
/// Refused, or a step did not finish.
pub fn advance_and_wait(
    worker: &TestWorker,
    admin: &Session<'_>,
    year: i32,
    to: &str,
    instant: &str,
) -> Result<Value> {
    let reply = advance(admin, year, to, instant)?;
    ensure!(
        reply.status == 200,
        "advance to {to}: {} {}",
        reply.status,
        reply.body
    );
    let round = worker.wait_for_round(admin, year)?;
    ensure!(round["stage"] == to, "stage {} (want {to})", round["stage"]);
    let steps = round["steps"].as_array().context("steps")?;
    ensure!(
        steps.iter().all(|s| s["status"] == "done"),
        "a step did not finish: {round}"
    );
    Ok(round)
}

/// Runs the current stage of round `year` (at `round`'s version) again and waits
/// for it; the round after.
///
/// # Errors
///
/// Refused, or the steps did not settle.
pub fn rerun_and_wait(
    worker: &TestWorker,
    admin: &Session<'_>,
    year: i32,
    round: &Value,
) -> Result<Value> {
    let version = round["version"].as_i64().context("version")?;
    let reply = admin.post_json(
        &format!("/api/v1/rounds/{year}/rerun"),
        &json!({"version": version}),
    )?;
    ensure!(
        reply.status == 200,
        "rerun: {} {}",
        reply.status,
        reply.body
    );
    worker.wait_for_round(admin, year)
}

/// Every entry of round `year`, read page by page as `staff` sees them.
///
/// # Errors
///
/// A page was not 200.
pub fn all_entries(staff: &Session<'_>, year: i32) -> Result<Vec<Value>> {
    let mut entries = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = staff.get(&format!("/api/v1/rounds/{year}/entries?limit=200{cursor}"))?;
        ensure!(
            reply.status == 200,
            "entries: {} {}",
            reply.status,
            reply.body
        );
        let page = reply.json()?;
        entries.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return Ok(entries),
        }
    }
}

/// Every registration number on round `year`'s public list.
///
/// # Errors
///
/// A page was not 200.
pub fn public_list(worker: &TestWorker, year: i32) -> Result<Vec<String>> {
    let mut numbers = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = worker.get(&format!("/api/v1/rounds/{year}/list?limit=200{cursor}"))?;
        ensure!(reply.status == 200, "list: {} {}", reply.status, reply.body);
        let page = reply.json()?;
        for item in page["items"].as_array().cloned().unwrap_or_default() {
            numbers.push(
                item["registration_number"]
                    .as_str()
                    .context("number")?
                    .to_owned(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return Ok(numbers),
        }
    }
}

/// Each entry's field and inputs, as the core reads them.
///
/// # Errors
///
/// An entry lacks them.
pub fn entry_inputs(entries: &[Value]) -> Result<Vec<(String, ProductYear)>> {
    entries
        .iter()
        .map(|e| {
            Ok((
                e["field"].as_str().context("field")?.to_owned(),
                serde_json::from_value(e["inputs"].clone())?,
            ))
        })
        .collect()
}

/// Checks that every entry's served outcome and breakdown are what the core's scorer
/// gives natively for its inputs against `set`; the rules that decided them.
///
/// # Errors
///
/// An entry differs.
pub fn assert_core_outcomes(
    m: &Methodology,
    set: &BenchmarkSet,
    entries: &[Value],
) -> Result<BTreeSet<String>> {
    let scorer = Scorer::new(m, set);
    let mut rules = BTreeSet::new();
    for (entry, (field, inputs)) in entries.iter().zip(entry_inputs(entries)?) {
        let breakdown = scorer.breakdown(&field, &inputs);
        ensure!(
            entry["breakdown"] == serde_json::to_value(&breakdown)?,
            "breakdown differs for {}: {}",
            entry["registration_number"],
            entry["breakdown"]
        );
        let outcome = match (breakdown.eligible, breakdown.identified) {
            (false, _) => "ineligible",
            (true, true) => "identified",
            (true, false) => "not_identified",
        };
        ensure!(
            entry["outcome"] == outcome,
            "outcome of {}: {}",
            entry["registration_number"],
            entry["outcome"]
        );
        rules.insert(breakdown.rule);
    }
    Ok(rules)
}
