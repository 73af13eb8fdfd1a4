//! Monthly releases with a controlled clock: the port opened two months ago; the
//! scheduled job at the start of each month makes the month before; a missed month is
//! caught up; a second run makes nothing; the numbers match a count made here.

use anyhow::{Context, Result, ensure};
use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use ppr_tests::TestWorker;
use serde_json::json;

use crate::support::{Case, assert_error};
use ppr_tests::ports::open_port;

pub const CASES: &[Case] = &[(
    "monthly::releases_once_per_month_and_catch_up",
    releases_once_per_month_and_catch_up,
)];

/// The first day of the month `delta` months from `date`'s.
fn month_start(date: NaiveDate, delta: i32) -> NaiveDate {
    let index = date.year() * 12 + i32::try_from(date.month0()).unwrap_or(0) + delta;
    NaiveDate::from_ymd_opt(
        index.div_euclid(12),
        u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1,
        1,
    )
    .unwrap_or(date)
}

fn shanghai(date: NaiveDate, time: &str) -> String {
    format!("{date}T{time}+08:00")
}

fn releases_once_per_month_and_catch_up(_: &TestWorker) -> Result<()> {
    // Its own worker: the scheduled job a month on would end the sessions and forget
    // the idempotency keys of every other test (retention).
    let worker = &TestWorker::start_with(ppr_tests::WorkerOptions::default())?;
    let offset = FixedOffset::east_opt(8 * 3600).context("offset")?;
    let today = offset
        .from_utc_datetime(&Utc::now().naive_utc())
        .date_naive();
    let (two_ago, last, this, next) = (
        month_start(today, -2),
        month_start(today, -1),
        month_start(today, 0),
        month_start(today, 1),
    );
    let port = open_port(
        worker,
        "210200",
        Some(&shanghai(
            two_ago.with_day(15).unwrap_or(two_ago),
            "10:00:00",
        )),
    )?;

    // Activity now, in Dalian (a city under separate state planning, with its own port):
    // three products recorded, one filing returned.
    let dalian = worker.verified_enterprise_in("210202")?;
    for name in ["大连产品一", "大连产品二", "大连产品三"] {
        worker.recorded_product(&dalian, name)?;
    }
    let data = dalian.complete_data("大连退回")?;
    let filing = dalian.draft(&data)?["id"].as_i64().context("filing")?;
    dalian.submit(filing)?;
    worker.reviewer()?.post_json(
        &format!("/api/v1/filings/{filing}/decision"),
        &json!({"decision": "return", "reasons": [{"field": "model", "message": "补充型号"}]}),
    )?;
    port.send(
        "PUT",
        "/api/v1/port/demonstration-enterprises",
        Some(&json!({"enterprises": [{"uscc": dalian.enterprise.uscc, "label": "示范"}, {"uscc": "91350100M000100Y43", "label": "未注册"}]})),
    )?;

    // The 1st of last month's successor: the month the port opened is released.
    worker.run_scheduled_at(&shanghai(last, "00:05:00"))?;
    let months = |port: &ppr_tests::ports::Port<'_>| -> Result<Vec<String>> {
        Ok(port.get("/api/v1/port/reports")?.json()?["items"]
            .as_array()
            .context("items")?
            .iter()
            .filter_map(|m| m["month"].as_str().map(str::to_owned))
            .collect())
    };
    ensure!(
        months(&port)? == [two_ago.format("%Y-%m").to_string()],
        "{:?}",
        months(&port)?
    );
    // The run on the 1st of this month was missed; next month's catches up both.
    worker.run_scheduled_at(&shanghai(next, "00:05:00"))?;
    worker.run_scheduled_at(&shanghai(next, "00:10:00"))?;
    let listed = months(&port)?;
    let want: Vec<String> = [this, last, two_ago]
        .iter()
        .map(|m| m.format("%Y-%m").to_string())
        .collect();
    ensure!(listed == want, "{listed:?} != {want:?}");

    let current = this.format("%Y-%m").to_string();
    let report = port
        .get(&format!("/api/v1/port/reports/{current}"))?
        .json()?;
    let totals = &report["totals"];
    ensure!(totals["recorded"] == 3, "{report}");
    ensure!(totals["new_filings"] == 4, "{report}");
    ensure!(totals["returned"] == 1, "{report}");
    ensure!(
        totals["revoked"] == 0 && totals["identified"] == 0,
        "{report}"
    );
    ensure!(report["cumulative"]["recorded_products"] == 3, "{report}");
    ensure!(
        report["cumulative"]["enterprises_with_products"] == 1,
        "{report}"
    );
    let city = report["by_city"].as_array().context("by_city")?;
    ensure!(
        city.iter()
            .any(|g| g["key"] == "210200" && g["counts"]["recorded"] == 3),
        "{report}"
    );
    let coverage = report["coverage"].as_array().context("coverage")?;
    ensure!(
        coverage
            .iter()
            .any(|c| c["uscc"] == dalian.enterprise.uscc.as_str() && c["recorded_products"] == 3),
        "{report}"
    );
    let before = port
        .get(&format!("/api/v1/port/reports/{}", two_ago.format("%Y-%m")))?
        .json()?;
    ensure!(before["totals"]["recorded"] == 0, "{before}");
    let csv = port.get(&format!("/api/v1/port/reports/{current}?format=csv"))?;
    ensure!(csv.body.contains("totals,,recorded,3\r\n"), "{}", csv.body);
    assert_error(
        &port.get("/api/v1/port/reports/1999-01")?,
        404,
        "report_not_found",
    )?;
    Ok(())
}
