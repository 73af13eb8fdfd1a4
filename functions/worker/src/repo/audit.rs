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

impl Actor<'_> {
    /// The platform itself (the scheduled job, the queue consumers).
    pub const SYSTEM: Actor<'static> = Actor {
        user_id: None,
        role: "system",
    };

    /// Someone not signed in.
    pub const ANONYMOUS: Actor<'static> = Actor {
        user_id: None,
        role: "anonymous",
    };
}

/// The enterprise a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concerns<'a> {
    /// None in particular.
    Nobody,
    /// This one, by id.
    Enterprise(i64),
    /// The one with this USCC (created earlier in the same batch, so its id is not
    /// known yet).
    Uscc(&'a str),
}

/// What one audit row says, apart from when and who (which the write gives).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// What was done (`enterprise.register`, `session.create`, …).
    pub action: &'a str,
    /// To what kind of thing.
    pub entity_type: &'a str,
    /// Which one (empty for an entity the batch creates: see [`row_created`]).
    pub entity_id: &'a str,
    /// The enterprise it concerns.
    pub concerns: Concerns<'a>,
    /// JSON before the change.
    pub before: Option<&'a str>,
    /// JSON after the change.
    pub after: Option<&'a str>,
    /// Why, when a person gave a reason.
    pub reason: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// `action` done to `entity_type` `entity_id`.
    #[must_use]
    pub const fn new(action: &'a str, entity_type: &'a str, entity_id: &'a str) -> Self {
        Self {
            action,
            entity_type,
            entity_id,
            concerns: Concerns::Nobody,
            before: None,
            after: None,
            reason: None,
        }
    }

    /// Concerning enterprise `id`.
    #[must_use]
    pub const fn enterprise(self, id: i64) -> Self {
        Self {
            concerns: Concerns::Enterprise(id),
            ..self
        }
    }

    /// Concerning enterprise `id`, if any.
    #[must_use]
    pub const fn enterprise_opt(self, id: Option<i64>) -> Self {
        Self {
            concerns: match id {
                Some(id) => Concerns::Enterprise(id),
                None => Concerns::Nobody,
            },
            ..self
        }
    }

    /// Concerning the enterprise with `uscc`, created in the same batch.
    #[must_use]
    pub const fn enterprise_uscc(self, uscc: &'a str) -> Self {
        Self {
            concerns: Concerns::Uscc(uscc),
            ..self
        }
    }

    /// The state before, as JSON.
    #[must_use]
    pub const fn before(self, json: &'a str) -> Self {
        Self {
            before: Some(json),
            ..self
        }
    }

    /// The state after, as JSON.
    #[must_use]
    pub const fn after(self, json: &'a str) -> Self {
        Self {
            after: Some(json),
            ..self
        }
    }

    /// The reason a person gave, if any.
    #[must_use]
    pub const fn reason(self, reason: Option<&'a str>) -> Self {
        Self { reason, ..self }
    }
}

/// The audit row of `entry`, made by `actor` at `at`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn row(
    db: &D1Database,
    at: &str,
    actor: Actor<'_>,
    entry: &Entry<'_>,
) -> worker::Result<D1PreparedStatement> {
    entry_statement(db, at, actor, entry, false)
}

/// The audit row of an entity inserted by the statement just before this one in the
/// same batch: its id is `last_insert_rowid()`, which the entry cannot know.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn row_created(
    db: &D1Database,
    at: &str,
    actor: Actor<'_>,
    entry: &Entry<'_>,
) -> worker::Result<D1PreparedStatement> {
    entry_statement(db, at, actor, entry, true)
}

fn entry_statement(
    db: &D1Database,
    at: &str,
    actor: Actor<'_>,
    entry: &Entry<'_>,
    created: bool,
) -> worker::Result<D1PreparedStatement> {
    // A NULL entity id stands for the row the statement before inserted; a NULL
    // enterprise id with a USCC for the enterprise the batch created.
    let (enterprise, uscc) = match entry.concerns {
        Concerns::Nobody => (None, None),
        Concerns::Enterprise(id) => (Some(id), None),
        Concerns::Uscc(uscc) => (None, Some(uscc)),
    };
    statement(
        db,
        "INSERT INTO audit_log
           (at, actor_user_id, actor_role, action, entity_type, entity_id, enterprise_id, before, after, reason)
         VALUES (?1, ?2, ?3, ?4, ?5,
                 COALESCE(?6, CAST(last_insert_rowid() AS TEXT)),
                 COALESCE(?7, (SELECT id FROM enterprises WHERE uscc = ?11)),
                 ?8, ?9, ?10)",
        &[
            Param::Text(at),
            Param::OptInt(actor.user_id),
            Param::Text(actor.role),
            Param::Text(entry.action),
            Param::Text(entry.entity_type),
            Param::OptText((!created).then_some(entry.entity_id)),
            Param::OptInt(enterprise),
            Param::OptText(entry.before),
            Param::OptText(entry.after),
            Param::OptText(entry.reason),
            Param::OptText(uscc),
        ],
    )
}
