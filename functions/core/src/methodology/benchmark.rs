//! Benchmarks: per product field and indicator, a percentile of the eligible
//! products' values, with a minimum sample and a fallback to all fields.
//!
//! Two ways lead to the same set, value for value: [`compute_benchmarks`] over values
//! in memory, and [`plan_benchmark`] + [`PlannedBenchmark::finish`] for a caller that
//! keeps the values elsewhere (the Worker asks D1 for the one or two order statistics
//! each benchmark needs, so no invocation ever holds a whole round). Both choose the
//! sample with [`choose_sample`] and interpolate with [`Rank`].

use serde::{Deserialize, Serialize};

use super::{BenchmarkDoc, Methodology, ProductYear};
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

impl BenchmarkSource {
    /// The source as written in documents and stored.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Field => "field",
            Self::All => "all",
        }
    }
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
    /// An empty set for `m`, to which benchmarks are added in order.
    #[must_use]
    pub fn new(m: &Methodology) -> Self {
        let doc = m.doc();
        Self {
            methodology: doc.id.clone(),
            version: doc.version.clone(),
            method: method_text(&doc.benchmark),
            benchmarks: Vec::new(),
        }
    }

    /// The benchmark of `indicator` for `field`.
    #[must_use]
    pub fn get(&self, field: &str, indicator: &str) -> Option<&Benchmark> {
        self.benchmarks
            .iter()
            .find(|b| b.field == field && b.indicator == indicator)
    }

    /// Whether the set holds exactly one benchmark per field and indicator of `m`, in
    /// order: what a stored set must be before anything is scored against it.
    #[must_use]
    pub fn is_complete_for(&self, m: &Methodology) -> bool {
        let doc = m.doc();
        let expected = ProductField::ALL.iter().flat_map(|f| {
            doc.indicators
                .iter()
                .map(move |i| (f.code(), i.id.as_str()))
        });
        self.methodology == doc.id
            && self.version == doc.version
            && self.benchmarks.len() == ProductField::ALL.len() * doc.indicators.len()
            && self
                .benchmarks
                .iter()
                .zip(expected)
                .all(|(b, (field, indicator))| b.field == field && b.indicator == indicator)
    }
}

/// How a benchmark method reads, e.g. `P50 of the field's values when there are at
/// least 30, else of all fields' values`.
#[must_use]
pub fn method_text(b: &BenchmarkDoc) -> String {
    let sources: Vec<&str> = b
        .fallback
        .iter()
        .map(|s| match s {
            BenchmarkSource::Field => "the field's values",
            BenchmarkSource::All => "all fields' values",
        })
        .collect();
    match sources.split_first() {
        Some((first, rest)) if !rest.is_empty() => format!(
            "P{} of {first} when there are at least {}, else of {}",
            b.percentile,
            b.min_sample,
            rest.join(", else of ")
        ),
        Some((first, _)) => format!("P{} of {first}", b.percentile),
        None => format!("P{}", b.percentile),
    }
}

/// Where the `p`-th percentile of `n` sorted values lies: between the values at
/// `lower` and `lower + 1` (0-based), `fraction` of the way (Hyndman–Fan type 7, the
/// method of spreadsheets' PERCENTILE).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rank {
    /// The lower order statistic.
    pub lower: usize,
    /// How far towards the next one, 0 ≤ fraction < 1.
    pub fraction: f64,
}

impl Rank {
    /// The rank of the `p`-th percentile among `n` values; `None` when `n` is 0.
    #[must_use]
    pub fn of(n: usize, p: f64) -> Option<Self> {
        let last = n.checked_sub(1)?;
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
        let index = lower as usize;
        Some(Self {
            lower: index.min(last),
            fraction: h - lower,
        })
    }

    /// Whether the value at `lower + 1` is needed too.
    #[must_use]
    pub fn needs_upper(&self) -> bool {
        self.fraction > 0.0
    }

    /// The percentile from the value at `lower` and, when needed, the next one.
    #[must_use]
    pub fn interpolate(&self, lower: f64, upper: Option<f64>) -> f64 {
        match upper {
            Some(b) if self.needs_upper() => lower + self.fraction * (b - lower),
            _ => lower,
        }
    }
}

/// The `p`-th percentile (0–100) of sorted values (see [`Rank`]): the median of an
/// even count is the mean of the middle two.
#[must_use]
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = Rank::of(sorted.len(), p)?;
    let a = *sorted.get(rank.lower)?;
    Some(rank.interpolate(a, sorted.get(rank.lower + 1).copied()))
}

/// The sample a benchmark is drawn from, chosen before any value is looked at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Where.
    pub source: BenchmarkSource,
    /// How many values.
    pub size: usize,
    /// Whether even the last fallback had fewer than the minimum.
    pub below_min_sample: bool,
}

/// Follows the fallback order: the first source with at least the minimum sample,
/// else the last one named.
#[must_use]
pub fn choose_sample(doc: &BenchmarkDoc, field_count: usize, all_count: usize) -> Sample {
    let mut chosen = Sample {
        source: BenchmarkSource::All,
        size: 0,
        below_min_sample: true,
    };
    for source in &doc.fallback {
        let size = match source {
            BenchmarkSource::Field => field_count,
            BenchmarkSource::All => all_count,
        };
        let enough = size >= doc.min_sample;
        chosen = Sample {
            source: *source,
            size,
            below_min_sample: !enough,
        };
        if enough {
            break;
        }
    }
    chosen
}

/// A benchmark whose sample is chosen, waiting for its order statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedBenchmark {
    /// Field code.
    pub field: &'static str,
    /// Indicator id.
    pub indicator: String,
    /// The sample.
    pub sample: Sample,
    /// Which order statistics of the sample (sorted ascending) are needed; `None` for
    /// an empty sample.
    pub rank: Option<Rank>,
}

impl PlannedBenchmark {
    /// The benchmark, given the value at `rank.lower` and, when
    /// [`Rank::needs_upper`], the next one (`None` for an empty sample).
    #[must_use]
    pub fn finish(&self, lower: Option<f64>, upper: Option<f64>) -> Benchmark {
        Benchmark {
            field: self.field.to_owned(),
            indicator: self.indicator.clone(),
            value: self
                .rank
                .zip(lower)
                .map(|(rank, a)| rank.interpolate(a, upper)),
            sample_size: self.sample.size,
            source: self.sample.source,
            below_min_sample: self.sample.below_min_sample,
        }
    }
}

/// Plans indicator `k`'s benchmarks for every field, in field code order, from how
/// many eligible products of each field have a value (`field_counts`, by field code;
/// fields not named have none).
#[must_use]
pub fn plan_benchmark(
    m: &Methodology,
    k: usize,
    field_counts: &[(String, usize)],
) -> Vec<PlannedBenchmark> {
    let doc = m.doc();
    let indicator = doc
        .indicators
        .get(k)
        .map(|i| i.id.clone())
        .unwrap_or_default();
    let all: usize = field_counts.iter().map(|(_, n)| n).sum();
    ProductField::ALL
        .iter()
        .map(|field| {
            let own = field_counts
                .iter()
                .find(|(code, _)| code == field.code())
                .map_or(0, |(_, n)| *n);
            let sample = choose_sample(&doc.benchmark, own, all);
            PlannedBenchmark {
                field: field.code(),
                indicator: indicator.clone(),
                sample,
                rank: Rank::of(sample.size, doc.benchmark.percentile),
            }
        })
        .collect()
}

/// The order statistics a rank needs, found by selection (no full sort): the value
/// at `lower` and the smallest above it.
fn order_statistics(values: &mut [f64], rank: Rank) -> (Option<f64>, Option<f64>) {
    if rank.lower >= values.len() {
        return (None, None);
    }
    let (_, lower, above) = values.select_nth_unstable_by(rank.lower, f64::total_cmp);
    let lower = *lower;
    let upper = if rank.needs_upper() {
        above.iter().copied().min_by(f64::total_cmp)
    } else {
        None
    };
    (Some(lower), upper)
}

/// Computes the benchmark set over `products` (field code, inputs): only products
/// that pass every gate count.
#[must_use]
pub fn compute_benchmarks(m: &Methodology, products: &[(String, ProductYear)]) -> BenchmarkSet {
    let doc = m.doc();
    let indicators = doc.indicators.len();
    // Every field's values and all values, per indicator.
    let mut by_field: Vec<Vec<Vec<f64>>> =
        vec![vec![Vec::new(); indicators]; ProductField::ALL.len()];
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); indicators];
    let mut values = Vec::with_capacity(indicators);
    for (field, p) in products {
        if !m.passes_gates(p) {
            continue;
        }
        m.indicator_values_into(p, &mut values);
        let slot = ProductField::ALL.iter().position(|f| f.code() == field);
        let mut own = slot.and_then(|s| by_field.get_mut(s));
        for (k, value) in values.iter().enumerate() {
            if let Some(v) = value {
                if let Some(list) = own.as_mut().and_then(|l| l.get_mut(k)) {
                    list.push(*v);
                }
                if let Some(list) = all.get_mut(k) {
                    list.push(*v);
                }
            }
        }
    }
    let mut set = BenchmarkSet::new(m);
    let mut plans: Vec<Vec<PlannedBenchmark>> = (0..indicators)
        .map(|k| {
            let counts: Vec<(String, usize)> = ProductField::ALL
                .iter()
                .zip(&by_field)
                .map(|(f, lists)| (f.code().to_owned(), lists.get(k).map_or(0, Vec::len)))
                .collect();
            plan_benchmark(m, k, &counts)
        })
        .collect();
    for (s, lists) in by_field.iter_mut().enumerate() {
        for (k, own) in lists.iter_mut().enumerate() {
            let Some(plan) = plans.get_mut(k).and_then(|p| p.get_mut(s)) else {
                continue;
            };
            let sample = match plan.sample.source {
                BenchmarkSource::Field => Some(own.as_mut_slice()),
                BenchmarkSource::All => all.get_mut(k).map(Vec::as_mut_slice),
            };
            let (lower, upper) = match (sample, plan.rank) {
                (Some(values), Some(rank)) => order_statistics(values, rank),
                _ => (None, None),
            };
            set.benchmarks.push(plan.finish(lower, upper));
        }
    }
    set
}
