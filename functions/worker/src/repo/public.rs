//! The public registry's queries: only recorded products' public columns leave here.

use serde::Deserialize;

use super::{Param, Prepare, all, first};

/// A product's public columns.
#[derive(Debug, Clone, Deserialize)]
pub struct PublicProductRow {
    /// Id (for cursors; not shown).
    pub id: i64,
    /// Registration number.
    pub registration_number: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field code.
    pub field: String,
    /// Enterprise USCC.
    pub uscc: String,
    /// Enterprise name.
    pub enterprise_name: String,
    /// Enterprise region when recorded.
    pub region_code: String,
    /// `recorded` or `revoked`.
    pub status: String,
    /// Year recorded.
    pub recorded_year: i64,
    /// Recording time.
    pub recorded_at: String,
    /// Revocation time.
    pub revoked_at: Option<String>,
    /// JSON array of identification years.
    pub identified_years: String,
    /// JSON array of the years with recorded data (the figures stay behind).
    pub years_recorded: String,
}

/// Public columns, with the years recorded gathered in the same query.
pub const COLUMNS: &str = "p.id, p.registration_number, p.name, p.model, p.field, e.uscc,
    e.name AS enterprise_name, p.region_code, p.status, p.recorded_year, p.recorded_at,
    p.revoked_at, p.identified_years,
    (SELECT json_group_array(year) FROM
        (SELECT y.year FROM product_years y WHERE y.product_id = p.id ORDER BY y.year)
    ) AS years_recorded";

/// Filters of the public listing; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Field code.
    pub field: Option<String>,
    /// Province prefix (2 digits).
    pub province: Option<String>,
    /// Prefecture prefix (4 digits).
    pub prefecture: Option<String>,
    /// County code (6 digits).
    pub county: Option<String>,
    /// Year recorded.
    pub year: Option<i64>,
    /// `recorded`, `revoked`, or `None` for both.
    pub status: Option<&'static str>,
    /// Identified products only.
    pub identified: bool,
    /// FTS5 MATCH expression.
    pub search: Option<String>,
    /// Only ids below this (the cursor).
    pub before_id: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// The listing's query: the public columns of the products that pass `f`, newest
/// first, starting below the cursor. Only the filters given become conditions, so
/// SQLite walks the one index that fits (field, province, region or year, each
/// `(…, id)`) or the text index, and a page costs about its own rows however deep it
/// is.
fn list_query<'a>(f: &'a ListFilter, select: &str, limit: bool) -> (String, Vec<Param<'a>>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<Param<'a>> = Vec::new();
    if f.identified {
        conditions.push("p.identified_years <> '[]'".to_owned());
    }
    let mut add = |condition: &str, param: Param<'a>| {
        params.push(param);
        conditions.push(condition.replace('?', &format!("?{}", params.len())));
    };
    if let Some(field) = f.field.as_deref() {
        add("p.field = ?", Param::Text(field));
    }
    if let Some(province) = f.province.as_deref() {
        add("p.province = ?", Param::Text(province));
    }
    if let Some(prefecture) = f.prefecture.as_deref() {
        add("p.region_code >= ?", Param::Text(prefecture));
        add("p.region_code < ? || 'Z'", Param::Text(prefecture));
    }
    if let Some(county) = f.county.as_deref() {
        add("p.region_code = ?", Param::Text(county));
    }
    if let Some(year) = f.year {
        add("p.recorded_year = ?", Param::Int(year));
    }
    if let Some(status) = f.status {
        add("p.status = ?", Param::Text(status));
    }
    if let Some(before) = f.before_id {
        add("p.id < ?", Param::Int(before));
    }
    // Text: walk the index's matches newest first and stop at the page size.
    let (from, order) = match f.search.as_deref() {
        Some(search) => {
            add("product_search MATCH ?", Param::Text(search));
            (
                "product_search s JOIN products p ON p.id = s.rowid",
                "s.rowid",
            )
        }
        None => ("products p", "p.id"),
    };
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let tail = if limit {
        params.push(Param::Int(f.limit));
        format!("ORDER BY {order} DESC LIMIT ?{}", params.len())
    } else {
        String::new()
    };
    (
        format!(
            "SELECT {select} FROM {from} JOIN enterprises e ON e.id = p.enterprise_id {filter} {tail}"
        ),
        params,
    )
}

/// A page of the public listing, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(
    db: &(impl Prepare + ?Sized),
    f: &ListFilter,
) -> worker::Result<Vec<PublicProductRow>> {
    let (sql, params) = list_query(f, COLUMNS, true);
    all(db, &sql, &params).await
}

/// How many products pass `f` (its cursor ignored), counted up to `cap`: a count of a
/// million matches costs no more than one of `cap`.
///
/// # Errors
///
/// The database failed.
pub async fn count_upto(
    db: &(impl Prepare + ?Sized),
    f: &ListFilter,
    cap: i64,
) -> worker::Result<i64> {
    let whole = ListFilter {
        before_id: None,
        limit: cap,
        ..f.clone()
    };
    let (inner, params) = list_query(&whole, "1", true);
    let sql = format!("SELECT count(*) AS n FROM ({inner})");
    #[derive(serde::Deserialize)]
    struct Count {
        n: i64,
    }
    Ok(first::<Count>(db, &sql, &params).await?.map_or(0, |c| c.n))
}

/// The products of one enterprise, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn of_enterprise(
    db: &(impl Prepare + ?Sized),
    enterprise_id: i64,
) -> worker::Result<Vec<PublicProductRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM products p JOIN enterprises e ON e.id = p.enterprise_id
             WHERE p.enterprise_id = ?1 ORDER BY p.id DESC LIMIT 1000"
        ),
        &[Param::Int(enterprise_id)],
    )
    .await
}

/// A product using a patent, with the patent's role in it.
#[derive(Debug, Clone, Deserialize)]
pub struct PatentUseRow {
    /// The product.
    #[serde(flatten)]
    pub product: PublicProductRow,
    /// 1 when the patent is a core patent of the product.
    pub is_core: i64,
    /// The patent's title as the enterprise gave it.
    pub title: String,
}

/// The recorded products that use the patent `number` (canonical).
///
/// # Errors
///
/// The database failed.
pub async fn using_patent(
    db: &(impl Prepare + ?Sized),
    number: &str,
) -> worker::Result<Vec<PatentUseRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS}, pp.is_core, pa.title
             FROM patents pa
             JOIN product_patents pp ON pp.patent_id = pa.id
             JOIN products p ON p.id = pp.product_id
             JOIN enterprises e ON e.id = p.enterprise_id
             WHERE pa.number = ?1 AND p.status = 'recorded'
             ORDER BY p.id DESC LIMIT 1000"
        ),
        &[Param::Text(number)],
    )
    .await
}

/// One product's public record with its linked patents' public fields, as JSON
/// (number, kind, pct, title, core), in one query.
#[derive(Debug, Clone, Deserialize)]
pub struct PublicDetailRow {
    /// The product.
    #[serde(flatten)]
    pub product: PublicProductRow,
    /// JSON array of the linked patents.
    pub patents: String,
}

/// A product's linked patents' public fields as a JSON array, in one subquery.
const PATENTS_JSON: &str = "(SELECT json_group_array(json_object('number', number, 'kind', kind,
          'pct', json(CASE pct WHEN 1 THEN 'true' ELSE 'false' END),
          'title', title, 'core', json(CASE is_core WHEN 1 THEN 'true' ELSE 'false' END)))
    FROM (SELECT pa.number, pa.kind, pa.pct, pa.title, pp.is_core
          FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
          WHERE pp.product_id = p.id ORDER BY pp.is_core DESC, pa.number)
   ) AS patents";

/// The public record of the product with this registration number.
///
/// # Errors
///
/// The database failed.
pub async fn by_number(
    db: &(impl Prepare + ?Sized),
    number: &str,
) -> worker::Result<Option<PublicDetailRow>> {
    first(
        db,
        &format!(
            "SELECT {COLUMNS}, {PATENTS_JSON}
             FROM products p JOIN enterprises e ON e.id = p.enterprise_id
             WHERE p.registration_number = ?1"
        ),
        &[Param::Text(number)],
    )
    .await
}

/// The public export: every product's public record with its patents, recorded and
/// revoked, in id order after `after`.
///
/// # Errors
///
/// The database failed.
pub async fn export(
    db: &(impl Prepare + ?Sized),
    after: i64,
    limit: i64,
) -> worker::Result<Vec<PublicDetailRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS}, {PATENTS_JSON}
             FROM products p JOIN enterprises e ON e.id = p.enterprise_id
             WHERE p.id > ?1 ORDER BY p.id LIMIT ?2"
        ),
        &[Param::Int(after), Param::Int(limit)],
    )
    .await
}

/// An enterprise's public columns.
#[derive(Debug, Clone, Deserialize)]
pub struct PublicEnterpriseRow {
    /// Id (not shown).
    pub id: i64,
    /// USCC.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region_code: String,
    /// `verified` once its real-name verification passed.
    pub verification_status: String,
}

/// The enterprise with this USCC (canonical).
///
/// # Errors
///
/// The database failed.
pub async fn enterprise(
    db: &(impl Prepare + ?Sized),
    uscc: &str,
) -> worker::Result<Option<PublicEnterpriseRow>> {
    first(
        db,
        "SELECT id, uscc, name, region_code, verification_status FROM enterprises WHERE uscc = ?1",
        &[Param::Text(uscc)],
    )
    .await
}

/// The largest product id and the largest enterprise id (0 when none): how many
/// sitemap files the registry takes.
///
/// # Errors
///
/// The database failed.
pub async fn max_ids(db: &(impl Prepare + ?Sized)) -> worker::Result<(i64, i64)> {
    #[derive(Deserialize)]
    struct Ids {
        products: i64,
        enterprises: i64,
    }
    let ids: Option<Ids> = first(
        db,
        "SELECT coalesce((SELECT max(id) FROM products), 0) AS products,
                coalesce((SELECT max(id) FROM enterprises), 0) AS enterprises",
        &[],
    )
    .await?;
    Ok(ids.map_or((0, 0), |i| (i.products, i.enterprises)))
}

/// An address of a sitemap: the record's key and when it last changed.
#[derive(Debug, Clone, Deserialize)]
pub struct SitemapRow {
    /// Registration number or USCC.
    pub key: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// The products with ids `from..=to`, for a sitemap.
///
/// # Errors
///
/// The database failed.
pub async fn sitemap_products(
    db: &(impl Prepare + ?Sized),
    from: i64,
    to: i64,
) -> worker::Result<Vec<SitemapRow>> {
    all(
        db,
        "SELECT registration_number AS key, updated_at FROM products
         WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
        &[Param::Int(from), Param::Int(to)],
    )
    .await
}

/// The enterprises with ids `from..=to` that have a product, for a sitemap, each with
/// its newest change (its own or a product's).
///
/// # Errors
///
/// The database failed.
pub async fn sitemap_enterprises(
    db: &(impl Prepare + ?Sized),
    from: i64,
    to: i64,
) -> worker::Result<Vec<SitemapRow>> {
    all(
        db,
        "SELECT e.uscc AS key, max(e.updated_at, max(p.updated_at)) AS updated_at
         FROM enterprises e JOIN products p ON p.enterprise_id = e.id
         WHERE e.id BETWEEN ?1 AND ?2 GROUP BY e.id ORDER BY e.id",
        &[Param::Int(from), Param::Int(to)],
    )
    .await
}
