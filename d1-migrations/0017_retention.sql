-- The retention sweep (functions/worker/src/retention.rs) finds what it deletes or
-- archives by age; each of these indexes lets it read only those rows.
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX login_failures_window ON login_failures (window_start);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
CREATE INDEX webhook_events_created ON webhook_events (created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at)
    WHERE state IN ('delivered', 'exhausted');
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX access_log_at ON access_log (at);
