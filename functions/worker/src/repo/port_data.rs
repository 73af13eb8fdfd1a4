//! What a regional port reads: its region's enterprises and products with their
//! confidential data, and the region's statistics. Every query takes the region
//! codes the port's scope holds (decided by the core), bound as one JSON array.

use serde::Deserialize;
use worker::D1Database;

use super::{Param, all, statement};

/// Filters of the port's listings.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Region codes inside the scope (JSON array).
    pub codes: String,
    /// Region codes of one city inside the scope (JSON array), if filtered.
    pub city_codes: Option<String>,
    /// Text, lower-cased: found anywhere in a name (by `instr`, which, unlike `LIKE`,
    /// has no pattern length limit in D1 and needs no escaping).
    pub needle: Option<String>,
    /// Text as typed: an exact USCC or registration number.
    pub exact: Option<String>,
    /// Products: the field code.
    pub field: Option<String>,
    /// Products: `recorded` or `revoked`; enterprises: the verification status.
    pub status: Option<String>,
    /// Products: the year recorded.
    pub year: Option<i64>,
    /// After this id.
    pub after: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// An enterprise with its contact data (confidential).
#[derive(Debug, Clone, Deserialize)]
pub struct EnterpriseRow {
    /// Id (the cursor).
    pub id: i64,
    /// USCC.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region_code: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Real-name verification.
    pub verification_status: String,
    /// Registered.
    pub created_at: String,
    /// Products recorded and not revoked.
    pub recorded_products: i64,
}

/// The region's enterprises.
///
/// # Errors
///
/// The database failed.
pub async fn enterprises(db: &D1Database, f: &Filter) -> worker::Result<Vec<EnterpriseRow>> {
    all(
        db,
        "SELECT e.id, e.uscc, e.name, e.region_code, e.contact_name, e.contact_email, e.contact_phone,
                e.verification_status, e.created_at,
                (SELECT count(*) FROM products p WHERE p.enterprise_id = e.id AND p.status = 'recorded')
                  AS recorded_products
         FROM enterprises e
         WHERE e.region_code IN (SELECT value FROM json_each(?1))
           AND (?2 IS NULL OR e.region_code IN (SELECT value FROM json_each(?2)))
           AND (?3 IS NULL OR instr(lower(e.name), ?3) > 0 OR e.uscc = ?4)
           AND (?5 IS NULL OR e.verification_status = ?5)
           AND (?6 IS NULL OR e.id > ?6)
         ORDER BY e.id LIMIT ?7",
        &[
            Param::Text(&f.codes),
            Param::OptText(f.city_codes.as_deref()),
            Param::OptText(f.needle.as_deref()),
            Param::OptText(f.exact.as_deref()),
            Param::OptText(f.status.as_deref()),
            Param::OptInt(f.after),
            Param::Int(f.limit),
        ],
    )
    .await
}

/// A product with its latest economic figures (confidential).
#[derive(Debug, Clone, Deserialize)]
pub struct ProductRow {
    /// Id (the cursor).
    pub id: i64,
    /// Registration number.
    pub registration_number: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field code.
    pub field: String,
    /// `recorded` or `revoked`.
    pub status: String,
    /// Region code.
    pub region_code: String,
    /// Recorded.
    pub recorded_at: String,
    /// Revoked.
    pub revoked_at: Option<String>,
    /// JSON array of years identified.
    pub identified_years: String,
    /// The enterprise's USCC.
    pub uscc: String,
    /// The enterprise's name.
    pub enterprise_name: String,
    /// The year of the latest figures.
    pub figures_year: Option<i64>,
    /// Sales, yuan.
    pub sales: Option<i64>,
    /// Exports, yuan.
    pub exports: Option<i64>,
    /// Profit, yuan.
    pub profit: Option<i64>,
    /// IP investment, yuan.
    pub ip_investment: Option<i64>,
}

/// The region's products.
///
/// # Errors
///
/// The database failed.
pub async fn products(db: &D1Database, f: &Filter) -> worker::Result<Vec<ProductRow>> {
    all(
        db,
        "SELECT p.id, p.registration_number, p.name, p.model, p.field, p.status, p.region_code,
                p.recorded_at, p.revoked_at, p.identified_years, e.uscc, e.name AS enterprise_name,
                y.year AS figures_year, y.sales, y.exports, y.profit, y.ip_investment
         FROM products p JOIN enterprises e ON e.id = p.enterprise_id
         LEFT JOIN product_years y ON y.product_id = p.id
              AND y.year = (SELECT max(year) FROM product_years WHERE product_id = p.id)
         WHERE p.region_code IN (SELECT value FROM json_each(?1))
           AND (?2 IS NULL OR p.region_code IN (SELECT value FROM json_each(?2)))
           AND (?3 IS NULL OR instr(lower(p.name), ?3) > 0 OR instr(lower(p.model), ?3) > 0
                OR instr(lower(e.name), ?3) > 0 OR e.uscc = ?4 OR p.registration_number = ?4)
           AND (?5 IS NULL OR p.status = ?5)
           AND (?6 IS NULL OR p.field = ?6)
           AND (?7 IS NULL OR p.recorded_year = ?7)
           AND (?8 IS NULL OR p.id > ?8)
         ORDER BY p.id LIMIT ?9",
        &[
            Param::Text(&f.codes),
            Param::OptText(f.city_codes.as_deref()),
            Param::OptText(f.needle.as_deref()),
            Param::OptText(f.exact.as_deref()),
            Param::OptText(f.status.as_deref()),
            Param::OptText(f.field.as_deref()),
            Param::OptInt(f.year),
            Param::OptInt(f.after),
            Param::Int(f.limit),
        ],
    )
    .await
}

/// One figure of the statistics: a dimension, a key in it, a count and an amount.
#[derive(Debug, Clone, Deserialize)]
pub struct StatRow {
    /// `status`, `field`, `region`, `recorded_month`, `identified_month`,
    /// `identified` or `sales`.
    pub dim: String,
    /// The group (`field:status`, `region:status`, a month, a year).
    pub key: Option<String>,
    /// How many.
    pub n: i64,
    /// Sales in yuan (the `sales` dimension).
    pub amount: Option<i64>,
    /// The enterprises behind the figure (the `sales` dimension).
    #[serde(default)]
    pub enterprises: Option<i64>,
}

/// The statistics' queries, each returning `dim, key, n, amount` rows over the
/// products `ps` of the scope (D1 limits compound SELECTs, so they go as one batch).
const STATISTICS: [&str; 7] = [
    "SELECT 'status' AS dim, status AS key, count(*) AS n, NULL AS amount FROM ps GROUP BY status",
    "SELECT 'field' AS dim, field || ':' || status AS key, count(*) AS n, NULL AS amount FROM ps
     GROUP BY field, status",
    "SELECT 'region' AS dim, region_code || ':' || status AS key, count(*) AS n, NULL AS amount
     FROM ps GROUP BY region_code, status",
    "SELECT 'recorded_month' AS dim, strftime('%Y-%m', recorded_at, ?2) AS key, count(*) AS n,
            NULL AS amount
     FROM ps GROUP BY 2",
    "SELECT 'identified_month' AS dim, strftime('%Y-%m', c.issued_at, ?2) AS key, count(*) AS n,
            NULL AS amount
     FROM certificates c JOIN ps ON ps.id = c.product_id GROUP BY 2",
    "SELECT 'identified' AS dim, 'products' AS key, count(*) AS n, NULL AS amount FROM ps
     WHERE identified_years != '[]'",
    "SELECT 'sales' AS dim, CAST(y.year AS TEXT) AS key, count(*) AS n, sum(y.sales) AS amount,
            count(DISTINCT ps.enterprise_id) AS enterprises
     FROM product_years y JOIN ps ON ps.id = y.product_id WHERE ps.status = 'recorded'
     GROUP BY y.year",
];

/// The region's statistics, in one batch. `month_shift` moves UTC stamps onto the
/// business calendar (`+28800 seconds`).
///
/// # Errors
///
/// The database failed.
pub async fn statistics(
    db: &D1Database,
    codes: &str,
    month_shift: &str,
) -> worker::Result<Vec<StatRow>> {
    let mut batch = Vec::new();
    for query in STATISTICS {
        let sql = format!(
            "WITH ps AS (SELECT id, enterprise_id, field, status, region_code, recorded_at,
                                identified_years
                         FROM products WHERE region_code IN (SELECT value FROM json_each(?1)))
             {query}"
        );
        let params = [Param::Text(codes), Param::Text(month_shift)];
        let used = if query.contains("?2") { 2 } else { 1 };
        batch.push(statement(db, &sql, params.get(..used).unwrap_or_default())?);
    }
    let mut rows = Vec::new();
    for result in db.batch(batch).await? {
        rows.extend(result.results::<StatRow>()?);
    }
    Ok(rows)
}
