//! Logical backups of the whole database into R2 (`BACKUPS`), which D1's own export
//! cannot make of a database with a virtual table (the search index).
//!
//! The scheduled job starts a backup when one is [`due`] (nightly), and each run copies
//! up to [`crate::config::BACKUP_CHUNKS_PER_RUN`] chunks within [`RUN_BUDGET_MS`], so a national registry is
//! backed up over several runs, each inside an invocation's query, CPU and memory
//! limits:
//!
//! 1. **Start**: the tables to copy (every table but SQLite's, D1's, the migrations'
//!    record, the backups' own and the search index, which a restore rebuilds), their
//!    columns, and the highest key of each (the rowid, or the primary key of a
//!    `WITHOUT ROWID` table), all read by one statement, so at one instant: the
//!    backup holds every row that existed then and none added later (in a `WITHOUT
//!    ROWID` table, a row added later below the highest key may be in it).
//! 2. **Chunks**: the next [`crate::config::BACKUP_CHUNK`] rows (`Config::backup_chunk`) of the current table in key
//!    order, as gzip-compressed JSON Lines (each row's columns, and its rowid where
//!    no column holds it), under `backups/{id}/{table}/{chunk}-{digest}.jsonl.gz`;
//!    the chunk's row and the backup's cursor are then written in one batch that only
//!    the first of two runs doing the same chunk commits, so a chunk is recorded once.
//! 3. **Manifest**: `backups/{id}/manifest.json` (the tables with their columns and
//!    row counts, every chunk with its rows and SHA-256), then `backups/latest.json`
//!    naming it. A backup without a manifest is incomplete and is never restored.
//!
//! A row changed while the backup runs is copied as it was when its chunk was read;
//! the backup is taken at night (Beijing time) so that few are. `scripts/restore-backup`
//! checks every chunk against the manifest, loads the rows into a fresh database and
//! rebuilds the search index.

use chrono::{DateTime, Duration, Timelike as _, Utc};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use worker::HttpMetadata;

use crate::clock::{self, stamp};
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::backups::{self, BackupRow, ChunkRow, Cursor, TablePlan};
use crate::write::{Write, WriteError};

/// How often a backup is made: the newest finished backup is at most this old, plus
/// the time one takes.
pub const EVERY: Duration = Duration::hours(24);

/// The Beijing hour from which a day's backup may start (when the registry is
/// quietest).
pub const START_HOUR: u32 = 2;

/// A run starts no chunk after this long, leaving the invocation's CPU time to the
/// scheduled job's other parts.
pub const RUN_BUDGET_MS: i64 = 15_000;

/// The manifest's format.
const FORMAT: u32 = 1;

/// The R2 key of a backup's manifest.
#[must_use]
pub fn manifest_key(backup: i64) -> String {
    format!("backups/{backup:08}/manifest.json")
}

/// The R2 key naming the newest finished backup.
pub const LATEST_KEY: &str = "backups/latest.json";

/// Advances the backup in progress, or starts one when it is due. Each failure is
/// logged; the next run goes on from where this one stopped.
pub async fn run(config: &Config, now: DateTime<Utc>) {
    if let Err(err) = advance(config, now).await {
        let _ = ApiError::internal_cause("backup", &err);
    }
}

/// Whether a backup is due at `now`, the last one having begun at `last` (if any): the
/// first at once; then, once the last is nearly a day old, in the night's window from
/// [`START_HOUR`] Beijing time, or at any hour once it is two days old.
#[must_use]
pub fn due(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let Some(last) = last else {
        return true;
    };
    let beijing_hour = (now + Duration::hours(8)).hour();
    let age = now - last;
    let night = (START_HOUR..START_HOUR + WINDOW_HOURS).contains(&beijing_hour);
    (age >= EVERY - Duration::hours(1) && night) || age >= EVERY * 2
}

/// How many hours from [`START_HOUR`] a day's backup may start in.
const WINDOW_HOURS: u32 = 4;

async fn advance(config: &Config, now: DateTime<Utc>) -> Result<(), String> {
    let db = &config.db;
    let latest = backups::latest(db).await.map_err(|e| e.to_string())?;
    let mut backup = match latest {
        Some(b) if b.finished_at.is_none() => b,
        Some(b) if !due(clock::parse_stamp(&b.started_at), now) => return Ok(()),
        _ => match start(config, now).await? {
            Some(b) => b,
            None => return Ok(()),
        },
    };
    let plan: Vec<TablePlan> = serde_json::from_str(&backup.plan).map_err(|e| e.to_string())?;
    let started = clock::now();
    for _ in 0..config.backup_chunks_per_run {
        if (clock::now() - started).num_milliseconds() > RUN_BUDGET_MS {
            break;
        }
        let Some(table) = usize::try_from(backup.table_index)
            .ok()
            .and_then(|i| plan.get(i))
        else {
            return finish(config, &backup, &plan, now).await;
        };
        match step(config, &backup, table, now).await? {
            Some(next) => {
                backup.table_index = next.table_index;
                backup.after_key = next.after_key;
                backup.chunks = next.chunks;
            }
            // Another run moved it on: leave the rest to that one.
            None => return Ok(()),
        }
    }
    Ok(())
}

/// Starts a backup: its tables and their high marks.
async fn start(config: &Config, now: DateTime<Utc>) -> Result<Option<BackupRow>, String> {
    let db = &config.db;
    let mut plan = backups::tables(db).await.map_err(|e| e.to_string())?;
    backups::mark_highs(db, &mut plan)
        .await
        .map_err(|e| e.to_string())?;
    let schema = crate::repo::schema::schema_state(db)
        .await
        .map_err(|e| e.to_string())?
        .latest;
    let plan = serde_json::to_string(&plan).map_err(|e| e.to_string())?;
    let at = stamp(now);
    backups::start(db, &plan, schema.as_deref(), &at)
        .map_err(|e| e.to_string())?
        .run()
        .await
        .map_err(|e| e.to_string())?;
    backups::latest(db).await.map_err(|e| e.to_string())
}

/// Copies the next chunk of `table` (or moves to the next table when it has no rows
/// left): the cursor it reached, or `None` when another run moved the backup first.
async fn step(
    config: &Config,
    backup: &BackupRow,
    table: &TablePlan,
    now: DateTime<Utc>,
) -> Result<Option<Cursor>, String> {
    let db = &config.db;
    let from = Cursor {
        id: backup.id,
        table_index: backup.table_index,
        after_key: backup.after_key.clone(),
        chunks: backup.chunks,
    };
    let mut rows = if table.high.is_null() {
        Vec::new()
    } else {
        backups::rows(db, table, backup.after_key.as_deref(), config.backup_chunk)
            .await
            .map_err(|e| e.to_string())?
    };
    // Each row's key goes to the cursor and the chunk's bounds, not into the chunk.
    let keys: Vec<String> = rows
        .iter_mut()
        .filter_map(|row| row.remove("__key"))
        .filter_map(|key| key.as_str().map(str::to_owned))
        .collect();
    let at = stamp(now);
    let mut write = Write::new(config, &at, Actor::SYSTEM);
    let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
        let to = Cursor {
            table_index: from.table_index + 1,
            after_key: None,
            ..from
        };
        write
            .guarded(backups::advance(db, &from, &to))
            .map_err(|e| e.message)?;
        return commit(write, to).await;
    };
    let mut text = String::new();
    for row in &rows {
        text.push_str(&serde_json::Value::Object(row.clone()).to_string());
        text.push('\n');
    }
    let bytes = crate::open_data::files::gzip(&text).map_err(|e| e.to_string())?;
    let digest = crate::auth::hex(&Sha256::digest(&bytes));
    let chunk = ChunkRow {
        seq: from.chunks + 1,
        table_name: table.name.clone(),
        // The digest in the name: two runs copying the same chunk write two objects,
        // and the one recorded is the one whose digest the manifest gives.
        key: format!(
            "backups/{:08}/{}/{:08}-{}.jsonl.gz",
            backup.id,
            table.name,
            from.chunks + 1,
            digest.get(..16).unwrap_or_default()
        ),
        rows: i64::try_from(rows.len()).unwrap_or(0),
        first_key: first.clone(),
        last_key: last.clone(),
        sha256: digest,
        bytes: i64::try_from(bytes.len()).unwrap_or(0),
    };
    put(config, &chunk.key, bytes, "application/gzip").await?;
    let to = Cursor {
        after_key: Some(last.clone()),
        chunks: chunk.seq,
        ..from.clone()
    };
    write
        .guarded(backups::advance(db, &from, &to))
        .and_then(|w| w.push(backups::add_chunk(db, backup.id, &chunk)))
        .map_err(|e| e.message)?;
    commit(write, to).await
}

async fn commit(write: Write<'_>, to: Cursor) -> Result<Option<Cursor>, String> {
    match write.commit().await {
        Ok(_) => Ok(Some(to)),
        Err(WriteError::Stale) => Ok(None),
        Err(err) => Err(ApiError::from(err).message),
    }
}

/// What `backups/{id}/manifest.json` holds.
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    format: u32,
    id: i64,
    started_at: &'a str,
    finished_at: &'a str,
    /// The newest migration the database had.
    schema: Option<&'a str>,
    tables: Vec<ManifestTable<'a>>,
    chunks: &'a [ChunkRow],
}

#[derive(Debug, Serialize)]
struct ManifestTable<'a> {
    #[serde(flatten)]
    plan: &'a TablePlan,
    rows: i64,
}

/// Writes the manifest and the pointer to it, then marks the backup finished.
async fn finish(
    config: &Config,
    backup: &BackupRow,
    plan: &[TablePlan],
    now: DateTime<Utc>,
) -> Result<(), String> {
    let db = &config.db;
    let chunks = backups::chunks(db, backup.id)
        .await
        .map_err(|e| e.to_string())?;
    let at = stamp(now);
    let tables = plan
        .iter()
        .map(|table| ManifestTable {
            plan: table,
            rows: chunks
                .iter()
                .filter(|c| c.table_name == table.name)
                .map(|c| c.rows)
                .sum(),
        })
        .collect();
    let manifest = Manifest {
        format: FORMAT,
        id: backup.id,
        started_at: &backup.started_at,
        finished_at: &at,
        schema: backup.schema.as_deref(),
        tables,
        chunks: &chunks,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    put(config, &manifest_key(backup.id), text, "application/json").await?;
    let pointer = serde_json::json!({
        "id": backup.id,
        "manifest": manifest_key(backup.id),
        "started_at": backup.started_at,
        "finished_at": at,
    });
    put(
        config,
        LATEST_KEY,
        pointer.to_string().into_bytes(),
        "application/json",
    )
    .await?;
    let mut write = Write::new(config, &at, Actor::SYSTEM);
    write
        .extend(backups::finish(db, backup.id, &at))
        .map_err(|e| e.message)?;
    write
        .commit()
        .await
        .map(|_| ())
        .map_err(|e| ApiError::from(e).message)
}

async fn put(config: &Config, key: &str, bytes: Vec<u8>, kind: &str) -> Result<(), String> {
    config
        .backups
        .put(key, bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(kind.to_owned()),
            ..HttpMetadata::default()
        })
        .execute()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        clock::parse_stamp(text).unwrap()
    }

    #[test]
    fn a_backup_is_due_daily_at_night_in_beijing() {
        assert!(
            due(None, at("2026-12-08T12:00:00Z")),
            "the first one at once"
        );
        let last = Some(at("2026-12-07T18:05:00Z")); // 02:05 in Beijing
        assert!(!due(last, at("2026-12-08T10:00:00Z")), "the same day");
        assert!(
            due(last, at("2026-12-08T18:00:00Z")),
            "02:00 the next night"
        );
        // The first, made in the afternoon after a deploy: the next waits for a night
        // when it is nearly a day old, or is made once it is two days old.
        let afternoon = Some(at("2026-12-08T08:00:00Z")); // 16:00 in Beijing
        assert!(
            !due(afternoon, at("2026-12-08T18:00:00Z")),
            "02:00, ten hours on"
        );
        assert!(
            !due(afternoon, at("2026-12-09T08:00:00Z")),
            "a day on, in the afternoon"
        );
        assert!(
            due(afternoon, at("2026-12-09T18:00:00Z")),
            "the night after"
        );
        assert!(due(afternoon, at("2026-12-10T08:00:00Z")), "two days on");
    }

    #[test]
    fn keys_sort_by_backup() {
        assert_eq!(manifest_key(7), "backups/00000007/manifest.json");
        assert!(manifest_key(10) > manifest_key(9));
    }
}
