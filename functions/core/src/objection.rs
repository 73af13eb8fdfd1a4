//! Objections (异议) raised during a round's public notice: what an objection must
//! carry, and the decision on it.
//!
//! Anyone may object to a listed product. A signed-in user is known already; anyone
//! else leaves a contact (a name and an e-mail address or a phone number), so the
//! office can ask back. The contact is confidential: it is shown to national admins
//! only. A decision upholds (the product leaves the list) or dismisses, always with a
//! reason.

use serde::{Deserialize, Serialize};

use crate::account::{Email, FieldError, Phone, required_text};
use crate::product::check_text_block;

/// Longest reason: room for the facts and the evidence named, short of an essay.
pub const MAX_REASON_CHARS: usize = 2000;

/// Shortest reason: an objection says what is wrong.
pub const MIN_REASON_CHARS: usize = 10;

/// Longest contact name.
pub const MAX_NAME_CHARS: usize = 50;

/// A contact as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// Who objects.
    #[serde(default)]
    pub name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A checked contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// E-mail address, canonical.
    pub email: Option<String>,
    /// Phone number, canonical.
    pub phone: Option<String>,
}

/// One refused field of an objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionProblem {
    /// Field path.
    pub field: &'static str,
    /// Stable code.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

fn problem(field: &'static str, err: &FieldError) -> ObjectionProblem {
    ObjectionProblem {
        field,
        code: err.code(),
        message: err.to_string(),
    }
}

/// Checks an objection's reason and, for someone not signed in, the contact.
/// Returns the reason trimmed and the contact checked.
///
/// # Errors
///
/// Every field at fault.
pub fn check_objection(
    reason: &str,
    contact: Option<&ContactIn>,
    signed_in: bool,
) -> Result<(String, Option<Contact>), Vec<ObjectionProblem>> {
    let mut problems = Vec::new();
    let reason = match check_text_block(reason, MAX_REASON_CHARS) {
        Ok(text) if text.chars().count() < MIN_REASON_CHARS => {
            problems.push(problem(
                "reason",
                &FieldError::TooShort {
                    min: MIN_REASON_CHARS,
                    len: text.chars().count(),
                },
            ));
            text
        }
        Ok(text) => text,
        Err(e) => {
            problems.push(problem("reason", &e));
            String::new()
        }
    };
    let contact = match contact {
        None if signed_in => None,
        None => {
            problems.push(ObjectionProblem {
                field: "contact",
                code: "required",
                message: "without signing in, leave a name and an e-mail address or a phone number"
                    .to_owned(),
            });
            None
        }
        Some(c) => check_contact(c, &mut problems),
    };
    if problems.is_empty() {
        Ok((reason, contact))
    } else {
        Err(problems)
    }
}

fn check_contact(c: &ContactIn, problems: &mut Vec<ObjectionProblem>) -> Option<Contact> {
    let before = problems.len();
    let name = required_text(&c.name, MAX_NAME_CHARS)
        .map_err(|e| problems.push(problem("contact.name", &e)))
        .unwrap_or_default();
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let email = given(&c.email).and_then(|e| match Email::parse(e) {
        Ok(e) => Some(e.as_str().to_owned()),
        Err(err) => {
            problems.push(problem("contact.email", &err));
            None
        }
    });
    let phone = given(&c.phone).and_then(|p| match Phone::parse(p) {
        Ok(p) => Some(p.as_str().to_owned()),
        Err(err) => {
            problems.push(problem("contact.phone", &err));
            None
        }
    });
    if given(&c.email).is_none() && given(&c.phone).is_none() {
        problems.push(ObjectionProblem {
            field: "contact.email",
            code: "required",
            message: "give an e-mail address or a phone number".to_owned(),
        });
    }
    (problems.len() == before).then_some(Contact { name, email, phone })
}

/// What a decision does with an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The objection holds: the product leaves the list.
    Uphold,
    /// It does not: the product stays.
    Dismiss,
}

impl Verdict {
    /// The objection's status after the decision.
    #[must_use]
    pub fn status(self) -> &'static str {
        match self {
            Self::Uphold => "upheld",
            Self::Dismiss => "dismissed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, email: Option<&str>, phone: Option<&str>) -> ContactIn {
        ContactIn {
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
        }
    }

    #[test]
    fn signed_in_users_need_only_a_reason() {
        let (reason, contact) =
            check_objection("  销售数据与公开年报不符。  ", None, true).expect("ok");
        assert_eq!(reason, "销售数据与公开年报不符。");
        assert_eq!(contact, None);
    }

    #[test]
    fn anyone_else_leaves_a_contact() {
        let fields = |r: Result<_, Vec<ObjectionProblem>>| -> Vec<(&str, &str)> {
            r.expect_err("refused")
                .iter()
                .map(|p| (p.field, p.code))
                .collect()
        };
        assert_eq!(
            fields(check_objection("short", None, false)),
            [("reason", "too_short"), ("contact", "required")]
        );
        assert_eq!(
            fields(check_objection(
                "the patent lapsed in 2024",
                Some(&contact("", None, None)),
                false
            )),
            [("contact.name", "required"), ("contact.email", "required")]
        );
        assert_eq!(
            fields(check_objection(
                "the patent lapsed in 2024",
                Some(&contact("王五", Some("not-mail"), Some("12"))),
                false
            )),
            [("contact.email", "email"), ("contact.phone", "phone")]
        );
        let (_, c) = check_objection(
            "the patent lapsed in 2024",
            Some(&contact(" 王五 ", Some("WANG@Example.cn"), None)),
            false,
        )
        .expect("ok");
        assert_eq!(
            c,
            Some(Contact {
                name: "王五".into(),
                email: Some("wang@example.cn".into()),
                phone: None
            })
        );
    }
}
