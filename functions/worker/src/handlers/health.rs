//! `GET /api/v1/health`: is the Worker up, is D1 reachable, and is its schema the one
//! this build expects. Signed-in staff also see what an operator must watch: the
//! webhook backlog, the outbox, failed round steps, the last monthly release.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::{self, SchemaState, operator};

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
    /// What an operator watches (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorOut>,
}

/// What an operator watches.
#[derive(Debug, Serialize)]
pub struct OperatorOut {
    /// Webhook deliveries waiting for an attempt.
    pub pending_deliveries: i64,
    /// When the oldest of them was created.
    pub oldest_pending_delivery_at: Option<String>,
    /// Its age in seconds.
    pub oldest_pending_delivery_age_s: Option<i64>,
    /// Events not yet fanned out to their endpoints.
    pub outbox_depth: i64,
    /// Round steps whose last run failed.
    pub failed_round_steps: Vec<operator::FailedStep>,
    /// The newest monthly release.
    pub last_monthly_release: Option<operator::Release>,
    /// The newest finished backup.
    pub last_backup: Option<crate::repo::backups::Finished>,
    /// Seconds since it began.
    pub last_backup_age_s: Option<i64>,
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
        operator: None,
    }
}

/// 200 when healthy, 503 (same body) when not, so monitors need read only the status.
///
/// # Errors
///
/// Only a failure to serialise the report.
pub async fn get_health(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let state = repo::schema_state(ctx.db()).await.ok();
    let mut report = health_report(state);
    let staff = ctx
        .optional_principal()
        .await?
        .is_some_and(|p| p.role.is_staff());
    if staff && report.database.reachable {
        report.operator = Some(operator_report(ctx).await?);
    }
    let status = if report.status == "ok" { 200 } else { 503 };
    Reply::json(status, &report, CachePolicy::NoStore)
}

/// What an operator watches, read now.
async fn operator_report(ctx: &Ctx<'_>) -> Result<OperatorOut, ApiError> {
    let db = ctx.db();
    let backlog = operator::backlog(db).await?;
    let age_of = |at: Option<&str>| {
        at.and_then(|at| {
            chrono::DateTime::parse_from_rfc3339(at).ok().map(|at| {
                (ctx.now - at.with_timezone(&chrono::Utc))
                    .num_seconds()
                    .max(0)
            })
        })
    };
    let age = age_of(backlog.oldest.as_deref());
    let last_backup = crate::repo::backups::last_finished(db).await?;
    Ok(OperatorOut {
        pending_deliveries: backlog.pending,
        oldest_pending_delivery_age_s: age,
        oldest_pending_delivery_at: backlog.oldest,
        outbox_depth: backlog.outbox,
        failed_round_steps: operator::failed_steps(db).await?,
        last_monthly_release: operator::last_release(db).await?,
        last_backup_age_s: age_of(last_backup.as_ref().map(|b| b.started_at.as_str())),
        last_backup,
    })
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
