//! The filing state machine (docs/DOMAIN.md §3).
//!
//! A filing is what a reviewer looks at: the initial filing of a product, a
//! modification of a recorded product, or a voluntary revocation request.
//!
//! ```text
//!  draft ──submit──► submitted ──approve──► approved (the product is recorded / changed / revoked)
//!    ▲ edit            │   ▲
//!    └──────           │   └──resubmit── returned ◄─┐ edit
//!                      ├──return (reasons per field)┘
//!                      └──reject──► rejected
//! ```
//!
//! `approved` and `rejected` are final. Edits are allowed in `draft` and `returned`.

use serde::{Deserialize, Serialize};

/// What a filing asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingKind {
    /// Record a new product.
    Initial,
    /// Change a recorded product; the public record keeps the approved version
    /// until this is approved.
    Modification,
    /// Revoke a recorded product at the enterprise's request.
    Revocation,
}

impl FilingKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::Initial, Self::Modification, Self::Revocation];

    /// The stable code used in the API and in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Modification => "modification",
            Self::Revocation => "revocation",
        }
    }

    /// The kind for a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where a filing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    /// Being written by the enterprise.
    Draft,
    /// Waiting for a reviewer.
    Submitted,
    /// Sent back with reasons per field; the enterprise edits and resubmits.
    Returned,
    /// Accepted (final).
    Approved,
    /// Refused (final).
    Rejected,
}

/// What someone does to a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingEvent {
    /// The enterprise changes its content.
    Edit,
    /// The enterprise sends it for review (or back for review).
    Submit,
    /// A reviewer accepts it.
    Approve,
    /// A reviewer sends it back with reasons.
    Return,
    /// A reviewer refuses it.
    Reject,
}

impl FilingEvent {
    /// The stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Return => "return",
            Self::Reject => "reject",
        }
    }
}

/// An event the filing's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a filing that is {} cannot be {}; {}", .from.code(), .event.past_tense(), .from.hint())]
pub struct TransitionError {
    /// The status it is in.
    pub from: FilingStatus,
    /// What was tried.
    pub event: FilingEvent,
}

impl TransitionError {
    /// A stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "invalid_transition"
    }
}

impl FilingEvent {
    fn past_tense(self) -> &'static str {
        match self {
            Self::Edit => "edited",
            Self::Submit => "submitted",
            Self::Approve => "approved",
            Self::Return => "returned",
            Self::Reject => "rejected",
        }
    }
}

impl FilingStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Approved,
        Self::Rejected,
    ];

    /// The stable code used in the API and in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// The status for a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the filing is still open (not approved or rejected).
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, Self::Draft | Self::Submitted | Self::Returned)
    }

    fn hint(self) -> &'static str {
        match self {
            Self::Draft => "submit it first",
            Self::Submitted => "it is waiting for a reviewer",
            Self::Returned => "edit it and submit it again",
            Self::Approved | Self::Rejected => "it is closed; start a new filing",
        }
    }

    /// The status after `event`.
    ///
    /// # Errors
    ///
    /// The event is not allowed from this status.
    pub fn apply(self, event: FilingEvent) -> Result<Self, TransitionError> {
        use FilingEvent as E;
        use FilingStatus as S;
        match (self, event) {
            (S::Draft, E::Edit) => Ok(S::Draft),
            (S::Returned, E::Edit) => Ok(S::Returned),
            (S::Draft | S::Returned, E::Submit) => Ok(S::Submitted),
            (S::Submitted, E::Approve) => Ok(S::Approved),
            (S::Submitted, E::Return) => Ok(S::Returned),
            (S::Submitted, E::Reject) => Ok(S::Rejected),
            (from, event) => Err(TransitionError { from, event }),
        }
    }
}

/// Where a recorded product stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Recorded, with a registration number and a public record.
    Recorded,
    /// Revoked (final); the public record says so.
    Revoked,
}

impl ProductStatus {
    /// The stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Revoked => "revoked",
        }
    }

    /// The status for a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Recorded, Self::Revoked]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FilingEvent as E;
    use FilingStatus as S;

    #[test]
    fn every_status_and_event() {
        let allowed = [
            (S::Draft, E::Edit, S::Draft),
            (S::Draft, E::Submit, S::Submitted),
            (S::Returned, E::Edit, S::Returned),
            (S::Returned, E::Submit, S::Submitted),
            (S::Submitted, E::Approve, S::Approved),
            (S::Submitted, E::Return, S::Returned),
            (S::Submitted, E::Reject, S::Rejected),
        ];
        let events = [E::Edit, E::Submit, E::Approve, E::Return, E::Reject];
        for from in S::ALL {
            for event in events {
                let want = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(from.apply(event).ok(), want, "{from:?} {event:?}");
            }
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let err = S::Approved.apply(E::Edit).expect_err("closed");
        assert_eq!(err.code(), "invalid_transition");
        assert_eq!(
            err.to_string(),
            "a filing that is approved cannot be edited; it is closed; start a new filing"
        );
        let err = S::Draft.apply(E::Approve).expect_err("draft");
        assert!(err.to_string().contains("submit it first"));
    }

    #[test]
    fn codes_round_trip() {
        for status in S::ALL {
            assert_eq!(S::from_code(status.code()), Some(status));
        }
        for kind in FilingKind::ALL {
            assert_eq!(FilingKind::from_code(kind.code()), Some(kind));
        }
        assert!(S::Returned.is_open());
        assert!(!S::Rejected.is_open());
        assert_eq!(
            ProductStatus::from_code("revoked"),
            Some(ProductStatus::Revoked)
        );
    }
}
