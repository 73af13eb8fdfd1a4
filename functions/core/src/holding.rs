//! An enterprise's patent holdings: the right it holds in each patent, the patent's
//! legal status, and the date rules that tie a patent's dates to its number.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::patent::PatentNumber;

/// The right an enterprise holds in a patent (docs/DOMAIN.md §3: owned, or licensed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RightHeld {
    /// 专利权人: the enterprise is the patentee.
    Owned,
    /// 独占许可: only the licensee may use it, not even the patentee.
    ExclusiveLicence,
    /// 排他许可: the licensee and the patentee may use it.
    SoleLicence,
    /// 普通许可: the patentee may license others too.
    OrdinaryLicence,
}

impl RightHeld {
    /// Every value, in the order forms list them.
    pub const ALL: [Self; 4] = [
        Self::Owned,
        Self::ExclusiveLicence,
        Self::SoleLicence,
        Self::OrdinaryLicence,
    ];

    /// The stable code used in the API and in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Owned => "owned",
            Self::ExclusiveLicence => "exclusive_licence",
            Self::SoleLicence => "sole_licence",
            Self::OrdinaryLicence => "ordinary_licence",
        }
    }

    /// The value for a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A patent's legal status, as the enterprise declares it and as the patent office's
/// data later updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalStatus {
    /// Granted and in force.
    Valid,
    /// Lapsed: expired, fees unpaid, invalidated or abandoned.
    Lapsed,
    /// Transferred to another owner: no longer this enterprise's.
    Transferred,
}

impl LegalStatus {
    /// Every value.
    pub const ALL: [Self; 3] = [Self::Valid, Self::Lapsed, Self::Transferred];

    /// The stable code used in the API and in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Lapsed => "lapsed",
            Self::Transferred => "transferred",
        }
    }

    /// The value for a code, or for the Chinese word the patent office's data uses
    /// (有效, 失效, 转让).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "有效" => Some(Self::Valid),
            "失效" | "无效" => Some(Self::Lapsed),
            "转让" | "转移" => Some(Self::Transferred),
            other => Self::ALL
                .into_iter()
                .find(|s| s.code().eq_ignore_ascii_case(other)),
        }
    }

    /// Whether a product may still rest on the patent.
    #[must_use]
    pub fn is_valid(self) -> bool {
        self == Self::Valid
    }
}

/// Whether a recorded product must be prompted for revocation: it has linked patents,
/// and every one of them has lapsed or been transferred (docs/DOMAIN.md §3).
#[must_use]
pub fn all_patents_lost(statuses: &[LegalStatus]) -> bool {
    !statuses.is_empty() && statuses.iter().all(|s| !s.is_valid())
}

/// Why a patent's dates are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatentDateError {
    /// The application year disagrees with the year in the number.
    #[error(
        "the application date {date} is in {year}, but the number {number} was filed in {number_year}"
    )]
    YearMismatch {
        /// The date given.
        date: NaiveDate,
        /// Its year.
        year: i32,
        /// The number.
        number: String,
        /// The number's year.
        number_year: i32,
    },
    /// A date in the future.
    #[error("{date} is in the future")]
    Future {
        /// The date given.
        date: NaiveDate,
    },
    /// Granted before it was applied for.
    #[error("the grant date {grant} is before the application date {application}")]
    GrantBeforeApplication {
        /// Application date.
        application: NaiveDate,
        /// Grant date.
        grant: NaiveDate,
    },
}

impl PatentDateError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::YearMismatch { .. } => "year_mismatch",
            Self::Future { .. } => "future_date",
            Self::GrantBeforeApplication { .. } => "grant_before_application",
        }
    }
}

/// Checks an application date against the number and today: not in the future, and,
/// for a number in the 12-digit format (from 2003-10-01), in the number's year. The
/// 8-digit format's two-digit year is checked too, as it names the year just as well.
///
/// # Errors
///
/// The date is in the future or in another year than the number's.
pub fn check_application_date(
    number: &PatentNumber,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), PatentDateError> {
    if date > today {
        return Err(PatentDateError::Future { date });
    }
    let number_year = number.application_year();
    if date.year() == number_year {
        Ok(())
    } else {
        Err(PatentDateError::YearMismatch {
            date,
            year: date.year(),
            number: number.to_string(),
            number_year,
        })
    }
}

/// Checks a grant date: not in the future, and not before the application date.
///
/// # Errors
///
/// As described.
pub fn check_grant_date(
    application: NaiveDate,
    grant: NaiveDate,
    today: NaiveDate,
) -> Result<(), PatentDateError> {
    if grant > today {
        return Err(PatentDateError::Future { date: grant });
    }
    if grant < application {
        return Err(PatentDateError::GrantBeforeApplication { application, grant });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn codes_round_trip() {
        for right in RightHeld::ALL {
            assert_eq!(RightHeld::from_code(right.code()), Some(right));
        }
        for status in LegalStatus::ALL {
            assert_eq!(LegalStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(LegalStatus::from_code("失效"), Some(LegalStatus::Lapsed));
        assert_eq!(LegalStatus::from_code(" Valid "), Some(LegalStatus::Valid));
        assert_eq!(LegalStatus::from_code("pending"), None);
        assert_eq!(RightHeld::from_code("licence"), None);
    }

    #[test]
    fn prompted_revocation_needs_every_patent_lost() {
        use LegalStatus::{Lapsed, Transferred, Valid};
        let cases: [(&[LegalStatus], bool); 5] = [
            (&[], false),
            (&[Valid], false),
            (&[Lapsed, Valid], false),
            (&[Lapsed], true),
            (&[Lapsed, Transferred], true),
        ];
        for (statuses, want) in cases {
            assert_eq!(all_patents_lost(statuses), want, "{statuses:?}");
        }
    }

    #[test]
    fn application_year_must_match_the_number() {
        let today = date(2026, 11, 26);
        let new = PatentNumber::parse("201080063196.9", 2026).expect("number");
        assert!(check_application_date(&new, date(2010, 12, 1), today).is_ok());
        let err = check_application_date(&new, date(2011, 1, 3), today).expect_err("year");
        assert_eq!(err.code(), "year_mismatch");
        let old = PatentNumber::parse("90101673.X", 2026).expect("number");
        assert!(check_application_date(&old, date(1990, 3, 1), today).is_ok());
        assert!(check_application_date(&old, date(1991, 3, 1), today).is_err());
        let future = check_application_date(&new, date(2027, 1, 1), today).expect_err("future");
        assert_eq!(future.code(), "future_date");
    }

    #[test]
    fn grant_follows_application() {
        let today = date(2026, 11, 26);
        assert!(check_grant_date(date(2010, 1, 1), date(2012, 1, 1), today).is_ok());
        assert!(check_grant_date(date(2010, 1, 1), date(2010, 1, 1), today).is_ok());
        let err = check_grant_date(date(2012, 1, 1), date(2010, 1, 1), today).expect_err("order");
        assert_eq!(err.code(), "grant_before_application");
        let err = check_grant_date(date(2010, 1, 1), date(2027, 1, 1), today).expect_err("future");
        assert_eq!(err.code(), "future_date");
    }
}
