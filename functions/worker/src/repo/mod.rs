//! The D1 repository: the only place that writes SQL. Statements take bound parameters
//! only ([`Param`]); rows come back as plain structs, apart from the API's wire types.
//! Writes that belong together are built as statements and run in one `batch`, which
//! D1 makes atomic.

pub mod accounts;
pub mod audit;
pub mod backups;
pub mod documents;
pub mod filings;
pub mod idempotency;
pub mod monthly_reports;
pub mod objections;
pub mod open_data;
pub mod operator;
pub mod patents;
pub mod port_applications;
pub mod port_data;
pub mod ports;
pub mod product_writes;
pub mod products;
pub mod public;
pub mod rate_limits;
pub mod retention;
pub mod round_entries;
pub mod rounds;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod verifications;
pub mod webhook_endpoints;
pub mod webhooks;

#[cfg(test)]
mod sql_check;

use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1DatabaseSession, D1PreparedStatement};

pub use schema::{SchemaState, schema_state};

/// The binding name of the database in `wrangler.toml`.
pub const DB_BINDING: &str = "DB";

/// A value to bind.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// Text.
    Text(&'a str),
    /// An integer (exact in D1 up to 2^53).
    Int(i64),
    /// Text or NULL.
    OptText(Option<&'a str>),
    /// An integer or NULL.
    OptInt(Option<i64>),
}

impl Param<'_> {
    fn to_js(self) -> JsValue {
        // D1 takes JavaScript numbers; integers up to 2^53 pass exactly.
        #[expect(
            clippy::cast_precision_loss,
            reason = "ids and amounts stay below 2^53"
        )]
        let number = |n: i64| JsValue::from_f64(n as f64);
        match self {
            Self::Text(s) | Self::OptText(Some(s)) => JsValue::from_str(s),
            Self::Int(n) | Self::OptInt(Some(n)) => number(n),
            Self::OptText(None) | Self::OptInt(None) => JsValue::null(),
        }
    }
}

/// What a statement can be prepared on: the database itself (the primary), or a
/// session of reads that may be answered by a nearby read replica ([`Reads`]).
pub trait Prepare {
    /// `sql`, prepared.
    fn prepare_sql(&self, sql: &str) -> D1PreparedStatement;
}

impl Prepare for D1Database {
    fn prepare_sql(&self, sql: &str) -> D1PreparedStatement {
        crate::observe::count_statement();
        self.prepare(sql)
    }
}

/// Reads of public data, which may come from the nearest read replica: a D1 session
/// started `first-unconstrained` (any replica, however recent), or the primary where
/// the runtime has no sessions. A public page or answer is at most a replica's lag
/// behind the primary, which is far inside its cache lifetime anyway.
#[derive(Debug)]
pub enum Reads<'a> {
    /// A session of the D1 Sessions API.
    Session(D1DatabaseSession),
    /// The primary.
    Primary(&'a D1Database),
}

impl<'a> Reads<'a> {
    /// A session on `db` that any replica may answer.
    #[must_use]
    pub fn replica(db: &'a D1Database) -> Self {
        db.with_session(Some("first-unconstrained"))
            .map_or(Self::Primary(db), Self::Session)
    }
}

impl Prepare for Reads<'_> {
    fn prepare_sql(&self, sql: &str) -> D1PreparedStatement {
        crate::observe::count_statement();
        match self {
            Self::Session(session) => session.prepare(sql),
            Self::Primary(db) => db.prepare(sql),
        }
    }
}

/// Prepares `sql` with `params` bound in order.
///
/// # Errors
///
/// D1 refuses the binding (wrong count).
pub fn statement(
    db: &(impl Prepare + ?Sized),
    sql: &str,
    params: &[Param<'_>],
) -> worker::Result<D1PreparedStatement> {
    let values: Vec<JsValue> = params.iter().map(|p| p.to_js()).collect();
    db.prepare_sql(sql).bind(&values)
}

/// Every row of a query.
///
/// # Errors
///
/// The database failed, or a row does not fit `T`.
pub async fn all<T: DeserializeOwned>(
    db: &(impl Prepare + ?Sized),
    sql: &str,
    params: &[Param<'_>],
) -> worker::Result<Vec<T>> {
    crate::js::rows(&statement(db, sql, params)?).await
}

/// The first row of a query, if any.
///
/// # Errors
///
/// The database failed, or the row does not fit `T`.
pub async fn first<T: DeserializeOwned>(
    db: &(impl Prepare + ?Sized),
    sql: &str,
    params: &[Param<'_>],
) -> worker::Result<Option<T>> {
    crate::js::first_row(&statement(db, sql, params)?).await
}

/// Placed right after a guarded `UPDATE … WHERE version = ?` (or `status = ?`) in a
/// batch: fails the whole batch when that UPDATE changed no row, because someone else
/// changed the row first. See `batch_guards` in the migrations.
///
/// # Errors
///
/// D1 refuses the statement.
pub fn guard(db: &D1Database) -> worker::Result<D1PreparedStatement> {
    statement(db, "INSERT INTO batch_guards (ok) VALUES (changes())", &[])
}

/// Ends a batch that used [`guard`]: leaves `batch_guards` empty.
///
/// # Errors
///
/// D1 refuses the statement.
pub fn guard_end(db: &D1Database) -> worker::Result<D1PreparedStatement> {
    statement(db, "DELETE FROM batch_guards", &[])
}

/// The name of the guard's CHECK constraint (`batch_guards` in the migrations), which
/// D1 reports in the text of a batch stopped by a [`guard`].
pub const STALE_CONSTRAINT: &str = "stale_state";

/// The id returned by the first statement of a batch (an `INSERT … RETURNING id`).
///
/// # Errors
///
/// 500 when the statement returned no id (a bug, logged).
pub fn returned_id(
    results: &[worker::D1Result],
    context: &str,
) -> Result<i64, crate::error::ApiError> {
    #[derive(serde::Deserialize)]
    struct Created {
        id: i64,
    }
    results
        .first()
        .map(worker::D1Result::results::<Created>)
        .transpose()?
        .and_then(|rows| rows.first().map(|c| c.id))
        .ok_or_else(|| crate::error::ApiError::internal_cause(context, &"no id returned"))
}
