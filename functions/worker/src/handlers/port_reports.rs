//! A port's figures of its region: the statistics of the moment, and the monthly
//! releases (made by the scheduled job, see [`crate::monthly`]) to read and download.

use std::collections::BTreeMap;

use ppr_core::RegionCode;
use ppr_core::calendar::BUSINESS_UTC_OFFSET_SECONDS;
use ppr_core::report::{Month, MonthlyReport};

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::monthly_reports as store;
use crate::repo::port_data;
use crate::services::ports::own_port;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port/statistics", get_port_statistics(ctx), Roles::Port),
    operation!(GET "/api/v1/port/reports", list_monthly_reports(ctx), Roles::Port),
    operation!(GET "/api/v1/port/reports/{month}", get_monthly_report(ctx), Roles::Port,
        query: ["format"]),
];

/// `GET /api/v1/port/statistics`: products by status, field, city and month
/// (recorded and identified), identified against recorded, and the sales of
/// recorded products by year (each year's sum only where at least
/// [`MIN_ENTERPRISES_FOR_SALES`] enterprises make it, so no enterprise's own figure
/// shows without the logged reads of the product listing).
///
/// # Errors
///
/// As [`own_port`].
pub async fn get_port_statistics(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let db = ctx.db();
    let codes = crate::monthly::codes_in_scope(db, &port.scope).await?;
    let shift = format!("{BUSINESS_UTC_OFFSET_SECONDS:+} seconds");
    let rows = port_data::statistics(db, &codes, &shift).await?;
    let mut by_status = BTreeMap::new();
    let mut by_field: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_city: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut recorded_month = BTreeMap::new();
    let mut identified_month = BTreeMap::new();
    let mut sales = Vec::new();
    let mut identified = 0;
    for row in rows {
        let key = row.key.unwrap_or_default();
        match row.dim.as_str() {
            "status" => {
                by_status.insert(key, row.n);
            }
            "field" | "region" => {
                let (group, status) = key.split_once(':').unwrap_or((key.as_str(), ""));
                let group = if row.dim == "region" {
                    RegionCode::parse(group).map_or_else(
                        |_| group.to_owned(),
                        |c| c.prefecture().unwrap_or(c).to_string(),
                    )
                } else {
                    group.to_owned()
                };
                let target = if row.dim == "field" {
                    &mut by_field
                } else {
                    &mut by_city
                };
                *target
                    .entry(group)
                    .or_default()
                    .entry(status.to_owned())
                    .or_default() += row.n;
            }
            "recorded_month" => {
                recorded_month.insert(key, row.n);
            }
            "identified_month" => {
                identified_month.insert(key, row.n);
            }
            "identified" => identified = row.n,
            "sales" => sales.push(sales_figure(&key, row.n, row.amount, row.enterprises)),
            _ => {}
        }
    }
    let recorded = by_status.get("recorded").copied().unwrap_or_default();
    Reply::json(
        200,
        &serde_json::json!({
            "region_scope": port.scope,
            "by_status": by_status,
            "by_field": by_field,
            "by_city": by_city,
            "by_month": {"recorded": recorded_month, "identified": identified_month},
            "recorded_vs_identified": {"recorded": recorded, "identified": identified},
            "sales_of_recorded_products": sales,
        }),
        CachePolicy::NoStore,
    )
}

/// Sales sums of fewer enterprises than this are not shown: a city with one product
/// would show that product's confidential figure, which only a logged read may.
pub const MIN_ENTERPRISES_FOR_SALES: i64 = 3;

/// One year's sales of the recorded products: the sum, or, when fewer than
/// [`MIN_ENTERPRISES_FOR_SALES`] enterprises make it, `null` and that bound.
fn sales_figure(
    year: &str,
    products: i64,
    amount: Option<i64>,
    enterprises: Option<i64>,
) -> serde_json::Value {
    let year = year.parse::<i64>().unwrap_or_default();
    let enterprises = enterprises.unwrap_or_default();
    if enterprises < MIN_ENTERPRISES_FOR_SALES {
        serde_json::json!({
            "year": year,
            "products": products,
            "sales": null,
            "fewer_than_enterprises": MIN_ENTERPRISES_FOR_SALES,
        })
    } else {
        serde_json::json!({
            "year": year,
            "products": products,
            "enterprises": enterprises,
            "sales": amount.unwrap_or_default(),
        })
    }
}

/// `GET /api/v1/port/reports`: the months with a release, newest first.
///
/// # Errors
///
/// As [`own_port`].
pub async fn list_monthly_reports(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let months = store::report_months(ctx.db(), port.id).await?;
    let items: Vec<serde_json::Value> = months
        .iter()
        .map(|m| {
            serde_json::json!({
                "month": m,
                "json": format!("/api/v1/port/reports/{m}"),
                "csv": format!("/api/v1/port/reports/{m}?format=csv"),
            })
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"items": items}),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/port/reports/{month}`: one release, as JSON or `?format=csv`.
///
/// # Errors
///
/// As [`own_port`]; 404 no release for that month.
pub async fn get_monthly_report(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let csv = ctx.wants_csv()?;
    let raw = ctx.param("month")?;
    let not_found = || {
        ApiError::missing(
            "report_not_found",
            format!(
                "no monthly release for {raw}; releases are made on the 1st for the month before"
            ),
        )
    };
    let month = Month::parse(&raw).ok_or_else(not_found)?;
    let data = store::report(ctx.db(), port.id, &month.to_string())
        .await?
        .ok_or_else(not_found)?;
    let report: MonthlyReport =
        serde_json::from_str(&data).map_err(|e| ApiError::internal_cause("stored report", &e))?;
    if csv {
        return Ok(
            Reply::bytes(report.csv().into_bytes(), "text/csv; charset=utf-8").with_header(
                "content-disposition",
                format!("attachment; filename=\"report-{}-{month}.csv\"", port.scope),
            ),
        );
    }
    Reply::json(200, &report, CachePolicy::NoStore)
}
