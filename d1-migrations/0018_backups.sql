-- Logical backups of the database into R2 (see functions/worker/src/backup.rs): one
-- row per backup, with the tables it copies (their columns and the highest key each
-- had when it began) and how far it has come; one row per chunk it wrote, until the
-- next backup finishes (the manifest in R2 lists them for good).
CREATE TABLE backups (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    schema      TEXT,
    plan        TEXT NOT NULL CHECK (json_valid(plan)),
    table_index INTEGER NOT NULL DEFAULT 0,
    after_key   TEXT CHECK (after_key IS NULL OR json_valid(after_key)),
    chunks      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE backup_chunks (
    backup_id   INTEGER NOT NULL REFERENCES backups (id),
    seq         INTEGER NOT NULL,
    table_name  TEXT NOT NULL,
    key         TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    first_key   TEXT NOT NULL,
    last_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    PRIMARY KEY (backup_id, seq)
) STRICT;
