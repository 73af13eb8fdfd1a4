//! Evaluating one product against a benchmark set: gates, indicators, dimensions and
//! the decision, with the rule that decided it.

use serde::{Deserialize, Serialize};

use super::{BenchmarkSet, Direction, Methodology, ProductYear};

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
    /// Which rule decided: `gate_failed`, `required_failed`, `dimensions_short` or
    /// `identified`.
    pub rule: String,
    /// The rule, for people.
    pub reason: String,
}

/// Evaluates one product of `field` with `inputs` against `set`.
#[must_use]
pub fn evaluate(
    m: &Methodology,
    set: &BenchmarkSet,
    field: &str,
    inputs: &ProductYear,
) -> Breakdown {
    let doc = m.doc();
    let methodology = format!("{}@{}", doc.id, doc.version);
    let gates: Vec<GateResult> = m
        .gate_results(inputs)
        .into_iter()
        .zip(&doc.gates)
        .map(|((passed, value), g)| GateResult {
            id: g.id.clone(),
            value,
            passed,
        })
        .collect();
    if let Some(failed) = gates.iter().position(|g| !g.passed) {
        let gate = doc.gates.get(failed);
        return Breakdown {
            methodology,
            field: field.to_owned(),
            eligible: false,
            indicators: Vec::new(),
            dimensions: Vec::new(),
            identified: false,
            rule: "gate_failed".to_owned(),
            reason: format!(
                "not eligible: gate {} failed{}",
                gate.map_or("?", |g| g.id.as_str()),
                gate.filter(|g| !g.description.is_empty())
                    .map(|g| format!(" ({})", g.description))
                    .unwrap_or_default()
            ),
            gates,
        };
    }
    let indicators: Vec<IndicatorResult> = m
        .indicator_values(inputs)
        .into_iter()
        .zip(&doc.indicators)
        .map(|(value, ind)| {
            let benchmark = set.get(field, &ind.id).and_then(|b| b.value);
            let passed = match (value, benchmark) {
                (Some(v), Some(b)) => match ind.direction {
                    Direction::Higher => v >= b,
                    Direction::Lower => v <= b,
                },
                _ => false,
            };
            IndicatorResult {
                id: ind.id.clone(),
                dimension: ind.dimension.clone(),
                value,
                benchmark,
                passed,
            }
        })
        .collect();
    let dimensions: Vec<DimensionResult> = doc
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
    let failed_required = doc
        .decision
        .required
        .iter()
        .find(|id| !indicators.iter().any(|i| &i.id == *id && i.passed));
    let passed_dims = dimensions.iter().filter(|d| d.passed).count();
    let needed = doc.decision.min_dimensions;
    let (identified, rule, reason) = if let Some(id) = failed_required {
        (
            false,
            "required_failed",
            format!("not identified: {id} does not reach its field benchmark"),
        )
    } else if passed_dims < needed {
        (
            false,
            "dimensions_short",
            format!(
                "not identified: {passed_dims} of {} dimensions reach their benchmarks; {needed} needed",
                dimensions.len()
            ),
        )
    } else {
        (
            true,
            "identified",
            format!(
                "identified: the required indicators and {passed_dims} of {} dimensions reach their benchmarks ({needed} needed)",
                dimensions.len()
            ),
        )
    };
    Breakdown {
        methodology,
        field: field.to_owned(),
        eligible: true,
        gates,
        indicators,
        dimensions,
        identified,
        rule: rule.to_owned(),
        reason,
    }
}
