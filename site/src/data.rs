//! The input: a snapshot of the registry's public export, read from the API
//! (`GET /api/v1/export/products`, `GET /api/v1/rounds`, `GET /api/v1/rounds/{year}/list`)
//! or from a file that `ppr-site fetch` saved. Public fields only, by construction:
//! the API answers nothing else, and these types hold nothing else.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// Everything the site is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When the export was read (RFC 3339 UTC): the site's "data as of", shown on the
    /// pages instead of the build time, so the same data gives the same bytes.
    pub taken_at: String,
    /// Every product, recorded and revoked.
    pub products: Vec<Product>,
    /// Every identification round, newest first, with its list once public.
    pub rounds: Vec<Round>,
}

/// A product field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Code (`01`–`07`, `99`).
    pub code: String,
    /// Chinese name.
    #[serde(default)]
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
}

/// A region as the API describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// GB/T 2260 code.
    pub code: String,
    /// Its province's code.
    #[serde(default)]
    pub province: String,
    /// The province in Chinese.
    #[serde(default)]
    pub province_zh: String,
    /// The province in English.
    #[serde(default)]
    pub province_en: String,
}

/// An enterprise's public fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    /// Unified Social Credit Code.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: Region,
}

/// A linked patent's public fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patent {
    /// Application number, canonical.
    pub number: String,
    /// `invention`, `utility_model` or `design`.
    pub kind: String,
    /// Came through the PCT.
    #[serde(default)]
    pub pct: bool,
    /// Title.
    pub title: String,
    /// A core patent of the product.
    pub core: bool,
}

/// A product's public record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Registration number.
    pub registration_number: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field.
    pub field: Field,
    /// Enterprise.
    pub enterprise: Enterprise,
    /// `recorded` or `revoked`.
    pub status: String,
    /// Year recorded.
    pub recorded_year: i64,
    /// When recorded.
    pub recorded_at: String,
    /// When revoked.
    #[serde(default)]
    pub revoked_at: Option<String>,
    /// Years with figures on record.
    #[serde(default)]
    pub years_recorded: Vec<i64>,
    /// Years identified.
    #[serde(default)]
    pub identified_years: Vec<i64>,
    /// Linked patents.
    #[serde(default)]
    pub patents: Vec<Patent>,
}

/// A round's methodology, as named on its results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Methodology {
    /// `id@version`.
    pub name: String,
    /// The public notice (a configurable default, …).
    pub notice: String,
}

/// A product on a round's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    /// Registration number.
    pub registration_number: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field code.
    pub field: String,
    /// Region code.
    pub region_code: String,
}

/// An identification round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// The round year.
    pub year: i64,
    /// The year of the figures it evaluates.
    pub figures_year: i64,
    /// Stage code.
    pub stage: String,
    /// Its methodology.
    pub methodology: Methodology,
    /// When the final list was published.
    #[serde(default)]
    pub published_at: Option<String>,
    /// `listed` during the notice, `identified` once final, absent before.
    #[serde(default)]
    pub list_status: Option<String>,
    /// The products on its list, once public.
    #[serde(default)]
    pub list: Vec<Listed>,
}

/// Reads a snapshot saved by `ppr-site fetch`.
///
/// # Errors
///
/// The file is missing or not a snapshot.
pub fn read(path: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a snapshot", path.display()))
}

/// One page of a listing answer.
#[derive(Debug, Deserialize)]
struct Page<T> {
    items: Vec<T>,
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// Reads the public export from the API at `base` (e.g. `http://localhost:8787`).
///
/// # Errors
///
/// The API did not answer, or answered something else than the export.
pub fn fetch(base: &str, taken_at: String) -> Result<Snapshot> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| -> Result<String> {
        let url = format!("{}{path}", base.trim_end_matches('/'));
        let mut reply = agent
            .get(&url)
            .call()
            .with_context(|| format!("GET {url}"))?;
        let status = reply.status().as_u16();
        let body = reply.body_mut().read_to_string()?;
        if status != 200 {
            bail!("GET {url}: {status} {body}");
        }
        Ok(body)
    };
    // Every page of a cursor-paged listing.
    let pages = |path: &str| -> Result<(Vec<serde_json::Value>, Option<String>)> {
        let mut items = Vec::new();
        let mut status = None;
        let mut cursor = String::new();
        loop {
            let body = get(&format!("{path}{cursor}"))?;
            let page: Page<serde_json::Value> =
                serde_json::from_str(&body).with_context(|| format!("{path}: not a page"))?;
            items.extend(page.items);
            status = page.status.or(status);
            match page.next_cursor {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return Ok((items, status)),
            }
        }
    };
    let (products, _) = pages("/api/v1/export/products?limit=1000")?;
    let products: Vec<Product> =
        serde_json::from_value(products.into()).context("the export's items are not products")?;
    let listing: Page<Round> =
        serde_json::from_str(&get("/api/v1/rounds")?).context("the rounds are not rounds")?;
    let mut rounds = Vec::new();
    for mut round in listing.items {
        if ["public_notice", "objection_handling", "final"].contains(&round.stage.as_str()) {
            let (list, status) = pages(&format!("/api/v1/rounds/{}/list?limit=200", round.year))?;
            round.list =
                serde_json::from_value(list.into()).context("a round's list is not products")?;
            round.list_status = status;
        }
        rounds.push(round);
    }
    Ok(Snapshot {
        taken_at,
        products,
        rounds,
    })
}
