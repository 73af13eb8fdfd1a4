//! Unified Social Credit Codes (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from a 31-character alphabet: 1 registering authority, 2 entity
//! category, 3–8 the registering authority's GB/T 2260 area code, 9–17 the organisation
//! code (GB 11714, itself check-digited at 17), 18 the check character.

use std::fmt;
use std::str::FromStr;

use crate::region::RegionCode;
use crate::serde_str::serde_as_string;
use crate::text::normalize_identifier;

/// The length of every code.
pub const USCC_LEN: usize = 18;

/// The code's alphabet, in value order: digits and upper-case letters without I, O, S,
/// V and Z (they read too much like 1, 0, 5, U and 2).
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The modulus of the GB 32100 check: the size of the alphabet.
const USCC_MODULUS: u32 = 31;

/// Weights of positions 1..=17: 3^(i-1) mod 31.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the eight organisation-code characters (positions 9..=16), GB 11714.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Why a string is not a valid Unified Social Credit Code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Nothing was given.
    #[error("the Unified Social Credit Code is empty")]
    Empty,
    /// The normalised code does not have 18 characters.
    #[error("a Unified Social Credit Code has 18 characters; {input:?} has {len}")]
    Length {
        /// The normalised input.
        input: String,
        /// Its length in characters.
        len: usize,
    },
    /// A character outside the code's alphabet.
    #[error(
        "character {position} of {input:?} is {found:?}; only digits and the letters \
         A–Y without I, O, S, V and Z are allowed"
    )]
    InvalidChar {
        /// The normalised input.
        input: String,
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Positions 3–8 are not six digits.
    #[error("characters 3–8 of {input:?} must be a 6-digit area code; found {found:?}")]
    AreaCode {
        /// The normalised input.
        input: String,
        /// The characters at positions 3–8.
        found: String,
    },
    /// The organisation code (positions 9–17) fails its GB 11714 check.
    #[error(
        "the organisation code in {input:?} (characters 9–17) fails the GB 11714 check: \
         character 17 should be {expected:?}, found {found:?}"
    )]
    OrgCodeCheck {
        /// The normalised input.
        input: String,
        /// The check character the first eight organisation-code characters call for.
        expected: char,
        /// The character found at position 17.
        found: char,
    },
    /// The 18th character is not the GB 32100 check character of the first 17.
    #[error(
        "the check character (18th) of {input:?} should be {expected:?}, found {found:?} \
         (GB 32100)"
    )]
    CheckChar {
        /// The normalised input.
        input: String,
        /// The check character the first 17 characters call for.
        expected: char,
        /// The character found at position 18.
        found: char,
    },
}

impl UsccError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Length { .. } => "length",
            Self::InvalidChar { .. } => "invalid_char",
            Self::AreaCode { .. } => "area_code",
            Self::OrgCodeCheck { .. } => "org_code_check",
            Self::CheckChar { .. } => "check_char",
        }
    }
}

/// A valid Unified Social Credit Code, in canonical (normalised) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Normalises (trim, full-width to half-width, upper case) and validates `input`.
    ///
    /// # Errors
    ///
    /// The first rule the code breaks, in this order: empty, length, alphabet, area
    /// code, organisation-code check, check character.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let code = normalize_identifier(input);
        if code.is_empty() {
            return Err(UsccError::Empty);
        }
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != USCC_LEN {
            return Err(UsccError::Length {
                len: chars.len(),
                input: code,
            });
        }
        // The check position is left to the check itself, so that a wrong character
        // there is reported with the character expected.
        if let Some((index, &found)) = chars
            .iter()
            .take(USCC_LEN - 1)
            .enumerate()
            .find(|(_, c)| uscc_value(**c).is_none())
        {
            return Err(UsccError::InvalidChar {
                input: code,
                position: index + 1,
                found,
            });
        }
        // The first 17 characters are ASCII from here on, so byte slicing is by character.
        let area = code.get(2..8).unwrap_or_default();
        if !area.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UsccError::AreaCode {
                found: area.to_owned(),
                input: code,
            });
        }
        let org_found = chars.get(16).copied().unwrap_or_default();
        if let Some(expected) = code.get(8..16).and_then(org_code_check_char)
            && expected != org_found
        {
            return Err(UsccError::OrgCodeCheck {
                input: code,
                expected,
                found: org_found,
            });
        }
        let found = chars.get(17).copied().unwrap_or_default();
        if let Some(expected) = code.get(..17).and_then(uscc_check_char)
            && expected != found
        {
            return Err(UsccError::CheckChar {
                input: code,
                expected,
                found,
            });
        }
        Ok(Self(code))
    }

    /// The canonical 18-character code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: the registering authority (`9` = market regulation).
    #[must_use]
    pub fn registering_authority(&self) -> char {
        self.char_at(0)
    }

    /// Position 2: the entity category within the authority (`1` = enterprise under
    /// market regulation).
    #[must_use]
    pub fn entity_category(&self) -> char {
        self.char_at(1)
    }

    /// Whether the code names an enterprise registered by market regulation (`91`).
    #[must_use]
    pub fn is_enterprise(&self) -> bool {
        self.0.starts_with("91")
    }

    /// Positions 3–8: the GB/T 2260 area code of the registering authority.
    #[must_use]
    pub fn area_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }

    /// The area code as a region, when its province is a known one.
    #[must_use]
    pub fn region(&self) -> Option<RegionCode> {
        RegionCode::parse(self.area_code()).ok()
    }

    /// Positions 9–17: the organisation code, its own check character included.
    #[must_use]
    pub fn organisation_code(&self) -> &str {
        self.0.get(8..17).unwrap_or_default()
    }

    /// Position 18: the check character.
    #[must_use]
    pub fn check_char(&self) -> char {
        self.char_at(17)
    }

    fn char_at(&self, index: usize) -> char {
        self.0
            .as_bytes()
            .get(index)
            .map_or('\0', |b| char::from(*b))
    }
}

/// The value of a character in the code's alphabet (its index), if it is in it.
fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// The GB 32100 check character for the first 17 characters of a code, or `None` when
/// `first17` is not 17 characters of the alphabet.
///
/// Check value = (31 − Σ vᵢ·wᵢ mod 31) mod 31, mapped back through the alphabet.
#[must_use]
pub fn uscc_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != USCC_WEIGHTS.len() {
        return None;
    }
    let mut sum = 0;
    for (c, weight) in first17.chars().zip(USCC_WEIGHTS) {
        sum += uscc_value(c)? * weight;
    }
    let check = (USCC_MODULUS - sum % USCC_MODULUS) % USCC_MODULUS;
    USCC_ALPHABET.chars().nth(usize::try_from(check).ok()?)
}

/// The GB 11714 check character for the eight characters of an organisation code, or
/// `None` when `first8` is not eight digits or upper-case letters.
///
/// Digits count 0–9 and letters A–Z 10–35; check = 11 − Σ vᵢ·wᵢ mod 11, where 10 is
/// written `X` and 11 is written `0`.
#[must_use]
pub fn org_code_check_char(first8: &str) -> Option<char> {
    if first8.chars().count() != ORG_WEIGHTS.len() {
        return None;
    }
    let mut sum = 0;
    for (c, weight) in first8.chars().zip(ORG_WEIGHTS) {
        let value = match c {
            '0'..='9' | 'A'..='Z' => c.to_digit(36)?,
            _ => return None,
        };
        sum += value * weight;
    }
    match 11 - sum % 11 {
        10 => Some('X'),
        11 => Some('0'),
        digit => char::from_digit(digit, 10),
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_string!(Uscc);

#[cfg(test)]
#[path = "uscc_tests.rs"]
mod tests;
