//! The backups' own rows (`backups`, `backup_chunks`) and the reads a backup makes of
//! every other table: which tables there are, their columns, the highest key each
//! had when the backup began, and their rows chunk by chunk in key order (the rowid,
//! or the primary key of a `WITHOUT ROWID` table).
//!
//! Table and column names are spliced into the SQL here, the one place they are:
//! each comes from the database's own schema (`sqlite_master`, `pragma_table_info`)
//! and is used only after [`is_plain_sql_name`] accepted it, inside double quotes.

use ppr_core::text::is_plain_sql_name;
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// A table a backup copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePlan {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// Whether its rowid is a value of its own (a rowid table where no `INTEGER
    /// PRIMARY KEY` names it), so the backup keeps it as `rowid`.
    pub rowid: bool,
    /// The columns it is read in the order of, chunk after chunk: `rowid`, or the
    /// primary key of a `WITHOUT ROWID` table.
    pub key: Vec<String>,
    /// The highest key it had when the backup began (a JSON array; null when it was
    /// empty): rows added later with a higher key belong to the next backup.
    pub high: serde_json::Value,
}

/// A backup's row.
#[derive(Debug, Clone, Deserialize)]
pub struct BackupRow {
    /// Id.
    pub id: i64,
    /// When it began.
    pub started_at: String,
    /// When its manifest was written.
    pub finished_at: Option<String>,
    /// The newest migration the database had.
    pub schema: Option<String>,
    /// Its tables ([`TablePlan`]s, as JSON).
    pub plan: String,
    /// The table it is at.
    pub table_index: i64,
    /// The key of the last row of that table it copied (a JSON array; none at the
    /// table's start).
    pub after_key: Option<String>,
    /// Chunks written.
    pub chunks: i64,
}

/// A chunk a backup wrote to R2.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChunkRow {
    /// Its place in the backup (from 1).
    pub seq: i64,
    /// Its table.
    pub table_name: String,
    /// Its R2 key.
    pub key: String,
    /// Rows in it.
    pub rows: i64,
    /// The key of its first and last row (JSON arrays).
    pub first_key: String,
    /// See `first_key`.
    pub last_key: String,
    /// SHA-256 of the object (the gzip bytes), hex.
    pub sha256: String,
    /// Its size.
    pub bytes: i64,
}

/// The newest backup, finished or not.
///
/// # Errors
///
/// The database failed.
pub async fn latest(db: &D1Database) -> worker::Result<Option<BackupRow>> {
    first(
        db,
        "SELECT id, started_at, finished_at, schema, plan, table_index, after_key, chunks
         FROM backups ORDER BY id DESC LIMIT 1",
        &[],
    )
    .await
}

/// When the newest finished backup began, and its id.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Finished {
    /// Its id.
    pub id: i64,
    /// When it began (the state it holds is from then on).
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
}

/// The newest finished backup.
///
/// # Errors
///
/// The database failed.
pub async fn last_finished(
    db: &(impl super::Prepare + ?Sized),
) -> worker::Result<Option<Finished>> {
    first(
        db,
        "SELECT id, started_at, finished_at FROM backups WHERE finished_at IS NOT NULL
         ORDER BY id DESC LIMIT 1",
        &[],
    )
    .await
}

#[derive(Deserialize)]
struct Column {
    tbl: String,
    col: String,
    pk: i64,
    kind: String,
    without_rowid: i64,
}

/// The tables a backup copies, with their columns, in the order they were created
/// (parents before the tables that refer to them): every table but SQLite's and
/// D1's own, the migrations' record, the backups' own tables, virtual tables and
/// their shadow tables (the search index, rebuilt on restore).
///
/// # Errors
///
/// The database failed.
pub async fn tables(db: &D1Database) -> worker::Result<Vec<TablePlan>> {
    let columns: Vec<Column> = all(
        db,
        "SELECT m.name AS tbl, p.name AS col, p.pk AS pk, upper(p.type) AS kind,
                (m.sql LIKE '%WITHOUT ROWID%') AS without_rowid
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
           AND m.name NOT IN ('d1_migrations', 'backups', 'backup_chunks')
           AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
           AND NOT EXISTS (SELECT 1 FROM sqlite_master v
                           WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
                             AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')
         ORDER BY m.rowid, p.cid",
        &[],
    )
    .await?;
    let mut plans: Vec<TablePlan> = Vec::new();
    // Per table: its primary key's columns (place in the key, name, type), and
    // whether it has no rowid.
    type KeyColumn = (i64, String, String);
    let mut keys: Vec<(Vec<KeyColumn>, bool)> = Vec::new();
    for column in columns {
        if !is_plain_sql_name(&column.tbl) || !is_plain_sql_name(&column.col) {
            continue;
        }
        if plans.last().is_none_or(|p| p.name != column.tbl) {
            plans.push(TablePlan {
                name: column.tbl.clone(),
                columns: Vec::new(),
                rowid: true,
                key: Vec::new(),
                high: serde_json::Value::Null,
            });
            keys.push((Vec::new(), column.without_rowid == 1));
        }
        if let (Some(plan), Some(key)) = (plans.last_mut(), keys.last_mut()) {
            if column.pk > 0 {
                key.0.push((column.pk, column.col.clone(), column.kind));
            }
            plan.columns.push(column.col);
        }
    }
    for (plan, (mut pk, without_rowid)) in plans.iter_mut().zip(keys) {
        pk.sort();
        if without_rowid {
            plan.rowid = false;
            plan.key = pk.into_iter().map(|(_, name, _)| name).collect();
        } else {
            // An `INTEGER PRIMARY KEY` alone is the rowid under its own name.
            plan.rowid = !(pk.len() == 1 && pk.first().is_some_and(|k| k.2 == "INTEGER"));
            plan.key = vec!["rowid".to_owned()];
        }
    }
    Ok(plans)
}

/// A table's key columns, each quoted (`rowid` as it is), joined by `, `, with
/// `suffix` after each (` DESC` for the reverse order).
fn key_list(plan: &TablePlan, suffix: &str) -> String {
    plan.key
        .iter()
        .map(|k| {
            if k == "rowid" {
                format!("rowid{suffix}")
            } else {
                format!("\"{k}\"{suffix}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key bound `?n` (a JSON array) as a row value of the key's length.
fn key_bound(plan: &TablePlan, n: u8) -> String {
    (0..plan.key.len())
        .map(|i| format!("json_extract(?{n}, '$[{i}]')"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plain(plan: &TablePlan) -> bool {
    is_plain_sql_name(&plan.name) && plan.key.iter().all(|k| is_plain_sql_name(k))
}

/// Sets each table's highest key, all read by one statement (one row, a column per
/// table), so at one instant.
///
/// # Errors
///
/// The database failed.
pub async fn mark_highs(db: &D1Database, plans: &mut [TablePlan]) -> worker::Result<()> {
    let parts: Vec<String> = plans
        .iter()
        .filter(|p| plain(p))
        .map(|p| {
            let table = &p.name;
            let key = key_list(p, "");
            let order = key_list(p, " DESC");
            format!(
                "(SELECT json_array({key}) FROM \"{table}\" ORDER BY {order} LIMIT 1) AS \"{table}\""
            )
        })
        .collect();
    if parts.is_empty() {
        return Ok(());
    }
    let columns = parts.join(", ");
    let highs: Option<serde_json::Map<String, serde_json::Value>> =
        first(db, &format!("SELECT {columns}"), &[]).await?;
    let highs = highs.unwrap_or_default();
    for plan in plans.iter_mut() {
        plan.high = highs
            .get(&plan.name)
            .and_then(serde_json::Value::as_str)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(serde_json::Value::Null);
    }
    Ok(())
}

/// The next rows of a table after the key `after` (from its start when `None`), up to
/// its high mark, in key order, each with its key as `__key` (a JSON array) and, when
/// the table keeps it, its rowid as `__rowid`.
///
/// # Errors
///
/// The database failed, or a name is not a plain identifier.
pub async fn rows(
    db: &D1Database,
    plan: &TablePlan,
    after: Option<&str>,
    limit: i64,
) -> worker::Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let table = &plan.name;
    if !plain(plan) {
        return Err(worker::Error::RustError(format!(
            "not a plain table: {table}"
        )));
    }
    let high = plan.high.to_string();
    let key = key_list(plan, "");
    let upper = key_bound(plan, 2);
    let lower = match after {
        Some(_) => {
            let bound = key_bound(plan, 1);
            format!("({key}) > ({bound}) AND")
        }
        None => "?1 IS NULL AND".to_owned(),
    };
    let rowid = if plan.rowid { "rowid AS __rowid, " } else { "" };
    all(
        db,
        &format!(
            "SELECT json_array({key}) AS __key, {rowid}* FROM \"{table}\"
             WHERE {lower} ({key}) <= ({upper}) ORDER BY {key} LIMIT ?3"
        ),
        &[Param::OptText(after), Param::Text(&high), Param::Int(limit)],
    )
    .await
}

/// Starts a backup.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn start(
    db: &D1Database,
    plan: &str,
    schema: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO backups (started_at, schema, plan) VALUES (?1, ?2, ?3)",
        &[Param::Text(now), Param::OptText(schema), Param::Text(plan)],
    )
}

/// Where a backup stands after a step: at table `table_index`, after key `after_key`.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// The backup.
    pub id: i64,
    /// Its table.
    pub table_index: i64,
    /// The key of the last row copied (a JSON array).
    pub after_key: Option<String>,
    /// Chunks written.
    pub chunks: i64,
}

/// Moves a backup from `from` to `to` (a guard: changes nothing when another run moved
/// it first).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn advance(db: &D1Database, from: &Cursor, to: &Cursor) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE backups SET table_index = ?4, after_key = ?5, chunks = ?6
         WHERE id = ?1 AND table_index = ?2 AND after_key IS ?3 AND finished_at IS NULL",
        &[
            Param::Int(from.id),
            Param::Int(from.table_index),
            Param::OptText(from.after_key.as_deref()),
            Param::Int(to.table_index),
            Param::OptText(to.after_key.as_deref()),
            Param::Int(to.chunks),
        ],
    )
}

/// Records a chunk written to R2.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn add_chunk(
    db: &D1Database,
    backup: i64,
    chunk: &ChunkRow,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO backup_chunks
           (backup_id, seq, table_name, key, rows, first_key, last_key, sha256, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            Param::Int(backup),
            Param::Int(chunk.seq),
            Param::Text(&chunk.table_name),
            Param::Text(&chunk.key),
            Param::Int(chunk.rows),
            Param::Text(&chunk.first_key),
            Param::Text(&chunk.last_key),
            Param::Text(&chunk.sha256),
            Param::Int(chunk.bytes),
        ],
    )
}

/// A backup's chunks, in order.
///
/// # Errors
///
/// The database failed.
pub async fn chunks(db: &D1Database, backup: i64) -> worker::Result<Vec<ChunkRow>> {
    all(
        db,
        "SELECT seq, table_name, key, rows, first_key, last_key, sha256, bytes
         FROM backup_chunks WHERE backup_id = ?1 ORDER BY seq",
        &[Param::Int(backup)],
    )
    .await
}

/// Marks a backup finished and forgets the chunk rows of the backups before it (their
/// manifests list them).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn finish(db: &D1Database, backup: i64, now: &str) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "UPDATE backups SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL",
            &[Param::Int(backup), Param::Text(now)],
        )?,
        statement(
            db,
            "DELETE FROM backup_chunks WHERE backup_id < ?1",
            &[Param::Int(backup)],
        )?,
    ])
}
