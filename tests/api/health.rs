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
