//! Benchmarks, one indicator per chunk: count its values per field, let the core
//! choose each field's sample and the order statistics the percentile needs, and ask
//! D1 for exactly those (through the `round_values` indexes, so no invocation holds a
//! round's values). The last chunk assembles the round's benchmark set.

use ppr_core::ProductField;
use ppr_core::methodology::{
    Benchmark, BenchmarkSet, BenchmarkSource, PlannedBenchmark, plan_benchmark,
};
use serde::Deserialize;
use worker::D1Database;

use super::{Chunk, RoundContext};
use crate::auth::sha256_hex;
use crate::error::ApiError;
use crate::repo::round_entries;
use crate::repo::rounds;

#[derive(Deserialize)]
struct ValueRow {
    value: f64,
}

/// Computes indicator `k`'s benchmarks (`k` = the indicators done so far).
///
/// # Errors
///
/// The database failed, or a stored benchmark is corrupt (logged).
pub async fn chunk(
    db: &D1Database,
    ctx: &RoundContext,
    k: i64,
    now: &str,
) -> Result<Chunk, ApiError> {
    let m = &ctx.methodology;
    let year = ctx.round.year;
    let indicators = m.doc().indicators.len();
    let index = usize::try_from(k).unwrap_or(usize::MAX);
    if index >= indicators {
        return Ok(Chunk {
            to: k,
            events: Vec::new(),
            finished: true,
            ..Chunk::default()
        });
    }
    let counts: Vec<(String, usize)> = round_entries::value_counts(db, year, k)
        .await?
        .into_iter()
        .map(|c| (c.field, usize::try_from(c.n).unwrap_or(0)))
        .collect();
    let plans = plan_benchmark(m, index, &counts);
    let computed = order_statistics(db, year, k, &plans).await?;
    let rows: Vec<serde_json::Value> = computed
        .iter()
        .map(|b| {
            serde_json::to_string(b)
                .map(|text| serde_json::json!([b.field, text]))
                .map_err(|e| ApiError::internal_cause("benchmark json", &e))
        })
        .collect::<Result<_, _>>()?;
    let mut statements = vec![round_entries::upsert_benchmarks(
        db,
        year,
        k,
        &serde_json::Value::from(rows).to_string(),
    )?];
    let finished = index + 1 == indicators;
    if finished {
        let set = assemble(db, ctx, index, &computed).await?;
        let content =
            serde_json::to_string(&set).map_err(|e| ApiError::internal_cause("set json", &e))?;
        let doc = m.doc();
        statements.extend(rounds::store_benchmark_set(
            db,
            year,
            (&doc.id, &doc.version),
            &content,
            &sha256_hex(content.as_bytes()),
            now,
        )?);
    }
    Ok(Chunk {
        statements,
        to: k + 1,
        items: 1,
        events: Vec::new(),
        finished,
    })
}

/// Asks D1 for the order statistics the plans need, each distinct query once, in one
/// batch, and finishes the benchmarks.
async fn order_statistics(
    db: &D1Database,
    year: i64,
    k: i64,
    plans: &[PlannedBenchmark],
) -> Result<Vec<Benchmark>, ApiError> {
    // (field or all, offset) of each distinct query.
    let mut queries: Vec<(Option<&str>, usize)> = Vec::new();
    for plan in plans {
        if let Some(rank) = plan.rank {
            let key = (source_field(plan), rank.lower);
            if !queries.contains(&key) {
                queries.push(key);
            }
        }
    }
    let statements = queries
        .iter()
        .map(|(field, offset)| {
            round_entries::order_statistics(
                db,
                year,
                k,
                *field,
                i64::try_from(*offset).unwrap_or(i64::MAX),
            )
        })
        .collect::<worker::Result<Vec<_>>>()?;
    let results = if statements.is_empty() {
        Vec::new()
    } else {
        db.batch(statements)
            .await
            .map_err(|e| ApiError::internal_cause("order statistics", &e))?
    };
    let mut found: Vec<Vec<f64>> = Vec::with_capacity(results.len());
    for result in &results {
        let rows: Vec<ValueRow> = result.results()?;
        found.push(rows.into_iter().map(|r| r.value).collect());
    }
    Ok(plans
        .iter()
        .map(|plan| {
            let values = plan.rank.and_then(|rank| {
                let key = (source_field(plan), rank.lower);
                queries
                    .iter()
                    .position(|q| *q == key)
                    .and_then(|i| found.get(i))
            });
            let lower = values.and_then(|v| v.first().copied());
            let upper = values.and_then(|v| v.get(1).copied());
            plan.finish(lower, upper)
        })
        .collect())
}

/// The field a plan's sample is drawn from, or `None` for all fields.
fn source_field(plan: &PlannedBenchmark) -> Option<&'static str> {
    match plan.sample.source {
        BenchmarkSource::Field => Some(plan.field),
        BenchmarkSource::All => None,
    }
}

/// The round's benchmark set: the earlier indicators' benchmarks as stored, and this
/// chunk's, in the core's order (fields in code order, indicators in document order).
async fn assemble(
    db: &D1Database,
    ctx: &RoundContext,
    last: usize,
    computed: &[Benchmark],
) -> Result<BenchmarkSet, ApiError> {
    let m = &ctx.methodology;
    let stored = round_entries::benchmarks(db, ctx.round.year).await?;
    let mut set = BenchmarkSet::new(m);
    for field in ProductField::ALL {
        for k in 0..m.doc().indicators.len() {
            let benchmark = if k == last {
                computed.iter().find(|b| b.field == field.code()).cloned()
            } else {
                let kk = i64::try_from(k).unwrap_or(-1);
                stored
                    .iter()
                    .find(|r| r.indicator == kk && r.field == field.code())
                    .map(|r| serde_json::from_str::<Benchmark>(&r.content))
                    .transpose()
                    .map_err(|e| ApiError::internal_cause("stored benchmark", &e))?
            };
            set.benchmarks.push(benchmark.ok_or_else(|| {
                ApiError::internal_cause(
                    "benchmark set",
                    &format!("no benchmark for field {} indicator {k}", field.code()),
                )
            })?);
        }
    }
    if !set.is_complete_for(m) {
        return Err(ApiError::internal_cause("benchmark set", &"incomplete"));
    }
    Ok(set)
}
