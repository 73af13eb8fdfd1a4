-- Identification rounds (DOMAIN §4): the methodology documents they use, the rounds
-- themselves, the chunked work of their stages, and their benchmark sets.

-- A methodology document, immutable once loaded: results name (id, version), so the
-- same pair must always mean the same document.
CREATE TABLE methodologies (
    id         TEXT NOT NULL,
    version    TEXT NOT NULL,
    document   TEXT NOT NULL CHECK (json_valid(document)),
    loaded_at  TEXT NOT NULL,
    loaded_by  INTEGER REFERENCES users (id),
    PRIMARY KEY (id, version)
) STRICT;

-- A benchmark set as computed for a round, immutable. A re-run that computes the same
-- set finds it by its hash instead of storing it twice.
CREATE TABLE benchmark_sets (
    id                  INTEGER PRIMARY KEY,
    year                INTEGER NOT NULL,
    methodology_id      TEXT NOT NULL,
    methodology_version TEXT NOT NULL,
    content             TEXT NOT NULL CHECK (json_valid(content)),
    sha256              TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    UNIQUE (year, sha256)
) STRICT;

-- One round per year Y, evaluating Y-1's figures.
CREATE TABLE rounds (
    year                INTEGER PRIMARY KEY,
    methodology_id      TEXT NOT NULL,
    methodology_version TEXT NOT NULL,
    opt_in_deadline     TEXT NOT NULL,
    evaluation_date     TEXT NOT NULL,
    notice_days         INTEGER NOT NULL CHECK (notice_days BETWEEN 1 AND 60),
    stage               TEXT NOT NULL CHECK (stage IN ('open', 'formal_check', 'evaluation',
                            'public_notice', 'objection_handling', 'final')),
    notice_start        TEXT,
    notice_end          TEXT,
    benchmark_set_id    INTEGER REFERENCES benchmark_sets (id),
    published_at        TEXT,
    created_by          INTEGER REFERENCES users (id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (methodology_id, methodology_version) REFERENCES methodologies (id, version)
) STRICT;

-- The chunked work of a stage (ppr_core::round::Step), one row per step and round:
-- where it stands (cursor: the last product id or indicator done), its progress, and
-- a clear error when a chunk failed for good. `run` counts re-runs, so a message of
-- an earlier run is recognised and dropped.
CREATE TABLE round_tasks (
    year             INTEGER NOT NULL REFERENCES rounds (year),
    step             TEXT NOT NULL
        CHECK (step IN ('formal_check', 'benchmarks', 'evaluation', 'certificates')),
    run              INTEGER NOT NULL DEFAULT 1,
    status           TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    cursor           INTEGER NOT NULL DEFAULT 0,
    done             INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    chunks           INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    error            TEXT,
    slowest_chunk_ms INTEGER NOT NULL DEFAULT 0,
    started_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT,
    PRIMARY KEY (year, step)
) STRICT;

-- The products that opted in to round Y.
CREATE INDEX products_opt_in ON products (opt_in_year, id) WHERE opt_in_year IS NOT NULL;
