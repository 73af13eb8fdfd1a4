//! Account data: e-mail addresses, phone numbers, free-text fields with limits, the
//! password policy, and roles.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::serde_str::serde_as_string;

/// The longest address SMTP carries (RFC 5321 path limit less the brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Why an account field is refused. `code()` is stable for machines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Nothing, or only spaces, was given.
    #[error("this field is required")]
    Empty,
    /// Over the length limit.
    #[error("at most {max} characters; this has {len}")]
    TooLong {
        /// The limit.
        max: usize,
        /// The length given.
        len: usize,
    },
    /// Under the length minimum.
    #[error("at least {min} characters; this has {len}")]
    TooShort {
        /// The minimum.
        min: usize,
        /// The length given.
        len: usize,
    },
    /// Control characters (line breaks, tabs, …) in a one-line field.
    #[error("line breaks and control characters are not allowed here")]
    ControlChar,
    /// A character that is invisible or turns the text's direction (U+202E, U+200B,
    /// …), which makes text show as something else ([`is_deceptive`]).
    #[error(
        "invisible or direction-changing characters (here {0}) are not allowed: they make \
         the text show as something other than it is"
    )]
    Invisible(String),
    /// Not an e-mail address.
    #[error("{0:?} is not an e-mail address (name@example.com)")]
    Email(String),
    /// Not a Chinese mobile or landline number.
    #[error(
        "{0:?} is not a phone number; give a mobile (13800138000) or a landline with its \
         area code (010-12345678), optionally after +86"
    )]
    Phone(String),
}

impl FieldError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::TooLong { .. } => "too_long",
            Self::TooShort { .. } => "too_short",
            Self::ControlChar => "control_char",
            Self::Invisible(_) => "invisible_char",
            Self::Email(_) => "email",
            Self::Phone(_) => "phone",
        }
    }
}

/// Trims a one-line text field and checks it is present and at most `max` characters.
///
/// # Errors
///
/// Empty, too long, or containing control, invisible or direction-changing characters.
pub fn required_text(input: &str, max: usize) -> Result<String, FieldError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    let len = text.chars().count();
    if len > max {
        return Err(FieldError::TooLong { max, len });
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::ControlChar);
    }
    check_visible(text)?;
    Ok(text.to_owned())
}

/// Whether `c` is invisible or changes the direction of the text around it: the
/// bidirectional embeddings, overrides, isolates and marks (U+202A–U+202E,
/// U+2066–U+2069, U+200E, U+200F, U+061C), and the zero-width and other invisible
/// characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E, U+034F, U+00AD, U+115F,
/// U+1160, U+3164, U+FFA0). With them a model reads as another ("U+202E MKRTL" shows as
/// "LTRKM") and a file name hides its type ("invoice U+202E fdp.exe").
#[must_use]
pub fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{180E}'
            | '\u{034F}'
            | '\u{00AD}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// Refuses text with a character [`is_deceptive`] finds, naming the first.
///
/// # Errors
///
/// [`FieldError::Invisible`] with the character as `U+XXXX`.
pub fn check_visible(text: &str) -> Result<(), FieldError> {
    match text.chars().find(|c| is_deceptive(*c)) {
        Some(c) => Err(FieldError::Invisible(format!("U+{:04X}", u32::from(c)))),
        None => Ok(()),
    }
}

/// An e-mail address, trimmed and lower-cased (addresses are compared and stored so).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Checks the form `local@domain.tld`; no quoting, comments or IP literals.
    ///
    /// # Errors
    ///
    /// Empty, too long, or not of that form.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let text = input.trim().to_lowercase();
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        let len = text.chars().count();
        if len > MAX_EMAIL_CHARS {
            return Err(FieldError::TooLong {
                max: MAX_EMAIL_CHARS,
                len,
            });
        }
        let invalid = || FieldError::Email(text.clone());
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let allowed =
            |c: char| !c.is_whitespace() && !c.is_control() && !"@\"'<>()[]\\,;:".contains(c);
        let labels_ok = domain.split('.').count() >= 2
            && domain
                .split('.')
                .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty()
            || local.chars().count() > 64
            || !local.chars().all(allowed)
            || !domain.chars().all(allowed)
            || !labels_ok
        {
            return Err(invalid());
        }
        Ok(Self(text))
    }

    /// The address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Email {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_string!(Email);

/// A Chinese phone number in canonical form: a mobile as 11 digits (`13800138000`), a
/// landline as area code, hyphen, number (`010-12345678`, `0591-87654321`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts spaces, hyphens and parentheses as people write them, and a `+86` or
    /// `0086` country prefix.
    ///
    /// # Errors
    ///
    /// Empty, or neither a mobile nor a landline number.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let text: String = input.chars().map(crate::text::to_half_width).collect();
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        let invalid = || FieldError::Phone(text.to_owned());
        if !text
            .chars()
            .all(|c| c.is_ascii_digit() || " -()+".contains(c))
        {
            return Err(invalid());
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let national = if text.starts_with('+') {
            digits.strip_prefix("86").ok_or_else(invalid)?
        } else {
            digits.strip_prefix("0086").unwrap_or(&digits)
        };
        let mobile = national.len() == 11
            && national.starts_with('1')
            && national
                .chars()
                .nth(1)
                .is_some_and(|c| ('3'..='9').contains(&c));
        if mobile {
            return Ok(Self(national.to_owned()));
        }
        // Landlines: 010 and 02x have 3-digit area codes, the rest 4; numbers 7–8 digits.
        let area_len = if national.starts_with("010") || national.starts_with("02") {
            3
        } else {
            4
        };
        let (area, number) = national.split_at(area_len.min(national.len()));
        if national.starts_with('0') && area.len() == area_len && (7..=8).contains(&number.len()) {
            return Ok(Self(format!("{area}-{number}")));
        }
        Err(invalid())
    }

    /// The canonical number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Phone {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_string!(Phone);

/// Shortest password accepted. Length is what makes a password strong; no composition
/// rules (NIST SP 800-63B, OWASP). 10 rather than the bare minimum of 8, since accounts
/// hold confidential economic data.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Longest password accepted: long enough for any passphrase, short enough that hashing
/// it costs nothing extra.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a new password against the policy.
///
/// # Errors
///
/// Too short or too long.
pub fn check_password_policy(password: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(FieldError::TooShort {
            min: MIN_PASSWORD_CHARS,
            len,
        });
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(FieldError::TooLong {
            max: MAX_PASSWORD_CHARS,
            len,
        });
    }
    Ok(())
}

/// What a user may do, coarsely; what a role may do to which resource is decided by
/// each resource's authorisation check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A user of one enterprise.
    Enterprise,
    /// Platform staff who review verifications and filings.
    Reviewer,
    /// Staff of one regional office, scoped to its region.
    RegionalAdmin,
    /// Platform administrators.
    NationalAdmin,
}

impl Role {
    /// The stable code (also the database value).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Reviewer => "reviewer",
            Self::RegionalAdmin => "regional_admin",
            Self::NationalAdmin => "national_admin",
        }
    }

    /// The role for a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Enterprise,
            Self::Reviewer,
            Self::RegionalAdmin,
            Self::NationalAdmin,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }

    /// Whether the role is platform or regional staff (not an enterprise).
    #[must_use]
    pub fn is_staff(self) -> bool {
        self != Self::Enterprise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let good = [
            (" Li.Wei@Example.COM ", "li.wei@example.com"),
            ("ip+tag@sub.example.cn", "ip+tag@sub.example.cn"),
        ];
        for (input, want) in good {
            assert_eq!(
                Email::parse(input).map(|e| e.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.cn",
            "a b@c.cn",
            "a@-b.cn",
            "a@b..cn",
            "\"a\"@b.cn",
            "a@b\n.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Email::parse(&format!("{}@b.cn", "a".repeat(300))).map_err(|e| e.code()),
            Err("too_long")
        );
    }

    #[test]
    fn phones() {
        let good = [
            ("13800138000", "13800138000"),
            ("+86 138 0013 8000", "13800138000"),
            ("0086-13800138000", "13800138000"),
            ("010-12345678", "010-12345678"),
            ("(0591) 8765 4321", "0591-87654321"),
            ("021 1234567", "021-1234567"),
            ("１３８００１３８０００", "13800138000"),
        ];
        for (input, want) in good {
            assert_eq!(
                Phone::parse(input).map(|p| p.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
        for bad in [
            "",
            "12345",
            "12800138000",
            "1380013800",
            "+1 650 555 0100",
            "tel:13800138000",
            "0591-123",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_fields() {
        assert_eq!(
            required_text("  某某科技有限公司 ", 100),
            Ok("某某科技有限公司".to_owned())
        );
        assert_eq!(
            required_text("  ", 10).map_err(|e| e.code()),
            Err("required")
        );
        assert_eq!(
            required_text("一二三", 2).map_err(|e| e.code()),
            Err("too_long")
        );
        assert_eq!(
            required_text("a\nb", 10).map_err(|e| e.code()),
            Err("control_char")
        );
        for deceptive in [
            "\u{202E}MKRTL",
            "M\u{200B}KR",
            "\u{2067}x",
            "a\u{FEFF}b",
            "x\u{00AD}y",
        ] {
            assert_eq!(
                required_text(deceptive, 100).map_err(|e| e.code()),
                Err("invisible_char"),
                "{deceptive:?}"
            );
        }
        assert_eq!(
            required_text("\u{202E}MKRTL", 100).map_err(|e| e.to_string()),
            Err("invisible or direction-changing characters (here U+202E) are not allowed: they make the text show as something other than it is".to_owned())
        );
        // Arabic, Hebrew and emoji with their joiners' neighbours are ordinary text.
        assert!(required_text("مرحبا שלום 电池", 100).is_ok());
    }

    #[test]
    fn password_policy() {
        assert_eq!(
            check_password_policy("short").map_err(|e| e.code()),
            Err("too_short")
        );
        assert!(check_password_policy("correct horse").is_ok());
        assert!(check_password_policy("长密码也可以使用汉字十个").is_ok());
        assert_eq!(
            check_password_policy(&"x".repeat(129)).map_err(|e| e.code()),
            Err("too_long")
        );
    }

    #[test]
    fn roles_round_trip() {
        for role in [
            Role::Enterprise,
            Role::Reviewer,
            Role::RegionalAdmin,
            Role::NationalAdmin,
        ] {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
