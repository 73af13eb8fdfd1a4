//! Collecting field errors, so that a 422 names every field at fault at once.

use std::fmt::Display;

use crate::error::{ApiError, FieldIssue};

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
