//! Money: whole Chinese yuan as integers. Never floating point in storage or sums.
//!
//! The economic data of a filing (sales, export revenue, profit, IP investment) is
//! declared in whole yuan. Amounts are bounded by 2^53 − 1 so that they stay exact in D1
//! (SQLite's integers pass through JavaScript numbers in Workers) and in JSON readers
//! that use doubles.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The largest magnitude kept exact by a double: 2^53 − 1 yuan (about 9 × 10^15, far
/// above any product's revenue).
pub const MAX_YUAN: i64 = (1 << 53) - 1;

/// Why an amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Outside ±(2^53 − 1).
    #[error("{value} yuan is outside the storable range of ±{MAX_YUAN}")]
    OutOfRange {
        /// The amount given.
        value: i64,
    },
    /// A negative amount where only zero or more makes sense (sales, exports, investment).
    #[error("{value} yuan is negative; this amount must be zero or more")]
    Negative {
        /// The amount given.
        value: i64,
    },
}

impl MoneyError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::OutOfRange { .. } => "out_of_range",
            Self::Negative { .. } => "negative",
        }
    }
}

/// A whole number of yuan as people type it into a form: surrounding and inner spaces,
/// thousands separators (`,`, `，`, `_`) and full-width digits are allowed. Nothing
/// for anything else (a decimal, a unit, a word); the range is [`Cny`]'s to check.
#[must_use]
pub fn parse_typed_yuan(text: &str) -> Option<i64> {
    let clean: String = text
        .chars()
        .map(crate::text::to_half_width)
        .filter(|c| !matches!(c, ',' | ' ' | '，' | '_'))
        .collect();
    clean.parse().ok()
}

/// An amount of whole yuan (CNY), possibly negative (a loss).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Cny(i64);

impl Cny {
    /// Zero yuan.
    pub const ZERO: Cny = Cny(0);

    /// An amount that may be negative (profit).
    ///
    /// # Errors
    ///
    /// Out of the exact range.
    pub fn from_yuan(value: i64) -> Result<Self, MoneyError> {
        if value.unsigned_abs() > MAX_YUAN.unsigned_abs() {
            return Err(MoneyError::OutOfRange { value });
        }
        Ok(Self(value))
    }

    /// An amount that must be zero or more (sales, export revenue, IP investment).
    ///
    /// # Errors
    ///
    /// Negative, or out of the exact range.
    pub fn non_negative(value: i64) -> Result<Self, MoneyError> {
        if value < 0 {
            return Err(MoneyError::Negative { value });
        }
        Self::from_yuan(value)
    }

    /// The amount in yuan.
    #[must_use]
    pub fn yuan(self) -> i64 {
        self.0
    }

    /// The sum, or `None` when it leaves the exact range.
    #[must_use]
    pub fn checked_add(self, other: Cny) -> Option<Cny> {
        self.0
            .checked_add(other.0)
            .and_then(|sum| Self::from_yuan(sum).ok())
    }
}

impl TryFrom<i64> for Cny {
    type Error = MoneyError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::from_yuan(value)
    }
}

impl From<Cny> for i64 {
    fn from(amount: Cny) -> Self {
        amount.0
    }
}

/// `¥1,234,567` (and `-¥1,234` for a loss), grouped by thousands.
impl fmt::Display for Cny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let sign = if self.0 < 0 { "-" } else { "" };
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}¥{grouped}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_signs() {
        assert_eq!(Cny::from_yuan(-5).map(Cny::yuan), Ok(-5));
        assert_eq!(Cny::from_yuan(MAX_YUAN).map(Cny::yuan), Ok(MAX_YUAN));
        assert_eq!(Cny::from_yuan(-MAX_YUAN).map(Cny::yuan), Ok(-MAX_YUAN));
        assert_eq!(
            Cny::from_yuan(MAX_YUAN + 1).map_err(|e| e.code()),
            Err("out_of_range")
        );
        assert_eq!(
            Cny::from_yuan(i64::MIN).map_err(|e| e.code()),
            Err("out_of_range")
        );
        assert_eq!(Cny::non_negative(-1).map_err(|e| e.code()), Err("negative"));
        assert_eq!(Cny::non_negative(0), Ok(Cny::ZERO));
    }

    #[test]
    fn sums_stay_exact() {
        let max = Cny::from_yuan(MAX_YUAN).expect("max");
        let one = Cny::from_yuan(1).expect("one");
        assert_eq!(max.checked_add(one), None);
        assert_eq!(one.checked_add(one).map(Cny::yuan), Some(2));
    }

    #[test]
    fn displays_grouped() {
        let cases = [
            (0, "¥0"),
            (999, "¥999"),
            (1000, "¥1,000"),
            (1_234_567, "¥1,234,567"),
            (-45_000, "-¥45,000"),
        ];
        for (value, want) in cases {
            assert_eq!(Cny::from_yuan(value).expect("in range").to_string(), want);
        }
    }

    #[test]
    fn serde_checks_range() {
        assert_eq!(
            serde_json::from_str::<Cny>("120").ok(),
            Cny::from_yuan(120).ok()
        );
        assert!(serde_json::from_str::<Cny>("9007199254740992").is_err());
        assert!(serde_json::from_str::<Cny>("1.5").is_err());
    }

    #[test]
    fn typed_yuan_allow_separators_and_full_width_digits() {
        assert_eq!(parse_typed_yuan("1,200,000"), Some(1_200_000));
        assert_eq!(parse_typed_yuan(" -5 000 "), Some(-5000));
        assert_eq!(parse_typed_yuan("１２，３４５"), Some(12_345));
        assert_eq!(parse_typed_yuan("12.5"), None);
        assert_eq!(parse_typed_yuan("many"), None);
        assert_eq!(parse_typed_yuan(""), None);
    }
}
