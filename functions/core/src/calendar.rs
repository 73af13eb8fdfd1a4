//! The business calendar: Asia/Shanghai dates over UTC instants.
//!
//! Windows, months and deadlines are business dates in China; instants are stored in
//! UTC. China has kept UTC+8 without daylight saving since 1991, so a fixed offset is
//! exact for every date the platform handles, and saves shipping a time-zone database
//! in the wasm.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// UTC+8, in seconds.
pub const BUSINESS_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The Asia/Shanghai offset (UTC+8), checked at compile time.
const BUSINESS_OFFSET: FixedOffset = match FixedOffset::east_opt(BUSINESS_UTC_OFFSET_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The Asia/Shanghai offset (UTC+8).
#[must_use]
pub fn business_offset() -> FixedOffset {
    BUSINESS_OFFSET
}

/// The business (Asia/Shanghai) date of an instant.
#[must_use]
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    // Saturates at chrono's last representable instant instead of panicking there.
    at.naive_utc()
        .checked_add_signed(chrono::Duration::seconds(i64::from(
            BUSINESS_UTC_OFFSET_SECONDS,
        )))
        .unwrap_or(chrono::NaiveDateTime::MAX)
        .date()
}

/// The business year of an instant: what "the current year" means for the platform.
#[must_use]
pub fn business_year(at: DateTime<Utc>) -> i32 {
    business_date(at).year()
}

/// The instant a business date starts (00:00 Asia/Shanghai), in UTC.
#[must_use]
pub fn start_of_business_day(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    // Saturates at chrono's first representable instant instead of panicking there.
    DateTime::<Utc>::from_naive_utc_and_offset(local, Utc)
        .checked_sub_signed(chrono::Duration::seconds(i64::from(
            BUSINESS_UTC_OFFSET_SECONDS,
        )))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The month before a date's month, as (year, month 1–12): what a monthly release on
/// `date` covers.
#[must_use]
pub fn previous_month(date: NaiveDate) -> (i32, u32) {
    match date.month() {
        1 => (date.year() - 1, 12),
        month => (date.year(), month - 1),
    }
}

/// Why a window is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the window ends ({end}) before it starts ({start})")]
pub struct WindowError {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// A span of whole business days, both ends included (the annual update window, a
/// round's opt-in period, a public notice). Deserialising checks the order too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWindow")]
pub struct DateWindow {
    start: NaiveDate,
    end: NaiveDate,
}

/// A window as written, before its ends are checked.
#[derive(Deserialize)]
struct RawWindow {
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<RawWindow> for DateWindow {
    type Error = WindowError;

    fn try_from(raw: RawWindow) -> Result<Self, Self::Error> {
        Self::new(raw.start, raw.end)
    }
}

impl DateWindow {
    /// A window from `start` to `end`, inclusive.
    ///
    /// # Errors
    ///
    /// `end` before `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, WindowError> {
        if end < start {
            return Err(WindowError { start, end });
        }
        Ok(Self { start, end })
    }

    /// The default annual update window of a year: 1 January to 31 March.
    #[must_use]
    pub fn default_annual_update(year: i32) -> Option<Self> {
        let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let end = NaiveDate::from_ymd_opt(year, 3, 31)?;
        Self::new(start, end).ok()
    }

    /// First day.
    #[must_use]
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// Last day (included).
    #[must_use]
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Whether an instant falls on one of the window's business days.
    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let date = business_date(at);
        self.start <= date && date <= self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn business_dates_are_shanghai_dates() {
        let cases = [
            ("2026-12-31T15:59:59Z", date(2026, 12, 31)),
            ("2026-12-31T16:00:00Z", date(2027, 1, 1)),
            ("2027-01-01T00:00:00+08:00", date(2027, 1, 1)),
        ];
        for (at, want) in cases {
            assert_eq!(business_date(utc(at)), want, "{at}");
        }
        assert_eq!(business_year(utc("2026-12-31T16:00:00Z")), 2027);
        assert_eq!(
            start_of_business_day(date(2027, 1, 1)),
            utc("2026-12-31T16:00:00Z")
        );
    }

    #[test]
    fn annual_update_window_is_inclusive() {
        let window = DateWindow::default_annual_update(2027).expect("window");
        let cases = [
            ("2026-12-31T15:59:59Z", false),
            ("2026-12-31T16:00:00Z", true),
            ("2027-03-31T15:59:59Z", true),
            ("2027-03-31T16:00:00Z", false),
        ];
        for (at, want) in cases {
            assert_eq!(window.contains(utc(at)), want, "{at}");
        }
        assert!(DateWindow::new(date(2027, 2, 1), date(2027, 1, 1)).is_err());
    }

    #[test]
    fn deserialising_checks_the_order() {
        let ok: Result<DateWindow, _> =
            serde_json::from_str(r#"{"start":"2027-01-01","end":"2027-03-31"}"#);
        assert!(ok.is_ok());
        let reversed: Result<DateWindow, _> =
            serde_json::from_str(r#"{"start":"2027-02-01","end":"2027-01-01"}"#);
        assert!(reversed.is_err());
    }

    #[test]
    fn extreme_instants_saturate() {
        assert_eq!(
            start_of_business_day(NaiveDate::MIN),
            DateTime::<Utc>::MIN_UTC
        );
        assert_eq!(
            business_date(DateTime::<Utc>::MAX_UTC),
            chrono::NaiveDateTime::MAX.date()
        );
        let window = DateWindow::default_annual_update(2027).expect("window");
        assert!(!window.contains(DateTime::<Utc>::MAX_UTC));
        assert!(!window.contains(DateTime::<Utc>::MIN_UTC));
    }

    #[test]
    fn previous_month_wraps_the_year() {
        assert_eq!(previous_month(date(2027, 1, 1)), (2026, 12));
        assert_eq!(previous_month(date(2027, 3, 1)), (2027, 2));
    }
}
