//! `GET /open-data/{day}/{file}` and `/open-data/latest/{file}`: the daily open-data
//! files from R2 (see `crate::open_data`), streamed, with `Content-Length`, an `ETag`
//! (answered with 304) and `Range` (206, or 416 outside the file), so a large download
//! can resume. A dated file never changes, so it may be cached for a year; `latest`
//! names the newest complete day and is cached for five minutes.

use worker::{Range, Request, Response};

use crate::config::Config;
use crate::error::ApiError;
use crate::http::{Unsatisfiable, byte_range, matches_etag};
use crate::repo::open_data as store;

/// The files of a day, by name pattern: the two growing files, the package, and the
/// identified list of a year.
fn known(file: &str) -> bool {
    matches!(
        file,
        "products.csv.gz" | "products.jsonl.gz" | "datapackage.json"
    ) || file
        .strip_prefix("identified-")
        .and_then(|rest| rest.strip_suffix(".csv.gz"))
        .is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `day` is a `YYYY-MM-DD` date.
fn is_day(day: &str) -> bool {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok() && day.len() == 10
}

/// Where the static site's former open-data files are now.
#[must_use]
pub fn moved(file: &str) -> Option<&'static str> {
    match file {
        "products.csv" => Some("/open-data/latest/products.csv.gz"),
        "products.json" => Some("/open-data/latest/products.jsonl.gz"),
        "schema.json" => Some("/open-data/latest/datapackage.json"),
        _ => None,
    }
}

/// Answers a request for a day's file; `None` for an address that names none (the
/// caller answers the 404 page).
///
/// # Errors
///
/// The database or R2 failed.
pub async fn handle(
    req: &Request,
    config: &Config,
    day: &str,
    file: &str,
) -> Result<Option<Response>, ApiError> {
    if !known(file) {
        return Ok(None);
    }
    let latest = day == "latest";
    let day = if latest {
        match store::latest_done(&config.db).await? {
            Some(run) => run.day,
            None => return Ok(None),
        }
    } else if is_day(day) {
        day.to_owned()
    } else {
        return Ok(None);
    };
    let bucket = &config.open_data;
    let key = crate::open_data::key(&day, file);
    let Some(head) = bucket
        .head(&key)
        .await
        .map_err(|e| ApiError::internal_cause("open data head", &e))?
    else {
        return Ok(None);
    };
    let size = head.size();
    let etag = head.http_etag();
    let headers = worker::Headers::new();
    let media = if file.ends_with(".json") {
        "application/json; charset=utf-8"
    } else {
        "application/gzip"
    };
    headers.set("content-type", media)?;
    headers.set("etag", &etag)?;
    headers.set("accept-ranges", "bytes")?;
    headers.set("access-control-allow-origin", "*")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set(
        "cache-control",
        if latest {
            "public, max-age=300"
        } else {
            "public, max-age=31536000, immutable"
        },
    )?;
    if file.ends_with(".gz") {
        let stem = file.trim_end_matches(".gz");
        let (name, ext) = stem.rsplit_once('.').unwrap_or((stem, ""));
        headers.set(
            "content-disposition",
            &format!("attachment; filename=\"{name}-{day}.{ext}.gz\""),
        )?;
    }
    let header = |name: &str| req.headers().get(name).ok().flatten();
    if matches_etag(header("if-none-match").as_deref(), &etag) {
        return Ok(Some(
            Response::empty()?.with_status(304).with_headers(headers),
        ));
    }
    // A range of a representation the client no longer has the same of is no range.
    let if_range = header("if-range");
    let wanted = if if_range.is_some_and(|tag| tag != etag) {
        Ok(None)
    } else {
        byte_range(header("range").as_deref(), size)
    };
    let (status, range) = match wanted {
        Ok(None) => (200, None),
        Ok(Some((first, last))) => {
            headers.set("content-range", &format!("bytes {first}-{last}/{size}"))?;
            (206, Some((first, last)))
        }
        Err(Unsatisfiable) => {
            headers.set("content-range", &format!("bytes */{size}"))?;
            return Ok(Some(
                Response::empty()?.with_status(416).with_headers(headers),
            ));
        }
    };
    let mut get = bucket.get(&key);
    if let Some((first, last)) = range {
        get = get.range(Range::OffsetWithLength {
            offset: first,
            length: last - first + 1,
        });
    }
    let Some(object) = get
        .execute()
        .await
        .map_err(|e| ApiError::internal_cause("open data get", &e))?
    else {
        return Ok(None);
    };
    let length = range.map_or(size, |(first, last)| last - first + 1);
    headers.set("content-length", &length.to_string())?;
    let body = object
        .body()
        .ok_or_else(|| ApiError::internal_cause("open data get", &"no body"))?
        .response_body()
        .map_err(|e| ApiError::internal_cause("open data body", &e))?;
    Ok(Some(
        Response::from_body(body)?
            .with_status(status)
            .with_headers(headers),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_days_files_are_served() {
        assert!(known("products.csv.gz") && known("datapackage.json"));
        assert!(known("identified-2026.csv.gz"));
        assert!(!known("identified-20x6.csv.gz") && !known("../x") && !known("work"));
        assert!(is_day("2026-12-07") && !is_day("2026-13-07") && !is_day("latest"));
    }
}
