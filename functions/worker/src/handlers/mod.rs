//! One module per resource. Each handler takes the request context and what it needs
//! (body, path parameters) and returns a [`crate::http::Reply`] or an
//! [`crate::error::ApiError`]; each resource decides who may do what in one
//! `authorize_*` function.

pub mod documents;
pub mod enterprises;
pub mod evaluations;
pub mod filings;
pub mod health;
pub mod methodologies;
pub mod objections;
pub mod openapi;
pub mod patents;
pub mod port_applications;
pub mod port_data;
pub mod ports;
pub mod products;
pub mod public;
pub mod recording;
pub mod review;
pub mod round_stages;
pub mod rounds;
pub mod sessions;
pub mod settings;
pub mod site;
pub mod staff;
pub mod transactions;
pub mod validate;
pub mod verifications;
pub mod webhook_deliveries;
pub mod webhook_endpoints;

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
