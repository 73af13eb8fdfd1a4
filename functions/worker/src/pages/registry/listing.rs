//! The listings and the search: one page shape, one query. A listing
//! (`products/field/04/`, …) is a search with its filter fixed by the address; the
//! search page takes every filter from its GET form (text, field, province, year,
//! status). Both read through the API's [`list_filter`], so `q=电池` finds the same
//! products here as `GET /api/v1/products?q=电池`, newest first, paged by cursor.

use std::collections::BTreeMap;

use ppr_core::ProductField;
use ppr_core::lookup::{Identifier, classify};
use ppr_core::region::PROVINCES;
use ppr_core::regnum::RegistrationNumber;
use serde::Serialize;
use worker::Response;

use super::{Out, Shown};
use crate::config::Config;
use crate::error::ApiError;
use crate::handlers::public::list_filter;
use crate::http::public_tags;
use crate::repo::Reads;
use crate::repo::public;
use crate::views::public::{PublicProductOut, next_cursor, outs};

/// Products on a page.
const PAGE_SIZE: &str = "50";

/// Counted exactly up to this; beyond it a page says "more than".
const COUNT_CAP: i64 = 1000;

/// Years a listing's year filter offers, back from the current one.
const YEARS_SHOWN: i32 = 10;

/// A listing of the registry, as its address names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// `products/`: every recorded product.
    All,
    /// `products/identified/`.
    Identified,
    /// `products/field/{code}/`.
    Field(String),
    /// `products/province/{2 digits}/`.
    Province(String),
    /// `products/prefecture/{4 digits}/`.
    Prefecture(String),
    /// `products/year/{year}/`.
    Year(String),
}

impl Listing {
    /// The address kinds of keyed listings.
    pub const KINDS: [&'static str; 4] = ["field", "province", "prefecture", "year"];

    /// The listing `products/{kind}/{key}/`, if the key can name one.
    #[must_use]
    pub fn of(kind: &str, key: &str) -> Option<Self> {
        let digits = |n: usize| key.len() == n && key.bytes().all(|b| b.is_ascii_digit());
        match kind {
            "field" => ProductField::parse(key)
                .ok()
                .map(|f| Self::Field(f.code().to_owned())),
            "province" if digits(2) && province_name(key).is_some() => {
                Some(Self::Province(key.to_owned()))
            }
            "prefecture" if digits(4) && province_name(key.get(..2)?).is_some() => {
                Some(Self::Prefecture(key.to_owned()))
            }
            "year" if digits(4) => Some(Self::Year(key.to_owned())),
            _ => None,
        }
    }

    /// Its address under the language's root.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Self::All => "products/".to_owned(),
            Self::Identified => "products/identified/".to_owned(),
            Self::Field(key) => format!("products/field/{key}/"),
            Self::Province(key) => format!("products/province/{key}/"),
            Self::Prefecture(key) => format!("products/prefecture/{key}/"),
            Self::Year(key) => format!("products/year/{key}/"),
        }
    }

    /// The API query it is.
    fn query(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::All => Vec::new(),
            Self::Identified => vec![("status", "identified".to_owned())],
            Self::Field(key) => vec![("field", key.clone())],
            Self::Province(key) => vec![("region", format!("{key}0000"))],
            Self::Prefecture(key) => vec![("region", format!("{key}00"))],
            Self::Year(key) => vec![("year", key.clone())],
        }
    }

    /// Its heading in both languages.
    fn label(&self) -> (String, String) {
        match self {
            Self::All => (String::new(), String::new()),
            Self::Identified => ("已认定".to_owned(), "Identified".to_owned()),
            Self::Field(key) => ProductField::parse(key).map_or_else(
                |_| (key.clone(), key.clone()),
                |f| (f.name_zh().to_owned(), f.name_en().to_owned()),
            ),
            Self::Province(key) => province_name(key).unwrap_or_default(),
            Self::Prefecture(key) => {
                let (zh, en) = province_name(key.get(..2).unwrap_or_default()).unwrap_or_default();
                (format!("{zh} {key}00"), format!("{en} {key}00"))
            }
            Self::Year(key) => (format!("{key} 年"), key.clone()),
        }
    }
}

/// A province's names by its 2-digit prefix.
fn province_name(prefix: &str) -> Option<(String, String)> {
    PROVINCES
        .iter()
        .find(|p| prefix.len() == 2 && p.code().starts_with(prefix))
        .map(|p| (p.name_zh().to_owned(), p.name_en().to_owned()))
}

/// A choice in one of the form's lists.
#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    zh: String,
    en: String,
    path: String,
}

/// What a listing or search page shows.
#[derive(Debug, Serialize)]
struct ListingPage {
    /// `search` or the listing's kind.
    kind: &'static str,
    /// The page's heading in its language.
    heading: String,
    /// The filters as given (the form keeps them).
    query: BTreeMap<String, String>,
    /// Whether anything was asked (the search page shows no list before).
    asked: bool,
    items: Vec<PublicProductOut>,
    count: i64,
    count_more: bool,
    /// The next page's address, the first page's when this is a later one.
    next: Option<String>,
    first: Option<String>,
    /// Each refused filter with its message in the page's language.
    errors: BTreeMap<String, String>,
    /// A registration number typed with a wrong check character: the nearest valid.
    corrected: Option<String>,
    /// A registration number typed right: its page.
    exact: Option<String>,
    fields: Vec<Choice>,
    provinces: Vec<Choice>,
    years: Vec<String>,
}

/// The filters the search form takes, and the cursor.
const SEARCH_PARAMS: [&str; 6] = ["q", "field", "region", "year", "status", "cursor"];

/// `products/…`: a listing.
///
/// # Errors
///
/// The database failed.
pub async fn listing(
    out: &Out<'_>,
    config: &Config,
    which: &Listing,
) -> Result<Response, ApiError> {
    let mut query: BTreeMap<String, String> = which
        .query()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    if let Some(cursor) = out.query_param("cursor") {
        query.insert("cursor".to_owned(), cursor);
    }
    let path = which.path();
    let kind = match which {
        Listing::All => "all",
        Listing::Identified => "identified",
        Listing::Field(_) => "field",
        Listing::Province(_) => "province",
        Listing::Prefecture(_) => "prefecture",
        Listing::Year(_) => "year",
    };
    page(out, config, kind, which.label(), &path, query).await
}

/// `search/?q=&field=&region=&year=&status=&cursor=`: the search.
///
/// # Errors
///
/// The database failed.
pub async fn search(out: &Out<'_>, config: &Config) -> Result<Response, ApiError> {
    let query: BTreeMap<String, String> = SEARCH_PARAMS
        .iter()
        .filter_map(|k| out.query_param(k).map(|v| ((*k).to_owned(), v)))
        .collect();
    page(
        out,
        config,
        "search",
        (String::new(), String::new()),
        "search/",
        query,
    )
    .await
}

async fn page(
    out: &Out<'_>,
    config: &Config,
    kind: &'static str,
    (label_zh, label_en): (String, String),
    path: &str,
    mut query: BTreeMap<String, String>,
) -> Result<Response, ApiError> {
    let asked = kind != "search" || query.keys().any(|k| k != "cursor");
    let q = query.get("q").cloned().unwrap_or_default();
    let corrected = RegistrationNumber::corrected(&q).map(|n| n.to_string());
    let exact = match classify(&q) {
        Some(Identifier::Registration(n)) => Some(n.to_string()),
        _ => None,
    };
    let heading = match (kind, out.lang) {
        ("search", lang) => super::text(lang, "search_title"),
        ("all", lang) => super::text(lang, "products_title"),
        (_, 0) => format!("{}：{label_zh}", super::text(0, "products_title")),
        (_, lang) => format!("{}: {label_en}", super::text(lang, "products_title")),
    };
    let mut shown = ListingPage {
        kind,
        heading,
        query: query.clone(),
        asked,
        items: Vec::new(),
        count: 0,
        count_more: false,
        next: None,
        first: None,
        errors: BTreeMap::new(),
        corrected,
        exact,
        fields: fields(),
        provinces: provinces(),
        years: years(out.now),
    };
    let mut status = 200;
    if asked {
        query.insert("limit".to_owned(), PAGE_SIZE.to_owned());
        match list_filter(&query) {
            Ok(filter) => {
                let db = Reads::replica(&config.db);
                let rows = public::list(&db, &filter).await?;
                let count = public::count_upto(&db, &filter, COUNT_CAP + 1).await?;
                shown.count = count.min(COUNT_CAP);
                shown.count_more = count > COUNT_CAP;
                shown.next = next_cursor(&rows, filter.limit)
                    .map(|cursor| address(path, &shown.query, Some(&cursor)));
                shown.first = filter.before_id.map(|_| address(path, &shown.query, None));
                shown.items = outs(rows);
            }
            Err(err) => {
                status = err.status;
                for f in &err.fields {
                    shown
                        .errors
                        .insert(f.field.clone(), super::message(out.lang, &f.code));
                }
            }
        }
    }
    out.answer(Shown {
        template: "products.html",
        status,
        path,
        data: shown,
        tags: vec![public_tags::LISTINGS.to_owned()],
        qr: false,
    })
}

/// The address of a page of `path` with the filters of `query`, at `cursor`.
fn address(path: &str, query: &BTreeMap<String, String>, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| SEARCH_PARAMS.contains(&k.as_str()) && k.as_str() != "cursor")
        .filter(|_| path == "search/")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(cursor) = cursor {
        pairs.push(("cursor".to_owned(), cursor.to_owned()));
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect();
    if encoded.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", encoded.join("&"))
    }
}

fn fields() -> Vec<Choice> {
    ProductField::ALL
        .iter()
        .map(|f| Choice {
            value: f.code().to_owned(),
            zh: f.name_zh().to_owned(),
            en: f.name_en().to_owned(),
            path: format!("products/field/{}/", f.code()),
        })
        .collect()
}

fn provinces() -> Vec<Choice> {
    PROVINCES
        .iter()
        .map(|p| {
            let code = p.code().to_owned();
            let prefix = code.get(..2).unwrap_or_default().to_owned();
            Choice {
                path: format!("products/province/{prefix}/"),
                value: code,
                zh: p.name_zh().to_owned(),
                en: p.name_en().to_owned(),
            }
        })
        .collect()
}

fn years(now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let current = ppr_core::calendar::business_year(now);
    (0..YEARS_SHOWN)
        .map(|back| (current - back).to_string())
        .collect()
}
