//! The open data: the whole public registry as files in R2, made once a business day
//! by the scheduled job, at any size.
//!
//! A day's run walks the public export by product id, a chunk at a time
//! (`Config::open_data_chunk`, 2,000 products by default), and appends each chunk to
//! `products.csv.gz` and `products.jsonl.gz` as one gzip member each (members
//! concatenate into one gzip file). The files are R2 multipart uploads of
//! [`PART_BYTES`] parts; what does not yet fill a part waits in a
//! small R2 object between steps. The run's place (the last id, the parts uploaded)
//! is a row of `open_data_runs`, so a run survives any number of invocations and an
//! interrupted step is simply done again: it reads the same rows and uploads the same
//! part numbers. The last step completes the uploads, writes each final round's
//! identified list and the data package, and marks the day done; then
//! `/open-data/{day}/…` and `/open-data/latest/…` serve it (`pages::open_data`).
//!
//! Each invocation stops after [`STEP_BUDGET_MS`] or [`MAX_STEPS`] steps, which keeps
//! it inside the Worker's CPU and subrequest limits; the cron trigger comes back every
//! five minutes until the day is done (docs/DEPLOY.md has the figures).

pub mod files;

use chrono::{DateTime, Utc};
use ppr_core::calendar::business_date;
use serde::{Deserialize, Serialize};
use worker::{Bucket, HttpMetadata, UploadedPart};

use crate::clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::open_data::{self as store, Advance, RunRow};
use crate::repo::public;
use crate::views::public::{detail_out, outs};
use crate::write::{Write, WriteError};

/// The size of every part of a file but its last (R2 wants them equal, and at least
/// 5 MiB).
pub const PART_BYTES: usize = 5 * 1024 * 1024;

/// Wall time after which an invocation starts no further step.
pub const STEP_BUDGET_MS: i64 = 20_000;

/// Steps one invocation runs at most (about 8 subrequests each).
pub const MAX_STEPS: usize = 40;

/// The two growing files.
const KINDS: [Kind; 2] = [Kind::Csv, Kind::Jsonl];

/// A growing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Jsonl,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Csv => "products.csv.gz",
            Self::Jsonl => "products.jsonl.gz",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }
}

/// A file's multipart upload so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Upload {
    /// The R2 upload id.
    upload: String,
    /// Parts uploaded: (number, etag).
    parts: Vec<(u16, String)>,
}

/// Both files' uploads, as `open_data_runs.files` holds them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Uploads {
    csv: Upload,
    jsonl: Upload,
}

impl Uploads {
    fn of(&mut self, kind: Kind) -> &mut Upload {
        match kind {
            Kind::Csv => &mut self.csv,
            Kind::Jsonl => &mut self.jsonl,
        }
    }
}

/// The R2 key of a day's file.
#[must_use]
pub fn key(day: &str, file: &str) -> String {
    format!("{day}/{file}")
}

/// Where the bytes of `kind` that do not yet fill a part wait after step `step`.
fn carry_key(day: &str, kind: Kind, step: i64) -> String {
    format!("work/{day}/{}-{step}", kind.key())
}

/// Advances today's run (starting it if the day has none) until the budget is spent
/// or the day is done. Failures are logged; the next invocation tries again.
///
/// # Errors
///
/// The database or R2 failed.
pub async fn run(config: &Config, now: DateTime<Utc>) -> Result<(), ApiError> {
    let started = clock::now();
    let day = business_date(now).format("%Y-%m-%d").to_string();
    let mut current = match store::run(&config.db, &day).await? {
        Some(run) => run,
        None => begin(config, &day, &clock::stamp(now)).await?,
    };
    for _ in 0..MAX_STEPS {
        if current.status == "done" || (clock::now() - started).num_milliseconds() > STEP_BUDGET_MS
        {
            break;
        }
        match step(config, &current, now).await {
            Ok(()) | Err(StepError::Stale) => {}
            Err(StepError::Failed(err)) => return Err(err),
        }
        current = store::run(&config.db, &day)
            .await?
            .ok_or_else(|| ApiError::internal_cause("open data", &"the run vanished"))?;
    }
    Ok(())
}

/// Starts the run of `day`: the two multipart uploads.
async fn begin(config: &Config, day: &str, now: &str) -> Result<RunRow, ApiError> {
    let bucket = &config.open_data;
    let mut uploads = Uploads::default();
    for kind in KINDS {
        let upload = bucket
            .create_multipart_upload(key(day, kind.name()))
            .http_metadata(gzip_metadata())
            .execute()
            .await
            .map_err(|e| ApiError::internal_cause("open data upload", &e))?;
        uploads.of(kind).upload = upload.upload_id().await;
    }
    let files =
        serde_json::to_string(&uploads).map_err(|e| ApiError::internal_cause("open data", &e))?;
    let mut write = Write::new(config, now, Actor::SYSTEM);
    write.push(store::begin(&config.db, day, &files, now))?;
    write.commit().await.map_err(ApiError::from)?;
    store::run(&config.db, day)
        .await?
        .ok_or_else(|| ApiError::internal_cause("open data", &"the run did not begin"))
}

fn gzip_metadata() -> HttpMetadata {
    HttpMetadata {
        content_type: Some("application/gzip".to_owned()),
        ..HttpMetadata::default()
    }
}

/// Why a step did not advance the run.
enum StepError {
    /// Another invocation recorded this step first.
    Stale,
    /// The database or R2 failed.
    Failed(ApiError),
}

impl From<ApiError> for StepError {
    fn from(err: ApiError) -> Self {
        Self::Failed(err)
    }
}

/// One step: the next chunk of products appended to both files; the last chunk also
/// finishes the day.
async fn step(config: &Config, run: &RunRow, now: DateTime<Utc>) -> Result<(), StepError> {
    let bucket = &config.open_data;
    let mut uploads: Uploads = serde_json::from_str(&run.files)
        .map_err(|e| ApiError::internal_cause("open data state", &e))?;
    let rows = public::export(&config.db, run.after_id, config.open_data_chunk)
        .await
        .map_err(ApiError::from)?;
    let last = i64::try_from(rows.len()).unwrap_or(0) < config.open_data_chunk;
    let after_id = rows.last().map_or(run.after_id, |r| r.product.id);
    let records: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| files::record(&detail_out(r)))
        .collect();
    let written = i64::try_from(records.len()).unwrap_or(0);
    for kind in KINDS {
        let mut text = String::new();
        if kind == Kind::Csv && run.step == 0 {
            text.push_str(&files::csv_header());
        }
        for record in &records {
            text.push_str(&match kind {
                Kind::Csv => files::csv_row(record),
                Kind::Jsonl => files::json_line(record),
            });
        }
        let member = if text.is_empty() {
            Vec::new()
        } else {
            files::gzip(&text).map_err(|e| ApiError::internal_cause("open data gzip", &e))?
        };
        let mut pending = read(bucket, &carry_key(&run.day, kind, run.step)).await?;
        pending.extend(member);
        let upload = uploads.of(kind);
        let multipart = bucket
            .resume_multipart_upload(key(&run.day, kind.name()), upload.upload.clone())
            .map_err(|e| ApiError::internal_cause("open data upload", &e))?;
        // Whole parts go now; with the last chunk, the rest is the last part.
        let mut start = 0;
        while pending.len() - start >= PART_BYTES || (last && start < pending.len()) {
            let end = (start + PART_BYTES).min(pending.len());
            let number = u16::try_from(upload.parts.len() + 1).unwrap_or(u16::MAX);
            let part = multipart
                .upload_part(number, pending.get(start..end).unwrap_or_default().to_vec())
                .await
                .map_err(|e| ApiError::internal_cause("open data part", &e))?;
            upload.parts.push((number, part.etag()));
            start = end;
        }
        let rest = pending.get(start..).unwrap_or_default().to_vec();
        bucket
            .put(carry_key(&run.day, kind, run.step + 1), rest)
            .execute()
            .await
            .map_err(|e| ApiError::internal_cause("open data carry", &e))?;
        if last {
            let parts = upload
                .parts
                .iter()
                .map(|(n, etag)| UploadedPart::new(*n, etag.clone()));
            // Done again after an interruption, the upload is complete already.
            if let Err(err) = multipart.complete(parts).await {
                let exists = bucket.head(key(&run.day, kind.name())).await.ok().flatten();
                if exists.is_none() {
                    return Err(ApiError::internal_cause("open data complete", &err).into());
                }
            }
        }
    }
    let finished = clock::stamp(now.max(clock::now()));
    if last {
        finish(config, run, &finished, run.rows_written + written).await?;
    }
    let files =
        serde_json::to_string(&uploads).map_err(|e| ApiError::internal_cause("open data", &e))?;
    let advance = Advance {
        after_id,
        rows: written,
        files: &files,
        finished_at: last.then_some(finished.as_str()),
    };
    let stamp = clock::stamp(now);
    let mut write = Write::new(config, &stamp, Actor::SYSTEM);
    write.guarded(store::advance(&config.db, &run.day, run.version, &advance))?;
    match write.commit().await {
        Ok(_) => {}
        Err(WriteError::Stale) => return Err(StepError::Stale),
        Err(err) => return Err(StepError::Failed(ApiError::from(err))),
    }
    // The carry this step read is spent.
    for kind in KINDS {
        let _ = bucket.delete(carry_key(&run.day, kind, run.step)).await;
        if last {
            let _ = bucket.delete(carry_key(&run.day, kind, run.step + 1)).await;
        }
    }
    Ok(())
}

/// What the statistics page shows, counted once a day with the files: recorded
/// products by province (2-digit prefix), field, month and year recorded, and
/// products by year identified.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    /// When they were counted.
    pub as_of: String,
    /// By province prefix.
    pub by_province: Vec<(String, i64)>,
    /// By field code.
    pub by_field: Vec<(String, i64)>,
    /// By month recorded (`YYYY-MM`).
    pub by_month: Vec<(String, i64)>,
    /// By year recorded.
    pub by_year: Vec<(String, i64)>,
    /// By year identified.
    pub identified_by_year: Vec<(String, i64)>,
}

/// The counts of the newest complete day, if any.
///
/// # Errors
///
/// The database or R2 failed, or the file is not counts.
pub async fn latest_counts(config: &Config) -> Result<Option<Counts>, ApiError> {
    let Some(run) = store::latest_done(&config.db).await? else {
        return Ok(None);
    };
    let bytes = read(&config.open_data, &key(&run.day, "statistics.json")).await?;
    if bytes.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::internal_cause("statistics", &e))
}

async fn count(config: &Config, as_of: &str) -> Result<Counts, ApiError> {
    let mut lists = store::counts(&config.db)
        .await?
        .into_iter()
        .map(|list| list.into_iter().map(|c| (c.key, c.n)).collect::<Vec<_>>());
    let mut next = || lists.next().unwrap_or_default();
    Ok(Counts {
        as_of: as_of.to_owned(),
        by_province: next(),
        by_field: next(),
        by_month: next(),
        by_year: next(),
        identified_by_year: next(),
    })
}

/// The end of a day: each final round's identified list, the statistics' counts and
/// the data package.
async fn finish(config: &Config, run: &RunRow, created: &str, rows: i64) -> Result<(), ApiError> {
    let bucket = &config.open_data;
    let years = store::final_years(&config.db).await?;
    for &year in &years {
        let mut text = files::csv_header();
        let mut after = 0;
        loop {
            let page = store::identified_in(&config.db, year, after, 1_000).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = page.len() == 1_000;
            for product in outs(page) {
                text.push_str(&files::csv_row(&files::record(&product)));
            }
            if !full {
                break;
            }
        }
        let bytes =
            files::gzip(&text).map_err(|e| ApiError::internal_cause("open data gzip", &e))?;
        let name = format!("identified-{year}.csv.gz");
        put(bucket, &key(&run.day, &name), bytes, "application/gzip").await?;
    }
    let counts = serde_json::to_vec(&count(config, created).await?)
        .map_err(|e| ApiError::internal_cause("statistics", &e))?;
    put(bucket, &key(&run.day, "statistics.json"), counts, JSON).await?;
    let package = files::datapackage(&run.day, created, rows, &years);
    let text = serde_json::to_string_pretty(&package)
        .map_err(|e| ApiError::internal_cause("open data", &e))?;
    put(
        bucket,
        &key(&run.day, "datapackage.json"),
        text.into_bytes(),
        JSON,
    )
    .await
}

/// The media type of the JSON files.
const JSON: &str = "application/json; charset=utf-8";

/// Writes a whole (small) file of the day.
async fn put(bucket: &Bucket, key: &str, bytes: Vec<u8>, media: &str) -> Result<(), ApiError> {
    bucket
        .put(key, bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(media.to_owned()),
            ..HttpMetadata::default()
        })
        .execute()
        .await
        .map(|_| ())
        .map_err(|e| ApiError::internal_cause("open data put", &e))
}

/// An object's bytes, empty when it does not exist.
async fn read(bucket: &Bucket, key: &str) -> Result<Vec<u8>, ApiError> {
    let Some(object) = bucket
        .get(key)
        .execute()
        .await
        .map_err(|e| ApiError::internal_cause("open data read", &e))?
    else {
        return Ok(Vec::new());
    };
    match object.body() {
        Some(body) => body
            .bytes()
            .await
            .map_err(|e| ApiError::internal_cause("open data read", &e)),
        None => Ok(Vec::new()),
    }
}
