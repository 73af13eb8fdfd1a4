//! Certificate verification codes of identified products.
//!
//! Format: `PI` + round year + three groups of four random symbols + a check symbol,
//! e.g. `PI2026-7KQM-3XDP-9TNA-C`. The symbols are 31 of Crockford's base 32 (digits
//! and letters without I, L, O, U and Z), so a code read aloud or copied by hand
//! survives: when parsing, `O` reads as `0` and `I`/`L` as `1`. The twelve random
//! symbols carry 59 bits, far beyond guessing at any request rate. The check symbol is
//! the weighted sum of the year's digits and the symbols modulo 31 (weights 1 to 16):
//! 31 is prime and the weights differ, so any single mistyped symbol and any swap of
//! two symbols is caught before a lookup is made.

use std::fmt;

use crate::text::normalize_identifier;

/// Crockford's base-32 alphabet without its last symbol: 31 symbols, a prime count.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKMNPQRSTVWXY";

/// The modulus of the check and the base of the symbols.
const BASE: u8 = 31;

/// Random symbols in a code.
const RANDOM_SYMBOLS: usize = 12;

/// Random bytes a code is made from (60 of their 64 bits are used).
pub const RANDOM_BYTES: usize = 8;

/// A certificate's verification code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateCode {
    year: u16,
    /// The random symbols, as alphabet indices.
    symbols: [u8; RANDOM_SYMBOLS],
}

/// Why a text is not a certificate code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateCodeError {
    /// Not the shape `PI2026-7KQM-3XDP-9TNA-C`.
    #[error("{0:?} is not a certificate code; they look like PI2026-7KQM-3XDP-9TNA-C")]
    Format(String),
    /// The check symbol disagrees: a typing mistake.
    #[error("{0:?} has a wrong check symbol; check it for a typing mistake")]
    Check(String),
}

impl CertificateCodeError {
    /// Stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format(_) => "format",
            Self::Check(_) => "check_char",
        }
    }
}

fn value_of(c: u8) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|a| *a == c)
        .and_then(|i| u8::try_from(i).ok())
}

fn symbol(value: u8) -> char {
    char::from(
        ALPHABET
            .get(usize::from(value % BASE))
            .copied()
            .unwrap_or(b'0'),
    )
}

/// Σ value × weight mod 31, weights 1, 2, 3, … by position.
fn weighted_check(values: impl Iterator<Item = u8>) -> u8 {
    let sum: u32 = values.zip(1u32..).map(|(v, w)| u32::from(v) * w).sum();
    u8::try_from(sum % u32::from(BASE)).unwrap_or(0)
}

impl CertificateCode {
    /// A new code for round `year` from random bytes (the caller's CSPRNG).
    #[must_use]
    pub fn from_random(year: u16, random: [u8; RANDOM_BYTES]) -> Self {
        let mut rest = u64::from_le_bytes(random);
        let mut symbols = [0u8; RANDOM_SYMBOLS];
        for s in &mut symbols {
            *s = u8::try_from(rest % u64::from(BASE)).unwrap_or(0);
            rest /= u64::from(BASE);
        }
        Self { year, symbols }
    }

    /// The round year.
    #[must_use]
    pub fn year(&self) -> u16 {
        self.year
    }

    fn check(&self) -> u8 {
        let year = format!("{:04}", self.year);
        let digits = year.bytes().filter_map(value_of);
        weighted_check(digits.chain(self.symbols.iter().copied()))
    }

    /// Parses a code as people type it: any case, full-width, with or without the
    /// hyphens or with spaces, `O` for `0` and `I`/`L` for `1`.
    ///
    /// # Errors
    ///
    /// Not the shape, or a wrong check symbol.
    pub fn parse(input: &str) -> Result<Self, CertificateCodeError> {
        let normal = normalize_identifier(input);
        let compact: Vec<u8> = normal
            .bytes()
            .filter(|b| *b != b'-' && *b != b' ')
            .collect();
        let format = || CertificateCodeError::Format(input.to_owned());
        let rest: Vec<u8> = compact
            .strip_prefix(b"PI")
            .ok_or_else(format)?
            .iter()
            .map(|c| match c {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                other => *other,
            })
            .collect();
        let (year, rest) = rest.split_at_checked(4).ok_or_else(format)?;
        if !year.iter().all(u8::is_ascii_digit) || rest.len() != RANDOM_SYMBOLS + 1 {
            return Err(format());
        }
        let year: u16 = std::str::from_utf8(year)
            .ok()
            .and_then(|y| y.parse().ok())
            .ok_or_else(format)?;
        let values: Vec<u8> = rest
            .iter()
            .map(|c| value_of(*c))
            .collect::<Option<_>>()
            .ok_or_else(format)?;
        let (random, check) = values.split_at(RANDOM_SYMBOLS);
        let mut symbols = [0u8; RANDOM_SYMBOLS];
        symbols.copy_from_slice(random);
        let code = Self { year, symbols };
        if check.first() != Some(&code.check()) {
            return Err(CertificateCodeError::Check(input.to_owned()));
        }
        Ok(code)
    }
}

impl fmt::Display for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PI{:04}", self.year)?;
        for (i, s) in self.symbols.iter().enumerate() {
            if i % 4 == 0 {
                f.write_str("-")?;
            }
            write!(f, "{}", symbol(*s))?;
        }
        write!(f, "-{}", symbol(self.check()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_typed_forms() {
        let code = CertificateCode::from_random(2026, [7, 1, 250, 99, 3, 42, 18, 200]);
        let text = code.to_string();
        assert_eq!(text.len(), "PI2026-7KQM-3XDP-9TNA-C".len(), "{text}");
        assert!(text.starts_with("PI2026-"));
        assert_eq!(CertificateCode::parse(&text), Ok(code.clone()));
        let typed = text.to_lowercase().replace('-', " ");
        assert_eq!(CertificateCode::parse(&typed), Ok(code.clone()));
        let full_width: String = text
            .chars()
            .map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c))
            .collect();
        assert_eq!(CertificateCode::parse(&full_width), Ok(code.clone()));
        let with_o = text.replace('0', "O");
        assert_eq!(CertificateCode::parse(&with_o), Ok(code));
    }

    #[test]
    fn every_single_substitution_and_adjacent_swap_is_caught() {
        for seed in 0..40u8 {
            let random = [seed, seed.wrapping_mul(7), 3, 200, seed ^ 0x55, 9, 17, 250];
            let text = CertificateCode::from_random(2025, random).to_string();
            let chars: Vec<char> = text.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if *c == '-' || i < 2 {
                    continue;
                }
                for a in ALPHABET.iter().map(|b| char::from(*b)) {
                    if a == *c || (i < 6 && !a.is_ascii_digit()) {
                        continue;
                    }
                    let mut typo = chars.clone();
                    typo[i] = a;
                    let typo: String = typo.into_iter().collect();
                    assert!(CertificateCode::parse(&typo).is_err(), "{text} → {typo}");
                }
            }
            let compact: Vec<char> = text.chars().filter(|c| *c != '-').collect();
            for i in 2..compact.len() - 1 {
                if compact[i] != compact[i + 1] {
                    let mut swapped = compact.clone();
                    swapped.swap(i, i + 1);
                    let swapped: String = swapped.into_iter().collect();
                    assert!(
                        CertificateCode::parse(&swapped).is_err(),
                        "{text} → {swapped}"
                    );
                }
            }
        }
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "",
            "PI2026",
            "PR2026-44-000123-X",
            "PI2026-7KQM-3XDP-9TNA",
            "PI2026-7KQM-3XDP-9TNA-CR",
            "PIABCD-7KQM-3XDP-9TNA-R",
            "PI2026-7KQM-3XDP-9TNU-R",
        ] {
            assert!(
                matches!(
                    CertificateCode::parse(bad),
                    Err(CertificateCodeError::Format(_))
                ),
                "{bad}"
            );
        }
    }
}
