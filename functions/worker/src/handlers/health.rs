//! `GET /api/v1/health`: is the Worker up, is D1 reachable, and is its schema the one
//! this build expects.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::{self, SchemaState};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] =
    &[operation!(GET "/api/v1/health", get_health(ctx), Roles::Anyone)];

/// How many migrations this build expects (the files in `d1-migrations/`).
pub const EXPECTED_SCHEMA_VERSION: &str = env!("PPR_SCHEMA_VERSION");

/// The newest migration this build expects.
pub const EXPECTED_LATEST_MIGRATION: &str = env!("PPR_LATEST_MIGRATION");

/// The health report.
#[derive(Debug, Serialize)]
pub struct HealthOut {
    /// `ok`, or `degraded` when the database is unreachable or behind.
    pub status: &'static str,
    /// The Worker's version.
    pub version: &'static str,
    /// The database's side.
    pub database: DatabaseOut,
}

/// The database's side of the report.
#[derive(Debug, Serialize)]
pub struct DatabaseOut {
    /// Whether a query went through.
    pub reachable: bool,
    /// How many migrations are applied (0 when unreachable).
    pub schema_version: u32,
    /// How many this build expects.
    pub expected_schema_version: u32,
    /// The newest applied migration.
    pub latest_migration: Option<String>,
    /// The newest migration this build expects.
    pub expected_latest_migration: &'static str,
}

/// Builds the report from what the database said (`None`: unreachable).
#[must_use]
pub fn health_report(state: Option<SchemaState>) -> HealthOut {
    let expected: u32 = EXPECTED_SCHEMA_VERSION.parse().unwrap_or(0);
    let reachable = state.is_some();
    let state = state.unwrap_or(SchemaState {
        applied: 0,
        latest: None,
    });
    let current = reachable && state.latest.as_deref() == Some(EXPECTED_LATEST_MIGRATION);
    HealthOut {
        status: if current { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        database: DatabaseOut {
            reachable,
            schema_version: state.applied,
            expected_schema_version: expected,
            latest_migration: state.latest,
            expected_latest_migration: EXPECTED_LATEST_MIGRATION,
        },
    }
}

/// 200 when healthy, 503 (same body) when not, so monitors need read only the status.
///
/// # Errors
///
/// Only a failure to serialise the report.
pub async fn get_health(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let state = repo::schema_state(ctx.db()).await.ok();
    let report = health_report(state);
    let status = if report.status == "ok" { 200 } else { 503 };
    Reply::json(status, &report, CachePolicy::NoStore)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_degraded_until_migrated() {
        assert_eq!(health_report(None).status, "degraded");
        let behind = SchemaState {
            applied: 0,
            latest: None,
        };
        assert_eq!(health_report(Some(behind)).status, "degraded");
        let current = SchemaState {
            applied: EXPECTED_SCHEMA_VERSION.parse().expect("number"),
            latest: Some(EXPECTED_LATEST_MIGRATION.to_owned()),
        };
        assert_eq!(health_report(Some(current)).status, "ok");
        assert!(EXPECTED_SCHEMA_VERSION.parse::<u32>().expect("number") >= 1);
    }
}
