//! `GET /api/v1/health`.

use anyhow::{Result, ensure};
use ppr_tests::{TestWorker, WorkerOptions, repo_root};

use crate::support::Case;

pub const CASES: &[Case] = &[
    (
        "health::reports_database_and_schema_version",
        reports_database_and_schema_version,
    ),
    ("health::carries_security_headers", carries_security_headers),
    ("health::head_answers_like_get", head_answers_like_get),
    (
        "health::degraded_without_migrations",
        degraded_without_migrations,
    ),
    (
        "health::staff_see_what_an_operator_watches",
        staff_see_what_an_operator_watches,
    ),
];

/// The migrations on disk, counted independently of the Worker's build script.
fn migrations_on_disk() -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("d1-migrations"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    Ok(names)
}

fn reports_database_and_schema_version(worker: &TestWorker) -> Result<()> {
    let reply = worker.get("/api/v1/health")?;
    ensure!(reply.status == 200, "{}: {}", reply.status, reply.body);
    let json = reply.json()?;
    let migrations = migrations_on_disk()?;
    ensure!(json["status"] == "ok", "{json}");
    ensure!(json["database"]["reachable"] == true, "{json}");
    ensure!(
        json["database"]["schema_version"] == migrations.len(),
        "{json}"
    );
    ensure!(
        json["database"]["expected_schema_version"] == migrations.len(),
        "{json}"
    );
    ensure!(
        json["database"]["latest_migration"].as_str() == migrations.last().map(String::as_str),
        "{json}"
    );
    Ok(())
}

fn carries_security_headers(worker: &TestWorker) -> Result<()> {
    let reply = worker.get("/api/v1/health")?;
    for (name, want) in [
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "frame-ancestors 'none'"),
        ("strict-transport-security", "max-age="),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        ("content-type", "application/json"),
    ] {
        let got = reply.header(name).unwrap_or_default();
        ensure!(got.contains(want), "{name}: {got:?} lacks {want:?}");
    }
    Ok(())
}

fn head_answers_like_get(worker: &TestWorker) -> Result<()> {
    let reply = worker.request("HEAD", "/api/v1/health", &[], Vec::new())?;
    ensure!(reply.status == 200, "{}", reply.status);
    ensure!(reply.body.is_empty(), "HEAD has a body: {}", reply.body);
    Ok(())
}

/// A database without migrations: the Worker answers, and says it is behind.
fn degraded_without_migrations(_: &TestWorker) -> Result<()> {
    let fresh = TestWorker::start_with(WorkerOptions {
        migrate: false,
        ..WorkerOptions::default()
    })?;
    let reply = fresh.get("/api/v1/health")?;
    ensure!(reply.status == 503, "{}: {}", reply.status, reply.body);
    let json = reply.json()?;
    ensure!(json["status"] == "degraded", "{json}");
    ensure!(json["database"]["reachable"] == true, "{json}");
    ensure!(json["database"]["schema_version"] == 0, "{json}");
    ensure!(json["database"]["latest_migration"].is_null(), "{json}");
    Ok(())
}

/// Staff get the backlogs and failures; nobody else sees them.
fn staff_see_what_an_operator_watches(_: &TestWorker) -> Result<()> {
    let fresh = TestWorker::start_with(WorkerOptions::default())?;
    // An event the fan-out has not taken yet, and a round step that failed (planted
    // as they would stand; no scheduled run goes in this worker).
    fresh.execute_sql(
        "INSERT INTO webhook_events (id, type, region_code, payload, created_at)
         VALUES ('msg_operator_test', 'product.recorded', '440300', '{}', '2026-01-01T00:00:00.000Z');
         INSERT INTO methodologies (id, version, document, loaded_at)
         VALUES ('operator-test', '1', '{}', '2031-01-01T00:00:00.000Z');
         INSERT INTO rounds (year, methodology_id, methodology_version, opt_in_deadline,
                             evaluation_date, notice_days, stage, created_at, updated_at)
         VALUES (2031, 'operator-test', '1', '2031-02-01', '2031-03-01', 7, 'formal_check',
                 '2031-01-01T00:00:00.000Z', '2031-01-01T00:00:00.000Z');
         INSERT INTO round_tasks (year, step, status, error, started_at, updated_at)
         VALUES (2031, 'benchmarks', 'failed', 'D1: too many rows', '2031-03-01T00:00:00.000Z',
                 '2031-03-01T00:05:00.000Z');
",
    )?;
    let anonymous = fresh.get("/api/v1/health")?.json()?;
    ensure!(anonymous.get("operator").is_none(), "{anonymous}");
    let enterprise = fresh.register_enterprise()?;
    let seen = fresh
        .sign_in(&enterprise.email, ppr_tests::fixtures::PASSWORD)?
        .get("/api/v1/health")?
        .json()?;
    ensure!(seen.get("operator").is_none(), "{seen}");
    let admin = fresh.admin()?;
    let report = admin.get("/api/v1/health")?;
    ensure!(report.status == 200, "{}: {}", report.status, report.body);
    let operator = report.json()?["operator"].clone();
    ensure!(operator["outbox_depth"] == 1, "{operator}");
    ensure!(operator["pending_deliveries"] == 0, "{operator}");
    ensure!(
        operator["oldest_pending_delivery_at"].is_null(),
        "{operator}"
    );
    ensure!(operator["last_monthly_release"].is_null(), "{operator}");
    let failed = &operator["failed_round_steps"];
    ensure!(failed.as_array().map(Vec::len) == Some(1), "{operator}");
    ensure!(failed[0]["step"] == "benchmarks", "{operator}");
    ensure!(failed[0]["error"] == "D1: too many rows", "{operator}");
    Ok(())
}
