//! Evaluating products against a benchmark set: gates, indicators, dimensions and the
//! decision, with the rule that decided it.
//!
//! A [`Scorer`] indexes a set once. [`Scorer::outcome`] decides a product without
//! allocating (what a round stores for each product); [`Scorer::breakdown`] explains
//! the same decision in full (what the enterprise, the admin and the what-if see). The
//! breakdown is built from the outcome, so the two can never disagree.

use serde::{Deserialize, Serialize};

use super::{BenchmarkSet, Direction, MAX_INDICATORS, Methodology, ProductYear};
use crate::field::ProductField;

/// A gate's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// Gate id.
    pub id: String,
    /// Its formula's value.
    pub value: Option<f64>,
    /// Whether it passed.
    pub passed: bool,
}

/// An indicator's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    /// Indicator id.
    pub id: String,
    /// Its dimension.
    pub dimension: String,
    /// The product's value.
    pub value: Option<f64>,
    /// The field's benchmark.
    pub benchmark: Option<f64>,
    /// Whether the value reaches the benchmark in the indicator's direction.
    pub passed: bool,
}

/// A dimension's outcome: it passes when all its indicators do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionResult {
    /// Dimension.
    pub id: String,
    /// Whether it passed.
    pub passed: bool,
}

/// The explainable result of one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// `id@version` of the methodology.
    pub methodology: String,
    /// Product field.
    pub field: String,
    /// Whether every gate passed.
    pub eligible: bool,
    /// Gates.
    pub gates: Vec<GateResult>,
    /// Indicators (empty when not eligible).
    pub indicators: Vec<IndicatorResult>,
    /// Dimensions of the decision rule.
    pub dimensions: Vec<DimensionResult>,
    /// The outcome.
    pub identified: bool,
    /// Which rule decided: `gate_failed`, `required_failed`, `dimensions_short`,
    /// `identified`, or `objection_upheld` once an objection removed the product.
    pub rule: String,
    /// The rule, for people.
    pub reason: String,
}

impl Breakdown {
    /// The breakdown after an upheld objection removed the product from the list:
    /// the figures stay as evaluated; the outcome and the deciding rule change.
    #[must_use]
    pub fn removed_by_objection(mut self, objection_id: i64, reason: &str) -> Self {
        self.identified = false;
        self.rule = Rule::ObjectionUpheld.code().to_owned();
        self.reason = format!("removed from the list: objection {objection_id} upheld ({reason})");
        self
    }
}

/// The rule that decided an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Gate (by index in the document) failed: not eligible.
    GateFailed(usize),
    /// A required indicator (by index) did not reach its benchmark.
    RequiredFailed(usize),
    /// Too few dimensions passed.
    DimensionsShort,
    /// Identified.
    Identified,
    /// Listed, then removed by an upheld objection (decided outside the scorer).
    ObjectionUpheld,
}

impl Rule {
    /// The stable code stored and shown.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::GateFailed(_) => "gate_failed",
            Self::RequiredFailed(_) => "required_failed",
            Self::DimensionsShort => "dimensions_short",
            Self::Identified => "identified",
            Self::ObjectionUpheld => "objection_upheld",
        }
    }
}

/// A product's outcome, decided without building the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Identified or not.
    pub identified: bool,
    /// The deciding rule.
    pub rule: Rule,
    /// How many of the decision's dimensions passed (0 when not eligible).
    pub dimensions_passed: usize,
}

/// A methodology with a benchmark set, indexed for scoring many products.
#[derive(Debug, Clone)]
pub struct Scorer<'a> {
    m: &'a Methodology,
    /// Benchmark values by field slot (in [`ProductField::ALL`]) × indicator.
    table: Vec<Option<f64>>,
    /// For each indicator, its dimension's index in the decision's list, if counted.
    dimension_of: Vec<Option<usize>>,
    /// Indices of the required indicators.
    required: Vec<usize>,
}

impl<'a> Scorer<'a> {
    /// Indexes `set` for `m`.
    #[must_use]
    pub fn new(m: &'a Methodology, set: &BenchmarkSet) -> Self {
        let doc = m.doc();
        let table = ProductField::ALL
            .iter()
            .flat_map(|field| {
                doc.indicators
                    .iter()
                    .map(|ind| set.get(field.code(), &ind.id).and_then(|b| b.value))
            })
            .collect();
        let dimension_of = doc
            .indicators
            .iter()
            .map(|ind| {
                doc.decision
                    .dimensions
                    .iter()
                    .position(|d| *d == ind.dimension)
            })
            .collect();
        let required = doc
            .decision
            .required
            .iter()
            .filter_map(|id| doc.indicators.iter().position(|i| i.id == *id))
            .collect();
        Self {
            m,
            table,
            dimension_of,
            required,
        }
    }

    fn benchmark(&self, slot: Option<usize>, k: usize) -> Option<f64> {
        let width = self.m.doc().indicators.len();
        self.table.get(slot? * width + k).copied().flatten()
    }

    fn passes(&self, k: usize, value: Option<f64>, benchmark: Option<f64>) -> bool {
        let direction = self.m.doc().indicators.get(k).map(|i| i.direction);
        match (value, benchmark, direction) {
            (Some(v), Some(b), Some(Direction::Higher)) => v >= b,
            (Some(v), Some(b), Some(Direction::Lower)) => v <= b,
            _ => false,
        }
    }

    /// Decides one product of `field` with `inputs`.
    #[must_use]
    pub fn outcome(&self, field: &str, inputs: &ProductYear) -> Outcome {
        let values = inputs.values();
        if let Some(gate) = self.m.first_failed_gate(&values) {
            return Outcome {
                identified: false,
                rule: Rule::GateFailed(gate),
                dimensions_passed: 0,
            };
        }
        let doc = self.m.doc();
        let slot = field_slot(field);
        let mut passed = [false; MAX_INDICATORS];
        // A dimension passes until one of its indicators fails.
        let mut dimension_failed = [false; MAX_INDICATORS];
        for (k, expr) in self.m.indicator_exprs().iter().enumerate() {
            let ok = self.passes(k, expr.eval(&values), self.benchmark(slot, k));
            if let Some(p) = passed.get_mut(k) {
                *p = ok;
            }
            if !ok
                && let Some(Some(d)) = self.dimension_of.get(k)
                && let Some(failed) = dimension_failed.get_mut(*d)
            {
                *failed = true;
            }
        }
        let dimensions_passed = dimension_failed
            .iter()
            .take(doc.decision.dimensions.len())
            .filter(|failed| !**failed)
            .count();
        let required_failed = self
            .required
            .iter()
            .copied()
            .find(|&k| !passed.get(k).copied().unwrap_or(false));
        let rule = if let Some(k) = required_failed {
            Rule::RequiredFailed(k)
        } else if dimensions_passed < doc.decision.min_dimensions {
            Rule::DimensionsShort
        } else {
            Rule::Identified
        };
        Outcome {
            identified: rule == Rule::Identified,
            rule,
            dimensions_passed,
        }
    }

    /// Explains one product's outcome in full.
    #[must_use]
    pub fn breakdown(&self, field: &str, inputs: &ProductYear) -> Breakdown {
        let doc = self.m.doc();
        let outcome = self.outcome(field, inputs);
        let methodology = format!("{}@{}", doc.id, doc.version);
        let gates: Vec<GateResult> = self
            .m
            .gate_results(inputs)
            .into_iter()
            .zip(&doc.gates)
            .map(|((passed, value), g)| GateResult {
                id: g.id.clone(),
                value,
                passed,
            })
            .collect();
        let (indicators, dimensions) = if let Rule::GateFailed(_) = outcome.rule {
            (Vec::new(), Vec::new())
        } else {
            let indicators: Vec<IndicatorResult> = self
                .m
                .indicator_values(inputs)
                .into_iter()
                .zip(&doc.indicators)
                .enumerate()
                .map(|(k, (value, ind))| {
                    let benchmark = self.benchmark(field_slot(field), k);
                    IndicatorResult {
                        id: ind.id.clone(),
                        dimension: ind.dimension.clone(),
                        value,
                        benchmark,
                        passed: self.passes(k, value, benchmark),
                    }
                })
                .collect();
            let dimensions = doc
                .decision
                .dimensions
                .iter()
                .map(|d| DimensionResult {
                    id: d.clone(),
                    passed: indicators
                        .iter()
                        .filter(|i| &i.dimension == d)
                        .all(|i| i.passed),
                })
                .collect();
            (indicators, dimensions)
        };
        let counted = doc.decision.dimensions.len();
        let needed = doc.decision.min_dimensions;
        let passed = outcome.dimensions_passed;
        let reason = match outcome.rule {
            Rule::GateFailed(g) => {
                let gate = doc.gates.get(g);
                format!(
                    "not eligible: gate {} failed{}",
                    gate.map_or("?", |g| g.id.as_str()),
                    gate.filter(|g| !g.description.is_empty())
                        .map(|g| format!(" ({})", g.description))
                        .unwrap_or_default()
                )
            }
            Rule::RequiredFailed(k) => format!(
                "not identified: {} does not reach its field benchmark",
                doc.indicators.get(k).map_or("?", |i| i.id.as_str())
            ),
            Rule::DimensionsShort => format!(
                "not identified: {passed} of {counted} dimensions reach their benchmarks; {needed} needed"
            ),
            Rule::Identified | Rule::ObjectionUpheld => format!(
                "identified: the required indicators and {passed} of {counted} dimensions reach their benchmarks ({needed} needed)"
            ),
        };
        Breakdown {
            methodology,
            field: field.to_owned(),
            eligible: !matches!(outcome.rule, Rule::GateFailed(_)),
            gates,
            indicators,
            dimensions,
            identified: outcome.identified,
            rule: outcome.rule.code().to_owned(),
            reason,
        }
    }
}

/// The position of a field code in [`ProductField::ALL`].
fn field_slot(field: &str) -> Option<usize> {
    ProductField::ALL.iter().position(|f| f.code() == field)
}

/// Evaluates one product of `field` with `inputs` against `set` (a [`Scorer`] for
/// one product; index once with [`Scorer::new`] to score many).
#[must_use]
pub fn evaluate(
    m: &Methodology,
    set: &BenchmarkSet,
    field: &str,
    inputs: &ProductYear,
) -> Breakdown {
    Scorer::new(m, set).breakdown(field, inputs)
}
