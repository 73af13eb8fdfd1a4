//! The audit trail: one row per state change, built as a statement so that it goes
//! into the same batch as the change it records.

use worker::{D1Database, D1PreparedStatement};

use super::{Param, statement};

/// Who made a change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The user, or `None` for the system (cron) or an anonymous request.
    pub user_id: Option<i64>,
    /// Their role code, or `system` / `anonymous`.
    pub role: &'a str,
}

impl<'a> Actor<'a> {
    /// The signed-in user behind a request.
    #[must_use]
    pub fn of(principal: &'a crate::auth::Principal) -> Self {
        Self {
            user_id: Some(principal.user_id),
            role: principal.role.code(),
        }
    }
}

/// One change.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// When.
    pub at: &'a str,
    /// Who.
    pub actor: Actor<'a>,
    /// What was done (`enterprise.register`, `session.login`, …).
    pub action: &'a str,
    /// To what kind of thing.
    pub entity_type: &'a str,
    /// Which one.
    pub entity_id: &'a str,
    /// The enterprise it concerns, if any, by id.
    pub enterprise_id: Option<i64>,
    /// JSON before the change.
    pub before: Option<&'a str>,
    /// JSON after the change.
    pub after: Option<&'a str>,
    /// Why, when a person gave a reason.
    pub reason: Option<&'a str>,
}

/// The audit row for `change`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn record(db: &D1Database, change: &Change<'_>) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO audit_log
           (at, actor_user_id, actor_role, action, entity_type, entity_id, enterprise_id, before, after, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &params(change, Param::OptInt(change.enterprise_id)),
    )
}

/// The audit row for a change to an enterprise created earlier in the same batch,
/// found by its USCC (its id is not known until the batch runs).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn record_for_uscc(
    db: &D1Database,
    change: &Change<'_>,
    uscc: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO audit_log
           (at, actor_user_id, actor_role, action, entity_type, entity_id, enterprise_id, before, after, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT id FROM enterprises WHERE uscc = ?7), ?8, ?9, ?10)",
        &params(change, Param::Text(uscc)),
    )
}

/// The audit row for an entity inserted by the statement just before this one in the
/// same batch: its id is `last_insert_rowid()`, which `change.entity_id` cannot know.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn record_created(db: &D1Database, change: &Change<'_>) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO audit_log
           (at, actor_user_id, actor_role, action, entity_type, entity_id, enterprise_id, before, after, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, CAST(last_insert_rowid() AS TEXT), ?7, ?8, ?9, ?10)",
        &params(change, Param::OptInt(change.enterprise_id)),
    )
}

fn params<'a>(change: &Change<'a>, enterprise: Param<'a>) -> [Param<'a>; 10] {
    [
        Param::Text(change.at),
        Param::OptInt(change.actor.user_id),
        Param::Text(change.actor.role),
        Param::Text(change.action),
        Param::Text(change.entity_type),
        Param::Text(change.entity_id),
        enterprise,
        Param::OptText(change.before),
        Param::OptText(change.after),
        Param::OptText(change.reason),
    ]
}
