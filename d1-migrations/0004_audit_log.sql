-- The audit trail: one row per state change, written in the same batch as the change.
-- before/after are JSON snapshots of what changed; enterprise_id scopes the row to the
-- enterprise it concerns (NULL for platform-level changes).
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    actor_role    TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    enterprise_id INTEGER REFERENCES enterprises (id),
    before        TEXT CHECK (before IS NULL OR json_valid(before)),
    after         TEXT CHECK (after IS NULL OR json_valid(after)),
    reason        TEXT
) STRICT;

CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_enterprise ON audit_log (enterprise_id, at);
