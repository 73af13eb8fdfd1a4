//! Data that stops growing: the scheduled job deletes what is past its retention
//! period, keeps what is not, and moves old audit and access log rows to R2.

use std::io::Read as _;

use anyhow::{Context as _, Result, ensure};
use ppr_tests::{TestWorker, WorkerOptions};

use crate::support::Case;

pub const CASES: &[Case] = &[(
    "retention::old_rows_go_and_old_logs_move_to_r2",
    old_rows_go_and_old_logs_move_to_r2,
)];

/// The sweep's time: three years on, so what the fixtures wrote is old.
const LATER: &str = "2029-01-15T04:00:00Z";
/// Two years before it: log rows older than this are archived.
const LOG_CUTOFF: &str = "2027-01-15T04:00:00.000Z";

fn count(worker: &TestWorker, sql: &str) -> Result<i64> {
    worker.query_sql(sql)?[0]["n"].as_i64().context("a count")
}

fn old_rows_go_and_old_logs_move_to_r2(_: &TestWorker) -> Result<()> {
    // Its own worker: the sweep three years on would end every other test's session.
    let worker = TestWorker::start_with(WorkerOptions::default())?;
    let enterprise = worker.register_enterprise()?;
    ppr_tests::ports::open_port(&worker, "440000", None)?;
    let e = enterprise.id;
    worker.execute_sql(&format!(
        "INSERT INTO login_failures (key, window_start, failures) VALUES
           ('old-key', '2026-01-01T00:00:00.000Z', 3), ('new-key', '2029-01-15T03:00:00.000Z', 1);
         INSERT INTO idempotency_keys (scope, key, request_hash, entity_type, entity_id, created_at) VALUES
           ('test', 'old', 'h', 'enterprise', {e}, '2026-01-01T00:00:00.000Z'),
           ('test', 'new', 'h', 'enterprise', {e}, '2029-01-10T00:00:00.000Z');
         INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
           SELECT 'future-session', id, 'c', '2029-01-14T00:00:00.000Z', '2029-01-14T00:00:00.000Z',
                  '2029-02-01T00:00:00.000Z' FROM users LIMIT 1;
         INSERT INTO webhook_endpoints (id, port_id, url, event_types, secret, created_at, updated_at)
           SELECT 900, id, 'https://receiver.example/hook', '[]', 'whsec_x',
                  '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM ports LIMIT 1;
         INSERT INTO webhook_events (id, type, region_code, payload, created_at, dispatched_at) VALUES
           ('msg_old', 'product.recorded', '440300', '{{}}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'),
           ('msg_waiting', 'product.recorded', '440300', '{{}}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z');
         INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, created_at, updated_at) VALUES
           (900, 'msg_old', 900, 'delivered', 1, '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z'),
           (901, 'msg_waiting', 900, 'held', 0, '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z');
         INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms) VALUES
           (900, 1, '2026-01-01T00:00:02.000Z', 204, 40);
         INSERT INTO access_log (at, enterprise_id, actor_name, via, what) VALUES
           ('2026-01-01T00:00:00.000Z', {e}, 'old reader', 'session', 'economic data'),
           ('2028-06-01T00:00:00.000Z', {e}, 'recent reader', 'session', 'economic data');
         INSERT INTO audit_log (at, actor_role, action, entity_type, entity_id, reason) VALUES
           ('2028-06-01T00:00:00.000Z', 'system', 'recent', 'test', '1', 'kept in D1');"
    ))?;
    let old_audit = worker.query_sql(&format!(
        "SELECT MIN(id) AS first, MAX(id) AS last, COUNT(*) AS n FROM audit_log WHERE at < '{LOG_CUTOFF}'"
    ))?;
    let (first, last, old_audit_rows) = (
        old_audit[0]["first"].as_i64().context("old audit rows")?,
        old_audit[0]["last"].as_i64().context("old audit rows")?,
        old_audit[0]["n"].as_i64().context("old audit rows")?,
    );
    let old_access = count(
        &worker,
        "SELECT id AS n FROM access_log WHERE actor_name = 'old reader'",
    )?;

    worker.run_scheduled_at(LATER)?;
    // Twice: the second run finds nothing more and changes nothing.
    worker.run_scheduled_at(LATER)?;

    for (what, sql, want) in [
        (
            "old failure count",
            "SELECT COUNT(*) AS n FROM login_failures WHERE key = 'old-key'",
            0,
        ),
        (
            "new failure count",
            "SELECT COUNT(*) AS n FROM login_failures WHERE key = 'new-key'",
            1,
        ),
        (
            "old idempotency key",
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'old'",
            0,
        ),
        (
            "new idempotency key",
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'new'",
            1,
        ),
        (
            "expired sessions",
            "SELECT COUNT(*) AS n FROM sessions WHERE expires_at < '2029-01-15'",
            0,
        ),
        (
            "live session",
            "SELECT COUNT(*) AS n FROM sessions WHERE token_hash = 'future-session'",
            1,
        ),
        (
            "finished delivery",
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE id = 900",
            0,
        ),
        (
            "its attempts",
            "SELECT COUNT(*) AS n FROM webhook_attempts WHERE delivery_id = 900",
            0,
        ),
        (
            "its event",
            "SELECT COUNT(*) AS n FROM webhook_events WHERE id = 'msg_old'",
            0,
        ),
        (
            "held delivery",
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE id = 901",
            1,
        ),
        (
            "its event",
            "SELECT COUNT(*) AS n FROM webhook_events WHERE id = 'msg_waiting'",
            1,
        ),
        (
            "old audit rows",
            &format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE id <= {last} AND at < '{LOG_CUTOFF}'"
            ),
            0,
        ),
        (
            "recent audit row",
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'recent'",
            1,
        ),
        (
            "old access row",
            "SELECT COUNT(*) AS n FROM access_log WHERE actor_name = 'old reader'",
            0,
        ),
        (
            "recent access row",
            "SELECT COUNT(*) AS n FROM access_log WHERE actor_name = 'recent reader'",
            1,
        ),
    ] {
        let n = count(&worker, sql)?;
        ensure!(n == want, "{what}: {n} rows, want {want}");
    }

    // The archived rows, whole, in R2 (the private documents bucket).
    let lines = |key: &str| -> Result<Vec<serde_json::Value>> {
        let gz = worker
            .r2_object("patent-product-documents", key)?
            .with_context(|| format!("no archive {key}"))?;
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(gz.as_slice()).read_to_string(&mut text)?;
        text.lines().map(|l| Ok(serde_json::from_str(l)?)).collect()
    };
    let audit = lines(&format!(
        "archive/audit_log/{first:012}-{last:012}.jsonl.gz"
    ))?;
    ensure!(
        i64::try_from(audit.len())? == old_audit_rows,
        "{} archived audit rows, want {old_audit_rows}",
        audit.len()
    );
    ensure!(
        audit.iter().all(|r| r["at"].as_str() < Some(LOG_CUTOFF)),
        "a recent row was archived"
    );
    let access = lines(&format!(
        "archive/access_log/{old_access:012}-{old_access:012}.jsonl.gz"
    ))?;
    ensure!(
        access.len() == 1
            && access[0]["actor_name"] == "old reader"
            && access[0]["what"] == "economic data",
        "{access:?}"
    );
    Ok(())
}
