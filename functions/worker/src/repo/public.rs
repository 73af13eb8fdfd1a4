//! The public registry's queries: only recorded products' public columns leave here.

use serde::Deserialize;
use worker::D1Database;

use super::{Param, all};

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
const COLUMNS: &str = "p.id, p.registration_number, p.name, p.model, p.field, e.uscc,
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

const FILTERS: &str = "(?1 IS NULL OR p.field = ?1)
    AND (?2 IS NULL OR p.province = ?2)
    AND (?3 IS NULL OR substr(p.region_code, 1, 4) = ?3)
    AND (?4 IS NULL OR p.region_code = ?4)
    AND (?5 IS NULL OR p.recorded_year = ?5)
    AND (?6 IS NULL OR p.status = ?6)
    AND (?7 = 0 OR p.identified_years <> '[]')
    AND (?8 IS NULL OR p.id < ?8)";

/// A page of the public listing, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(db: &D1Database, f: &ListFilter) -> worker::Result<Vec<PublicProductRow>> {
    let mut params = vec![
        Param::OptText(f.field.as_deref()),
        Param::OptText(f.province.as_deref()),
        Param::OptText(f.prefecture.as_deref()),
        Param::OptText(f.county.as_deref()),
        Param::OptInt(f.year),
        Param::OptText(f.status),
        Param::Int(i64::from(f.identified)),
        Param::OptInt(f.before_id),
        Param::Int(f.limit),
    ];
    match &f.search {
        None => {
            all(
                db,
                &format!(
                    "SELECT {COLUMNS} FROM products p JOIN enterprises e ON e.id = p.enterprise_id
                     WHERE {FILTERS} ORDER BY p.id DESC LIMIT ?9"
                ),
                &params,
            )
            .await
        }
        Some(search) => {
            params.push(Param::Text(search));
            all(
                db,
                &format!(
                    // Walk the index's matches newest first and stop at the page size.
                    "SELECT {COLUMNS} FROM product_search s
                       JOIN products p ON p.id = s.rowid
                       JOIN enterprises e ON e.id = p.enterprise_id
                     WHERE product_search MATCH ?10 AND {FILTERS}
                     ORDER BY s.rowid DESC LIMIT ?9"
                ),
                &params,
            )
            .await
        }
    }
}

/// The products of one enterprise, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn of_enterprise(
    db: &D1Database,
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
pub async fn using_patent(db: &D1Database, number: &str) -> worker::Result<Vec<PatentUseRow>> {
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
pub async fn by_number(db: &D1Database, number: &str) -> worker::Result<Option<PublicDetailRow>> {
    super::first(
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
    db: &D1Database,
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
