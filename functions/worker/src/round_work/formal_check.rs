//! The formal check, one chunk of opted-in products at a time: read each product's
//! facts, apply the methodology's gates, keep the inputs (so the round's results can
//! always be explained and reproduced), and the indicator values of the eligible ones
//! (the sample of the benchmarks).

use ppr_core::PatentKind;
use ppr_core::holding::LegalStatus;
use ppr_core::methodology::{LinkedPatent, ProductFacts, YearFigures};
use ppr_core::round::CHUNK_PRODUCTS;
use serde_json::json;
use worker::D1Database;

use super::{Chunk, RoundContext};
use crate::error::ApiError;
use crate::repo::round_entries::{self, FactsRow};

/// Checks the next chunk of products after product id `after`.
///
/// # Errors
///
/// The database failed, or a stored value is corrupt (logged).
pub async fn chunk(db: &D1Database, ctx: &RoundContext, after: i64) -> Result<Chunk, ApiError> {
    let year = ctx.round.year;
    let limit = i64::try_from(CHUNK_PRODUCTS).unwrap_or(500);
    let rows = round_entries::facts(db, year, after, limit).await?;
    let m = &ctx.methodology;
    let mut entries = Vec::with_capacity(rows.len());
    let mut values = Vec::new();
    for row in &rows {
        let checked = m.check(&facts(row)?);
        for (k, value) in checked.values.iter().enumerate() {
            if let Some(v) = value {
                values.push(json!([k, row.id, row.field, v]));
            }
        }
        entries.push(json!({
            "p": row.id,
            "e": row.enterprise_id,
            "f": row.field,
            "r": row.region_code,
            "i": checked.inputs,
            "ok": i64::from(checked.eligible()),
            "g": checked.failed_gates,
        }));
    }
    let mut statements = Vec::new();
    if !entries.is_empty() {
        statements.push(round_entries::upsert_entries(
            db,
            year,
            &serde_json::Value::from(entries).to_string(),
        )?);
    }
    if !values.is_empty() {
        statements.push(round_entries::upsert_values(
            db,
            year,
            &serde_json::Value::from(values).to_string(),
        )?);
    }
    Ok(Chunk {
        statements,
        to: rows.last().map_or(after, |r| r.id),
        items: i64::try_from(rows.len()).unwrap_or(0),
        events: Vec::new(),
        finished: rows.len() < CHUNK_PRODUCTS,
    })
}

/// A stored product as the core's facts.
fn facts(row: &FactsRow) -> Result<ProductFacts, ApiError> {
    let linked: Vec<(String, String, i64, i64)> = serde_json::from_str(&row.patents)
        .map_err(|e| ApiError::internal_cause("linked patents", &e))?;
    let patents = linked
        .into_iter()
        .map(|(kind, status, core, share)| {
            let kind = PatentKind::from_code(&kind)
                .ok_or_else(|| ApiError::internal_cause("stored patent kind", &kind))?;
            Ok(LinkedPatent {
                kind,
                valid: LegalStatus::from_code(&status).is_some_and(LegalStatus::is_valid),
                core: core == 1,
                contribution_pct: u32::try_from(share).unwrap_or(0),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let figures = match (row.sales, row.exports, row.profit, row.ip_investment) {
        (Some(sales), Some(exports), Some(profit), Some(ip_investment)) => Some(YearFigures {
            sales,
            exports,
            profit,
            ip_investment,
        }),
        _ => None,
    };
    Ok(ProductFacts {
        recorded: row.status == "recorded",
        opted_in: true,
        figures,
        patents,
        open_objections: u32::try_from(row.open_objections).unwrap_or(u32::MAX),
    })
}
