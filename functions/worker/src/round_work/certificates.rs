//! Publishing the final list, one chunk of listed products at a time: a certificate
//! with a fresh verification code for each (a product that has one keeps it), and the
//! round's year among the product's identification years. The last chunk marks the
//! round published.

use ppr_core::certificate::{CertificateCode, RANDOM_BYTES};
use ppr_core::round::CHUNK_PRODUCTS;
use serde_json::json;
use worker::D1Database;

use super::{Chunk, RoundContext};
use crate::auth::random_bytes;
use crate::error::ApiError;
use crate::repo::round_entries::{self, Issue};
use crate::repo::rounds;

/// Certifies the next chunk of listed products after product id `after`.
///
/// # Errors
///
/// The benchmark set is missing (logged), or the database failed.
pub async fn chunk(
    db: &D1Database,
    ctx: &RoundContext,
    after: i64,
    now: &str,
) -> Result<Chunk, ApiError> {
    let year = ctx.round.year;
    let set_id = ctx
        .benchmarks
        .as_ref()
        .map(|(id, _)| *id)
        .ok_or_else(|| ApiError::internal_cause("certificates", &"no benchmark set"))?;
    let limit = i64::try_from(CHUNK_PRODUCTS).unwrap_or(500);
    let ids = round_entries::listed_ids(db, year, after, limit).await?;
    let round_year = u16::try_from(year).map_err(|e| ApiError::internal_cause("year", &e))?;
    let codes = ids
        .iter()
        .map(|id| {
            let code = CertificateCode::from_random(round_year, random_bytes::<RANDOM_BYTES>()?);
            Ok(json!([id, code.to_string()]))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let finished = ids.len() < CHUNK_PRODUCTS;
    let mut statements = Vec::new();
    if !codes.is_empty() {
        let doc = ctx.methodology.doc();
        let issue = Issue {
            year,
            methodology: (&doc.id, &doc.version),
            benchmark_set_id: set_id,
            at: now,
        };
        statements.extend(round_entries::issue_certificates(
            db,
            &issue,
            &serde_json::Value::from(codes).to_string(),
        )?);
    }
    if finished {
        statements.push(rounds::publish(db, year, now)?);
    }
    Ok(Chunk {
        events: ids
            .iter()
            .map(|id| round_entries::identification_event_id(year, *id))
            .collect(),
        statements,
        to: ids.last().copied().unwrap_or(after),
        items: i64::try_from(ids.len()).unwrap_or(0),
        finished,
    })
}
