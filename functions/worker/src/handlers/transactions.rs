//! The typed history of products: an enterprise's own (`GET
//! /api/v1/enterprises/{uscc}/transactions`, the enterprise and staff who may read its
//! records) and the staff view across enterprises (`GET /api/v1/transactions`:
//! reviewers and national admins see all, regional admins their region).

use std::collections::BTreeMap;

use ppr_core::{RegionCode, RegionScope};

use crate::authz::{self, Access, enterprise_access};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::products::{self, TransactionRow};
use crate::validation::page_limit;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/enterprises/{uscc}/transactions", list_transactions(ctx), Roles::EnterpriseRead,
        query: ["before", "limit"]),
    operation!(GET "/api/v1/transactions", list_all_transactions(ctx), Roles::Staff,
        query: ["before", "limit"]),
];

/// Default and largest page.
const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

fn paging(ctx: &Ctx<'_>) -> Result<(Option<i64>, i64), ApiError> {
    let query: BTreeMap<String, String> = ctx.query().into_iter().collect();
    let before = match query.get("before") {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ApiError::invalid_field(
                "before",
                "invalid_cursor",
                "before is the id of the last transaction seen",
            )
        })?),
    };
    let limit = page_limit(
        query.get("limit").map(String::as_str),
        DEFAULT_PAGE,
        MAX_PAGE,
    )?;
    Ok((before, limit))
}

fn page(
    rows: Vec<TransactionRow>,
    keep: impl Fn(&TransactionRow) -> bool,
    limit: i64,
) -> Result<Reply, ApiError> {
    // The cursor follows the rows read, so a page thinned by `keep` still pages on.
    let next = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|t| t.id))
        .flatten();
    let json =
        |s: Option<String>| s.and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .filter(|t| keep(t))
        .map(|t| {
            serde_json::json!({
                "id": t.id, "enterprise": t.uscc, "product": t.registration_number,
                "filing_id": t.filing_id, "kind": t.kind, "actor_role": t.actor_role,
                "actor_user_id": t.actor_user_id, "at": t.at, "reason": t.reason,
                "before": json(t.before), "after": json(t.after),
            })
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"items": items, "next_before": next}),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/enterprises/{uscc}/transactions?before=ID&limit=N`: one enterprise's
/// product transactions, newest first.
///
/// # Errors
///
/// As [`enterprise_access`]; 422 bad paging.
pub async fn list_transactions(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let (before, limit) = paging(ctx)?;
    let rows = products::transactions(ctx.db(), enterprise.id, before, limit).await?;
    page(rows, |_| true, limit)
}

/// `GET /api/v1/transactions?before=ID&limit=N`: product transactions across
/// enterprises, newest first: all of them for reviewers and national admins, those of
/// enterprises inside the region for a regional admin.
///
/// # Errors
///
/// 401; 403 `not_staff` for enterprise users; 422 bad paging.
pub async fn list_all_transactions(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    let scope = authz::staff_scope(&principal, "/api/v1/enterprises/{uscc}/transactions")?;
    // The database narrows by code prefix; the core's scope decides exactly (Xinjiang's
    // scope leaves out the XPCC's cities, which share its prefix).
    let prefix = scope.as_ref().map(RegionScope::code_prefix);
    let (before, limit) = paging(ctx)?;
    let rows = products::transactions_in(ctx.db(), prefix.as_deref(), before, limit).await?;
    let keep = |t: &TransactionRow| match &scope {
        None => true,
        Some(scope) => RegionCode::parse(&t.region_code).is_ok_and(|code| scope.contains(code)),
    };
    // The histories carry economic figures: a regional admin's read is logged.
    let usccs: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|t| keep(t))
        .map(|t| t.uscc.as_str())
        .collect();
    let usccs: Vec<&str> = usccs.into_iter().collect();
    crate::authz::log_regional_read(ctx, &principal, &usccs, "GET /api/v1/transactions").await?;
    page(rows, keep, limit)
}
