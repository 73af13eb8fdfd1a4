//! The daily open-data files: made by the scheduled job in many steps, they read back
//! (CSV and JSON Lines) equal to the public export, the data package validates with
//! the `frictionless` tool, and they are served with `Content-Length`, `ETag` (304)
//! and `Range` (206, 416).

use anyhow::{Context, Result, ensure};
use ppr_tests::fixtures::unique;
use ppr_tests::registry::this_year;
use ppr_tests::{TestWorker, WorkerOptions, gunzip, repo_root};
use serde_json::{Value, json};

use crate::support::Case;

pub const CASES: &[Case] = &[
    (
        "open_data::the_files_equal_the_export_and_validate",
        the_files_equal_the_export_and_validate,
    ),
    (
        "open_data::files_of_several_parts_read_back_whole",
        files_of_several_parts_read_back_whole,
    ),
];

/// The export's every record, in id order.
fn export(worker: &TestWorker) -> Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = worker
            .get(&format!("/api/v1/export/products?limit=1000{cursor}"))?
            .json()?;
        items.extend(page["items"].as_array().context("items")?.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return Ok(items),
        }
    }
}

/// What the files must say of an export record, column by column.
fn expected(p: &Value) -> Value {
    let patents: Vec<Value> = p["patents"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|x| json!({"number": x["number"], "kind": x["kind"], "core": x["core"]}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "registration_number": p["registration_number"],
        "name": p["name"],
        "model": p["model"],
        "field_code": p["field"]["code"],
        "field_name": p["field"]["name_zh"],
        "enterprise_uscc": p["enterprise"]["uscc"],
        "enterprise_name": p["enterprise"]["name"],
        "region_code": p["enterprise"]["region"]["code"],
        "province": p["enterprise"]["region"]["province_zh"],
        "status": p["status"],
        "recorded_year": p["recorded_year"],
        "recorded_at": p["recorded_at"],
        "revoked_at": p["revoked_at"],
        "years_recorded": p["years_recorded"],
        "identified_years": p["identified_years"],
        "patents": patents,
    })
}

/// A record as its CSV line.
fn csv_line(record: &Value) -> String {
    let columns = ppr_core::open_data::COLUMNS;
    let cells: Vec<String> = columns
        .iter()
        .map(|c| {
            let text = match &record[c.name] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(items) if c.name == "patents" => items
                    .iter()
                    .map(|x| {
                        format!(
                            "{}|{}|{}",
                            x["number"].as_str().unwrap_or_default(),
                            x["kind"].as_str().unwrap_or_default(),
                            u8::from(x["core"] == true)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                Value::Array(items) => items
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            };
            ppr_core::csv::cell(&text)
        })
        .collect();
    cells.join(",")
}

fn fetch(worker: &TestWorker, path: &str) -> Result<Vec<u8>> {
    let reply = worker.request_bytes("GET", path, &[])?;
    ensure!(reply.0 == 200, "{path}: {}", reply.0);
    Ok(reply.2)
}

/// The latest JSON Lines and CSV files, read back: one line per record of `records`
/// (the export's, in id order) and equal to it. The CSV's text.
fn read_back(worker: &TestWorker, records: &[Value]) -> Result<String> {
    // JSON Lines: one object per product, in id order, equal to the export.
    let jsonl = gunzip(&fetch(worker, "/open-data/latest/products.jsonl.gz")?)?;
    let lines: Vec<Value> = jsonl
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    ensure!(lines.len() == records.len(), "{} lines", lines.len());
    for (line, record) in lines.iter().zip(records) {
        ensure!(line == record, "{line}\n!=\n{record}");
    }
    // CSV: a byte-order mark, the header, then the same records, formulas defused.
    let csv = gunzip(&fetch(worker, "/open-data/latest/products.csv.gz")?)?;
    let header: Vec<&str> = ppr_core::open_data::COLUMNS
        .iter()
        .map(|c| c.name)
        .collect();
    ensure!(
        csv.starts_with(&format!("\u{feff}{}\r\n", header.join(","))),
        "header: {}",
        csv.lines().next().unwrap_or_default()
    );
    let rows: Vec<&str> = csv.trim_end_matches("\r\n").split("\r\n").skip(1).collect();
    ensure!(rows.len() == records.len(), "{} rows", rows.len());
    for (row, record) in rows.iter().zip(records) {
        ensure!(*row == csv_line(record), "{row}\n!=\n{}", csv_line(record));
    }
    Ok(csv)
}

fn the_files_equal_the_export_and_validate(_shared: &TestWorker) -> Result<()> {
    // A registry of its own, so nothing changes between the run and the comparison.
    let worker = TestWorker::start_with(WorkerOptions {
        synthetic: Some((150, this_year())),
        ..WorkerOptions::default()
    })?;
    let verified = worker.verified_enterprise_in("440300")?;
    let tricky = format!("=SUM(A1), \"双引号\" 数据{}", unique());
    worker.recorded_product(&verified, &tricky)?;
    // A name a spreadsheet would run as a formula though it starts with "-" and a digit.
    let minus = format!("-1+1+cmd|' /C calc'!A0 {}", unique());
    worker.recorded_product(&verified, &minus)?;
    // Nothing to serve before the first run, and statistics that say so.
    let none = worker.get("/open-data/latest/products.csv.gz")?;
    ensure!(none.status == 404, "{}", none.status);
    let waiting = worker.get("/statistics/")?;
    ensure!(
        waiting.status == 200 && waiting.body.contains("今天的还没有生成"),
        "{}",
        waiting.status
    );
    // Tomorrow's run, in as many invocations as it takes.
    let package = worker.run_open_data()?;
    let day = package["version"].as_str().context("version")?.to_owned();
    ensure!(day.len() == 10, "{day}");
    let records: Vec<Value> = export(&worker)?.iter().map(expected).collect();
    ensure!(records.len() == 152, "{} records", records.len());
    ensure!(package["x-products"] == 152, "{}", package["x-products"]);
    // The statistics count the same day's registry and say when.
    let statistics = worker.get("/en/statistics/")?;
    ensure!(statistics.status == 200, "{}", statistics.status);
    let recorded = records.iter().filter(|r| r["status"] == "recorded").count();
    ensure!(
        statistics
            .body
            .contains(&format!("Registered products: {recorded}")),
        "the total is not {recorded}"
    );
    ensure!(
        statistics.body.contains(&format!(
            "datetime=\"{}",
            package["created"].as_str().unwrap_or("-")
        )),
        "no time of data"
    );

    let csv = read_back(&worker, &records)?;
    ensure!(
        csv.contains("\"'=SUM(A1), \"\"双引号\"\""),
        "the formula is not defused"
    );
    ensure!(
        csv.contains(&format!(
            "\r\n{},'{minus},",
            records
                .iter()
                .find(|r| r["name"] == minus.as_str())
                .and_then(|r| r["registration_number"].as_str())
                .unwrap_or("-")
        )),
        "the formula after a minus sign is not defused"
    );

    // The dated files are the same, and kept for good.
    let dated = format!("/open-data/{day}/products.csv.gz");
    let reply = worker.request_bytes("GET", &dated, &[])?;
    ensure!(reply.0 == 200, "{dated}: {}", reply.0);
    ensure!(gunzip(&reply.2)? == csv, "the dated file differs");
    let headers = &reply.1;
    ensure!(
        headers.get("cache-control").and_then(|v| v.to_str().ok())
            == Some("public, max-age=31536000, immutable"),
        "{headers:?}"
    );
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .context("content-length")?;
    ensure!(
        length == reply.2.len(),
        "content-length {length} of {}",
        reply.2.len()
    );
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .context("etag")?
        .to_owned();
    // A download resumed: the bytes from 10 on, then past the end.
    let part = worker.request_bytes("GET", &dated, &[("range", "bytes=10-")])?;
    ensure!(part.0 == 206, "range: {}", part.0);
    ensure!(part.2 == reply.2[10..], "the range's bytes differ");
    ensure!(
        part.1.get("content-range").and_then(|v| v.to_str().ok())
            == Some(format!("bytes 10-{}/{}", length - 1, length).as_str()),
        "{:?}",
        part.1.get("content-range")
    );
    let past = worker.request_bytes("GET", &dated, &[("range", &format!("bytes={length}-"))])?;
    ensure!(past.0 == 416, "past the end: {}", past.0);
    let same = worker.request_bytes("GET", &dated, &[("if-none-match", &etag)])?;
    ensure!(
        same.0 == 304 && same.2.is_empty(),
        "if-none-match: {}",
        same.0
    );
    // The static site's former files point to their successors.
    let moved = worker.get("/open-data/products.csv")?;
    ensure!(
        moved.status == 301
            && moved.header("location") == Some("/open-data/latest/products.csv.gz"),
        "{}",
        moved.status
    );
    for bad in [
        "/open-data/latest/secrets.txt",
        "/open-data/2026-13-01/products.csv.gz",
        "/open-data/work/x",
        "/open-data/1999-01-01/products.csv.gz",
    ] {
        let reply = worker.get(bad)?;
        ensure!(reply.status == 404, "{bad}: {}", reply.status);
    }

    // The package validates as Frictionless data, files and all.
    let dir = std::env::temp_dir().join(format!("ppr-open-data-{}", unique()));
    std::fs::create_dir_all(&dir)?;
    for resource in package["resources"].as_array().context("resources")? {
        let path = resource["path"].as_str().context("path")?;
        std::fs::write(
            dir.join(path),
            fetch(&worker, &format!("/open-data/{day}/{path}"))?,
        )?;
    }
    std::fs::write(
        dir.join("datapackage.json"),
        fetch(&worker, &format!("/open-data/{day}/datapackage.json"))?,
    )?;
    let frictionless = repo_root().join(".venv/bin/frictionless");
    let output = std::process::Command::new(&frictionless)
        .current_dir(&dir)
        .args(["validate", "--json", "datapackage.json"])
        .output()
        .with_context(|| format!("run {}", frictionless.display()))?;
    let report: Value = serde_json::from_slice(&output.stdout)
        .with_context(|| String::from_utf8_lossy(&output.stderr).into_owned())?;
    let _ = std::fs::remove_dir_all(&dir);
    ensure!(report["valid"] == true, "frictionless: {report:#}");
    Ok(())
}

/// The size of each part of the files' multipart uploads but the last (R2's least).
const PART_BYTES: usize = 5 * 1024 * 1024;

/// Files larger than one part: their parts join into one gzip stream that reads back
/// equal to the export, and a range across a part's end is the same bytes as the whole
/// file's.
fn files_of_several_parts_read_back_whole(_shared: &TestWorker) -> Result<()> {
    const PRODUCTS: usize = 24_000;
    let worker = TestWorker::start_with(WorkerOptions {
        synthetic: Some((PRODUCTS, this_year())),
        open_data_chunk: 2000,
        ..WorkerOptions::default()
    })?;
    // Names and models of random characters (within their 100-character limits),
    // which gzip cannot shrink much, so that 24,000 products make files over 5 MiB.
    worker.execute_sql(
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100) \
         UPDATE products SET \
         name = (SELECT group_concat(char(19968 + abs(random() % 20000)), '') FROM c WHERE products.id > 0), \
         model = (SELECT group_concat(substr('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789abcdefghijkmnopqrstuvwxyz', 1 + abs(random() % 60), 1), '') FROM c WHERE products.id > 0)",
    )?;
    let package = worker.run_open_data()?;
    let day = package["version"].as_str().context("version")?.to_owned();
    let records: Vec<Value> = export(&worker)?.iter().map(expected).collect();
    ensure!(records.len() == PRODUCTS, "{} records", records.len());
    ensure!(
        records[0]["name"].as_str().map(|n| n.chars().count()) == Some(100),
        "{}",
        records[0]["name"]
    );
    for file in ["products.csv.gz", "products.jsonl.gz"] {
        let bytes = fetch(&worker, &format!("/open-data/{day}/{file}"))?;
        ensure!(
            bytes.len() > PART_BYTES,
            "{file}: {} bytes, one part",
            bytes.len()
        );
    }
    read_back(&worker, &records)?;
    let path = format!("/open-data/{day}/products.csv.gz");
    let whole = fetch(&worker, &path)?;
    let (from, to) = (PART_BYTES - 20, PART_BYTES + 19);
    let part = worker.request_bytes("GET", &path, &[("range", &format!("bytes={from}-{to}"))])?;
    ensure!(part.0 == 206, "range: {}", part.0);
    ensure!(
        whole.get(from..=to) == Some(part.2.as_slice()),
        "the bytes across the first part's end differ"
    );
    Ok(())
}
