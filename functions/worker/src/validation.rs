//! Collecting field errors, so that a 422 names every field at fault at once.

use std::fmt::Display;

use crate::error::{ApiError, FieldIssue};
use ppr_core::product::Problem;

/// A core error with a stable rule code.
pub trait Rule: Display {
    /// The rule's code.
    fn rule_code(&self) -> &'static str;
}

macro_rules! rule {
    ($($ty:ty),* $(,)?) => {
        $(impl Rule for $ty {
            fn rule_code(&self) -> &'static str {
                self.code()
            }
        })*
    };
}

rule!(
    ppr_core::UsccError,
    ppr_core::RegionError,
    ppr_core::FieldError,
    ppr_core::PatentNumberError,
    ppr_core::MoneyError,
    ppr_core::webhook::UrlError,
    ppr_core::webhook::WebhookError,
);

/// Field issues gathered while checking a request.
#[derive(Debug, Default)]
pub struct Issues(Vec<FieldIssue>);

impl Issues {
    /// Keeps the value, or records why `field` is refused.
    pub fn take<T, E: Rule>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.0
                    .push(FieldIssue::new(field, e.rule_code(), e.to_string()));
                None
            }
        }
    }

    /// Records an issue found by the caller.
    pub fn push(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldIssue::new(field, code, message));
    }

    /// Whether nothing was refused so far.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// 422 naming every refused field, or nothing.
    ///
    /// # Errors
    ///
    /// Any issue was recorded.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.0.iter().map(|i| i.field.as_str()).collect();
        let message = format!("check these fields: {}", names.join(", "));
        Err(ApiError::validation(message, self.0))
    }
}

/// A page size as sent (`None`: not sent): 1 to `max`, `default` when not sent.
///
/// # Errors
///
/// 422 `range` naming `limit` for anything else.
pub fn page_limit(sent: Option<&str>, default: i64, max: i64) -> Result<i64, ApiError> {
    match sent {
        None => Ok(default),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::invalid_field("limit", "range", format!("limit is 1 to {max}"))
            }),
    }
}

/// 422 from the core's problems.
#[must_use]
pub fn problems_error(problems: Vec<Problem>, prefix: &str) -> ApiError {
    let fields: Vec<FieldIssue> = problems
        .into_iter()
        .map(|p| FieldIssue::new(format!("{prefix}{}", p.field), p.code, p.message))
        .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    let message = format!("check these fields: {}", names.join(", "));
    ApiError::validation(message, fields)
}

/// An approve-or-reject decision as sent (`approve` or `reject`, and a reason that a
/// rejection must give, `why` saying so when it is missing): whether it approves, and
/// the reason cleaned.
///
/// # Errors
///
/// 422 `unknown_decision`, or a missing or bad reason.
pub fn approve_or_reject(
    decision: &str,
    reason: Option<&str>,
    why: &str,
) -> Result<(bool, Option<String>), crate::error::ApiError> {
    use crate::error::ApiError;
    let approve = match decision {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::invalid_field(
                "decision",
                "unknown_decision",
                "decision is approve or reject",
            ));
        }
    };
    let reason = reason
        .map(|r| ppr_core::account::required_text(r, ppr_core::product::MAX_REASON_CHARS))
        .transpose()
        .map_err(|e| ApiError::invalid_field("reason", e.code(), e.to_string()))?;
    if !approve && reason.is_none() {
        return Err(ApiError::invalid_field("reason", "required", why));
    }
    Ok((approve, reason))
}

/// Longest enterprise name: the longest registered names run to about 60 characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Longest person name.
pub const MAX_PERSON_CHARS: usize = 50;
