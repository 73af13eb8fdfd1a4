//! The content of a product filing (docs/DOMAIN.md §3) and its rules.
//!
//! [`FilingData`] is what the enterprise writes: a draft may be incomplete, so every
//! field is optional on the wire; [`check_filing`] checks the fields given (for a
//! draft) or demands all of them (for submission), and reports every problem at
//! once, each with the path of its field (`patents[1].contribution_pct`).

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, required_text};
use crate::field::ProductField;
use crate::holding::LegalStatus;
use crate::money::MAX_YUAN;
use crate::patent::{FIRST_PATENT_YEAR, PatentNumber};
use crate::region::RegionCode;

/// Longest product name and model.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest description: about a page.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Most patents linked to one product; real products list a handful to a few dozen.
pub const MAX_PATENTS: usize = 50;
/// Most evidence files on one filing.
pub const MAX_EVIDENCE: usize = 20;
/// Longest reason (return, rejection, revocation).
pub const MAX_REASON_CHARS: usize = 500;

/// A product filing's content, as the enterprise writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingData {
    /// Product name.
    #[serde(default)]
    pub name: Option<String>,
    /// Model or specification.
    #[serde(default)]
    pub model: Option<String>,
    /// Primary product field code (`01`–`07`, `99`).
    #[serde(default)]
    pub field: Option<String>,
    /// What the product is and does.
    #[serde(default)]
    pub description: Option<String>,
    /// Date first on the market (ISO 8601).
    #[serde(default)]
    pub first_marketed_on: Option<String>,
    /// Region of manufacture (GB/T 2260 code).
    #[serde(default)]
    pub manufacture_region: Option<String>,
    /// The patents the product implements.
    #[serde(default)]
    pub patents: Vec<LinkedPatentIn>,
    /// Economic data for the previous year.
    #[serde(default)]
    pub economics: Option<EconomicsIn>,
    /// Whether the product takes part in this year's identification round.
    #[serde(default)]
    pub opt_in: bool,
    /// Evidence documents (ids of uploaded documents).
    #[serde(default)]
    pub evidence: Vec<i64>,
}

/// One linked patent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedPatentIn {
    /// Application or patent number, as one of the enterprise's patents.
    pub number: String,
    /// Whether it is a core patent of the product.
    #[serde(default)]
    pub core: bool,
    /// Its share of the product's value, in percent (confidential).
    pub contribution_pct: i64,
}

/// A year's economic data, integer yuan (confidential).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EconomicsIn {
    /// The year the figures are for.
    pub year: i32,
    /// Sales revenue.
    pub sales: i64,
    /// Export revenue (part of sales).
    pub exports: i64,
    /// Profit (negative for a loss).
    pub profit: i64,
    /// Investment in intellectual property.
    pub ip_investment: i64,
}

/// What the rules need to know beyond the filing itself.
#[derive(Debug, Clone, Copy)]
pub struct FilingContext<'a> {
    /// Today, on the business calendar.
    pub today: NaiveDate,
    /// The enterprise's registered patents and their legal status.
    pub patents: &'a [(PatentNumber, LegalStatus)],
    /// The enterprise's uploaded evidence documents.
    pub evidence: &'a [i64],
}

/// Whether all fields are demanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// A draft: check what is there.
    Draft,
    /// Submission: everything must be there.
    Complete,
}

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field's path.
    pub field: String,
    /// The rule that failed, stable for machines.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    fn missing(&mut self, field: &str) {
        self.push(field, "required", "this field is required to submit");
    }

    fn text(&mut self, field: &str, result: Result<String, FieldError>) {
        if let Err(e) = result {
            self.push(field, e.code(), e.to_string());
        }
    }
}

/// The previous year: whose economic figures a filing or an annual update carries.
#[must_use]
pub fn economics_year(today: NaiveDate) -> i32 {
    today.year() - 1
}

/// Checks a filing's content; an empty list means it passes.
#[must_use]
pub fn check_filing(
    data: &FilingData,
    completeness: Completeness,
    ctx: &FilingContext<'_>,
) -> Vec<Problem> {
    let mut p = Problems::default();
    let complete = completeness == Completeness::Complete;
    let one_line = |p: &mut Problems, field: &str, value: &Option<String>, max: usize| match value {
        Some(v) => p.text(field, required_text(v, max)),
        None if complete => p.missing(field),
        None => {}
    };
    one_line(&mut p, "name", &data.name, MAX_NAME_CHARS);
    one_line(&mut p, "model", &data.model, MAX_NAME_CHARS);
    match &data.field {
        Some(code) => {
            if let Err(e) = ProductField::parse(code) {
                p.push("field", "unknown_field", e.to_string());
            }
        }
        None if complete => p.missing("field"),
        None => {}
    }
    match &data.description {
        Some(text) => p.text("description", check_text_block(text, MAX_DESCRIPTION_CHARS)),
        None if complete => p.missing("description"),
        None => {}
    }
    match &data.first_marketed_on {
        Some(text) => check_market_date(&mut p, text, ctx.today),
        None if complete => p.missing("first_marketed_on"),
        None => {}
    }
    match &data.manufacture_region {
        Some(code) => {
            if let Err(e) = RegionCode::parse(code) {
                p.push("manufacture_region", e.code(), e.to_string());
            }
        }
        None if complete => p.missing("manufacture_region"),
        None => {}
    }
    check_patents(&mut p, &data.patents, complete, ctx);
    match &data.economics {
        Some(e) => check_economics_into(&mut p, "economics", e, economics_year(ctx.today)),
        None if complete => p.missing("economics"),
        None => {}
    }
    check_evidence(&mut p, &data.evidence, complete, ctx.evidence);
    p.0
}

/// Checks one year's economic figures for `year`.
#[must_use]
pub fn check_economics(economics: &EconomicsIn, year: i32) -> Vec<Problem> {
    let mut p = Problems::default();
    check_economics_into(&mut p, "", economics, year);
    p.0
}

/// Checks a multi-line text: trimmed, present, at most `max` characters, no control
/// characters other than line breaks and tabs, and nothing invisible or
/// direction-changing ([`crate::account::is_deceptive`]).
///
/// # Errors
///
/// Empty, too long, or with control characters.
pub fn check_text_block(input: &str, max: usize) -> Result<String, FieldError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    let len = text.chars().count();
    if len > max {
        return Err(FieldError::TooLong { max, len });
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::ControlChar);
    }
    crate::account::check_visible(text)?;
    Ok(text.to_owned())
}

fn check_market_date(p: &mut Problems, text: &str, today: NaiveDate) {
    let field = "first_marketed_on";
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Err(_) => p.push(
            field,
            "date",
            format!("{text:?} is not a date (YYYY-MM-DD)"),
        ),
        Ok(date) if date > today => {
            p.push(field, "future_date", format!("{date} is in the future"))
        }
        Ok(date) if date.year() < FIRST_PATENT_YEAR => p.push(
            field,
            "too_early",
            format!("{date} is before {FIRST_PATENT_YEAR}, when Chinese patents began"),
        ),
        Ok(_) => {}
    }
}

fn check_patents(
    p: &mut Problems,
    patents: &[LinkedPatentIn],
    complete: bool,
    ctx: &FilingContext<'_>,
) {
    if patents.is_empty() {
        if complete {
            p.push(
                "patents",
                "required",
                "link at least one valid patent the product implements",
            );
        }
        return;
    }
    if patents.len() > MAX_PATENTS {
        p.push(
            "patents",
            "too_many",
            format!("at most {MAX_PATENTS} patents; this has {}", patents.len()),
        );
        return;
    }
    let mut seen = HashSet::new();
    let mut total: i64 = 0;
    for (i, linked) in patents.iter().enumerate() {
        let field = format!("patents[{i}].number");
        match PatentNumber::parse(&linked.number, ctx.today.year()) {
            Err(e) => p.push(field, e.code(), e.to_string()),
            Ok(number) => {
                if !seen.insert(number.clone()) {
                    p.push(field, "duplicate", format!("{number} is listed twice"));
                } else if complete {
                    // Whether the patent is registered and valid is checked on
                    // submission: a draft may hold a patent not yet added, and a
                    // modification starts from patents that may have lapsed.
                    match ctx.patents.iter().find(|(n, _)| *n == number) {
                        None => p.push(
                            field,
                            "not_registered",
                            format!(
                                "{number} is not among your patents; add it to your patents first"
                            ),
                        ),
                        Some((_, status)) if !status.is_valid() => p.push(
                            field,
                            "patent_not_valid",
                            format!(
                                "{number} is {}; only valid patents can be linked",
                                status.code()
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        let share = linked.contribution_pct;
        if !(0..=100).contains(&share) {
            p.push(
                format!("patents[{i}].contribution_pct"),
                "range",
                format!("a contribution share is 0 to 100 percent; {share} is not"),
            );
        } else {
            total += share;
        }
    }
    if total > 100 {
        p.push(
            "patents",
            "contribution_total",
            format!("the contribution shares add up to {total} percent; at most 100"),
        );
    }
}

fn check_economics_into(p: &mut Problems, prefix: &str, e: &EconomicsIn, year: i32) {
    let path = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    if e.year != year {
        p.push(
            path("year"),
            "wrong_year",
            format!(
                "the figures must be for {year} (the previous year); {} given",
                e.year
            ),
        );
    }
    for (name, value) in [
        ("sales", e.sales),
        ("exports", e.exports),
        ("ip_investment", e.ip_investment),
    ] {
        if !(0..=MAX_YUAN).contains(&value) {
            p.push(
                path(name),
                "range",
                format!("give whole yuan from 0 to {MAX_YUAN}; {value} is not"),
            );
        }
    }
    if !(-MAX_YUAN..=MAX_YUAN).contains(&e.profit) {
        p.push(
            path("profit"),
            "range",
            format!("give whole yuan within ±{MAX_YUAN}"),
        );
    }
    if e.exports > e.sales {
        p.push(
            path("exports"),
            "exports_over_sales",
            format!(
                "exports ({}) are part of sales and cannot exceed them ({})",
                e.exports, e.sales
            ),
        );
    }
    if e.profit > e.sales {
        p.push(
            path("profit"),
            "profit_over_sales",
            format!("profit ({}) cannot exceed sales ({})", e.profit, e.sales),
        );
    }
}

fn check_evidence(p: &mut Problems, evidence: &[i64], complete: bool, known: &[i64]) {
    if evidence.is_empty() {
        if complete {
            p.push(
                "evidence",
                "required",
                "attach at least one evidence document (invoice, licence contract, test report)",
            );
        }
        return;
    }
    if evidence.len() > MAX_EVIDENCE {
        p.push(
            "evidence",
            "too_many",
            format!("at most {MAX_EVIDENCE} documents"),
        );
        return;
    }
    let mut seen = HashSet::new();
    for (i, id) in evidence.iter().enumerate() {
        if !seen.insert(id) {
            p.push(
                format!("evidence[{i}]"),
                "duplicate",
                format!("document {id} is listed twice"),
            );
        } else if !known.contains(id) {
            p.push(
                format!("evidence[{i}]"),
                "unknown_document",
                format!("document {id} is not one of your uploaded evidence documents"),
            );
        }
    }
}

/// The top-level fields of a filing a reviewer may give a return reason for.
pub const REVIEWABLE_FIELDS: [&str; 10] = [
    "name",
    "model",
    "field",
    "description",
    "first_marketed_on",
    "manufacture_region",
    "patents",
    "economics",
    "evidence",
    "reason",
];

/// Whether `path` names a filing field (`patents[2].number` names `patents`).
#[must_use]
pub fn is_reviewable_field(path: &str) -> bool {
    let top = path.split(['.', '[']).next().unwrap_or_default();
    REVIEWABLE_FIELDS.contains(&top)
}

#[cfg(test)]
#[path = "product_tests.rs"]
mod tests;
