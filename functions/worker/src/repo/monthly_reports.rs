//! Monthly releases as stored: immutable, one per port and month.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// Stores a monthly report; a second for the same port and month is ignored, so
/// running twice never makes two.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert_report(
    db: &D1Database,
    port_id: i64,
    month: &str,
    data: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT OR IGNORE INTO monthly_reports (port_id, month, data, created_at) VALUES (?1, ?2, ?3, ?4)",
        &[
            Param::Int(port_id),
            Param::Text(month),
            Param::Text(data),
            Param::Text(now),
        ],
    )
}

/// The months a port has a report for.
///
/// # Errors
///
/// The database failed.
pub async fn report_months(db: &D1Database, port_id: i64) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Row {
        month: String,
    }
    let rows: Vec<Row> = all(
        db,
        "SELECT month FROM monthly_reports WHERE port_id = ?1 ORDER BY month DESC",
        &[Param::Int(port_id)],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.month).collect())
}

/// A stored report's JSON.
///
/// # Errors
///
/// The database failed.
pub async fn report(db: &D1Database, port_id: i64, month: &str) -> worker::Result<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        data: String,
    }
    let row: Option<Row> = first(
        db,
        "SELECT data FROM monthly_reports WHERE port_id = ?1 AND month = ?2",
        &[Param::Int(port_id), Param::Text(month)],
    )
    .await?;
    Ok(row.map(|r| r.data))
}
