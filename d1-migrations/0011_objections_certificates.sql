-- Objections raised during a round's public notice, and the certificates of the
-- products identified when it is final.

CREATE TABLE objections (
    id              INTEGER PRIMARY KEY,
    year            INTEGER NOT NULL REFERENCES rounds (year),
    product_id      INTEGER NOT NULL REFERENCES products (id),
    reason          TEXT NOT NULL,
    -- A signed-in objector, or a contact (confidential: national admins only).
    filed_by        INTEGER REFERENCES users (id),
    contact_name    TEXT,
    contact_email   TEXT,
    contact_phone   TEXT,
    status          TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
    decision_reason TEXT,
    decided_by      INTEGER REFERENCES users (id),
    decided_at      TEXT,
    created_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (filed_by IS NOT NULL OR contact_name IS NOT NULL)
) STRICT;

CREATE INDEX objections_round ON objections (year, status, id);
CREATE INDEX objections_product ON objections (product_id, year);

-- One certificate per identified product and round; the code is what a reader
-- verifies (ppr_core::certificate).
CREATE TABLE certificates (
    code                TEXT PRIMARY KEY,
    year                INTEGER NOT NULL REFERENCES rounds (year),
    product_id          INTEGER NOT NULL REFERENCES products (id),
    methodology_id      TEXT NOT NULL,
    methodology_version TEXT NOT NULL,
    benchmark_set_id    INTEGER NOT NULL REFERENCES benchmark_sets (id),
    issued_at           TEXT NOT NULL,
    UNIQUE (year, product_id)
) STRICT;
