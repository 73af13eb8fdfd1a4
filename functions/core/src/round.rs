//! Identification rounds (docs/DOMAIN.md §4): one per year Y, evaluating Y-1's figures, moving
//! through fixed stages. This module says which move is allowed when, and when
//! enterprises may opt in and the public may object; the Worker carries it out.
//!
//! ```text
//! open ─► formal_check ─► evaluation ─► public_notice ─► objection_handling ─► final
//!          (step: gates)   (steps: benchmarks,            (objections decided)   (step:
//!                           evaluation)                                        certificates)
//! ```
//!
//! Stages with work run it as [`Step`]s in resumable chunks; a stage can only be left
//! once its steps are done.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Default length of the public notice, in calendar days.
pub const DEFAULT_NOTICE_DAYS: u32 = 10;

/// Longest public notice accepted: two months is already long for a 公示.
pub const MAX_NOTICE_DAYS: u32 = 60;

/// The first year a round may be opened for: the national pilot began in late 2022.
pub const FIRST_ROUND_YEAR: i32 = 2023;

/// A round's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Enterprises opt in and bring their figures up to date.
    Open,
    /// The gates are applied to every product that opted in.
    FormalCheck,
    /// Benchmarks are computed and every eligible product is scored.
    Evaluation,
    /// The products that reached the benchmarks are listed; anyone may object.
    PublicNotice,
    /// The notice is over; the remaining objections are decided.
    ObjectionHandling,
    /// The list is published and certificates issued.
    Final,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Self; 6] = [
        Self::Open,
        Self::FormalCheck,
        Self::Evaluation,
        Self::PublicNotice,
        Self::ObjectionHandling,
        Self::Final,
    ];

    /// The stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::FormalCheck => "formal_check",
            Self::Evaluation => "evaluation",
            Self::PublicNotice => "public_notice",
            Self::ObjectionHandling => "objection_handling",
            Self::Final => "final",
        }
    }

    /// The stage of a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The stage after this one.
    #[must_use]
    pub fn next(self) -> Option<Self> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL.get(i + 1).copied()
    }

    /// The chunked steps this stage runs, in order.
    #[must_use]
    pub fn steps(self) -> &'static [Step] {
        match self {
            Self::FormalCheck => &[Step::FormalCheck],
            Self::Evaluation => &[Step::Benchmarks, Step::Evaluation],
            Self::Final => &[Step::Certificates],
            Self::Open | Self::PublicNotice | Self::ObjectionHandling => &[],
        }
    }

    /// Whether the stage's steps may be run again (same inputs, same results): only
    /// before anything was made public.
    #[must_use]
    pub fn may_rerun(self) -> bool {
        matches!(self, Self::FormalCheck | Self::Evaluation)
    }
}

/// A unit of chunked work inside a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Read each opted-in product's facts, apply the gates, keep the indicator values.
    FormalCheck,
    /// One chunk per indicator: its benchmark in every field.
    Benchmarks,
    /// Score every eligible product against the benchmark set.
    Evaluation,
    /// Issue a certificate to every identified product and mark the year on it.
    Certificates,
}

impl Step {
    /// Every step.
    pub const ALL: [Self; 4] = [
        Self::FormalCheck,
        Self::Benchmarks,
        Self::Evaluation,
        Self::Certificates,
    ];

    /// The stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::FormalCheck => "formal_check",
            Self::Benchmarks => "benchmarks",
            Self::Evaluation => "evaluation",
            Self::Certificates => "certificates",
        }
    }

    /// The step of a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The stage it belongs to.
    #[must_use]
    pub fn stage(self) -> Stage {
        match self {
            Self::FormalCheck => Stage::FormalCheck,
            Self::Benchmarks | Self::Evaluation => Stage::Evaluation,
            Self::Certificates => Stage::Final,
        }
    }

    /// The step after this one in its stage.
    #[must_use]
    pub fn next_in_stage(self) -> Option<Self> {
        let steps = self.stage().steps();
        let i = steps.iter().position(|s| *s == self)?;
        steps.get(i + 1).copied()
    }
}

/// Products per chunk of the product steps: small enough that a chunk's computation
/// stays well under a millisecond natively and its D1 writes stay a few hundred
/// kilobytes, large enough that a round of 10^5 products takes a few hundred chunks.
pub const CHUNK_PRODUCTS: usize = 500;

/// A round's dates, as the national admin sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundDates {
    /// Last day to opt in and to bring the figures up to date.
    pub opt_in_deadline: NaiveDate,
    /// First day the evaluation may run.
    pub evaluation_date: NaiveDate,
    /// Length of the public notice in calendar days.
    pub notice_days: u32,
}

/// A date rule a round breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DateIssue {
    /// `year`, `opt_in_deadline`, `evaluation_date` or `notice_days`.
    pub field: &'static str,
    /// Stable code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl RoundDates {
    /// Checks a round's year and dates together, reporting every rule broken: the
    /// year from [`FIRST_ROUND_YEAR`] to next year; the deadline inside the round's
    /// year; the evaluation on or after the deadline; a notice of 1 to
    /// [`MAX_NOTICE_DAYS`] days.
    ///
    /// # Errors
    ///
    /// Every issue found.
    pub fn check(self, year: i32, today: NaiveDate) -> Result<Self, Vec<DateIssue>> {
        let mut issues = Vec::new();
        if !(FIRST_ROUND_YEAR..=today.year() + 1).contains(&year) {
            issues.push(DateIssue {
                field: "year",
                code: "out_of_range",
                message: format!(
                    "a round is for a year from {FIRST_ROUND_YEAR} to {}",
                    today.year() + 1
                ),
            });
        }
        if self.opt_in_deadline.year() != year {
            issues.push(DateIssue {
                field: "opt_in_deadline",
                code: "wrong_year",
                message: format!("the opt-in deadline of round {year} falls in {year}"),
            });
        }
        if self.evaluation_date < self.opt_in_deadline {
            issues.push(DateIssue {
                field: "evaluation_date",
                code: "before_deadline",
                message: format!(
                    "the evaluation cannot come before the opt-in deadline ({})",
                    self.opt_in_deadline
                ),
            });
        }
        if !(1..=MAX_NOTICE_DAYS).contains(&self.notice_days) {
            issues.push(DateIssue {
                field: "notice_days",
                code: "out_of_range",
                message: format!("a public notice lasts 1 to {MAX_NOTICE_DAYS} days"),
            });
        }
        if issues.is_empty() {
            Ok(self)
        } else {
            Err(issues)
        }
    }

    /// The public notice that starts on `start`: both ends included.
    #[must_use]
    pub fn notice_from(self, start: NaiveDate) -> NoticePeriod {
        let end = start
            .checked_add_days(Days::new(u64::from(self.notice_days.max(1) - 1)))
            .unwrap_or(start);
        NoticePeriod { start, end }
    }
}

/// The public notice: from `start` to `end`, both included (Asia/Shanghai days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePeriod {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// Where a round stands, as far as moving it on is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundState {
    /// The stage.
    pub stage: Stage,
    /// Its dates.
    pub dates: RoundDates,
    /// The notice, once it began.
    pub notice: Option<NoticePeriod>,
    /// Whether the stage's steps are all done.
    pub steps_done: bool,
    /// Objections not yet decided.
    pub open_objections: u32,
}

/// Why a round cannot move on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvanceError {
    /// Only the next stage may follow.
    #[error("a round moves one stage at a time: from {from} the next stage is {next}")]
    NotNext {
        /// Current stage code.
        from: &'static str,
        /// What may follow (`none` at the end).
        next: &'static str,
    },
    /// The stage's work is not finished.
    #[error("the {0} stage is still working (or stopped on an error); wait for it or resume it")]
    StepsNotDone(&'static str),
    /// Opt-in is still open.
    #[error("opt-in is open until {0}; the formal check starts the day after")]
    OptInOpen(NaiveDate),
    /// Evaluation is dated later.
    #[error("the evaluation is set for {0}")]
    BeforeEvaluationDate(NaiveDate),
    /// The notice runs on.
    #[error("the public notice runs until {0}")]
    NoticeRunning(NaiveDate),
    /// Objections are open.
    #[error("{0} objection(s) are still open; decide them first")]
    ObjectionsOpen(u32),
}

impl AdvanceError {
    /// Stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotNext { .. } => "not_next_stage",
            Self::StepsNotDone(_) => "stage_not_done",
            Self::OptInOpen(_) => "opt_in_open",
            Self::BeforeEvaluationDate(_) => "before_evaluation_date",
            Self::NoticeRunning(_) => "notice_running",
            Self::ObjectionsOpen(_) => "objections_open",
        }
    }
}

/// Whether the round may move from its stage to `to` on `today`.
///
/// # Errors
///
/// The first rule that stops it.
pub fn check_advance(state: &RoundState, to: Stage, today: NaiveDate) -> Result<(), AdvanceError> {
    if state.stage.next() != Some(to) {
        return Err(AdvanceError::NotNext {
            from: state.stage.code(),
            next: state.stage.next().map_or("none", Stage::code),
        });
    }
    if !state.steps_done {
        return Err(AdvanceError::StepsNotDone(state.stage.code()));
    }
    match to {
        Stage::FormalCheck if today <= state.dates.opt_in_deadline => {
            Err(AdvanceError::OptInOpen(state.dates.opt_in_deadline))
        }
        Stage::Evaluation if today < state.dates.evaluation_date => Err(
            AdvanceError::BeforeEvaluationDate(state.dates.evaluation_date),
        ),
        Stage::ObjectionHandling => match state.notice {
            Some(notice) if today <= notice.end => Err(AdvanceError::NoticeRunning(notice.end)),
            _ => Ok(()),
        },
        Stage::Final if state.open_objections > 0 => {
            Err(AdvanceError::ObjectionsOpen(state.open_objections))
        }
        _ => Ok(()),
    }
}

/// Why an enterprise cannot opt in (or out) now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptInError {
    /// The round moved past `open`.
    #[error("round {0} is past its open stage; opt-in is closed")]
    RoundClosed(i32),
    /// The deadline passed.
    #[error("the opt-in deadline of round {0} was {1}")]
    DeadlinePassed(i32, NaiveDate),
}

/// Whether a product may opt in to (or out of) round `year` on `today`, given the
/// round if it is opened already (before that, opting in is always possible).
///
/// # Errors
///
/// The round is closed or its deadline passed.
pub fn check_opt_in(
    year: i32,
    round: Option<(Stage, RoundDates)>,
    today: NaiveDate,
) -> Result<(), OptInError> {
    match round {
        None => Ok(()),
        Some((stage, _)) if stage != Stage::Open => Err(OptInError::RoundClosed(year)),
        Some((_, dates)) if today > dates.opt_in_deadline => {
            Err(OptInError::DeadlinePassed(year, dates.opt_in_deadline))
        }
        Some(_) => Ok(()),
    }
}

/// Why an objection cannot be filed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectionWindowError {
    /// No notice is running.
    #[error("objections are taken during the public notice; round {0} is not in it")]
    NotInNotice(i32),
    /// The notice ended.
    #[error("the public notice of round {0} ended on {1}")]
    NoticeEnded(i32, NaiveDate),
}

/// Whether an objection may be filed against round `year` on `today`.
///
/// # Errors
///
/// Outside the public notice.
pub fn check_objection_window(
    year: i32,
    stage: Stage,
    notice: Option<NoticePeriod>,
    today: NaiveDate,
) -> Result<(), ObjectionWindowError> {
    match (stage, notice) {
        (Stage::PublicNotice, Some(n)) if today > n.end => {
            Err(ObjectionWindowError::NoticeEnded(year, n.end))
        }
        (Stage::PublicNotice, Some(_)) => Ok(()),
        _ => Err(ObjectionWindowError::NotInNotice(year)),
    }
}

/// Whether objections may be decided in `stage`: from the start of the notice until
/// the round is final.
#[must_use]
pub fn may_decide_objections(stage: Stage) -> bool {
    matches!(stage, Stage::PublicNotice | Stage::ObjectionHandling)
}

#[cfg(test)]
#[path = "round_tests.rs"]
mod tests;
