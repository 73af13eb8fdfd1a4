//! The public registry API: anyone, no sign-in. Only public fields leave here
//! (docs/DOMAIN.md §3): registration number, product name and model, enterprise name and
//! region, field, linked patent numbers with type, title and core flag, years
//! recorded, identification years. Never economic data, contribution shares,
//! documents or contact data: the row types this module reads do not even carry them.

use std::collections::BTreeMap;

use ppr_core::search::match_query;
use ppr_core::{PatentNumber, ProductField, RegionCode, Uscc};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply, public_tags};
use crate::operation::{Operation, Roles, operation};
use crate::repo::Reads;
use crate::repo::public::{self, ListFilter};
use crate::validation::page_limit;
use crate::views::public::{
    PublicProductOut, RegionOut, detail_out, next_cursor, outs, public_out,
};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/enterprises/{uscc}", get_enterprise(ctx), Roles::Anyone),
    operation!(GET "/api/v1/products", list_products(ctx), Roles::Anyone,
        query: ["field", "region", "year", "status", "q", "cursor", "limit"]),
    operation!(GET "/api/v1/products/{number}", get_product(ctx), Roles::Anyone),
    operation!(GET "/api/v1/patents/{number}/products", get_patent_products(ctx), Roles::Anyone),
    operation!(GET "/api/v1/export/products", export_products(ctx), Roles::Anyone,
        query: ["cursor", "limit"]),
    operation!(GET "/api/v1/product-fields", list_product_fields(ctx), Roles::Anyone),
];

/// Default and largest page.
const DEFAULT_PAGE: i64 = 20;
const MAX_PAGE: i64 = 100;

/// `GET /api/v1/products`: the public listing, newest first, with filters (`field`,
/// `region`, `year`, `status` = `recorded` (default) | `identified` | `revoked` |
/// `all`, `q` text) and cursor pagination (`cursor`, `limit` ≤ 100).
///
/// # Errors
///
/// 422 naming a bad parameter.
pub async fn list_products(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let query: BTreeMap<String, String> = ctx.query().into_iter().collect();
    let filter = list_filter(&query)?;
    let rows = public::list(&Reads::replica(ctx.db()), &filter).await?;
    let next_cursor = next_cursor(&rows, filter.limit);
    let items = outs(rows);
    Ok(Reply::json(
        200,
        &serde_json::json!({"items": items, "next_cursor": next_cursor}),
        CachePolicy::Registry,
    )?
    .with_header("cache-tag", public_tags::LISTINGS.to_owned()))
}

/// The listing's filter from its query parameters, checked one by one; a blank one
/// counts as absent. The site's search and listings read theirs through this too, so
/// the same query finds the same products on the site and in the API.
///
/// # Errors
///
/// 422 naming the first bad parameter.
pub fn list_filter(query: &BTreeMap<String, String>) -> Result<ListFilter, ApiError> {
    let get = |k: &str| query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut filter = ListFilter {
        limit: DEFAULT_PAGE,
        status: Some("recorded"),
        ..ListFilter::default()
    };
    if let Some(code) = get("field") {
        let field = ProductField::parse(code)
            .map_err(|e| ApiError::invalid_field("field", "unknown_field", e.to_string()))?;
        filter.field = Some(field.code().to_owned());
    }
    if let Some(code) = get("region") {
        filter_region(&mut filter, code)?;
    }
    if let Some(year) = get("year") {
        filter.year = Some(
            year.parse::<i64>()
                .ok()
                .filter(|y| (2000..=9999).contains(y))
                .ok_or_else(|| ApiError::invalid_field("year", "year", "year is a 4-digit year"))?,
        );
    }
    filter_status(&mut filter, get("status").unwrap_or("recorded"))?;
    if let Some(q) = get("q") {
        filter.search = Some(
            match_query(q).map_err(|e| ApiError::invalid_field("q", e.code(), e.to_string()))?,
        );
    }
    if let Some(cursor) = get("cursor") {
        filter.before_id = Some(cursor.parse::<i64>().ok().filter(|c| *c > 0).ok_or_else(
            || {
                ApiError::invalid_field(
                    "cursor",
                    "invalid_cursor",
                    "pass next_cursor from the previous page as it is",
                )
            },
        )?);
    }
    if let Some(limit) = get("limit") {
        filter.limit = page_limit(Some(limit), DEFAULT_PAGE, MAX_PAGE)?;
    }
    Ok(filter)
}

/// Narrows the listing to a region: a province's code, a prefecture's, or a county.
fn filter_region(filter: &mut ListFilter, code: &str) -> Result<(), ApiError> {
    let region = RegionCode::parse(code)
        .map_err(|e| ApiError::invalid_field("region", e.code(), e.to_string()))?;
    let text = region.to_string();
    if text.ends_with("0000") {
        filter.province = text.get(0..2).map(str::to_owned);
    } else if text.ends_with("00") {
        filter.prefecture = text.get(0..4).map(str::to_owned);
    } else {
        filter.county = Some(text);
    }
    Ok(())
}

/// Narrows the listing by `status`: recorded (the default), identified, revoked, all.
fn filter_status(filter: &mut ListFilter, status: &str) -> Result<(), ApiError> {
    match status {
        "recorded" => {}
        "identified" => filter.identified = true,
        "revoked" => filter.status = Some("revoked"),
        "all" => filter.status = None,
        _ => {
            return Err(ApiError::invalid_field(
                "status",
                "unknown_status",
                "status is recorded, identified, revoked or all",
            ));
        }
    }
    Ok(())
}

/// `GET /api/v1/products/{registration_number}`: one product's public record, with
/// its linked patents (number, type, title, core flag).
///
/// # Errors
///
/// 404 `product_not_found`.
pub async fn get_product(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let raw = ctx.param("number")?;
    let not_found = || {
        ApiError::missing(
            "product_not_found",
            format!("no product is recorded under {raw}"),
        )
    };
    let number = ppr_core::regnum::RegistrationNumber::parse(&raw).map_err(|_| not_found())?;
    let detail = public::by_number(&Reads::replica(ctx.db()), &number.to_string())
        .await?
        .ok_or_else(not_found)?;
    let tags = format!(
        "{},{}",
        public_tags::product(&detail.product.registration_number),
        public_tags::enterprise(&detail.product.uscc)
    );
    Ok(
        Reply::json(200, &detail_out(detail), CachePolicy::Registry)?
            .with_header("cache-tag", tags),
    )
}

/// Largest page of the export.
const MAX_EXPORT_PAGE: i64 = 1000;

/// `GET /api/v1/export/products?cursor=&limit=`: the public export, every product's
/// public record with its linked patents, recorded and revoked, page by page in a
/// stable order (`limit` ≤ 1000). The static site and the open-data files are built
/// from it.
///
/// # Errors
///
/// 422 bad paging.
pub async fn export_products(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let after = ctx.id_cursor()?.unwrap_or(0);
    let limit = ctx.page_limit(MAX_EXPORT_PAGE, MAX_EXPORT_PAGE)?;
    let rows = public::export(ctx.db(), after, limit).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.product.id.to_string()))
        .flatten();
    let items: Vec<PublicProductOut> = rows.into_iter().map(detail_out).collect();
    Reply::json(
        200,
        &serde_json::json!({"items": items, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/patents/{number}/products`: which recorded products use this patent
/// (virtual patent marking). Any written form of the number is accepted.
///
/// # Errors
///
/// 422 `invalid_patent_number` for a number that is not one.
pub async fn get_patent_products(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let raw = ctx.param("number")?;
    let number = raw
        .parse::<PatentNumber>()
        .map_err(|e| ApiError::invalid_field("number", e.code(), e.to_string()))?;
    let canonical = number.to_string();
    let rows = public::using_patent(&Reads::replica(ctx.db()), &canonical).await?;
    /// One product using the patent (keys in alphabetical order, as ever).
    #[derive(Serialize)]
    struct Use {
        core: bool,
        product: PublicProductOut,
        title: String,
    }
    /// The answer.
    #[derive(Serialize)]
    struct Uses {
        items: Vec<Use>,
        number: String,
        #[serde(rename = "type")]
        kind: &'static str,
    }
    let items = rows
        .into_iter()
        .map(|r| Use {
            core: r.is_core == 1,
            title: r.title,
            product: public_out(r.product),
        })
        .collect();
    Ok(Reply::json(
        200,
        &Uses {
            items,
            number: canonical,
            kind: number.patent_type().code(),
        },
        CachePolicy::Registry,
    )?
    .with_header("cache-tag", public_tags::LISTINGS.to_owned()))
}

/// `GET /api/v1/enterprises/{uscc}`: an enterprise's public record and products.
///
/// # Errors
///
/// 404 `enterprise_not_found` (also for a malformed USCC).
pub async fn get_enterprise(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let raw = ctx.param("uscc")?;
    let not_found = || {
        ApiError::missing(
            "enterprise_not_found",
            format!("no enterprise with USCC {raw} is registered"),
        )
    };
    let uscc = Uscc::parse(&raw).map_err(|_| not_found())?;
    let db = Reads::replica(ctx.db());
    let enterprise = public::enterprise(&db, uscc.as_str())
        .await?
        .ok_or_else(not_found)?;
    let rows = public::of_enterprise(&db, enterprise.id).await?;
    let items = outs(rows);
    let tag = public_tags::enterprise(&enterprise.uscc);
    Ok(Reply::json(
        200,
        &serde_json::json!({
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "region": RegionOut::of(&enterprise.region_code),
            "verified": enterprise.verification_status == "verified",
            "products": items,
        }),
        CachePolicy::Registry,
    )?
    .with_header("cache-tag", tag))
}

/// A product field as answered.
#[derive(Debug, Serialize)]
pub struct ProductFieldOut {
    /// Its code (`01` to `07`, or `99`).
    pub code: &'static str,
    /// Its name in Chinese.
    pub name_zh: &'static str,
    /// Its name in English.
    pub name_en: &'static str,
}

/// `GET /api/v1/product-fields`: the product fields a filing and the listings'
/// `field` filter take, with their names in both languages (docs/DOMAIN.md §6.6).
///
/// # Errors
///
/// Never in practice (serialising constants).
pub async fn list_product_fields(_ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let items: Vec<ProductFieldOut> = ProductField::ALL
        .iter()
        .map(|f| ProductFieldOut {
            code: f.code(),
            name_zh: f.name_zh(),
            name_en: f.name_en(),
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::PublicShort,
    )
}
