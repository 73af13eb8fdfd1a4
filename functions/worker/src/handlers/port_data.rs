//! The port's view of its region: enterprises and products with their confidential
//! data (each read is written to the access log of every enterprise it showed),
//! filters and search, CSV or JSON, the region's statistics, and its monthly
//! releases.

use std::collections::BTreeSet;

use ppr_core::{RegionCode, RegionScope};
use serde::Serialize;

use crate::authz;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::monthly::scope_codes;
use crate::operation::{Operation, Roles, operation};
use crate::repo::port_data::{self, EnterpriseRow, Filter, ProductRow};
use crate::repo::ports::{self, PortRow};
use crate::services::ports::own_port;
use crate::views::page::{Page, next_cursor};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port/enterprises", list_port_enterprises(ctx), Roles::Port,
        query: ["q", "verification", "city", "format", "cursor", "limit"]),
    operation!(GET "/api/v1/port/products", list_port_products(ctx), Roles::Port,
        query: ["q", "field", "status", "year", "city", "format", "cursor", "limit"]),
];

/// Rows per JSON page, by default and at most.
const PAGE: i64 = 100;
const MAX_PAGE: i64 = 1_000;
/// Rows of one CSV export (a cursor pages on beyond it).
const MAX_EXPORT: i64 = 10_000;

/// The filters every listing shares: scope, city, text, cursor and page size.
async fn filter(ctx: &Ctx<'_>, port: &PortRow, csv: bool) -> Result<Filter, ApiError> {
    let db = ctx.db();
    let codes = ports::enterprise_region_codes(db).await?;
    let scope = RegionScope::parse(&port.scope)
        .map_err(|e| ApiError::internal_cause("stored scope", &e))?;
    let city_codes = match ctx.query_param("city").filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(text) => {
            let city = RegionCode::parse(&text)
                .map_err(|e| ApiError::invalid_field("city", e.code(), e.to_string()))?;
            let city = city.prefecture().unwrap_or(city);
            let inside: Vec<&String> = codes
                .iter()
                .filter(|c| {
                    RegionCode::parse(c).is_ok_and(|code| {
                        code.prefecture().unwrap_or(code) == city && scope.contains(code)
                    })
                })
                .collect();
            // A city of the region with no enterprise yet is an empty list, not a refusal.
            if inside.is_empty() && !scope.contains(city) {
                return Err(ApiError::forbidden(
                    "outside_scope",
                    format!("{city} is outside your region"),
                ));
            }
            Some(serde_json::to_string(&inside).map_err(|e| ApiError::internal_cause("city", &e))?)
        }
    };
    let text = ctx
        .query_param("q")
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    if text.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::invalid_field(
            "q",
            "too_long",
            "a search has at most 100 characters",
        ));
    }
    // SQLite's lower() folds ASCII only; so does the needle, as LIKE did.
    let needle = text.as_ref().map(|q| q.to_ascii_lowercase());
    let exact = text.map(|q| ppr_core::text::normalize_identifier(&q));
    let limit = if csv {
        ctx.page_limit(MAX_EXPORT, MAX_EXPORT)?
    } else {
        ctx.page_limit(PAGE, MAX_PAGE)?
    };
    Ok(Filter {
        codes: scope_codes(&port.scope, &codes)?,
        city_codes,
        needle,
        exact,
        after: ctx.id_cursor()?,
        limit,
        ..Filter::default()
    })
}

// The answers below declare their fields in alphabetical order: they were first
// written through `serde_json::Value`, which sorts keys, and clients have had that
// order since (the tests hold each to it).

/// An enterprise of the region with its contact data (confidential: each answer is
/// written to the enterprise's access log).
#[derive(Debug, Serialize)]
pub struct PortEnterpriseOut {
    /// The contact person's e-mail.
    pub contact_email: String,
    /// The contact person.
    pub contact_name: String,
    /// The contact person's phone.
    pub contact_phone: String,
    /// When it registered.
    pub created_at: String,
    /// Its id (the cursor).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its products recorded and not revoked.
    pub recorded_products: i64,
    /// Its six-digit region code.
    pub region_code: String,
    /// Its USCC.
    pub uscc: String,
    /// Its real-name verification: `unverified`, `pending`, `verified` or `rejected`.
    pub verification_status: String,
}

impl From<EnterpriseRow> for PortEnterpriseOut {
    fn from(row: EnterpriseRow) -> Self {
        Self {
            contact_email: row.contact_email,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            created_at: row.created_at,
            id: row.id,
            name: row.name,
            recorded_products: row.recorded_products,
            region_code: row.region_code,
            uscc: row.uscc,
            verification_status: row.verification_status,
        }
    }
}

/// The CSV export's columns of an enterprise (`created_at` is `registered_at` there).
const ENTERPRISE_COLUMNS: [&str; 9] = [
    "uscc",
    "name",
    "region_code",
    "verification_status",
    "recorded_products",
    "contact_name",
    "contact_email",
    "contact_phone",
    "registered_at",
];

/// An enterprise's CSV record, in [`ENTERPRISE_COLUMNS`]' order.
fn enterprise_record(r: &EnterpriseRow) -> Vec<String> {
    vec![
        r.uscc.clone(),
        r.name.clone(),
        r.region_code.clone(),
        r.verification_status.clone(),
        r.recorded_products.to_string(),
        r.contact_name.clone(),
        r.contact_email.clone(),
        r.contact_phone.clone(),
        r.created_at.clone(),
    ]
}

/// A product of the region with its latest economic figures (confidential: each
/// answer is written to its enterprise's access log).
#[derive(Debug, Serialize)]
pub struct PortProductOut {
    /// Its enterprise's name.
    pub enterprise_name: String,
    /// Exports of the latest figures' year, yuan.
    pub exports: Option<i64>,
    /// Its field's two-digit code.
    pub field: String,
    /// The year of its latest figures; `null` when it has none.
    pub figures_year: Option<i64>,
    /// Its id (the cursor).
    pub id: i64,
    /// The round years it was identified in (a JSON array; `null` if unreadable).
    pub identified_years: serde_json::Value,
    /// IP investment of the latest figures' year, yuan.
    pub ip_investment: Option<i64>,
    /// Its model.
    pub model: String,
    /// Its name.
    pub name: String,
    /// Profit of the latest figures' year, yuan.
    pub profit: Option<i64>,
    /// When it was recorded.
    pub recorded_at: String,
    /// Its six-digit region code.
    pub region_code: String,
    /// Its registration number.
    pub registration_number: String,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// Sales of the latest figures' year, yuan.
    pub sales: Option<i64>,
    /// `recorded` or `revoked`.
    pub status: String,
    /// Its enterprise's USCC.
    pub uscc: String,
}

impl From<ProductRow> for PortProductOut {
    fn from(row: ProductRow) -> Self {
        Self {
            enterprise_name: row.enterprise_name,
            exports: row.exports,
            field: row.field,
            figures_year: row.figures_year,
            id: row.id,
            // Stored as JSON text; answered as the array it holds.
            identified_years: serde_json::from_str(&row.identified_years).unwrap_or_default(),
            ip_investment: row.ip_investment,
            model: row.model,
            name: row.name,
            profit: row.profit,
            recorded_at: row.recorded_at,
            region_code: row.region_code,
            registration_number: row.registration_number,
            revoked_at: row.revoked_at,
            sales: row.sales,
            status: row.status,
            uscc: row.uscc,
        }
    }
}

/// The CSV export's columns of a product.
const PRODUCT_COLUMNS: [&str; 16] = [
    "registration_number",
    "name",
    "model",
    "field",
    "status",
    "uscc",
    "enterprise_name",
    "region_code",
    "recorded_at",
    "revoked_at",
    "identified_years",
    "figures_year",
    "sales",
    "exports",
    "profit",
    "ip_investment",
];

/// A product's CSV record, in [`PRODUCT_COLUMNS`]' order; a missing figure is empty.
fn product_record(r: &ProductRow) -> Vec<String> {
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        r.registration_number.clone(),
        r.name.clone(),
        r.model.clone(),
        r.field.clone(),
        r.status.clone(),
        r.uscc.clone(),
        r.enterprise_name.clone(),
        r.region_code.clone(),
        r.recorded_at.clone(),
        r.revoked_at.clone().unwrap_or_default(),
        r.identified_years.clone(),
        opt(r.figures_year),
        opt(r.sales),
        opt(r.exports),
        opt(r.profit),
        opt(r.ip_investment),
    ]
}

fn csv_reply(header: &[&str], rows: &[Vec<String>], name: &str, cursor: Option<String>) -> Reply {
    let mut reply = Reply::bytes(
        ppr_core::csv::table(header, rows).into_bytes(),
        "text/csv; charset=utf-8",
    )
    .with_header(
        "content-disposition",
        format!("attachment; filename=\"{name}.csv\""),
    );
    if let Some(cursor) = cursor {
        reply = reply.with_header("x-next-cursor", cursor);
    }
    reply
}

/// `GET /api/v1/port/enterprises`: the region's enterprises with their contact data;
/// `?q=` (name, or an exact USCC), `?verification=`, `?city=`, paging, `?format=csv`.
///
/// # Errors
///
/// As [`own_port`]; 403 a city outside the scope; 422 a bad filter.
pub async fn list_port_enterprises(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, port) = own_port(ctx).await?;
    let csv = ctx.wants_csv()?;
    let mut f = filter(ctx, &port, csv).await?;
    f.status = ctx.query_param("verification");
    if let Some(s) = &f.status
        && !["unverified", "pending", "verified", "rejected"].contains(&s.as_str())
    {
        return Err(ApiError::invalid_field(
            "verification",
            "unknown_status",
            "verification is unverified, pending, verified or rejected",
        ));
    }
    let rows = port_data::enterprises(ctx.db(), &f).await?;
    let usccs: Vec<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
    authz::log_regional_read(ctx, &principal, &usccs, "port: enterprises and contacts").await?;
    let cursor = next_cursor(&rows, f.limit, |r| r.id);
    if csv {
        let table: Vec<Vec<String>> = rows.iter().map(enterprise_record).collect();
        return Ok(csv_reply(
            &ENTERPRISE_COLUMNS,
            &table,
            "enterprises",
            cursor,
        ));
    }
    let page = Page {
        items: rows.into_iter().map(PortEnterpriseOut::from).collect(),
        next_cursor: cursor,
    };
    Reply::json(200, &page, CachePolicy::NoStore)
}

/// `GET /api/v1/port/products`: the region's products with their latest economic
/// figures; `?q=`, `?field=`, `?status=`, `?year=`, `?city=`, paging, `?format=csv`.
///
/// # Errors
///
/// As [`list_port_enterprises`].
pub async fn list_port_products(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, port) = own_port(ctx).await?;
    let csv = ctx.wants_csv()?;
    let f = product_filter(ctx, &port, csv).await?;
    let rows = port_data::products(ctx.db(), &f).await?;
    let usccs: BTreeSet<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
    let usccs: Vec<&str> = usccs.into_iter().collect();
    authz::log_regional_read(
        ctx,
        &principal,
        &usccs,
        "port: products and economic figures",
    )
    .await?;
    let cursor = next_cursor(&rows, f.limit, |r| r.id);
    if csv {
        let table: Vec<Vec<String>> = rows.iter().map(product_record).collect();
        return Ok(csv_reply(&PRODUCT_COLUMNS, &table, "products", cursor));
    }
    let page = Page {
        items: rows.into_iter().map(PortProductOut::from).collect(),
        next_cursor: cursor,
    };
    Reply::json(200, &page, CachePolicy::NoStore)
}

/// The products' filters: the shared ones, and `?status=`, `?field=`, `?year=`.
async fn product_filter(ctx: &Ctx<'_>, port: &PortRow, csv: bool) -> Result<Filter, ApiError> {
    let mut f = filter(ctx, port, csv).await?;
    f.status = ctx.query_param("status");
    if let Some(s) = &f.status
        && !["recorded", "revoked"].contains(&s.as_str())
    {
        return Err(ApiError::invalid_field(
            "status",
            "unknown_status",
            "status is recorded or revoked",
        ));
    }
    f.field = match ctx.query_param("field") {
        None => None,
        Some(code) => Some(
            ppr_core::ProductField::parse(&code)
                .map_err(|e| ApiError::invalid_field("field", "unknown_field", e.to_string()))?
                .code()
                .to_owned(),
        ),
    };
    f.year = match ctx.query_param("year") {
        None => None,
        Some(text) => Some(text.trim().parse().map_err(|_| {
            ApiError::invalid_field("year", "invalid_year", "year is a year, such as 2026")
        })?),
    };
    Ok(f)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::views::sorted::assert_sorted;

    fn enterprise() -> EnterpriseRow {
        EnterpriseRow {
            id: 5,
            uscc: "91320500MA1XXXXX1A".to_owned(),
            name: "Acme".to_owned(),
            region_code: "320505".to_owned(),
            contact_name: "Li Lei".to_owned(),
            contact_email: "li@example.com".to_owned(),
            contact_phone: "0512-1234567".to_owned(),
            verification_status: "verified".to_owned(),
            created_at: "2026-01-02T03:04:05.000Z".to_owned(),
            recorded_products: 2,
        }
    }

    fn product(identified_years: &str, figures: Option<i64>) -> ProductRow {
        ProductRow {
            id: 9,
            registration_number: "P2026320500001".to_owned(),
            name: "Pump".to_owned(),
            model: "X-1".to_owned(),
            field: "03".to_owned(),
            status: "recorded".to_owned(),
            region_code: "320505".to_owned(),
            recorded_at: "2026-01-02T03:04:05.000Z".to_owned(),
            revoked_at: None,
            identified_years: identified_years.to_owned(),
            uscc: "91320500MA1XXXXX1A".to_owned(),
            enterprise_name: "Acme".to_owned(),
            figures_year: figures.map(|_| 2025),
            sales: figures,
            exports: figures,
            profit: figures,
            ip_investment: figures,
        }
    }

    #[test]
    fn an_enterprise_answers_as_before() {
        let out = PortEnterpriseOut::from(enterprise());
        assert_sorted(&out);
        let before = json!({
            "id": 5, "uscc": "91320500MA1XXXXX1A", "name": "Acme", "region_code": "320505",
            "contact_name": "Li Lei", "contact_email": "li@example.com",
            "contact_phone": "0512-1234567", "verification_status": "verified",
            "created_at": "2026-01-02T03:04:05.000Z", "recorded_products": 2,
        });
        assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
        assert_eq!(
            enterprise_record(&enterprise()).len(),
            ENTERPRISE_COLUMNS.len()
        );
    }

    #[test]
    fn a_product_answers_as_before() {
        for (years, figures, years_out) in [
            ("[2025,2026]", Some(100), json!([2025, 2026])),
            ("[]", None, json!([])),
            ("not json", None, json!(null)),
        ] {
            let out = PortProductOut::from(product(years, figures));
            assert_sorted(&out);
            let before = json!({
                "id": 9, "registration_number": "P2026320500001", "name": "Pump",
                "model": "X-1", "field": "03", "status": "recorded", "region_code": "320505",
                "recorded_at": "2026-01-02T03:04:05.000Z", "revoked_at": null,
                "identified_years": years_out, "uscc": "91320500MA1XXXXX1A",
                "enterprise_name": "Acme", "figures_year": figures.map(|_| 2025),
                "sales": figures, "exports": figures, "profit": figures,
                "ip_investment": figures,
            });
            assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
        }
        let record = product_record(&product("[2026]", None));
        assert_eq!(record.len(), PRODUCT_COLUMNS.len());
        assert_eq!(record.get(10).map(String::as_str), Some("[2026]"));
        assert_eq!(record.get(12).map(String::as_str), Some(""));
    }
}
