//! Monthly releases: for every region with a port, an immutable snapshot of each
//! finished month since the port opened (the core's `report::months_due`), stored
//! with its `report.monthly` event in one batch. A month that has its snapshot is
//! skipped, so running twice never makes two, and a run after a missed one catches
//! up every month left out.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ppr_core::report::{self, Counts, Cumulative, Group, Listed, Month, MonthlyReport};
use ppr_core::{RegionCode, RegionScope};
use serde::Deserialize;
use worker::D1Database;

use crate::clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::ports::{self, PortRow};
use crate::repo::{Param, first, monthly_reports as store, statement};
use crate::webhooks;
use crate::webhooks::payload::{Download, PortData, ReportMonthlyData};
use crate::write::{Write, WriteError};

/// Makes every release that is due at `now`.
///
/// # Errors
///
/// The database failed (logged); releases made before the failure stay.
pub async fn release_due(config: &Config, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let db = &config.db;
    let mut made = 0;
    let ports = ports::all_ports(db).await?;
    if ports.is_empty() {
        return Ok(0);
    }
    let codes = ports::enterprise_region_codes(db).await?;
    for port in &ports {
        let Some(opened) = clock::parse_stamp(&port.created_at) else {
            continue;
        };
        let done = store::report_months(db, port.id).await?;
        let due: Vec<Month> = report::months_due(opened, now)
            .into_iter()
            .filter(|m| !done.contains(&m.to_string()))
            .take(report::MAX_CATCH_UP)
            .collect();
        for month in due {
            release(config, port, &codes, month, now).await?;
            made += 1;
        }
    }
    // The webhook sweep that follows in the same run dispatches the events.
    Ok(made)
}

/// The region codes in use that `scope` holds, as JSON for a regional query.
///
/// # Errors
///
/// The database failed, or the stored scope is unreadable (logged).
pub async fn codes_in_scope(db: &D1Database, scope: &str) -> Result<String, ApiError> {
    scope_codes(scope, &ports::enterprise_region_codes(db).await?)
}

/// The region codes of a scope among those enterprises use, as JSON for the query.
///
/// # Errors
///
/// A stored scope is unreadable (logged).
pub fn scope_codes(scope: &str, codes: &[String]) -> Result<String, ApiError> {
    let scope =
        RegionScope::parse(scope).map_err(|e| ApiError::internal_cause("stored scope", &e))?;
    let inside: Vec<&String> = codes
        .iter()
        .filter(|c| RegionCode::parse(c).is_ok_and(|code| scope.contains(code)))
        .collect();
    serde_json::to_string(&inside).map_err(|e| ApiError::internal_cause("scope codes", &e))
}

#[derive(Debug, Deserialize)]
struct CountRow {
    metric: String,
    field: Option<String>,
    region_code: String,
    n: i64,
}

/// What happened in the scope during the month, by metric, field and region code: one
/// query per source (D1 limits compound SELECTs), run as one batch. `?1` is the scope's
/// region codes, `?2` and `?3` the month's bounds.
const MONTH_COUNTS: [&str; 4] = [
    "SELECT 'new_filings' AS metric, json_extract(f.data, '$.field') AS field, e.region_code,
            count(*) AS n
     FROM filings f JOIN enterprises e ON e.id = f.enterprise_id
     WHERE e.region_code IN (SELECT value FROM json_each(?1)) AND f.kind = 'initial'
       AND f.first_submitted_at >= ?2 AND f.first_submitted_at < ?3
     GROUP BY 2, 3",
    "SELECT 'returned' AS metric, json_extract(f.data, '$.field') AS field, e.region_code,
            count(*) AS n
     FROM audit_log a JOIN enterprises e ON e.id = a.enterprise_id
     JOIN filings f ON f.id = CAST(a.entity_id AS INTEGER)
     WHERE e.region_code IN (SELECT value FROM json_each(?1)) AND a.action = 'filing.return'
       AND a.at >= ?2 AND a.at < ?3
     GROUP BY 2, 3",
    "SELECT CASE t.kind WHEN 'initial' THEN 'recorded' WHEN 'revocation' THEN 'revoked'
                ELSE 'updated' END AS metric, p.field, e.region_code, count(*) AS n
     FROM product_transactions t JOIN enterprises e ON e.id = t.enterprise_id
     JOIN products p ON p.id = t.product_id
     WHERE e.region_code IN (SELECT value FROM json_each(?1))
       AND t.kind IN ('initial', 'revocation', 'update', 'modification')
       AND t.at >= ?2 AND t.at < ?3
     GROUP BY 1, 2, 3",
    "SELECT 'identified' AS metric, p.field, e.region_code, count(*) AS n
     FROM certificates c JOIN products p ON p.id = c.product_id
     JOIN enterprises e ON e.id = p.enterprise_id
     WHERE e.region_code IN (SELECT value FROM json_each(?1))
       AND c.issued_at >= ?2 AND c.issued_at < ?3
     GROUP BY 2, 3",
];

/// Totals in the scope at the month's end.
const CUMULATIVE: &str = "
WITH live AS (
  SELECT p.id, p.enterprise_id FROM products p
   WHERE p.region_code IN (SELECT value FROM json_each(?1))
     AND p.recorded_at < ?2 AND (p.revoked_at IS NULL OR p.revoked_at >= ?2))
SELECT (SELECT count(*) FROM live) AS recorded_products,
       (SELECT count(DISTINCT c.product_id) FROM certificates c JOIN products p ON p.id = c.product_id
         WHERE p.region_code IN (SELECT value FROM json_each(?1)) AND c.issued_at < ?2) AS identified_products,
       (SELECT count(DISTINCT enterprise_id) FROM live) AS enterprises_with_products";

/// One month's counts of a scope: in all, by field and by prefecture-level city.
async fn month_counts(
    db: &D1Database,
    params: &[Param<'_>],
) -> Result<(Counts, BTreeMap<String, Counts>, BTreeMap<String, Counts>), ApiError> {
    let batch = MONTH_COUNTS
        .iter()
        .map(|sql| statement(db, sql, params))
        .collect::<worker::Result<Vec<_>>>()?;
    let mut rows: Vec<CountRow> = Vec::new();
    for result in db
        .batch(batch)
        .await
        .map_err(|e| ApiError::internal_cause("monthly counts", &e))?
    {
        rows.extend(result.results::<CountRow>()?);
    }
    let mut totals = Counts::default();
    let mut by_field: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_city: BTreeMap<String, Counts> = BTreeMap::new();
    for row in &rows {
        totals.add(&row.metric, row.n);
        let field = row.field.clone().unwrap_or_else(|| "unknown".to_owned());
        by_field.entry(field).or_default().add(&row.metric, row.n);
        let city = RegionCode::parse(&row.region_code).ok().map_or_else(
            || row.region_code.clone(),
            |c| c.prefecture().unwrap_or(c).to_string(),
        );
        by_city.entry(city).or_default().add(&row.metric, row.n);
    }
    Ok((totals, by_field, by_city))
}

/// Computes and stores one month's release with its event.
async fn release(
    config: &Config,
    port: &PortRow,
    codes: &[String],
    month: Month,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let db = &config.db;
    let inside = scope_codes(&port.scope, codes)?;
    let (start, end) = (clock::stamp(month.start()), clock::stamp(month.end()));
    let params = [Param::Text(&inside), Param::Text(&start), Param::Text(&end)];
    let (totals, by_field, by_city) = month_counts(db, &params).await?;
    let cumulative: Cumulative = first(db, CUMULATIVE, &[Param::Text(&inside), Param::Text(&end)])
        .await?
        .unwrap_or_default();
    let coverage = ports::demonstrations(db, port.id, &end, &inside)
        .await?
        .into_iter()
        .map(|d| Listed {
            uscc: d.uscc,
            label: d.label,
            recorded_products: d.recorded_products,
        })
        .collect();
    let groups = |map: BTreeMap<String, Counts>| {
        map.into_iter()
            .map(|(key, counts)| Group { key, counts })
            .collect()
    };
    let stamp = clock::stamp(now);
    let snapshot = MonthlyReport {
        scope: port.scope.clone(),
        month: month.to_string(),
        generated_at: stamp.clone(),
        totals,
        by_field: groups(by_field),
        by_city: groups(by_city),
        cumulative,
        coverage,
    };
    let data =
        serde_json::to_string(&snapshot).map_err(|e| ApiError::internal_cause("report", &e))?;
    let month_text = month.to_string();
    let announce = ReportMonthlyData {
        month: month_text.clone(),
        region_scope: port.scope.clone(),
        totals,
        cumulative,
        download: Download::of(&month_text),
    };
    let event = webhooks::port_event(db, port.id, PortData::ReportMonthly(announce), &stamp)?;
    // The event is written only with the report it announces: if the report exists
    // already (a concurrent run), the insert changes nothing and neither does this.
    let mut write = Write::new(config, &stamp, Actor::SYSTEM);
    write
        .guarded(store::insert_report(
            db,
            port.id,
            &month_text,
            &data,
            &stamp,
        ))?
        .event(event);
    match write.commit().await {
        Ok(_) | Err(WriteError::Stale) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
