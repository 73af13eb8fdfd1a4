//! Registration numbers (备案号) of recorded products.
//!
//! Format: `PR` + recording year (4 digits) + `-` + province (the first 2 digits of the
//! enterprise's GB/T 2260 region code) + `-` + a 6-digit sequence within that year and
//! province + `-` + a check character, e.g. `PR2026-44-000123-X`.
//!
//! - **Unique**: the sequence is allocated per (year, province); the database keeps
//!   the triple unique.
//! - **Stable**: assigned once, when the initial filing is recorded; modifications,
//!   annual updates and revocation never change it.
//! - **Human-readable**: year and province are visible; the check character (the
//!   ZC 0006-2003 mod-11 scheme of patent numbers over the 12 digits, `X` for 10)
//!   catches any single mistyped digit and any swap of two adjacent digits.
//!
//! Parsing accepts the forms people type: lower case, full-width characters, and the
//! hyphens left out or written as spaces.

use std::fmt;

use crate::patent::check_char;
use crate::text::normalize_identifier;

/// The largest sequence number: 6 digits, a million products per province a year.
pub const MAX_SEQUENCE: u32 = 999_999;

/// A product's registration number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationNumber {
    year: u16,
    province: u8,
    sequence: u32,
}

/// Why a registration number is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNumberError {
    /// Not the shape `PR2026-44-000123-X`.
    #[error("{0:?} is not a registration number; they look like PR2026-44-000123-X")]
    Format(String),
    /// The check character disagrees.
    #[error(
        "{input:?} has check character {found}, but its digits give {expected}; check for a typing mistake"
    )]
    Check {
        /// What was given.
        input: String,
        /// The check character given.
        found: char,
        /// The one the digits give.
        expected: char,
    },
    /// The parts are out of range (year, province, sequence).
    #[error("{0}")]
    Range(String),
}

impl RegistrationNumberError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format(_) => "format",
            Self::Check { .. } => "check_char",
            Self::Range(_) => "range",
        }
    }
}

impl RegistrationNumber {
    /// The number for the `sequence`-th product recorded in `year` in `province`
    /// (the 2-digit province prefix of a region code).
    ///
    /// # Errors
    ///
    /// Year outside 2000–9999, province outside 11–99, sequence outside 1–999,999.
    pub fn new(year: i32, province: u32, sequence: u32) -> Result<Self, RegistrationNumberError> {
        let year = u16::try_from(year)
            .ok()
            .filter(|y| (2000..=9999).contains(y))
            .ok_or_else(|| {
                RegistrationNumberError::Range(format!("year {year} is outside 2000-9999"))
            })?;
        let province = u8::try_from(province)
            .ok()
            .filter(|p| (11..=99).contains(p))
            .ok_or_else(|| {
                RegistrationNumberError::Range(format!("province {province} is outside 11-99"))
            })?;
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(RegistrationNumberError::Range(format!(
                "sequence {sequence} is outside 1-{MAX_SEQUENCE}"
            )));
        }
        Ok(Self {
            year,
            province,
            sequence,
        })
    }

    /// Parses a registration number as typed.
    ///
    /// # Errors
    ///
    /// Not the format, a wrong check character, or parts out of range.
    pub fn parse(input: &str) -> Result<Self, RegistrationNumberError> {
        let (digits, check) = digits_and_check(input)?;
        let expected = check_char(&digits);
        if check != expected {
            return Err(RegistrationNumberError::Check {
                input: input.to_owned(),
                found: check,
                expected,
            });
        }
        Self::from_digits(&digits)
    }

    /// The valid number nearest to `input` when only its check character disagrees
    /// with its digits: the same digits with the check character they give. A
    /// mistyped check character gives the number meant; a mistyped digit gives a
    /// number to compare with. `None` for anything else (valid, or not the shape).
    #[must_use]
    pub fn corrected(input: &str) -> Option<Self> {
        let (digits, check) = digits_and_check(input).ok()?;
        (check != check_char(&digits))
            .then(|| Self::from_digits(&digits).ok())
            .flatten()
    }

    fn from_digits(digits: &str) -> Result<Self, RegistrationNumberError> {
        let part = |range: std::ops::Range<usize>| -> u32 {
            digits
                .get(range)
                .and_then(|s| s.parse().ok())
                .unwrap_or_default()
        };
        let year = i32::try_from(part(0..4)).unwrap_or_default();
        Self::new(year, part(4..6), part(6..12))
    }

    /// The year the product was recorded.
    #[must_use]
    pub fn year(&self) -> i32 {
        i32::from(self.year)
    }

    /// The province's 2-digit prefix.
    #[must_use]
    pub fn province(&self) -> u32 {
        u32::from(self.province)
    }

    /// The sequence within year and province.
    #[must_use]
    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    fn digits(&self) -> String {
        format!("{:04}{:02}{:06}", self.year, self.province, self.sequence)
    }

    /// The check character.
    #[must_use]
    pub fn check(&self) -> char {
        check_char(&self.digits())
    }
}

/// The 12 digits and the check character of what looks like a registration number.
fn digits_and_check(input: &str) -> Result<(String, char), RegistrationNumberError> {
    let normal: String = normalize_identifier(input)
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    let format_error = || RegistrationNumberError::Format(input.to_owned());
    let rest = normal.strip_prefix("PR").ok_or_else(format_error)?;
    let chars: Vec<char> = rest.chars().collect();
    let (digits, check) = match chars.as_slice() {
        [digits @ .., check] if digits.len() == 12 => (digits, *check),
        _ => return Err(format_error()),
    };
    if !digits.iter().all(char::is_ascii_digit) {
        return Err(format_error());
    }
    Ok((digits.iter().collect(), check))
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PR{:04}-{:02}-{:06}-{}",
            self.year,
            self.province,
            self.sequence,
            self.check()
        )
    }
}

impl std::str::FromStr for RegistrationNumber {
    type Err = RegistrationNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_check_character_is_corrected_to_the_nearest_valid_number() {
        let number = RegistrationNumber::new(2026, 44, 123).expect("number");
        let text = number.to_string();
        let wrong = if number.check() == '0' { '1' } else { '0' };
        let typed = format!("{}{wrong}", text.get(..text.len() - 1).unwrap_or_default());
        assert_eq!(RegistrationNumber::corrected(&typed), Some(number));
        assert_eq!(RegistrationNumber::corrected(&text), None);
        assert_eq!(RegistrationNumber::corrected("电池"), None);
        assert_eq!(RegistrationNumber::corrected("PR2026-44-12-X"), None);
    }

    #[test]
    fn formats_and_parses() {
        let number = RegistrationNumber::new(2026, 44, 123).expect("number");
        let text = number.to_string();
        assert!(text.starts_with("PR2026-44-000123-"), "{text}");
        assert_eq!(RegistrationNumber::parse(&text), Ok(number));
        let loose = text.to_lowercase().replace('-', " ");
        assert_eq!(RegistrationNumber::parse(&loose), Ok(number));
        let full_width: String = text
            .chars()
            .map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c))
            .collect();
        assert_eq!(RegistrationNumber::parse(&full_width), Ok(number));
        assert_eq!(number.year(), 2026);
        assert_eq!(number.province(), 44);
        assert_eq!(number.sequence(), 123);
    }

    #[test]
    fn refuses_what_is_not_one() {
        let cases = [
            ("", "format"),
            ("PR2026-44-000123", "format"),
            ("XX2026-44-000123-7", "format"),
            ("PR2026-44-00012A-7", "format"),
            ("PR2026-44-0000123-7", "format"),
            ("PR2026-09-000001-", "format"),
        ];
        for (input, code) in cases {
            let err = RegistrationNumber::parse(input).expect_err(input);
            assert_eq!(err.code(), code, "{input}");
        }
        let zero = format!("PR2026-44-000000-{}", check_char("202644000000"));
        assert_eq!(
            RegistrationNumber::parse(&zero).map_err(|e| e.code()),
            Err("range")
        );
        assert!(RegistrationNumber::new(1999, 44, 1).is_err());
        assert!(RegistrationNumber::new(2026, 10, 1).is_err());
        assert!(RegistrationNumber::new(2026, 44, MAX_SEQUENCE + 1).is_err());
    }

    #[test]
    fn every_single_digit_mistake_is_caught() {
        let number = RegistrationNumber::new(2026, 44, 123).expect("number");
        let text = number.to_string();
        for (i, c) in text.char_indices() {
            if !c.is_ascii_digit() || i + 1 == text.len() {
                continue;
            }
            for d in '0'..='9' {
                if d == c {
                    continue;
                }
                let mut wrong = text.clone();
                wrong.replace_range(i..=i, &d.to_string());
                assert!(RegistrationNumber::parse(&wrong).is_err(), "{wrong}");
            }
        }
    }
}
