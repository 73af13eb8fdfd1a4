//! The settings a national admin configures, as the rest of the platform reads them,
//! each with its shipped default:
//!
//! | Key | Value | Default |
//! |---|---|---|
//! | `annual_update_window.YYYY` | `{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}` | 1 January – 31 March of YYYY |
//! | `prompted_revocation_days` | whole days, 0–365 | 30 |
//! | `work_calendar.YYYY` | `{"holidays": [dates], "workdays": [dates]}`: the year's public holidays and the weekend days worked in exchange | none: Monday–Friday |
//!
//! Dates are Asia/Shanghai business days, both ends included. A prompted revocation
//! with 0 days happens at the next run of the scheduled job (every five minutes).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ppr_core::DateWindow;
use ppr_core::workdays::WorkCalendar;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::clock;
use crate::error::ApiError;
use crate::repo::settings;

/// Default days between a revocation prompt and the revocation.
pub const DEFAULT_PROMPTED_REVOCATION_DAYS: i64 = 30;

/// Longest configurable prompt period.
pub const MAX_PROMPTED_REVOCATION_DAYS: i64 = 365;

/// The key prefix of a year's annual update window.
pub const WINDOW_PREFIX: &str = "annual_update_window.";

/// The key prefix of a year's work calendar.
pub const CALENDAR_PREFIX: &str = "work_calendar.";

/// The key of the prompted revocation period.
pub const REVOCATION_DAYS: &str = "prompted_revocation_days";

/// A year's public holidays and make-up working days, as the State Council publishes
/// them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    /// Days off on weekdays.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Weekend days worked.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

/// The working-day calendar over `years` (holidays and make-up days as configured).
///
/// # Errors
///
/// The database failed, or a stored value is corrupt (logged).
pub async fn work_calendar(db: &D1Database, years: &[i32]) -> Result<WorkCalendar, ApiError> {
    let mut holidays = Vec::new();
    let mut workdays = Vec::new();
    for year in years {
        if let Some(value) = settings::get(db, &format!("{CALENDAR_PREFIX}{year}")).await? {
            let stored: CalendarYear = serde_json::from_str(&value)
                .map_err(|e| ApiError::internal_cause("stored work calendar", &e))?;
            holidays.extend(stored.holidays);
            workdays.extend(stored.workdays);
        }
    }
    Ok(WorkCalendar::new(holidays, workdays))
}

/// The annual update window of `year`.
///
/// # Errors
///
/// The database failed, or a stored value is corrupt (logged).
pub async fn annual_update_window(db: &D1Database, year: i32) -> Result<DateWindow, ApiError> {
    if let Some(value) = settings::get(db, &format!("{WINDOW_PREFIX}{year}")).await? {
        return serde_json::from_str(&value)
            .map_err(|e| ApiError::internal_cause("stored annual update window", &e));
    }
    DateWindow::default_annual_update(year)
        .ok_or_else(|| ApiError::internal_cause("default window", &year))
}

/// The revocation deadline for a product prompted now.
///
/// # Errors
///
/// The database failed, or a stored value is corrupt (logged).
pub async fn revocation_deadline(db: &D1Database, now: DateTime<Utc>) -> Result<String, ApiError> {
    let days = match settings::get(db, REVOCATION_DAYS).await? {
        Some(value) => value
            .parse::<i64>()
            .map_err(|e| ApiError::internal_cause("stored prompted_revocation_days", &e))?,
        None => DEFAULT_PROMPTED_REVOCATION_DAYS,
    };
    Ok(clock::stamp(now + Duration::days(days)))
}
