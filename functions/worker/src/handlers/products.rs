//! Recorded products, from the enterprise's side (staff in scope read them too):
//! the full record with confidential data, the annual update, opt-in to the current
//! identification round, confirming a prompted revocation, and the transaction
//! history.

use ppr_core::calendar::{business_date, business_year};
use ppr_core::product::{EconomicsIn, check_economics, economics_year};
use ppr_core::webhook::EventType;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::authz::{Access, enterprise_access};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::product_writes::{self, Figures, Transaction};
use crate::repo::products::{self, LinkedPatentRow, ProductRow, YearRow};
use crate::services::products::own_product;
use crate::services::revocation::revoke_prompted;
use crate::services::rounds::opt_in_window;
use crate::services::settings;
use crate::validation::problems_error;
use crate::webhooks;
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/enterprises/{uscc}/products", list_own_products(ctx), Roles::EnterpriseRead),
    operation!(GET "/api/v1/enterprises/{uscc}/products/{number}", get_own_product(ctx), Roles::EnterpriseRead),
    operation!(PUT "/api/v1/enterprises/{uscc}/products/{number}/years/{year}", put_annual_update(ctx, body), Roles::EnterpriseWrite),
    operation!(PUT "/api/v1/enterprises/{uscc}/products/{number}/opt-in", put_opt_in(ctx, body), Roles::EnterpriseWrite),
    operation!(POST "/api/v1/enterprises/{uscc}/products/{number}/revocation-confirmation", confirm_revocation(ctx), Roles::EnterpriseWrite),
];

/// A product with its confidential data.
#[derive(Debug, Serialize)]
pub struct OwnProductOut {
    /// Registration number.
    pub registration_number: String,
    /// Status.
    pub status: String,
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
    /// Linked patents with contribution shares.
    pub patents: Vec<serde_json::Value>,
    /// Economic data per year.
    pub economics: Vec<serde_json::Value>,
    /// The round year it takes part in, if opted in.
    pub opt_in_year: Option<i64>,
    /// A pending prompted revocation, if any.
    pub revocation_prompt: Option<serde_json::Value>,
    /// Recording time.
    pub recorded_at: String,
    /// Revocation time.
    pub revoked_at: Option<String>,
    /// Row version (send it as `If-Match` with updates).
    pub version: i64,
}

fn own_out(p: ProductRow, patents: &[LinkedPatentRow], years: &[YearRow]) -> OwnProductOut {
    OwnProductOut {
        patents: patents
            .iter()
            .filter(|l| l.product_id == p.id)
            .map(|l| {
                serde_json::json!({
                    "number": l.number, "kind": l.kind, "pct": l.pct == 1, "title": l.title,
                    "legal_status": l.legal_status, "core": l.is_core == 1,
                    "contribution_pct": l.contribution_pct,
                })
            })
            .collect(),
        economics: years
            .iter()
            .filter(|y| y.product_id == p.id)
            .map(|y| {
                serde_json::json!({
                    "year": y.year, "sales": y.sales, "exports": y.exports, "profit": y.profit,
                    "ip_investment": y.ip_investment, "updated_at": y.updated_at,
                })
            })
            .collect(),
        revocation_prompt: p.revocation_prompted_at.as_ref().map(|at| {
            serde_json::json!({
                "prompted_at": at,
                "deadline": p.revocation_deadline,
                "why": "every linked patent has lapsed or been transferred; confirm the revocation, or it happens at the deadline unless a valid patent is linked again",
            })
        }),
        registration_number: p.registration_number,
        status: p.status,
        name: p.name,
        model: p.model,
        field: p.field,
        description: p.description,
        first_marketed_on: p.first_marketed_on,
        manufacture_region: p.manufacture_region,
        opt_in_year: p.opt_in_year,
        recorded_at: p.recorded_at,
        revoked_at: p.revoked_at,
        version: p.version,
    }
}

async fn with_details(
    db: &D1Database,
    rows: Vec<ProductRow>,
) -> Result<Vec<OwnProductOut>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let ids_json = serde_json::to_string(&ids).map_err(|e| ApiError::internal_cause("ids", &e))?;
    let patents = products::linked_patents(db, &ids_json).await?;
    let years = products::years(db, &ids_json).await?;
    Ok(rows
        .into_iter()
        .map(|p| own_out(p, &patents, &years))
        .collect())
}

/// `GET /api/v1/enterprises/{uscc}/products`.
///
/// # Errors
///
/// As [`enterprise_access`].
pub async fn list_own_products(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let db = ctx.db();
    let rows = products::list_for_enterprise(db, enterprise.id).await?;
    let items = with_details(db, rows).await?;
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/enterprises/{uscc}/products/{number}`.
///
/// # Errors
///
/// As [`enterprise_access`]; 404.
pub async fn get_own_product(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let db = ctx.db();
    let product = own_product(db, &enterprise, &ctx.param("number")?).await?;
    let mut items = with_details(db, vec![product]).await?;
    let item = items
        .pop()
        .ok_or_else(|| ApiError::internal_cause("product", &"missing"))?;
    Reply::json(200, &item, CachePolicy::NoStore)
}

async fn product_reply(db: &D1Database, number: &str) -> Result<Reply, ApiError> {
    let product = products::by_number(db, number)
        .await?
        .ok_or_else(|| ApiError::internal_cause("product", &"missing"))?;
    let mut items = with_details(db, vec![product]).await?;
    let item = items
        .pop()
        .ok_or_else(|| ApiError::internal_cause("product", &"missing"))?;
    Reply::json(200, &item, CachePolicy::NoStore)
}

fn require_recorded(product: &ProductRow) -> Result<(), ApiError> {
    if product.status == "recorded" {
        Ok(())
    } else {
        Err(ApiError::state_conflict(
            "product_revoked",
            format!(
                "{} is revoked; it cannot change any more",
                product.registration_number
            ),
        ))
    }
}

/// An annual update's figures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnualUpdateIn {
    /// Sales.
    pub sales: i64,
    /// Exports.
    pub exports: i64,
    /// Profit.
    pub profit: i64,
    /// IP investment.
    pub ip_investment: i64,
    /// The product version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `PUT /api/v1/enterprises/{uscc}/products/{number}/years/{year}`: the annual
/// update. Inside the year's update window only, for the previous year's figures.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 409 `outside_update_window`, revoked or stale; 422.
pub async fn put_annual_update(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let input: AnnualUpdateIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let product = own_product(db, &enterprise, &ctx.param("number")?).await?;
    require_recorded(&product)?;
    let version = ctx.required_version(input.version)?;
    let wanted = update_year(ctx)?;
    require_update_window(ctx).await?;
    let figures = EconomicsIn {
        year: wanted,
        sales: input.sales,
        exports: input.exports,
        profit: input.profit,
        ip_investment: input.ip_investment,
    };
    let problems = check_economics(&figures, wanted);
    if !problems.is_empty() {
        return Err(problems_error(problems, ""));
    }
    let number = product.registration_number.clone();
    let before_json = figures_before(db, &product, wanted).await?;
    let after_json =
        serde_json::to_string(&figures).map_err(|e| ApiError::internal_cause("after", &e))?;
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(product_writes::touch(db, &number, version, &ctx.stamp))?
        .push(product_writes::upsert_year(
            db,
            &number,
            &Figures {
                year: i64::from(wanted),
                sales: figures.sales,
                exports: figures.exports,
                profit: figures.profit,
                ip_investment: figures.ip_investment,
            },
            &ctx.stamp,
        ))?
        .push(product_writes::record(
            db,
            &Transaction {
                registration_number: &number,
                enterprise_id: enterprise.id,
                filing_id: None,
                kind: "update",
                actor: principal.actor(),
                reason: None,
                before: before_json.as_deref(),
                after: Some(&after_json),
            },
            &ctx.stamp,
        ))?
        .event(webhooks::product_event(
            db,
            EventType::ProductUpdated,
            &product,
            "recorded",
            &ctx.stamp,
        )?);
    write.commit().await?;
    product_reply(db, &number).await
}

/// The year an annual update is for now (the previous business year's figures); the
/// `{year}` in the path must name it.
fn update_year(ctx: &Ctx<'_>) -> Result<i32, ApiError> {
    let today = business_date(ctx.now);
    let year_text = ctx.param("year")?;
    let wanted = economics_year(today);
    if year_text.parse::<i32>().ok() != Some(wanted) {
        return Err(ApiError::invalid_field(
            "year",
            "wrong_year",
            format!("the annual update now is for {wanted}; {year_text} cannot be updated"),
        ));
    }
    Ok(wanted)
}

/// Refuses an annual update outside this business year's update window.
async fn require_update_window(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let window = settings::annual_update_window(ctx.db(), business_year(ctx.now)).await?;
    if !window.contains(ctx.now) {
        return Err(ApiError::state_conflict(
            "outside_update_window",
            format!(
                "the annual update window of {} runs from {} to {} (Asia/Shanghai); it is closed now",
                business_year(ctx.now),
                window.start(),
                window.end()
            ),
        ));
    }
    Ok(())
}

/// The product's figures of `year` before the update, for the transaction, if it had
/// any.
async fn figures_before(
    db: &D1Database,
    product: &ProductRow,
    year: i32,
) -> Result<Option<String>, ApiError> {
    let before: Option<YearRow> = products::years(db, &format!("[{}]", product.id))
        .await?
        .into_iter()
        .find(|y| y.year == i64::from(year));
    Ok(before.map(|y| serde_json::json!({"year": y.year, "sales": y.sales, "exports": y.exports, "profit": y.profit, "ip_investment": y.ip_investment}).to_string()))
}

/// Opt-in or out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptInIn {
    /// Whether the product takes part in the current round.
    pub opt_in: bool,
    /// The product version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `PUT /api/v1/enterprises/{uscc}/products/{number}/opt-in`: take part (or not) in
/// the current year's identification round.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 409 revoked or stale.
pub async fn put_opt_in(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let input: OptInIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let product = own_product(db, &enterprise, &ctx.param("number")?).await?;
    require_recorded(&product)?;
    let version = ctx.required_version(input.version)?;
    let (round, window) = opt_in_window(db, ctx.now).await?;
    window.map_err(|e| ApiError::state_conflict("opt_in_closed", e.to_string()))?;
    let year = input.opt_in.then_some(i64::from(round));
    let number = product.registration_number.clone();
    let before = serde_json::json!({"opt_in_year": product.opt_in_year}).to_string();
    let after = serde_json::json!({"opt_in_year": year}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(product_writes::touch(db, &number, version, &ctx.stamp))?
        .push(product_writes::set_opt_in(db, &number, year))?
        .push(product_writes::record(
            db,
            &Transaction {
                registration_number: &number,
                enterprise_id: enterprise.id,
                filing_id: None,
                kind: if input.opt_in { "opt_in" } else { "opt_out" },
                actor: principal.actor(),
                reason: None,
                before: Some(&before),
                after: Some(&after),
            },
            &ctx.stamp,
        ))?;
    write.commit().await?;
    product_reply(db, &number).await
}

/// `POST /api/v1/enterprises/{uscc}/products/{number}/revocation-confirmation`: the
/// enterprise confirms a prompted revocation; the product is revoked now.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 409 `no_revocation_prompt` or revoked.
pub async fn confirm_revocation(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let db = ctx.db();
    let product = own_product(db, &enterprise, &ctx.param("number")?).await?;
    require_recorded(&product)?;
    if product.revocation_prompted_at.is_none() {
        return Err(ApiError::state_conflict(
            "no_revocation_prompt",
            "this product was not prompted for revocation; to withdraw it, file a revocation request",
        ));
    }
    revoke_prompted(
        ctx.config,
        &product,
        principal.actor(),
        "confirmed by the enterprise",
        &ctx.stamp,
    )
    .await?;
    product_reply(db, &product.registration_number).await
}
