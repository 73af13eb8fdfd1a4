//! Working days and the review service levels (docs/DOMAIN.md §3): real-name verification is
//! reviewed in 1–2 working days, product filings in 3–5.
//!
//! Working days are Monday to Friday on the Asia/Shanghai calendar. China's statutory
//! holidays and the weekend days worked in exchange move every year (the State
//! Council publishes them each winter), so they are data: a [`WorkCalendar`] takes
//! the year's holidays and make-up working days; without them, weekends alone count.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// Days off and make-up working days beyond the plain Monday–Friday week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: Vec<NaiveDate>,
    workdays: Vec<NaiveDate>,
}

impl WorkCalendar {
    /// A calendar with these public holidays and weekend days worked in exchange.
    #[must_use]
    pub fn new(mut holidays: Vec<NaiveDate>, mut workdays: Vec<NaiveDate>) -> Self {
        holidays.sort_unstable();
        workdays.sort_unstable();
        Self { holidays, workdays }
    }

    /// Whether `date` is a working day.
    #[must_use]
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.binary_search(&date).is_ok() {
            return true;
        }
        if self.holidays.binary_search(&date).is_ok() {
            return false;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// Whole working days after `from` up to and including `to` (0 when `to` is not
    /// after `from`): how long something submitted on `from` has waited by `to`.
    #[must_use]
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut days = 0;
        let mut day = from;
        // Waits are days to weeks; the cap keeps a corrupt date from looping for long.
        for _ in 0..3660 {
            if day >= to {
                break;
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if self.is_working_day(day) {
                days += 1;
            }
        }
        days
    }

    /// The date `n` working days after `from`.
    #[must_use]
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut left = n;
        let mut day = from;
        while left > 0 {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

/// What is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// Real-name verification of an enterprise.
    Verification,
    /// A product filing (initial, modification, revocation).
    Filing,
}

impl ReviewKind {
    /// The service-level target in working days: (usual, latest).
    #[must_use]
    pub fn target_days(self) -> (u32, u32) {
        match self {
            Self::Verification => (1, 2),
            Self::Filing => (3, 5),
        }
    }
}

/// Where one waiting item stands against its service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceLevel {
    /// Usual target, in working days.
    pub target_min_days: u32,
    /// Latest acceptable, in working days.
    pub target_max_days: u32,
    /// Working days waited so far.
    pub waited_working_days: u32,
    /// The last day within the service level.
    pub due_by: NaiveDate,
    /// `on_track`, `due_soon` (past the usual target) or `overdue` (past the latest).
    pub state: SlaState,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Within the usual target.
    OnTrack,
    /// Past the usual target, within the latest.
    DueSoon,
    /// Past the latest.
    Overdue,
}

/// The service level of an item of `kind` submitted on `submitted`, seen on `today`.
#[must_use]
pub fn service_level(
    calendar: &WorkCalendar,
    kind: ReviewKind,
    submitted: NaiveDate,
    today: NaiveDate,
) -> ServiceLevel {
    let (min, max) = kind.target_days();
    let waited = calendar.working_days_between(submitted, today);
    let state = if waited > max {
        SlaState::Overdue
    } else if waited > min {
        SlaState::DueSoon
    } else {
        SlaState::OnTrack
    };
    ServiceLevel {
        target_min_days: min,
        target_max_days: max,
        waited_working_days: waited,
        due_by: calendar.add_working_days(submitted, max),
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn weekends_do_not_count() {
        let plain = WorkCalendar::default();
        // 2026-11-27 is a Friday.
        let friday = date(2026, 11, 27);
        assert_eq!(plain.add_working_days(friday, 1), date(2026, 11, 30));
        assert_eq!(plain.add_working_days(friday, 5), date(2026, 12, 4));
        assert_eq!(plain.working_days_between(friday, date(2026, 11, 30)), 1);
        assert_eq!(plain.working_days_between(friday, date(2026, 11, 29)), 0);
        assert_eq!(plain.working_days_between(friday, friday), 0);
        assert_eq!(plain.working_days_between(friday, date(2026, 11, 1)), 0);
    }

    #[test]
    fn holidays_and_make_up_days() {
        // National Day 2026: 1–7 October off, Saturday 10 October worked.
        let holidays = (1..=7).map(|d| date(2026, 10, d)).collect();
        let calendar = WorkCalendar::new(holidays, vec![date(2026, 10, 10)]);
        assert!(!calendar.is_working_day(date(2026, 10, 1)));
        assert!(calendar.is_working_day(date(2026, 10, 10)));
        assert_eq!(
            calendar.add_working_days(date(2026, 9, 30), 1),
            date(2026, 10, 8)
        );
    }

    #[test]
    fn service_levels() {
        let calendar = WorkCalendar::default();
        let monday = date(2026, 11, 23);
        let cases = [
            (ReviewKind::Filing, date(2026, 11, 26), SlaState::OnTrack, 3),
            (ReviewKind::Filing, date(2026, 11, 27), SlaState::DueSoon, 4),
            (ReviewKind::Filing, date(2026, 12, 1), SlaState::Overdue, 6),
            (
                ReviewKind::Verification,
                date(2026, 11, 24),
                SlaState::OnTrack,
                1,
            ),
            (
                ReviewKind::Verification,
                date(2026, 11, 25),
                SlaState::DueSoon,
                2,
            ),
            (
                ReviewKind::Verification,
                date(2026, 11, 26),
                SlaState::Overdue,
                3,
            ),
        ];
        for (kind, today, state, waited) in cases {
            let level = service_level(&calendar, kind, monday, today);
            assert_eq!(level.state, state, "{kind:?} {today}");
            assert_eq!(level.waited_working_days, waited, "{kind:?} {today}");
        }
        let filing = service_level(&calendar, ReviewKind::Filing, monday, monday);
        assert_eq!(filing.due_by, date(2026, 11, 30));
    }
}
