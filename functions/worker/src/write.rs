//! One atomic write: the statements of a state change, its audit row and its outbox
//! events, committed as one D1 batch, which D1 makes atomic.
//!
//! The builder owns the order that makes a write safe:
//!
//! 1. the change's statements, in the order given; a [`Write::guarded`] statement is
//!    followed by its guard, which fails the whole batch when the statement changed
//!    no row (someone else changed the row first, see `batch_guards` in the
//!    migrations);
//! 2. the audit row ([`Write::audit`]), and for a creation the request's
//!    `Idempotency-Key` right after it ([`Write::audit_created`]);
//! 3. the outbox events ([`Write::event`]);
//! 4. the end of the guards, which leaves `batch_guards` empty.
//!
//! After the batch commits, the events are handed to the webhook queue. A failed
//! batch is a typed [`WriteError`]: stale (a guard stopped it), a duplicate (a UNIQUE
//! constraint, named), or a database failure.

use worker::{D1PreparedStatement, D1Result};

use crate::auth::Principal;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::Reply;
use crate::idempotency::{Creation, mark_replayed};
use crate::queues;
use crate::repo::audit::{self, Actor, Entry};
use crate::repo::{self, returned_id};

/// A write being built.
#[derive(Debug)]
pub struct Write<'a> {
    config: &'a Config,
    at: &'a str,
    actor: Actor<'a>,
    statements: Vec<D1PreparedStatement>,
    guarded: bool,
    events: Vec<(String, D1PreparedStatement)>,
    creation: Option<&'a Creation>,
    /// What the write does, for the log when it fails (the audit action).
    action: String,
}

/// Why a write did not commit.
#[derive(Debug)]
pub enum WriteError {
    /// A guarded statement found its row changed by someone else.
    Stale,
    /// A UNIQUE constraint refused a row; the `table.column` it names.
    Duplicate(String),
    /// Anything else the database said, with what the write was doing.
    Failed(String, String),
}

impl From<WriteError> for ApiError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Stale => ApiError::stale_version(),
            WriteError::Duplicate(constraint) => {
                ApiError::internal_cause("write", &format!("duplicate {constraint}"))
            }
            WriteError::Failed(action, cause) => ApiError::internal_cause(&action, &cause),
        }
    }
}

/// How a creating write ended.
#[derive(Debug)]
pub enum Created {
    /// It committed: the statements' results.
    Committed(Vec<D1Result>),
    /// A concurrent request with the same `Idempotency-Key` committed first: the id it
    /// created.
    Replayed(i64),
}

impl Created {
    /// `reply`, marked as a replay when an earlier request created the entity.
    #[must_use]
    pub fn mark(&self, reply: Reply) -> Reply {
        match self {
            Self::Committed(_) => reply,
            Self::Replayed(_) => mark_replayed(reply),
        }
    }

    /// The id the batch's first statement returned (`INSERT … RETURNING id`), or the
    /// earlier request's.
    ///
    /// # Errors
    ///
    /// 500 when the statement returned no id (a bug, logged).
    pub fn id(&self, context: &str) -> Result<i64, ApiError> {
        match self {
            Self::Committed(results) => returned_id(results, context),
            Self::Replayed(id) => Ok(*id),
        }
    }
}

impl<'a> Write<'a> {
    /// A write made by `actor` at `at` (as stored).
    #[must_use]
    pub fn new(config: &'a Config, at: &'a str, actor: Actor<'a>) -> Self {
        Self {
            config,
            at,
            actor,
            statements: Vec::new(),
            guarded: false,
            events: Vec::new(),
            creation: None,
            action: "write".to_owned(),
        }
    }

    /// A write by the signed-in user of a request, at the request's time.
    #[must_use]
    pub fn by(ctx: &'a Ctx<'_>, principal: &'a Principal) -> Self {
        Self::new(ctx.config, &ctx.stamp, principal.actor())
    }

    /// Adds a statement.
    ///
    /// # Errors
    ///
    /// D1 refused to prepare it (logged as a 500).
    pub fn push(
        &mut self,
        statement: worker::Result<D1PreparedStatement>,
    ) -> Result<&mut Self, ApiError> {
        self.statements.push(statement?);
        Ok(self)
    }

    /// Adds statements.
    ///
    /// # Errors
    ///
    /// As [`Self::push`].
    pub fn extend<I: IntoIterator<Item = D1PreparedStatement>>(
        &mut self,
        statements: worker::Result<I>,
    ) -> Result<&mut Self, ApiError> {
        self.statements.extend(statements?);
        Ok(self)
    }

    /// Adds a guarded statement (`UPDATE … WHERE version = ?`, or a status): the
    /// write fails as [`WriteError::Stale`] unless it changes a row.
    ///
    /// # Errors
    ///
    /// As [`Self::push`].
    pub fn guarded(
        &mut self,
        statement: worker::Result<D1PreparedStatement>,
    ) -> Result<&mut Self, ApiError> {
        self.statements.push(statement?);
        self.statements.push(repo::guard(&self.config.db)?);
        self.guarded = true;
        Ok(self)
    }

    /// Adds the audit row of the change.
    ///
    /// # Errors
    ///
    /// As [`Self::push`].
    pub fn audit(&mut self, entry: &Entry<'_>) -> Result<&mut Self, ApiError> {
        entry.action.clone_into(&mut self.action);
        let row = audit::row(&self.config.db, self.at, self.actor, entry)?;
        self.statements.push(row);
        Ok(self)
    }

    /// Adds the audit row of an entity the statement just before inserted (its id is
    /// that insert's row id), and the request's `Idempotency-Key` right after it, so
    /// a repeated request finds what this one created; commit with
    /// [`Self::commit_creation`].
    ///
    /// # Errors
    ///
    /// As [`Self::push`].
    pub fn audit_created(
        &mut self,
        entry: &Entry<'_>,
        creation: &'a Creation,
    ) -> Result<&mut Self, ApiError> {
        entry.action.clone_into(&mut self.action);
        let row = audit::row_created(&self.config.db, self.at, self.actor, entry)?;
        self.statements.push(row);
        self.statements
            .extend(creation.record(&self.config.db, self.at)?);
        self.creation = Some(creation);
        Ok(self)
    }

    /// Adds an outbox event (its id and its row, from [`crate::webhooks`]); it is
    /// queued for delivery once the write commits.
    pub fn event(&mut self, event: (String, D1PreparedStatement)) -> &mut Self {
        self.events.push(event);
        self
    }

    /// Commits the write, then queues its events.
    ///
    /// # Errors
    ///
    /// [`WriteError`].
    pub async fn commit(self) -> Result<Vec<D1Result>, WriteError> {
        let config = self.config;
        let (batch, events, action) = self.assemble()?;
        let results = run(config, batch, &action).await?;
        announce(config, events).await;
        Ok(results)
    }

    /// Commits a creating write (see [`Self::audit_created`]); when a concurrent
    /// request with the same key committed first, its id instead.
    ///
    /// # Errors
    ///
    /// [`WriteError`] when the batch failed for any other reason.
    pub async fn commit_creation(self) -> Result<Created, WriteError> {
        let config = self.config;
        let creation = self.creation;
        let (batch, events, action) = self.assemble()?;
        match run(config, batch, &action).await {
            Ok(results) => {
                announce(config, events).await;
                Ok(Created::Committed(results))
            }
            Err(err) => {
                let earlier = match creation {
                    Some(creation) => creation.replayed(&config.db).await.map_err(|e| {
                        WriteError::Failed(action.to_owned(), e.detail().to_owned())
                    })?,
                    None => None,
                };
                earlier.map(Created::Replayed).ok_or(err)
            }
        }
    }

    /// The batch in its order, the events' ids, and what the write does.
    fn assemble(self) -> Result<(Vec<D1PreparedStatement>, Vec<String>, String), WriteError> {
        let action = self.action;
        let failed = |e: worker::Error| WriteError::Failed(action.clone(), e.to_string());
        let mut batch = self.statements;
        let mut ids = Vec::with_capacity(self.events.len());
        for (id, row) in self.events {
            ids.push(id);
            batch.push(row);
        }
        if self.guarded {
            batch.push(repo::guard_end(&self.config.db).map_err(failed)?);
        }
        Ok((batch, ids, action))
    }
}

/// Hands the events of a committed write to the webhook queue.
async fn announce(config: &Config, events: Vec<String>) {
    if !events.is_empty() {
        queues::notify(config, events).await;
    }
}

/// Runs a batch and types its failure.
async fn run(
    config: &Config,
    batch: Vec<D1PreparedStatement>,
    action: &str,
) -> Result<Vec<D1Result>, WriteError> {
    let results = config
        .db
        .batch(batch)
        .await
        .map_err(|err| classify(err, action))?;
    // Any public answer may have changed: this instance's validators no longer hold.
    crate::validators::forget_all();
    Ok(results)
}

/// What a failed batch means. D1 reports a constraint only in its error's text, so
/// this is the one place that reads it: the guard's CHECK constraint is named
/// `stale_state` in the migrations; a UNIQUE constraint names its `table.column`.
fn classify(err: worker::Error, action: &str) -> WriteError {
    let text = err.to_string();
    if text.contains(repo::STALE_CONSTRAINT) {
        return WriteError::Stale;
    }
    match text.split("UNIQUE constraint failed: ").nth(1) {
        Some(rest) => WriteError::Duplicate(
            rest.split([':', ' ', ','])
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        None => WriteError::Failed(action.to_owned(), text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classified(text: &str) -> WriteError {
        classify(worker::Error::RustError(text.to_owned()), "test")
    }

    #[test]
    fn failures_are_typed() {
        assert!(matches!(
            classified("D1_ERROR: CHECK constraint failed: stale_state: SQLITE_CONSTRAINT"),
            WriteError::Stale
        ));
        match classified(
            "D1_ERROR: UNIQUE constraint failed: products.registration_number: SQLITE_CONSTRAINT",
        ) {
            WriteError::Duplicate(c) => assert_eq!(c, "products.registration_number"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classified("D1_ERROR: no such table"),
            WriteError::Failed(..)
        ));
    }
}
