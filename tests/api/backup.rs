//! Backups that restore: the scheduled job copies every table of a registry in the
//! middle of a round to R2; `scripts/restore-backup` loads it into a fresh local D1,
//! where every row of every table is equal and the registry answers as before.

use anyhow::{Context as _, Result, ensure};
use ppr_tests::rounds::{advance_and_wait, noon_in, today};
use ppr_tests::{TestWorker, WorkerOptions};
use serde_json::{Value, json};

use crate::support::Case;

pub const CASES: &[Case] = &[(
    "backup::a_registry_mid_round_restores_row_for_row",
    a_registry_mid_round_restores_row_for_row,
)];

/// The tables of a database and their columns, in one query.
const COLUMNS: &str = "SELECT m.name AS tbl, group_concat(p.name, ',') AS cols,
      (m.sql LIKE '%WITHOUT ROWID%') AS without_rowid
    FROM sqlite_master m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
      AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND m.sql NOT LIKE 'CREATE VIRTUAL%'
      AND m.name NOT LIKE 'product\\_search\\_%' ESCAPE '\\'
      AND m.name NOT IN ('d1_migrations', 'backups', 'backup_chunks')
    GROUP BY m.name ORDER BY m.name";

/// Every row of every table (with its rowid, where it has one), in order, as one JSON
/// text per table.
fn dump(worker: &TestWorker) -> Result<Vec<(String, String)>> {
    let tables = worker.query_sql(COLUMNS)?;
    let parts: Vec<String> = tables
        .iter()
        .map(|t| {
            let name = t["tbl"].as_str().unwrap_or_default();
            let cols: Vec<String> = t["cols"]
                .as_str()
                .unwrap_or_default()
                .split(',')
                .map(|c| format!("\"{c}\""))
                .collect();
            let cols = cols.join(", ");
            if t["without_rowid"] == 1 {
                format!(
                    "(SELECT json_group_array(json_array({cols})) \
                     FROM (SELECT * FROM \"{name}\" ORDER BY {cols})) AS \"{name}\""
                )
            } else {
                format!(
                    "(SELECT json_group_array(json_array(rowid, {cols})) \
                     FROM (SELECT rowid, * FROM \"{name}\" ORDER BY rowid)) AS \"{name}\""
                )
            }
        })
        .collect();
    // One row, a column per table (D1 allows few terms in a compound SELECT).
    let row = worker.query_sql(&format!("SELECT {}", parts.join(", ")))?;
    let row = row.first().context("a row")?;
    tables
        .iter()
        .map(|t| {
            let name = t["tbl"].as_str().context("table")?;
            Ok((
                name.to_owned(),
                row[name].as_str().context("rows")?.to_owned(),
            ))
        })
        .collect()
}

fn a_registry_mid_round_restores_row_for_row(_: &TestWorker) -> Result<()> {
    // Its own worker: a registry with a round half-way, confidential data and logs.
    let year = today().format("%Y").to_string().parse::<i32>()?;
    let worker = TestWorker::start_with(WorkerOptions {
        synthetic: Some((60, year)),
        backup_chunk_rows: 40,
        backup_chunks_per_run: 10,
        ..WorkerOptions::default()
    })?;
    let admin = worker.admin()?;
    let opened = admin.post_json(
        "/api/v1/rounds",
        &json!({"year": year, "opt_in_deadline": today(), "evaluation_date": today()}),
    )?;
    ensure!(
        opened.status == 201,
        "open: {} {}",
        opened.status,
        opened.body
    );
    advance_and_wait(&worker, &admin, year, "formal_check", &noon_in(1))?;
    let enterprise = worker.register_enterprise()?;
    ppr_tests::ports::open_port(&worker, "440000", None)?;
    ensure!(enterprise.id > 0);

    // Before any backup, the operator sees none.
    let health = admin.get("/api/v1/health")?.json()?;
    ensure!(health["operator"]["last_backup"].is_null(), "{health}");

    // Forty rows a chunk and ten chunks a run: the registry takes more chunks than
    // one run copies, so the backup goes on in the next runs, from where each stopped.
    worker.run_scheduled()?;
    let first = worker.query_sql("SELECT chunks, finished_at FROM backups")?;
    ensure!(
        first.len() == 1
            && first[0]["finished_at"].is_null()
            && first[0]["chunks"]
                .as_i64()
                .is_some_and(|n| (1..=150).contains(&n)),
        "the first run copies at most 150 chunks and stops: {first:?}"
    );
    for _ in 0..20 {
        worker.run_scheduled()?;
        let state = worker.query_sql("SELECT finished_at FROM backups")?;
        if !state[0]["finished_at"].is_null() {
            break;
        }
    }
    // The state the backup holds: nothing has written since it began but the runs'
    // own parts that had nothing left to do (the backup is the job's last part).
    let before = dump(&worker)?;
    let health = admin.get("/api/v1/health")?.json()?;
    let last = &health["operator"]["last_backup"];
    ensure!(
        last["id"] == 1,
        "the second run finishes the first backup: {health}"
    );
    ensure!(
        health["operator"]["last_backup_age_s"]
            .as_i64()
            .is_some_and(|s| s < 600),
        "{health}"
    );
    let manifest: Value = serde_json::from_slice(
        &worker
            .r2_object("patent-product-backups", "backups/00000001/manifest.json")?
            .context("the manifest is in R2")?,
    )?;
    let tables: Vec<&str> = manifest["tables"]
        .as_array()
        .context("tables")?
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for table in [
        "enterprises",
        "products",
        "product_years",
        "round_entries",
        "audit_log",
    ] {
        ensure!(tables.contains(&table), "{table} is backed up: {tables:?}");
    }
    ensure!(
        !tables
            .iter()
            .any(|t| t.starts_with("product_search") || *t == "d1_migrations"),
        "the search index is rebuilt, not copied: {tables:?}"
    );
    let chunks = manifest["chunks"].as_array().map_or(0, Vec::len);
    ensure!(chunks > 10, "{chunks} chunks");
    // A run soon after makes no second backup.
    worker.run_scheduled()?;
    let again = admin.get("/api/v1/health")?.json()?;
    ensure!(again["operator"]["last_backup"]["id"] == 1, "{again}");

    // Restored into a fresh D1 by the script an operator runs: every row equal.
    ensure!(
        before.len() == tables.len(),
        "{} tables, {} backed up",
        before.len(),
        tables.len()
    );
    let restored = TestWorker::start_restored(&worker)?;
    let after = dump(&restored)?;
    ensure!(
        before
            .iter()
            .map(|(t, _)| t)
            .eq(after.iter().map(|(t, _)| t)),
        "the same tables"
    );
    for ((table, rows), (_, restored_rows)) in before.iter().zip(&after) {
        ensure!(rows == restored_rows, "{table} differs after the restore");
    }

    // The restored registry answers as the original: a product, the search (its index
    // rebuilt), the round's state.
    let search = |w: &TestWorker| -> Result<Value> {
        Ok(w.get("/api/v1/products?q=%E6%99%BA%E8%83%BD")?.json()?["items"].clone())
    };
    let found = search(&worker)?;
    ensure!(
        found.as_array().is_some_and(|a| !a.is_empty()),
        "a search finds products"
    );
    ensure!(
        search(&restored)? == found,
        "the restored search finds the same products"
    );
    ensure!(
        restored.round(year)?["stage"] == "formal_check",
        "the round is where it was"
    );
    let restored_admin = restored.admin()?;
    ensure!(
        restored_admin.get("/api/v1/health")?.status == 200,
        "the national admin signs in to the restored registry"
    );
    Ok(())
}
