//! Recorded products: reads. Writes are in [`super::product_writes`].

use serde::Deserialize;
use worker::D1Database;

use super::{Param, all, first};

/// A product as stored, with its enterprise's USCC and name.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductRow {
    /// Id.
    pub id: i64,
    /// Registration number.
    pub registration_number: String,
    /// Year recorded.
    pub recorded_year: i64,
    /// The enterprise.
    pub enterprise_id: i64,
    /// Its USCC.
    pub uscc: String,
    /// Its name.
    pub enterprise_name: String,
    /// The enterprise's region when recorded.
    pub region_code: String,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field code.
    pub field: String,
    /// Description.
    pub description: String,
    /// First on the market.
    pub first_marketed_on: String,
    /// Region of manufacture.
    pub manufacture_region: String,
    /// `recorded` or `revoked`.
    pub status: String,
    /// Round year opted in to.
    pub opt_in_year: Option<i64>,
    /// JSON array of identification years.
    pub identified_years: String,
    /// When revocation was prompted.
    pub revocation_prompted_at: Option<String>,
    /// When a prompted revocation happens unless the patents come back.
    pub revocation_deadline: Option<String>,
    /// Recording time.
    pub recorded_at: String,
    /// Last change.
    pub updated_at: String,
    /// Revocation time.
    pub revoked_at: Option<String>,
    /// Row version.
    pub version: i64,
}

/// The columns of [`ProductRow`], for queries over `products p JOIN enterprises e`.
pub const PRODUCT_COLUMNS: &str = "p.id, p.registration_number, p.recorded_year, p.enterprise_id,
    e.uscc, e.name AS enterprise_name, p.region_code, p.name, p.model, p.field, p.description,
    p.first_marketed_on, p.manufacture_region, p.status, p.opt_in_year, p.identified_years,
    p.revocation_prompted_at, p.revocation_deadline, p.recorded_at, p.updated_at, p.revoked_at,
    p.version";

/// A patent linked to a product.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedPatentRow {
    /// The product.
    pub product_id: i64,
    /// Canonical number.
    pub number: String,
    /// Kind code.
    pub kind: String,
    /// 1 when it came through the PCT.
    pub pct: i64,
    /// Title.
    pub title: String,
    /// Legal status.
    pub legal_status: String,
    /// 1 for a core patent.
    pub is_core: i64,
    /// Contribution share (confidential).
    pub contribution_pct: i64,
}

/// A year's economic data.
#[derive(Debug, Clone, Deserialize)]
pub struct YearRow {
    /// The product.
    pub product_id: i64,
    /// The year.
    pub year: i64,
    /// Sales.
    pub sales: i64,
    /// Exports.
    pub exports: i64,
    /// Profit.
    pub profit: i64,
    /// IP investment.
    pub ip_investment: i64,
    /// Last change.
    pub updated_at: String,
}

/// A product transaction.
#[derive(Debug, Clone, Deserialize)]
pub struct TransactionRow {
    /// Id.
    pub id: i64,
    /// The enterprise's USCC.
    pub uscc: String,
    /// The enterprise's region.
    pub region_code: String,
    /// The product's registration number.
    pub registration_number: String,
    /// The filing behind it.
    pub filing_id: Option<i64>,
    /// Kind code.
    pub kind: String,
    /// Actor's role.
    pub actor_role: String,
    /// Actor.
    pub actor_user_id: Option<i64>,
    /// When.
    pub at: String,
    /// Why.
    pub reason: Option<String>,
    /// JSON before.
    pub before: Option<String>,
    /// JSON after.
    pub after: Option<String>,
}

/// The product with this registration number.
///
/// # Errors
///
/// The database failed.
pub async fn by_number(db: &D1Database, number: &str) -> worker::Result<Option<ProductRow>> {
    first(
        db,
        &format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p JOIN enterprises e ON e.id = p.enterprise_id
             WHERE p.registration_number = ?1"
        ),
        &[Param::Text(number)],
    )
    .await
}

/// An enterprise's products, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list_for_enterprise(
    db: &D1Database,
    enterprise_id: i64,
) -> worker::Result<Vec<ProductRow>> {
    all(
        db,
        &format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p JOIN enterprises e ON e.id = p.enterprise_id
             WHERE p.enterprise_id = ?1 ORDER BY p.id DESC LIMIT 1000"
        ),
        &[Param::Int(enterprise_id)],
    )
    .await
}

/// The patents linked to the products in `ids` (a JSON array), core first.
///
/// # Errors
///
/// The database failed.
pub async fn linked_patents(
    db: &D1Database,
    ids_json: &str,
) -> worker::Result<Vec<LinkedPatentRow>> {
    all(
        db,
        "SELECT pp.product_id, pa.number, pa.kind, pa.pct, pa.title, pa.legal_status, pp.is_core,
                pp.contribution_pct
         FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
         WHERE pp.product_id IN (SELECT value FROM json_each(?1))
         ORDER BY pp.product_id, pp.is_core DESC, pa.number",
        &[Param::Text(ids_json)],
    )
    .await
}

/// The economic data of the products in `ids` (a JSON array), by year.
///
/// # Errors
///
/// The database failed.
pub async fn years(db: &D1Database, ids_json: &str) -> worker::Result<Vec<YearRow>> {
    all(
        db,
        "SELECT product_id, year, sales, exports, profit, ip_investment, updated_at
         FROM product_years WHERE product_id IN (SELECT value FROM json_each(?1))
         ORDER BY product_id, year",
        &[Param::Text(ids_json)],
    )
    .await
}

/// An enterprise's product transactions, newest first, before the id `before`.
///
/// # Errors
///
/// The database failed.
pub async fn transactions(
    db: &D1Database,
    enterprise_id: i64,
    before: Option<i64>,
    limit: i64,
) -> worker::Result<Vec<TransactionRow>> {
    all(
        db,
        &format!(
            "{TRANSACTION_SELECT}
             WHERE t.enterprise_id = ?1 AND (?2 IS NULL OR t.id < ?2)
             ORDER BY t.id DESC LIMIT ?3"
        ),
        &[
            Param::Int(enterprise_id),
            Param::OptInt(before),
            Param::Int(limit),
        ],
    )
    .await
}

const TRANSACTION_SELECT: &str = "SELECT t.id, e.uscc, e.region_code, p.registration_number,
        t.filing_id, t.kind, t.actor_role, t.actor_user_id, t.at, t.reason, t.before, t.after
    FROM product_transactions t
    JOIN products p ON p.id = t.product_id
    JOIN enterprises e ON e.id = t.enterprise_id";

/// Product transactions of every enterprise whose region code starts with `prefix`
/// (all when `None`), newest first, before the id `before`.
///
/// # Errors
///
/// The database failed.
pub async fn transactions_in(
    db: &D1Database,
    prefix: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> worker::Result<Vec<TransactionRow>> {
    all(
        db,
        &format!(
            "{TRANSACTION_SELECT}
             WHERE (?1 IS NULL OR substr(e.region_code, 1, length(?1)) = ?1)
               AND (?2 IS NULL OR t.id < ?2)
             ORDER BY t.id DESC LIMIT ?3"
        ),
        &[
            Param::OptText(prefix),
            Param::OptInt(before),
            Param::Int(limit),
        ],
    )
    .await
}

/// The next free sequence number for registration numbers of `year` and `province`.
///
/// # Errors
///
/// The database failed.
pub async fn next_sequence(db: &D1Database, year: i64, province: &str) -> worker::Result<i64> {
    #[derive(Deserialize)]
    struct Next {
        next: i64,
    }
    let row: Option<Next> = first(
        db,
        "SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM products
         WHERE recorded_year = ?1 AND province = ?2",
        &[Param::Int(year), Param::Text(province)],
    )
    .await?;
    Ok(row.map_or(1, |n| n.next))
}

/// Products whose prompted revocation deadline has passed and that still have no
/// valid patent, oldest first.
///
/// # Errors
///
/// The database failed.
pub async fn due_revocations(
    db: &D1Database,
    now: &str,
    limit: i64,
) -> worker::Result<Vec<ProductRow>> {
    all(
        db,
        &format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p JOIN enterprises e ON e.id = p.enterprise_id
             WHERE p.revocation_deadline IS NOT NULL AND p.revocation_deadline <= ?1
               AND p.status = 'recorded'
               AND NOT EXISTS (SELECT 1 FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
                               WHERE pp.product_id = p.id AND pa.legal_status = 'valid')
             ORDER BY p.revocation_deadline LIMIT ?2"
        ),
        &[Param::Text(now), Param::Int(limit)],
    )
    .await
}
