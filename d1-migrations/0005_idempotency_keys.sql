-- Idempotency-Key records for creating POSTs. The row is written in the same batch as
-- what it created, so a repeat finds either nothing (the first never committed) or the
-- created entity; a repeat with another body is refused.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;
