//! Benchmarks: per product field and indicator, a percentile of the eligible
//! products' values, with a minimum sample and a fallback to all fields.

use serde::{Deserialize, Serialize};

use super::{Methodology, ProductYear};
use crate::field::ProductField;

/// Where a benchmark's sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchmarkSource {
    /// The product's own field.
    Field,
    /// Every field together.
    All,
}

/// One benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    /// Product field code.
    pub field: String,
    /// Indicator id.
    pub indicator: String,
    /// The value, or `None` when no eligible product had one.
    pub value: Option<f64>,
    /// Values it was computed from.
    pub sample_size: usize,
    /// Where they came from.
    pub source: BenchmarkSource,
    /// Whether even the last fallback had fewer than the minimum sample.
    pub below_min_sample: bool,
}

/// Every benchmark of a round: immutable once stored, recorded with the methodology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkSet {
    /// Methodology id.
    pub methodology: String,
    /// Its version.
    pub version: String,
    /// `P50` etc., and the minimum sample.
    pub method: String,
    /// Per field and indicator, fields in code order, indicators in document order.
    pub benchmarks: Vec<Benchmark>,
}

impl BenchmarkSet {
    /// The benchmark of `indicator` for `field`.
    #[must_use]
    pub fn get(&self, field: &str, indicator: &str) -> Option<&Benchmark> {
        self.benchmarks
            .iter()
            .find(|b| b.field == field && b.indicator == indicator)
    }
}

/// The `p`-th percentile (0–100) of sorted values, interpolating linearly between
/// the closest ranks (the method of spreadsheets' PERCENTILE, Hyndman–Fan type 7):
/// the median of an even count is the mean of the middle two.
#[must_use]
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    #[expect(
        clippy::cast_precision_loss,
        reason = "sample sizes stay far below 2^52"
    )]
    let h = last as f64 * (p / 100.0);
    let lower = h.floor();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "h is within 0..=last"
    )]
    let i = lower as usize;
    let a = *sorted.get(i)?;
    let b = sorted.get(i + 1).copied().unwrap_or(a);
    Some(a + (h - lower) * (b - a))
}

/// Computes the benchmark set over `products` (field code, inputs): only products
/// that pass every gate count.
#[must_use]
pub fn compute_benchmarks(m: &Methodology, products: &[(String, ProductYear)]) -> BenchmarkSet {
    let doc = m.doc();
    let eligible: Vec<(&str, Vec<Option<f64>>)> = products
        .iter()
        .filter(|(_, p)| m.gate_results(p).iter().all(|(pass, _)| *pass))
        .map(|(field, p)| (field.as_str(), m.indicator_values(p)))
        .collect();
    // One pass per indicator: every field's values and all values, each sorted once.
    let indicators = doc.indicators.len();
    let mut by_field: Vec<Vec<Vec<f64>>> =
        vec![vec![Vec::new(); indicators]; ProductField::ALL.len()];
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); indicators];
    for (field, values) in &eligible {
        let slot = ProductField::ALL.iter().position(|f| f.code() == *field);
        for (k, value) in values.iter().enumerate() {
            if let Some(v) = value {
                if let Some(list) = slot
                    .and_then(|s| by_field.get_mut(s))
                    .and_then(|l| l.get_mut(k))
                {
                    list.push(*v);
                }
                if let Some(list) = all.get_mut(k) {
                    list.push(*v);
                }
            }
        }
    }
    for list in by_field.iter_mut().flatten().chain(all.iter_mut()) {
        list.sort_by(f64::total_cmp);
    }
    let empty: Vec<f64> = Vec::new();
    let mut benchmarks = Vec::new();
    for (s, field) in ProductField::ALL.iter().enumerate() {
        for (k, indicator) in doc.indicators.iter().enumerate() {
            let sample = |source: BenchmarkSource| -> &Vec<f64> {
                let list = match source {
                    BenchmarkSource::Field => by_field.get(s).and_then(|l| l.get(k)),
                    BenchmarkSource::All => all.get(k),
                };
                list.unwrap_or(&empty)
            };
            let mut chosen = None;
            for source in &doc.benchmark.fallback {
                let values = sample(*source);
                let enough = values.len() >= doc.benchmark.min_sample;
                chosen = Some((*source, values, !enough));
                if enough {
                    break;
                }
            }
            let (source, values, below) = chosen.unwrap_or((BenchmarkSource::All, &empty, true));
            benchmarks.push(Benchmark {
                field: field.code().to_owned(),
                indicator: indicator.id.clone(),
                value: percentile(values, doc.benchmark.percentile),
                sample_size: values.len(),
                source,
                below_min_sample: below,
            });
        }
    }
    BenchmarkSet {
        methodology: doc.id.clone(),
        version: doc.version.clone(),
        method: format!(
            "P{} per field, at least {} products, else {}",
            doc.benchmark.percentile,
            doc.benchmark.min_sample,
            doc.benchmark
                .fallback
                .iter()
                .map(|s| match s {
                    BenchmarkSource::Field => "field",
                    BenchmarkSource::All => "all fields",
                })
                .collect::<Vec<_>>()
                .join(", then ")
        ),
        benchmarks,
    }
}
