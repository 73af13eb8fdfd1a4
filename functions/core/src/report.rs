//! Monthly releases: which months a regional port is owed, their bounds on the
//! business calendar (Asia/Shanghai), and the snapshot's shape and CSV form. The
//! counting itself is the Worker's (one query over the month); what the numbers
//! mean is fixed here.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{business_date, start_of_business_day};

/// A calendar month on the business calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// The month holding an instant, in Asia/Shanghai.
    #[must_use]
    pub fn of(at: DateTime<Utc>) -> Self {
        let date = business_date(at);
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `YYYY-MM`, for a real month.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let month = Self {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        month.first_day().map(|_| month)
    }

    fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    /// The month after.
    #[must_use]
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The instant the month starts (00:00 on the 1st, Asia/Shanghai), in UTC.
    #[must_use]
    pub fn start(self) -> DateTime<Utc> {
        self.first_day()
            .map_or(DateTime::<Utc>::MIN_UTC, start_of_business_day)
    }

    /// The instant the next month starts: the end, exclusive.
    #[must_use]
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Most months one run catches up, so that a port's first run after a long outage
/// stays within one invocation's limits; the rest follow on the next run.
pub const MAX_CATCH_UP: usize = 24;

/// The months a port opened at `opened` is owed a release for at `now`, oldest
/// first: every month from the one it opened in up to the one before now's, once
/// that month is over. Months already released are the caller's to skip.
#[must_use]
pub fn months_due(opened: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Month> {
    let current = Month::of(now);
    let mut month = Month::of(opened);
    let mut due = Vec::new();
    while month < current {
        due.push(month);
        month = month.next();
    }
    due
}

/// What happened in a month, or in one of its groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Initial filings first submitted.
    pub new_filings: i64,
    /// Products recorded.
    pub recorded: i64,
    /// Filings returned for changes.
    pub returned: i64,
    /// Products revoked.
    pub revoked: i64,
    /// Products changed: annual updates and approved modifications.
    pub updated: i64,
    /// Products identified (certificates issued).
    pub identified: i64,
}

/// The metric names, in column order, as the Worker's query and the CSV name them.
pub const METRICS: [&str; 6] = [
    "new_filings",
    "recorded",
    "returned",
    "revoked",
    "updated",
    "identified",
];

impl Counts {
    /// Adds `n` to the metric named `metric`; unknown names are ignored (false).
    pub fn add(&mut self, metric: &str, n: i64) -> bool {
        let slot = match metric {
            "new_filings" => &mut self.new_filings,
            "recorded" => &mut self.recorded,
            "returned" => &mut self.returned,
            "revoked" => &mut self.revoked,
            "updated" => &mut self.updated,
            "identified" => &mut self.identified,
            _ => return false,
        };
        *slot += n;
        true
    }

    fn values(&self) -> [i64; 6] {
        [
            self.new_filings,
            self.recorded,
            self.returned,
            self.revoked,
            self.updated,
            self.identified,
        ]
    }
}

/// One group of a breakdown (a field, a city).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The field code or the city's region code.
    pub key: String,
    /// Its counts.
    pub counts: Counts,
}

/// Totals at the month's end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cumulative {
    /// Products recorded and not revoked.
    pub recorded_products: i64,
    /// Products identified in any round so far.
    pub identified_products: i64,
    /// Enterprises with at least one recorded product.
    pub enterprises_with_products: i64,
}

/// A listed demonstration enterprise and whether it has a recorded product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    /// Its USCC.
    pub uscc: String,
    /// The region's label for it.
    pub label: String,
    /// Recorded products at the month's end.
    pub recorded_products: i64,
}

/// A region's monthly release. Immutable once stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// The port's scope (`PP0000`, `PPCC00`, `xpcc`).
    pub scope: String,
    /// `YYYY-MM`.
    pub month: String,
    /// When it was made.
    pub generated_at: String,
    /// The month's counts.
    pub totals: Counts,
    /// By primary field.
    pub by_field: Vec<Group>,
    /// By prefecture-level city.
    pub by_city: Vec<Group>,
    /// At the month's end.
    pub cumulative: Cumulative,
    /// The demonstration enterprises the region listed.
    pub coverage: Vec<Listed>,
}

impl MonthlyReport {
    /// The CSV form: one row per section, key and metric (`section,key,metric,value`),
    /// so that every number of the JSON form is in it once.
    #[must_use]
    pub fn csv(&self) -> String {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut push = |section: &str, key: &str, metric: &str, value: i64| {
            rows.push(vec![
                section.to_owned(),
                key.to_owned(),
                metric.to_owned(),
                value.to_string(),
            ]);
        };
        for (metric, value) in METRICS.iter().zip(self.totals.values()) {
            push("totals", "", metric, value);
        }
        for (section, groups) in [("field", &self.by_field), ("city", &self.by_city)] {
            for group in groups {
                for (metric, value) in METRICS.iter().zip(group.counts.values()) {
                    push(section, &group.key, metric, value);
                }
            }
        }
        let c = self.cumulative;
        push("cumulative", "", "recorded_products", c.recorded_products);
        push(
            "cumulative",
            "",
            "identified_products",
            c.identified_products,
        );
        push(
            "cumulative",
            "",
            "enterprises_with_products",
            c.enterprises_with_products,
        );
        for listed in &self.coverage {
            push(
                "coverage",
                &listed.uscc,
                "recorded_products",
                listed.recorded_products,
            );
        }
        crate::csv::table(&["section", "key", "metric", "value"], &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn months_follow_the_business_calendar() {
        // 16:30 UTC on 31 October is already 1 November in Shanghai.
        assert_eq!(Month::of(at("2026-10-31T16:30:00Z")).to_string(), "2026-11");
        let nov = Month::parse("2026-11").unwrap_or(Month::of(at("2000-01-01T00:00:00Z")));
        assert_eq!(nov.start(), at("2026-10-31T16:00:00Z"));
        assert_eq!(nov.end(), at("2026-11-30T16:00:00Z"));
        assert_eq!(
            Month::parse("2026-12")
                .map(Month::next)
                .map(|m| m.to_string()),
            Some("2027-01".into())
        );
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_due_since_the_port_opened() {
        let opened = at("2026-09-15T02:00:00Z");
        let names = |now: &str| {
            months_due(opened, at(now))
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert!(names("2026-09-30T15:59:59Z").is_empty());
        assert_eq!(names("2026-09-30T16:00:00Z"), ["2026-09"]);
        assert_eq!(
            names("2026-12-01T00:00:00Z"),
            ["2026-09", "2026-10", "2026-11"]
        );
    }

    #[test]
    fn the_csv_has_every_number() {
        let mut totals = Counts::default();
        assert!(totals.add("recorded", 3));
        assert!(!totals.add("nonsense", 1));
        let report = MonthlyReport {
            scope: "440000".into(),
            month: "2026-10".into(),
            generated_at: "2026-11-01T00:00:00.000Z".into(),
            totals,
            by_field: vec![Group {
                key: "01".into(),
                counts: totals,
            }],
            by_city: Vec::new(),
            cumulative: Cumulative {
                recorded_products: 9,
                ..Cumulative::default()
            },
            coverage: vec![Listed {
                uscc: "91350100M000100Y43".into(),
                label: "示范".into(),
                recorded_products: 0,
            }],
        };
        let csv = report.csv();
        assert!(csv.contains("totals,,recorded,3\r\n"));
        assert!(csv.contains("field,01,recorded,3\r\n"));
        assert!(csv.contains("cumulative,,recorded_products,9\r\n"));
        assert!(csv.contains("coverage,91350100M000100Y43,recorded_products,0\r\n"));
        assert_eq!(csv.lines().count(), 1 + 6 + 6 + 3 + 1);
    }
}
