//! Recorded products: the statements that change them. Every statement names the
//! product by its registration number, so the same builders serve a product created
//! earlier in the same batch (whose id is not known yet) and an existing one.

use worker::{D1Database, D1PreparedStatement};

use super::{Param, statement};
use crate::repo::audit::Actor;

/// A product's public and descriptive fields.
#[derive(Debug, Clone, Copy)]
pub struct ProductFields<'a> {
    /// Name.
    pub name: &'a str,
    /// Model.
    pub model: &'a str,
    /// Field code.
    pub field: &'a str,
    /// Description.
    pub description: &'a str,
    /// First on the market.
    pub first_marketed_on: &'a str,
    /// Region of manufacture.
    pub manufacture_region: &'a str,
}

/// Where a new product's number comes from.
#[derive(Debug, Clone, Copy)]
pub struct Numbering<'a> {
    /// Registration number.
    pub registration_number: &'a str,
    /// Year recorded.
    pub year: i64,
    /// Province prefix.
    pub province: &'a str,
    /// Sequence.
    pub sequence: i64,
}

/// Inserts a newly recorded product.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn insert(
    db: &D1Database,
    n: &Numbering<'_>,
    enterprise_id: i64,
    region_code: &str,
    f: &ProductFields<'_>,
    opt_in_year: Option<i64>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO products
           (registration_number, recorded_year, province, sequence, enterprise_id, region_code,
            name, model, field, description, first_marketed_on, manufacture_region, status,
            opt_in_year, recorded_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'recorded', ?13, ?14, ?14)",
        &[
            Param::Text(n.registration_number),
            Param::Int(n.year),
            Param::Text(n.province),
            Param::Int(n.sequence),
            Param::Int(enterprise_id),
            Param::Text(region_code),
            Param::Text(f.name),
            Param::Text(f.model),
            Param::Text(f.field),
            Param::Text(f.description),
            Param::Text(f.first_marketed_on),
            Param::Text(f.manufacture_region),
            Param::OptInt(opt_in_year),
            Param::Text(now),
        ],
    )
}

/// Applies an approved modification to a recorded product (guard it). An approved
/// modification links at least one valid patent, so it also lifts a revocation prompt.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn modify(
    db: &D1Database,
    number: &str,
    f: &ProductFields<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE products SET name = ?2, model = ?3, field = ?4, description = ?5,
                first_marketed_on = ?6, manufacture_region = ?7, updated_at = ?8,
                revocation_prompted_at = NULL, revocation_deadline = NULL,
                version = version + 1
         WHERE registration_number = ?1 AND status = 'recorded'",
        &[
            Param::Text(number),
            Param::Text(f.name),
            Param::Text(f.model),
            Param::Text(f.field),
            Param::Text(f.description),
            Param::Text(f.first_marketed_on),
            Param::Text(f.manufacture_region),
            Param::Text(now),
        ],
    )
}

/// Replaces a product's linked patents: `links_json` is a JSON array of
/// `{"number", "core": 0|1, "contribution_pct"}`, matched to the enterprise's patents.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn replace_patents(
    db: &D1Database,
    number: &str,
    enterprise_id: i64,
    links_json: &str,
) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "DELETE FROM product_patents
             WHERE product_id = (SELECT id FROM products WHERE registration_number = ?1)",
            &[Param::Text(number)],
        )?,
        statement(
            db,
            "INSERT INTO product_patents (product_id, patent_id, is_core, contribution_pct)
             SELECT (SELECT id FROM products WHERE registration_number = ?1), pa.id,
                    j.value ->> 'core', j.value ->> 'contribution_pct'
             FROM json_each(?2) AS j
             JOIN patents pa ON pa.enterprise_id = ?3 AND pa.number = j.value ->> 'number'",
            &[
                Param::Text(number),
                Param::Text(links_json),
                Param::Int(enterprise_id),
            ],
        )?,
    ])
}

/// One year's economic figures.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
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
}

/// Inserts or replaces a product's figures for a year.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn upsert_year(
    db: &D1Database,
    number: &str,
    y: &Figures,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO product_years (product_id, year, sales, exports, profit, ip_investment, updated_at)
         VALUES ((SELECT id FROM products WHERE registration_number = ?1), ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (product_id, year) DO UPDATE SET sales = excluded.sales,
            exports = excluded.exports, profit = excluded.profit,
            ip_investment = excluded.ip_investment, updated_at = excluded.updated_at",
        &[
            Param::Text(number),
            Param::Int(y.year),
            Param::Int(y.sales),
            Param::Int(y.exports),
            Param::Int(y.profit),
            Param::Int(y.ip_investment),
            Param::Text(now),
        ],
    )
}

/// Replaces a product's search terms (bigram text from `ppr_core::search`).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn reindex(
    db: &D1Database,
    number: &str,
    terms: &str,
) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        statement(
            db,
            "DELETE FROM product_search
             WHERE rowid = (SELECT id FROM products WHERE registration_number = ?1)",
            &[Param::Text(number)],
        )?,
        statement(
            db,
            "INSERT INTO product_search (rowid, terms)
             VALUES ((SELECT id FROM products WHERE registration_number = ?1), ?2)",
            &[Param::Text(number), Param::Text(terms)],
        )?,
    ])
}

/// Bumps a product's version if it is still at `version` (guard it): the optimistic
/// lock of annual updates and opt-in changes.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn touch(
    db: &D1Database,
    number: &str,
    version: i64,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE products SET updated_at = ?3, version = version + 1
         WHERE registration_number = ?1 AND version = ?2 AND status = 'recorded'",
        &[Param::Text(number), Param::Int(version), Param::Text(now)],
    )
}

/// Sets the round a product takes part in (`None` to opt out).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn set_opt_in(
    db: &D1Database,
    number: &str,
    year: Option<i64>,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE products SET opt_in_year = ?2 WHERE registration_number = ?1",
        &[Param::Text(number), Param::OptInt(year)],
    )
}

/// Revokes a recorded product (guard it). An opt-in stays: the round's formal check
/// records that the product is out because it was revoked.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn revoke(db: &D1Database, number: &str, now: &str) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE products SET status = 'revoked', revoked_at = ?2,
                revocation_deadline = NULL, updated_at = ?2, version = version + 1
         WHERE registration_number = ?1 AND status = 'recorded'",
        &[Param::Text(number), Param::Text(now)],
    )
}

/// A typed transaction on a product.
#[derive(Debug, Clone, Copy)]
pub struct Transaction<'a> {
    /// The product.
    pub registration_number: &'a str,
    /// Its enterprise.
    pub enterprise_id: i64,
    /// The filing behind it, if any.
    pub filing_id: Option<i64>,
    /// `initial`, `update`, `modification`, `opt_in`, `opt_out` or `revocation`.
    pub kind: &'a str,
    /// Who.
    pub actor: Actor<'a>,
    /// Why.
    pub reason: Option<&'a str>,
    /// JSON before.
    pub before: Option<&'a str>,
    /// JSON after.
    pub after: Option<&'a str>,
}

/// Records a transaction.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn record(
    db: &D1Database,
    t: &Transaction<'_>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO product_transactions
           (product_id, enterprise_id, filing_id, kind, actor_user_id, actor_role, at, reason, before, after)
         VALUES ((SELECT id FROM products WHERE registration_number = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[
            Param::Text(t.registration_number),
            Param::Int(t.enterprise_id),
            Param::OptInt(t.filing_id),
            Param::Text(t.kind),
            Param::OptInt(t.actor.user_id),
            Param::Text(t.actor.role),
            Param::Text(now),
            Param::OptText(t.reason),
            Param::OptText(t.before),
            Param::OptText(t.after),
        ],
    )
}

/// After a legal-status import: prompts revocation of every recorded product whose
/// linked patents have all lapsed or been transferred (deadline `deadline`), and
/// clears the prompt of those that have a valid patent again. Audit rows first, so
/// they see the products before the change.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn refresh_prompts(
    db: &D1Database,
    now: &str,
    deadline: &str,
) -> worker::Result<[D1PreparedStatement; 3]> {
    Ok([
        statement(
            db,
            "INSERT INTO audit_log (at, actor_role, action, entity_type, entity_id, enterprise_id, after)
             SELECT ?1, 'system', 'product.revocation_prompted', 'product', p.registration_number,
                    p.enterprise_id, json_object('revocation_deadline', ?2)
             FROM products p
             WHERE p.status = 'recorded' AND p.revocation_prompted_at IS NULL
               AND EXISTS (SELECT 1 FROM product_patents pp WHERE pp.product_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
                               WHERE pp.product_id = p.id AND pa.legal_status = 'valid')",
            &[Param::Text(now), Param::Text(deadline)],
        )?,
        statement(
            db,
            "UPDATE products AS p SET revocation_prompted_at = ?1, revocation_deadline = ?2,
                    version = version + 1, updated_at = ?1
             WHERE p.status = 'recorded' AND p.revocation_prompted_at IS NULL
               AND EXISTS (SELECT 1 FROM product_patents pp WHERE pp.product_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
                               WHERE pp.product_id = p.id AND pa.legal_status = 'valid')",
            &[Param::Text(now), Param::Text(deadline)],
        )?,
        statement(
            db,
            "UPDATE products AS p SET revocation_prompted_at = NULL, revocation_deadline = NULL,
                    version = version + 1, updated_at = ?1
             WHERE p.status = 'recorded' AND p.revocation_prompted_at IS NOT NULL
               AND EXISTS (SELECT 1 FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
                           WHERE pp.product_id = p.id AND pa.legal_status = 'valid')",
            &[Param::Text(now)],
        )?,
    ])
}
