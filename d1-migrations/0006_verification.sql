-- Real-name verification: uploaded documents (bytes in R2, metadata here) and the
-- verifications an enterprise submits and a reviewer decides. At most one pending
-- verification per enterprise. enterprises.verification_status mirrors the latest
-- decision so that every request can check it without a join.
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    purpose       TEXT NOT NULL CHECK (purpose IN ('verification', 'evidence')),
    r2_key        TEXT NOT NULL UNIQUE,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_by   INTEGER NOT NULL REFERENCES users (id),
    uploaded_at   TEXT NOT NULL
) STRICT;

CREATE INDEX documents_enterprise ON documents (enterprise_id, purpose);

CREATE TABLE verifications (
    id                     INTEGER PRIMARY KEY,
    enterprise_id          INTEGER NOT NULL REFERENCES enterprises (id),
    status                 TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    legal_representative   TEXT NOT NULL,
    registered_address     TEXT NOT NULL,
    -- JSON array of document ids (purpose 'verification').
    documents              TEXT NOT NULL CHECK (json_valid(documents)),
    commitment_version     TEXT NOT NULL,
    commitment_accepted_at TEXT NOT NULL,
    submitted_at           TEXT NOT NULL,
    submitted_by           INTEGER NOT NULL REFERENCES users (id),
    decided_at             TEXT,
    decided_by             INTEGER REFERENCES users (id),
    reason                 TEXT
) STRICT;

CREATE INDEX verifications_enterprise ON verifications (enterprise_id, id);
CREATE INDEX verifications_queue ON verifications (status, submitted_at);
CREATE UNIQUE INDEX verifications_one_pending ON verifications (enterprise_id)
    WHERE status = 'pending';

-- Guards a batch against stale state: a batch inserts changes() of its guarded
-- UPDATE here; if that UPDATE matched no row (someone else changed the row first),
-- the CHECK fails and D1 rolls the whole batch back. The batch deletes its row at the
-- end, so the table stays empty.
CREATE TABLE batch_guards (
    ok INTEGER NOT NULL CONSTRAINT stale_state CHECK (ok = 1)
) STRICT;
