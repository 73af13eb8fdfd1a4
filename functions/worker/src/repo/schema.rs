//! Which migrations the database has.

use serde::Deserialize;
use worker::D1Database;

/// Which migrations the database has.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SchemaState {
    /// How many migrations are applied.
    pub applied: u32,
    /// The newest applied migration's file name.
    pub latest: Option<String>,
}

/// Reads the migration table wrangler keeps (`d1_migrations`). A database no migration
/// ever touched has no such table: that is schema version 0, not an error.
///
/// # Errors
///
/// The database could not be queried.
pub async fn schema_state(db: &D1Database) -> worker::Result<SchemaState> {
    crate::observe::count_statement();
    let query = db.prepare("SELECT COUNT(*) AS applied, MAX(name) AS latest FROM d1_migrations");
    match query.first::<SchemaState>(None).await {
        Ok(state) => Ok(state.unwrap_or(SchemaState {
            applied: 0,
            latest: None,
        })),
        Err(err) if err.to_string().contains("no such table") => Ok(SchemaState {
            applied: 0,
            latest: None,
        }),
        Err(err) => Err(err),
    }
}
