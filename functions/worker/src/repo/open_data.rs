//! The daily open-data runs' state, and the public rows the files are made of.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::public::{COLUMNS, PublicProductRow};
use super::{Param, all, first, statement};

/// A day's run.
#[derive(Debug, Clone, Deserialize)]
pub struct RunRow {
    /// The business day (`YYYY-MM-DD`) whose files it makes.
    pub day: String,
    /// `running` or `done`.
    pub status: String,
    /// When it began.
    pub started_at: String,
    /// When its files were complete.
    pub finished_at: Option<String>,
    /// The last product id written.
    pub after_id: i64,
    /// Steps done.
    pub step: i64,
    /// Products written.
    pub rows_written: i64,
    /// The files' uploads (JSON).
    pub files: String,
    /// Row version.
    pub version: i64,
}

const RUN_COLUMNS: &str =
    "day, status, started_at, finished_at, after_id, step, rows_written, files, version";

/// The run of `day`, if one began.
///
/// # Errors
///
/// The database failed.
pub async fn run(db: &D1Database, day: &str) -> worker::Result<Option<RunRow>> {
    first(
        db,
        &format!("SELECT {RUN_COLUMNS} FROM open_data_runs WHERE day = ?1"),
        &[Param::Text(day)],
    )
    .await
}

/// The newest day whose files are complete.
///
/// # Errors
///
/// The database failed.
pub async fn latest_done(db: &D1Database) -> worker::Result<Option<RunRow>> {
    first(
        db,
        &format!(
            "SELECT {RUN_COLUMNS} FROM open_data_runs WHERE status = 'done'
             ORDER BY day DESC LIMIT 1"
        ),
        &[],
    )
    .await
}

/// Begins the run of `day` (nothing if it began already).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn begin(
    db: &D1Database,
    day: &str,
    files: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO open_data_runs (day, status, started_at, files) VALUES (?1, 'running', ?2, ?3)
         ON CONFLICT (day) DO NOTHING",
        &[Param::Text(day), Param::Text(now), Param::Text(files)],
    )
}

/// What one step changed.
#[derive(Debug, Clone)]
pub struct Advance<'a> {
    /// The last product id written.
    pub after_id: i64,
    /// Products written in the step.
    pub rows: i64,
    /// The files' uploads now (JSON).
    pub files: &'a str,
    /// When the run finished, if this step finished it.
    pub finished_at: Option<&'a str>,
}

/// Records a step of the run of `day` read at `version` (guarded: a step someone else
/// recorded first leaves this one unrecorded).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn advance(
    db: &D1Database,
    day: &str,
    version: i64,
    step: &Advance<'_>,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE open_data_runs SET after_id = ?3, step = step + 1, rows_written = rows_written + ?4,
                files = ?5, finished_at = ?6,
                status = CASE WHEN ?6 IS NULL THEN 'running' ELSE 'done' END,
                version = version + 1
         WHERE day = ?1 AND version = ?2",
        &[
            Param::Text(day),
            Param::Int(version),
            Param::Int(step.after_id),
            Param::Int(step.rows),
            Param::Text(step.files),
            Param::OptText(step.finished_at),
        ],
    )
}

/// The years of the rounds whose list is final.
///
/// # Errors
///
/// The database failed.
pub async fn final_years(db: &D1Database) -> worker::Result<Vec<i64>> {
    #[derive(Deserialize)]
    struct Year {
        year: i64,
    }
    let rows: Vec<Year> = all(
        db,
        "SELECT year FROM rounds WHERE stage = 'final' ORDER BY year",
        &[],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.year).collect())
}

/// The public records of the products identified in round `year`, by id after
/// `after`.
///
/// # Errors
///
/// The database failed.
pub async fn identified_in(
    db: &D1Database,
    year: i64,
    after: i64,
    limit: i64,
) -> worker::Result<Vec<PublicProductRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM round_entries r
               JOIN products p ON p.id = r.product_id
               JOIN enterprises e ON e.id = p.enterprise_id
             WHERE r.year = ?1 AND r.outcome = 'identified' AND p.id > ?2
             ORDER BY p.id LIMIT ?3"
        ),
        &[Param::Int(year), Param::Int(after), Param::Int(limit)],
    )
    .await
}

/// A count under a key.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyCount {
    /// The key (a province prefix, a field code, a month, a year).
    pub key: String,
    /// How many.
    pub n: i64,
}

/// The counts the statistics show, one query each: recorded products by province,
/// field, month and year recorded, and products by year identified.
pub const COUNT_QUERIES: [&str; 5] = [
    "SELECT province AS key, count(*) AS n FROM products WHERE status = 'recorded' GROUP BY province",
    "SELECT field AS key, count(*) AS n FROM products WHERE status = 'recorded' GROUP BY field",
    "SELECT substr(recorded_at, 1, 7) AS key, count(*) AS n FROM products
     WHERE status = 'recorded' GROUP BY substr(recorded_at, 1, 7)",
    "SELECT CAST(recorded_year AS TEXT) AS key, count(*) AS n FROM products
     WHERE status = 'recorded' GROUP BY recorded_year",
    "SELECT CAST(j.value AS TEXT) AS key, count(*) AS n
     FROM products p, json_each(p.identified_years) j
     WHERE p.identified_years <> '[]' GROUP BY j.value",
];

/// The counts of [`COUNT_QUERIES`], in their order.
///
/// # Errors
///
/// The database failed.
pub async fn counts(db: &D1Database) -> worker::Result<Vec<Vec<KeyCount>>> {
    let mut out = Vec::with_capacity(COUNT_QUERIES.len());
    for query in COUNT_QUERIES {
        out.push(all(db, query, &[]).await?);
    }
    Ok(out)
}
