//! Chinese patent application numbers (专利申请号), ZC 0006-2003.
//!
//! Since 2003-10-01: 12 digits `YYYY T NNNNNNN`, a dot and a check character. Before:
//! 8 digits `YY T NNNNN`, a dot and a check character. `T` is the type digit. The check
//! is Σ dᵢ·wᵢ mod 11 with weights 2–9, 2–5 (the remainder itself, 10 written `X`).
//!
//! Publication numbers (`CN102822194B`) are another series and are rejected as such.

use std::fmt;

use crate::serde_str::serde_as_string;
use crate::text::normalize_identifier;

/// The first year with application numbers in the old series (the patent law took
/// effect on 1985-04-01).
pub const FIRST_PATENT_YEAR: i32 = 1985;

/// The year the 12-digit series started (2003-10-01); new-format years start here.
pub const NEW_FORMAT_FIRST_YEAR: i32 = 2003;

/// Check weights; old 8-digit numbers use the first eight.
const CHECK_WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

/// Kind codes that end a publication number (A application, B/C grant of an invention,
/// U/Y utility model, S and D design).
const PUBLICATION_KIND_CODES: &str = "ABCDUYS";

/// The legal kind of a patent, as an enterprise declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatentKind {
    /// 发明专利.
    Invention,
    /// 实用新型专利.
    UtilityModel,
    /// 外观设计专利.
    Design,
}

impl PatentKind {
    /// The stable code used in the API.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Invention => "invention",
            Self::UtilityModel => "utility_model",
            Self::Design => "design",
        }
    }

    /// The kind of a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Invention, Self::UtilityModel, Self::Design]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// What the type digit of an application number says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatentType {
    /// `1`: invention.
    Invention,
    /// `2`: utility model.
    UtilityModel,
    /// `3`: design.
    Design,
    /// `8`: PCT invention application in the Chinese national phase.
    PctInvention,
    /// `9`: PCT utility model application in the Chinese national phase.
    PctUtilityModel,
}

impl PatentType {
    /// The type for a type digit, if it is one of 1, 2, 3, 8, 9.
    #[must_use]
    pub fn from_digit(digit: char) -> Option<Self> {
        match digit {
            '1' => Some(Self::Invention),
            '2' => Some(Self::UtilityModel),
            '3' => Some(Self::Design),
            '8' => Some(Self::PctInvention),
            '9' => Some(Self::PctUtilityModel),
            _ => None,
        }
    }

    /// The type digit.
    #[must_use]
    pub fn digit(self) -> char {
        match self {
            Self::Invention => '1',
            Self::UtilityModel => '2',
            Self::Design => '3',
            Self::PctInvention => '8',
            Self::PctUtilityModel => '9',
        }
    }

    /// The legal kind: PCT national-phase applications are inventions or utility models.
    #[must_use]
    pub fn kind(self) -> PatentKind {
        match self {
            Self::Invention | Self::PctInvention => PatentKind::Invention,
            Self::UtilityModel | Self::PctUtilityModel => PatentKind::UtilityModel,
            Self::Design => PatentKind::Design,
        }
    }

    /// Whether the application entered China through the PCT.
    #[must_use]
    pub fn is_pct(self) -> bool {
        matches!(self, Self::PctInvention | Self::PctUtilityModel)
    }

    /// The stable code used in the API.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Invention => "invention",
            Self::UtilityModel => "utility_model",
            Self::Design => "design",
            Self::PctInvention => "pct_invention",
            Self::PctUtilityModel => "pct_utility_model",
        }
    }

    /// The Chinese name.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Invention => "发明",
            Self::UtilityModel => "实用新型",
            Self::Design => "外观设计",
            Self::PctInvention => "进入中国国家阶段的PCT发明",
            Self::PctUtilityModel => "进入中国国家阶段的PCT实用新型",
        }
    }

    /// The English name.
    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Invention => "invention",
            Self::UtilityModel => "utility model",
            Self::Design => "design",
            Self::PctInvention => "PCT invention (national phase)",
            Self::PctUtilityModel => "PCT utility model (national phase)",
        }
    }
}

/// The two numbering series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberFormat {
    /// 8 digits (`YY T NNNNN`), applications filed before 2003-10-01.
    Old,
    /// 12 digits (`YYYY T NNNNNNN`), applications filed from 2003-10-01.
    New,
}

/// Why a string is not a valid application number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatentNumberError {
    /// Nothing was given.
    #[error("the patent number is empty")]
    Empty,
    /// A publication number was given instead of an application number.
    #[error(
        "{input:?} is a publication number (公开/公告号), not an application number \
         (申请号/专利号); give the application number, e.g. 201080063196.9"
    )]
    PublicationNumber {
        /// The normalised input.
        input: String,
    },
    /// A character that has no place in an application number.
    #[error(
        "character {position} of {input:?} is {found:?}; only digits, one dot and a check digit or X are allowed"
    )]
    InvalidChar {
        /// The normalised input.
        input: String,
        /// 1-based position in the normalised input.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Spaces other than single spaces between year, type digit and serial.
    #[error(
        "{input:?} has a space out of place; single spaces are allowed only between year, type digit and serial"
    )]
    Spacing {
        /// The normalised input.
        input: String,
    },
    /// Neither 12 nor 8 digits before the check character.
    #[error(
        "{input:?} has {digits} digits before the check character; an application number has 12 (from 2003-10-01) or 8 (before)"
    )]
    Length {
        /// The normalised input.
        input: String,
        /// How many digits were found.
        digits: usize,
    },
    /// The digits are complete but the check character is missing.
    #[error("{input:?} lacks its check character; it should end in .{expected}")]
    MissingCheck {
        /// The normalised input.
        input: String,
        /// The check character the digits call for.
        expected: char,
    },
    /// The type digit is not 1, 2, 3, 8 or 9.
    #[error(
        "the type digit of {input:?} is {found:?}; it must be 1 (invention), 2 (utility model), 3 (design), 8 or 9 (PCT national phase)"
    )]
    TypeDigit {
        /// The normalised input.
        input: String,
        /// The digit found.
        found: char,
    },
    /// The application year is outside the plausible range.
    #[error("{input:?} has application year {year}; it must be between {min} and {max}")]
    Year {
        /// The normalised input.
        input: String,
        /// The year read from the number.
        year: i32,
        /// The earliest year this format allows.
        min: i32,
        /// The latest plausible year (the current one).
        max: i32,
    },
    /// The check character does not match the digits.
    #[error(
        "the check character of {input:?} should be {expected:?}, found {found:?} (ZC 0006-2003)"
    )]
    CheckDigit {
        /// The normalised input.
        input: String,
        /// The check character the digits call for.
        expected: char,
        /// The character found.
        found: char,
    },
}

impl PatentNumberError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::PublicationNumber { .. } => "publication_number",
            Self::InvalidChar { .. } => "invalid_char",
            Self::Spacing { .. } => "spacing",
            Self::Length { .. } => "length",
            Self::MissingCheck { .. } => "missing_check",
            Self::TypeDigit { .. } => "type_digit",
            Self::Year { .. } => "year",
            Self::CheckDigit { .. } => "check_digit",
        }
    }
}

/// A patent number whose type digit contradicts the type declared for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{number} has type digit {digit} ({actual}), but it was declared a {declared} patent")]
pub struct KindMismatch {
    /// The canonical number.
    pub number: String,
    /// Its type digit.
    pub digit: char,
    /// What the digit says, in English.
    pub actual: &'static str,
    /// The declared kind's code.
    pub declared: &'static str,
}

impl KindMismatch {
    /// A stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "type_mismatch"
    }
}

/// A valid Chinese patent application number. `Display` gives the canonical form
/// (`201080063196.9`, `90101673.X`): no prefix, no spaces, a dot, an upper-case `X`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatentNumber {
    /// The canonical digits before the dot.
    digits: String,
    check: char,
}

impl PatentNumber {
    /// Normalises and validates `input` as an application number. `current_year` bounds
    /// the application year (the core reads no clock; pass the Asia/Shanghai year).
    ///
    /// Accepted variants: an optional `CN` or `ZL` prefix (with an optional space after
    /// it), single spaces between year, type digit and serial, a missing dot, a
    /// lower-case `x`, full-width characters.
    ///
    /// # Errors
    ///
    /// The first rule the input breaks; see [`PatentNumberError`].
    pub fn parse(input: &str, current_year: i32) -> Result<Self, PatentNumberError> {
        let normalised = normalize_identifier(input);
        if normalised.is_empty() {
            return Err(PatentNumberError::Empty);
        }
        let err_input = || normalised.clone();
        let rest = strip_prefix(&normalised);
        if looks_like_publication_number(rest) {
            return Err(PatentNumberError::PublicationNumber { input: err_input() });
        }
        // Offset of `rest` in `normalised`, for 1-based positions in errors.
        let offset = normalised.chars().count() - rest.chars().count();

        let (body, check_text) = match rest.rsplit_once('.') {
            Some((body, check)) => (body, Some(check)),
            None => (rest, None),
        };
        let digits = collect_digits(body, check_text.is_none(), offset, &normalised)?;
        let (digits, check) = match check_text {
            Some(check) => {
                let position = offset + body.chars().count() + 2;
                (digits, parse_check_text(check, position, &normalised)?)
            }
            // Without a dot, a 13th or 9th character is the check character.
            None if matches!(digits.len(), 13 | 9) => {
                let mut digits = digits;
                let last = digits.pop().unwrap_or_default();
                (digits, Some(last))
            }
            None => (digits, None),
        };
        let format = match digits.len() {
            12 => NumberFormat::New,
            8 => NumberFormat::Old,
            n => {
                return Err(PatentNumberError::Length {
                    input: err_input(),
                    digits: n,
                });
            }
        };
        check_spacing(body, format, &normalised)?;

        let type_digit = type_digit(&digits, format);
        if PatentType::from_digit(type_digit).is_none() {
            return Err(PatentNumberError::TypeDigit {
                input: err_input(),
                found: type_digit,
            });
        }
        let year = application_year(&digits, format);
        let min = match format {
            NumberFormat::New => NEW_FORMAT_FIRST_YEAR,
            NumberFormat::Old => FIRST_PATENT_YEAR,
        };
        let max = match format {
            NumberFormat::New => current_year,
            NumberFormat::Old => current_year.min(NEW_FORMAT_FIRST_YEAR),
        };
        if !(min..=max).contains(&year) {
            return Err(PatentNumberError::Year {
                input: err_input(),
                year,
                min,
                max,
            });
        }
        let expected = check_char(&digits);
        match check {
            None => Err(PatentNumberError::MissingCheck {
                input: err_input(),
                expected,
            }),
            Some(found) if found != expected => Err(PatentNumberError::CheckDigit {
                input: err_input(),
                expected,
                found,
            }),
            Some(check) => Ok(Self { digits, check }),
        }
    }

    /// Which series the number belongs to.
    #[must_use]
    pub fn format(&self) -> NumberFormat {
        if self.digits.len() == 12 {
            NumberFormat::New
        } else {
            NumberFormat::Old
        }
    }

    /// The application year (four digits, also for old numbers).
    #[must_use]
    pub fn application_year(&self) -> i32 {
        application_year(&self.digits, self.format())
    }

    /// The type the number's type digit says.
    #[must_use]
    pub fn patent_type(&self) -> PatentType {
        PatentType::from_digit(type_digit(&self.digits, self.format()))
            .unwrap_or(PatentType::Invention)
    }

    /// The serial number within year and type, as written (7 or 5 digits).
    #[must_use]
    pub fn serial(&self) -> &str {
        let start = match self.format() {
            NumberFormat::New => 5,
            NumberFormat::Old => 3,
        };
        self.digits.get(start..).unwrap_or_default()
    }

    /// The check character (`0`–`9` or `X`).
    #[must_use]
    pub fn check(&self) -> char {
        self.check
    }

    /// Checks the type digit against the kind an enterprise declared: a PCT invention
    /// (`8`) is an invention, a PCT utility model (`9`) a utility model.
    ///
    /// # Errors
    ///
    /// The digit says another kind.
    pub fn check_declared_kind(&self, declared: PatentKind) -> Result<(), KindMismatch> {
        let actual = self.patent_type();
        if actual.kind() == declared {
            return Ok(());
        }
        Err(KindMismatch {
            number: self.to_string(),
            digit: actual.digit(),
            actual: actual.name_en(),
            declared: declared.code(),
        })
    }
}

fn strip_prefix(normalised: &str) -> &str {
    for prefix in ["CN", "ZL"] {
        if let Some(rest) = normalised.strip_prefix(prefix) {
            return rest.strip_prefix(' ').unwrap_or(rest);
        }
    }
    normalised
}

/// `102822194B`, `CN 102822194 B`, `1234567A`, `202012345U1`: 7–9 digits then a kind
/// code (and maybe a digit); also 9 bare digits that cannot be an old application number
/// with its check digit (old numbers start with 85–99 or 00–03), such as `102822194`.
fn looks_like_publication_number(rest: &str) -> bool {
    let compact: String = rest.chars().filter(|&c| c != ' ').collect();
    let digits_end = compact
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(compact.len());
    let (digits, tail) = compact.split_at(digits_end);
    let mut tail_chars = tail.chars();
    let kind_code = match (tail_chars.next(), tail_chars.next(), tail_chars.next()) {
        (None, _, _) => false,
        (Some(kind), None, _) => PUBLICATION_KIND_CODES.contains(kind),
        (Some(kind), Some(n), None) => PUBLICATION_KIND_CODES.contains(kind) && n.is_ascii_digit(),
        _ => return false,
    };
    if kind_code {
        return (7..=9).contains(&digits.len());
    }
    let old_year = digits.get(..2).and_then(|yy| yy.parse::<u8>().ok());
    tail.is_empty()
        && !rest.contains('.')
        && digits.len() == 9
        && old_year.is_some_and(|yy| (4..=84).contains(&yy))
}

/// The digits of `body` (spaces skipped; their placement is checked later), with the
/// first other character reported at its position in `normalised`. Without a dot
/// (`check_in_body`), a final `X` is the check character and is kept.
fn collect_digits(
    body: &str,
    check_in_body: bool,
    offset: usize,
    normalised: &str,
) -> Result<String, PatentNumberError> {
    let mut digits = String::with_capacity(13);
    for (index, c) in body.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' => {}
            // A lone X without a dot is the check character; anything after it is not.
            'X' if check_in_body && index + 1 == body.chars().count() => digits.push('X'),
            _ => {
                return Err(PatentNumberError::InvalidChar {
                    input: normalised.to_owned(),
                    position: offset + index + 1,
                    found: c,
                });
            }
        }
    }
    if let Some(x) = digits.find('X') {
        // Only the check character may be an X, and only as the 13th or 9th character.
        if !matches!(x, 12 | 8) {
            return Err(PatentNumberError::InvalidChar {
                input: normalised.to_owned(),
                position: offset + body.chars().count(),
                found: 'X',
            });
        }
    }
    Ok(digits)
}

/// The text after the dot: empty (the check is missing) or one digit or `X`.
/// `position` is the 1-based position of its first character in `normalised`.
fn parse_check_text(
    check: &str,
    position: usize,
    normalised: &str,
) -> Result<Option<char>, PatentNumberError> {
    let invalid = |position, found| PatentNumberError::InvalidChar {
        input: normalised.to_owned(),
        position,
        found,
    };
    let mut chars = check.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c @ ('0'..='9' | 'X')), None) => Ok(Some(c)),
        (Some('0'..='9' | 'X'), Some(extra)) => Err(invalid(position + 1, extra)),
        (Some(found), _) => Err(invalid(position, found)),
    }
}

/// Single spaces only, and only after the year or the type digit.
fn check_spacing(
    body: &str,
    format: NumberFormat,
    normalised: &str,
) -> Result<(), PatentNumberError> {
    let allowed: [usize; 2] = match format {
        NumberFormat::New => [4, 5],
        NumberFormat::Old => [2, 3],
    };
    let mut digits_before = 0;
    let mut previous_space = false;
    for c in body.chars() {
        if c == ' ' {
            if previous_space || !allowed.contains(&digits_before) {
                return Err(PatentNumberError::Spacing {
                    input: normalised.to_owned(),
                });
            }
            previous_space = true;
        } else {
            digits_before += 1;
            previous_space = false;
        }
    }
    if previous_space {
        return Err(PatentNumberError::Spacing {
            input: normalised.to_owned(),
        });
    }
    Ok(())
}

fn type_digit(digits: &str, format: NumberFormat) -> char {
    let index = match format {
        NumberFormat::New => 4,
        NumberFormat::Old => 2,
    };
    digits
        .as_bytes()
        .get(index)
        .map_or('\0', |b| char::from(*b))
}

fn application_year(digits: &str, format: NumberFormat) -> i32 {
    let number = |range: std::ops::Range<usize>| -> i32 {
        digits.get(range).and_then(|s| s.parse().ok()).unwrap_or(0)
    };
    match format {
        NumberFormat::New => number(0..4),
        // Old numbers ran from 85 (1985) to 03 (2003); 04–84 read as 1904–1984, so
        // that an error names the year the digits suggest.
        NumberFormat::Old => match number(0..2) {
            yy @ 0..=3 => 2000 + yy,
            yy => 1900 + yy,
        },
    }
}

/// The ZC 0006-2003 check character of 12 or 8 digits: Σ dᵢ·wᵢ mod 11, 10 as `X`.
///
/// Non-digits count as zero; callers pass digits only.
#[must_use]
pub fn check_char(digits: &str) -> char {
    let sum: u32 = digits
        .chars()
        .zip(CHECK_WEIGHTS)
        .map(|(c, weight)| c.to_digit(10).unwrap_or(0) * weight)
        .sum();
    match sum % 11 {
        10 => 'X',
        remainder => char::from_digit(remainder, 10).unwrap_or('0'),
    }
}

impl fmt::Display for PatentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.digits, self.check)
    }
}

impl std::str::FromStr for PatentNumber {
    type Err = PatentNumberError;

    /// Parses with no upper bound on the year beyond the format's own; use
    /// [`PatentNumber::parse`] with the current year for input from users.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s, i32::from(u16::MAX))
    }
}

serde_as_string!(PatentNumber);

#[cfg(test)]
#[path = "patent_tests.rs"]
mod tests;
