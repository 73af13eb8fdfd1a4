//! The evaluation, one chunk of eligible products at a time: each product's stored
//! inputs against the round's benchmark set, with the core's scorer. Only the outcome
//! and the deciding rule are stored; the full breakdown is recomputed from the same
//! inputs, methodology and set whenever someone reads it, and is the same every time.

use ppr_core::methodology::{ProductYear, Scorer};
use ppr_core::round::CHUNK_PRODUCTS;
use serde_json::json;
use worker::D1Database;

use super::{Chunk, RoundContext};
use crate::error::ApiError;
use crate::repo::round_entries;

/// Scores the next chunk of eligible products after product id `after`.
///
/// # Errors
///
/// The benchmark set is missing, a stored value is corrupt (logged), or the database
/// failed.
pub async fn chunk(db: &D1Database, ctx: &RoundContext, after: i64) -> Result<Chunk, ApiError> {
    let year = ctx.round.year;
    let (set_id, set) = ctx
        .benchmarks
        .as_ref()
        .ok_or_else(|| ApiError::internal_cause("evaluation", &"no benchmark set"))?;
    let scorer = Scorer::new(&ctx.methodology, set);
    let limit = i64::try_from(CHUNK_PRODUCTS).unwrap_or(500);
    let rows = round_entries::eligible(db, year, after, limit).await?;
    let mut outcomes = serde_json::Map::with_capacity(rows.len());
    for row in &rows {
        let inputs: ProductYear = serde_json::from_str(&row.inputs).map_err(|e| {
            ApiError::internal_cause("stored inputs", &format!("product {}: {e}", row.product_id))
        })?;
        let outcome = scorer.outcome(&row.field, &inputs);
        let listed = if outcome.identified {
            "identified"
        } else {
            "not_identified"
        };
        outcomes.insert(
            row.product_id.to_string(),
            json!([listed, outcome.rule.code()]),
        );
    }
    let mut statements = Vec::new();
    if !outcomes.is_empty() {
        statements.push(round_entries::set_outcomes(
            db,
            year,
            *set_id,
            &serde_json::Value::Object(outcomes).to_string(),
        )?);
    }
    Ok(Chunk {
        statements,
        to: rows.last().map_or(after, |r| r.product_id),
        items: i64::try_from(rows.len()).unwrap_or(0),
        events: Vec::new(),
        finished: rows.len() < CHUNK_PRODUCTS,
    })
}
