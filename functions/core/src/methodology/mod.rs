//! Identification methodology as data (docs/DOMAIN.md §4).
//!
//! A methodology is a JSON document: its id and version, the indicators (each a
//! formula over a product-year's inputs, a dimension and a direction), how benchmarks
//! are derived (a percentile per product field, a minimum sample, a fallback), the
//! eligibility gates and the decision rule. [`Methodology::parse`] checks a document
//! completely and names the line, column or key of every mistake; the same document
//! always gives the same results ([`evaluate`]), so results can record the version
//! that produced them.
//!
//! The platform ships [`DEFAULT_DOCUMENT`], our configurable default pending the
//! official indicator table of GB/T 46961-2025.

mod benchmark;
mod evaluate;
pub mod expr;
mod facts;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use benchmark::{
    Benchmark, BenchmarkSet, BenchmarkSource, PlannedBenchmark, Rank, Sample, choose_sample,
    compute_benchmarks, method_text, percentile, plan_benchmark,
};
pub use evaluate::{
    Breakdown, DimensionResult, GateResult, IndicatorResult, Outcome, Rule, Scorer, evaluate,
};
use expr::{Expr, INPUTS};
pub use facts::{LinkedPatent, ProductFacts, YearFigures};

/// Most indicators, gates or counted dimensions a document may have: real methods
/// have a handful; the bound keeps scoring free of allocation.
pub const MAX_INDICATORS: usize = 32;

/// The methodology the platform ships.
pub const DEFAULT_DOCUMENT: &str = include_str!("../../methodology/default.json");

/// Whether higher or lower values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// At or above the benchmark passes.
    Higher,
    /// At or below the benchmark passes.
    Lower,
}

/// One indicator as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDoc {
    /// Stable id.
    pub id: String,
    /// The dimension it measures.
    pub dimension: String,
    /// Formula over the inputs ([`expr::INPUTS`]).
    pub formula: String,
    /// Which way is better.
    pub direction: Direction,
    /// For people.
    #[serde(default)]
    pub description: String,
}

/// How benchmarks are derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkDoc {
    /// The percentile of a field's values (50 = the median).
    pub percentile: f64,
    /// Fewest values a field needs for its own benchmark.
    pub min_sample: usize,
    /// Where to look when a field has too few: `field`, then `all`.
    pub fallback: Vec<BenchmarkSource>,
}

/// An eligibility gate: `formula` must be at least `at_least` (or at most `at_most`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateDoc {
    /// Stable id.
    pub id: String,
    /// Formula over the inputs.
    pub formula: String,
    /// Lower bound, inclusive.
    #[serde(default)]
    pub at_least: Option<f64>,
    /// Upper bound, inclusive.
    #[serde(default)]
    pub at_most: Option<f64>,
    /// For people: what failing it means.
    #[serde(default)]
    pub description: String,
}

/// The decision rule: every `required` indicator passes, and at least
/// `min_dimensions` of `dimensions` pass (a dimension passes when all its indicators
/// do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionDoc {
    /// Indicators that must pass.
    pub required: Vec<String>,
    /// Dimensions counted.
    pub dimensions: Vec<String>,
    /// How many of them must pass.
    pub min_dimensions: usize,
}

/// A methodology document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodologyDoc {
    /// Stable id.
    pub id: String,
    /// Version; results record it.
    pub version: String,
    /// Shown on public pages (e.g. that this is a configurable default).
    pub notice: String,
    /// Indicators.
    pub indicators: Vec<IndicatorDoc>,
    /// Benchmarks.
    pub benchmark: BenchmarkDoc,
    /// Eligibility gates.
    pub gates: Vec<GateDoc>,
    /// Decision rule.
    pub decision: DecisionDoc,
}

/// One mistake in a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DocError {
    /// Where: `line 3, column 7`, or a key path such as `indicators[2].formula`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// A checked methodology, its formulas parsed.
#[derive(Debug, Clone)]
pub struct Methodology {
    doc: MethodologyDoc,
    indicators: Vec<Expr>,
    gates: Vec<Expr>,
}

/// What the formal check makes of one product ([`Methodology::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The formulas' inputs.
    pub inputs: ProductYear,
    /// The gates it fails, by id; none when eligible.
    pub failed_gates: Vec<String>,
    /// Its indicator values in document order, when eligible (else empty).
    pub values: Vec<Option<f64>>,
}

impl Checked {
    /// Whether it passed every gate.
    #[must_use]
    pub fn eligible(&self) -> bool {
        self.failed_gates.is_empty()
    }
}

/// One product-year's inputs to the formulas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductYear {
    /// Sales revenue (yuan).
    pub sales: i64,
    /// Export revenue.
    pub exports: i64,
    /// Profit.
    pub profit: i64,
    /// IP investment.
    pub ip_investment: i64,
    /// Linked patents.
    pub linked_patents: u32,
    /// Core patents among them.
    pub core_patents: u32,
    /// Valid invention patents among them (PCT inventions count).
    pub valid_invention_patents: u32,
    /// Sum of contribution shares, in percent (0–100).
    pub contribution_pct: u32,
    /// Recorded and not revoked.
    pub recorded: bool,
    /// Opted in to the round.
    pub opted_in: bool,
    /// The previous year's figures are present.
    pub has_year_data: bool,
    /// Objections still open against it.
    pub open_objections: u32,
}

impl ProductYear {
    /// The inputs in [`INPUTS`] order.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "amounts stay below 2^53")]
    pub fn values(&self) -> [f64; INPUTS.len()] {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        [
            self.sales as f64,
            self.exports as f64,
            self.profit as f64,
            self.ip_investment as f64,
            f64::from(self.linked_patents),
            f64::from(self.core_patents),
            f64::from(self.valid_invention_patents),
            f64::from(self.contribution_pct) / 100.0,
            flag(self.recorded),
            flag(self.opted_in),
            flag(self.has_year_data),
            f64::from(self.open_objections),
        ]
    }
}

impl Methodology {
    /// Parses and checks a document, reporting every mistake found.
    ///
    /// # Errors
    ///
    /// Not JSON or not the shape (the line and column, and the key), or rules broken
    /// (each with its key path).
    pub fn parse(text: &str) -> Result<Self, Vec<DocError>> {
        let mut de = serde_json::Deserializer::from_str(text);
        let doc: MethodologyDoc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let inner = e.inner();
            vec![DocError {
                path: format!(
                    "line {}, column {} ({})",
                    inner.line(),
                    inner.column(),
                    e.path()
                ),
                message: inner.to_string(),
            }]
        })?;
        Self::from_doc(doc)
    }

    /// Checks a document already read.
    ///
    /// # Errors
    ///
    /// Each broken rule with its key path.
    pub fn from_doc(doc: MethodologyDoc) -> Result<Self, Vec<DocError>> {
        let mut errors = Vec::new();
        let mut push = |path: String, message: String| errors.push(DocError { path, message });
        if doc.id.trim().is_empty() {
            push("id".into(), "required".into());
        }
        if doc.version.trim().is_empty() {
            push("version".into(), "required".into());
        }
        let mut indicators = Vec::new();
        let mut ids = BTreeSet::new();
        if doc.indicators.is_empty() {
            push("indicators".into(), "at least one indicator".into());
        }
        for (name, count) in [
            ("indicators", doc.indicators.len()),
            ("gates", doc.gates.len()),
            ("decision.dimensions", doc.decision.dimensions.len()),
        ] {
            if count > MAX_INDICATORS {
                push(name.into(), format!("at most {MAX_INDICATORS}"));
            }
        }
        for (i, ind) in doc.indicators.iter().enumerate() {
            if !ids.insert(ind.id.as_str()) {
                push(
                    format!("indicators[{i}].id"),
                    format!("{:?} is used twice", ind.id),
                );
            }
            match Expr::parse(&ind.formula) {
                Ok(e) => indicators.push(e),
                Err(e) => push(format!("indicators[{i}].formula"), e.to_string()),
            }
        }
        let mut gates = Vec::new();
        for (i, gate) in doc.gates.iter().enumerate() {
            match Expr::parse(&gate.formula) {
                Ok(e) => gates.push(e),
                Err(e) => push(format!("gates[{i}].formula"), e.to_string()),
            }
            if gate.at_least.is_none() && gate.at_most.is_none() {
                push(format!("gates[{i}]"), "give at_least or at_most".into());
            }
        }
        let b = &doc.benchmark;
        if !(0.0..=100.0).contains(&b.percentile) {
            push(
                "benchmark.percentile".into(),
                "a percentile is 0 to 100".into(),
            );
        }
        if b.min_sample == 0 {
            push("benchmark.min_sample".into(), "at least 1 product".into());
        }
        if b.fallback.is_empty() {
            push(
                "benchmark.fallback".into(),
                "name at least one source: field, all".into(),
            );
        }
        let dimensions: BTreeSet<&str> = doc
            .indicators
            .iter()
            .map(|i| i.dimension.as_str())
            .collect();
        for (i, id) in doc.decision.required.iter().enumerate() {
            if !ids.contains(id.as_str()) {
                push(
                    format!("decision.required[{i}]"),
                    format!("{id:?} is not an indicator"),
                );
            }
        }
        let mut counted = BTreeSet::new();
        for (i, d) in doc.decision.dimensions.iter().enumerate() {
            if !counted.insert(d.as_str()) {
                push(
                    format!("decision.dimensions[{i}]"),
                    format!("{d:?} is listed twice"),
                );
            } else if !dimensions.contains(d.as_str()) {
                push(
                    format!("decision.dimensions[{i}]"),
                    format!("{d:?} is no indicator's dimension"),
                );
            }
        }
        if doc.decision.min_dimensions > doc.decision.dimensions.len() {
            push(
                "decision.min_dimensions".into(),
                format!(
                    "more than the {} dimensions listed",
                    doc.decision.dimensions.len()
                ),
            );
        }
        if errors.is_empty() {
            Ok(Self {
                doc,
                indicators,
                gates,
            })
        } else {
            Err(errors)
        }
    }

    /// The default methodology.
    ///
    /// # Errors
    ///
    /// Never for the shipped document (a test holds it).
    pub fn default_methodology() -> Result<Self, Vec<DocError>> {
        Self::parse(DEFAULT_DOCUMENT)
    }

    /// The document.
    #[must_use]
    pub fn doc(&self) -> &MethodologyDoc {
        &self.doc
    }

    /// Each indicator's value for `inputs`, in document order.
    #[must_use]
    pub fn indicator_values(&self, inputs: &ProductYear) -> Vec<Option<f64>> {
        let mut out = Vec::with_capacity(self.indicators.len());
        self.indicator_values_into(inputs, &mut out);
        out
    }

    /// [`Self::indicator_values`] into a buffer that is reused.
    pub fn indicator_values_into(&self, inputs: &ProductYear, out: &mut Vec<Option<f64>>) {
        let values = inputs.values();
        out.clear();
        out.extend(self.indicators.iter().map(|e| e.eval(&values)));
    }

    /// The parsed indicator formulas, in document order.
    #[must_use]
    pub fn indicator_exprs(&self) -> &[Expr] {
        &self.indicators
    }

    fn gate_passes(&self, k: usize, value: Option<f64>) -> bool {
        let Some(g) = self.doc.gates.get(k) else {
            return false;
        };
        value.is_some_and(|v| {
            g.at_least.is_none_or(|min| v >= min) && g.at_most.is_none_or(|max| v <= max)
        })
    }

    /// The first gate (by index) that the inputs fail, if any.
    #[must_use]
    pub fn first_failed_gate(&self, values: &[f64; INPUTS.len()]) -> Option<usize> {
        self.gates
            .iter()
            .enumerate()
            .position(|(k, e)| !self.gate_passes(k, e.eval(values)))
    }

    /// Whether `inputs` pass every gate.
    #[must_use]
    pub fn passes_gates(&self, inputs: &ProductYear) -> bool {
        self.first_failed_gate(&inputs.values()).is_none()
    }

    /// Whether each gate passes for `inputs`, with its formula's value, in document
    /// order.
    #[must_use]
    pub fn gate_results(&self, inputs: &ProductYear) -> Vec<(bool, Option<f64>)> {
        let values = inputs.values();
        self.gates
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let v = e.eval(&values);
                (self.gate_passes(k, v), v)
            })
            .collect()
    }

    /// The formal check of one product: its inputs, the gates it fails and, when it
    /// passes them all, its indicator values (the sample the benchmarks come from).
    #[must_use]
    pub fn check(&self, facts: &ProductFacts) -> Checked {
        let inputs = facts.inputs();
        let failed_gates = self.failed_gates(&inputs);
        let values = if failed_gates.is_empty() {
            self.indicator_values(&inputs)
        } else {
            Vec::new()
        };
        Checked {
            inputs,
            failed_gates,
            values,
        }
    }

    /// The ids of the gates `inputs` fail, in document order: why a product is out
    /// of a round.
    #[must_use]
    pub fn failed_gates(&self, inputs: &ProductYear) -> Vec<String> {
        self.gate_results(inputs)
            .iter()
            .zip(&self.doc.gates)
            .filter(|((passed, _), _)| !passed)
            .map(|(_, g)| g.id.clone())
            .collect()
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
