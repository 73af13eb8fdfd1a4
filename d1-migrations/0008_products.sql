-- Product filings and recorded products.
--
-- A filing is what a reviewer decides: an initial filing, a modification of a
-- recorded product, or a revocation request. Its content (including the
-- confidential economic data and contribution shares) is JSON in `data`.
-- A product exists once its initial filing is approved: its public record is the
-- approved version, and stays so while a modification waits for review.
CREATE TABLE filings (
    id                 INTEGER PRIMARY KEY,
    enterprise_id      INTEGER NOT NULL REFERENCES enterprises (id),
    kind               TEXT NOT NULL CHECK (kind IN ('initial', 'modification', 'revocation')),
    product_id         INTEGER REFERENCES products (id),
    status             TEXT NOT NULL
        CHECK (status IN ('draft', 'submitted', 'returned', 'approved', 'rejected')),
    data               TEXT NOT NULL CHECK (json_valid(data)),
    -- JSON array of {field, message} when returned.
    return_reasons     TEXT CHECK (return_reasons IS NULL OR json_valid(return_reasons)),
    decision_reason    TEXT,
    first_submitted_at TEXT,
    submitted_at       TEXT,
    decided_at         TEXT,
    decided_by         INTEGER REFERENCES users (id),
    created_by         INTEGER NOT NULL REFERENCES users (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CHECK (kind = 'initial' OR product_id IS NOT NULL)
) STRICT;

CREATE INDEX filings_enterprise ON filings (enterprise_id, id);
CREATE INDEX filings_queue ON filings (status, submitted_at);
-- One open modification or revocation per product at a time.
CREATE UNIQUE INDEX filings_open_per_product ON filings (product_id)
    WHERE product_id IS NOT NULL AND status IN ('draft', 'submitted', 'returned');

CREATE TABLE products (
    id                     INTEGER PRIMARY KEY,
    registration_number    TEXT NOT NULL UNIQUE,
    recorded_year          INTEGER NOT NULL,
    province               TEXT NOT NULL CHECK (length(province) = 2),
    sequence               INTEGER NOT NULL,
    enterprise_id          INTEGER NOT NULL REFERENCES enterprises (id),
    -- The enterprise's region when recorded (public, used by the region filter).
    region_code            TEXT NOT NULL CHECK (length(region_code) = 6),
    name                   TEXT NOT NULL,
    model                  TEXT NOT NULL,
    field                  TEXT NOT NULL,
    description            TEXT NOT NULL,
    first_marketed_on      TEXT NOT NULL,
    manufacture_region     TEXT NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('recorded', 'revoked')),
    -- The round year the product takes part in, if it opted in.
    opt_in_year            INTEGER,
    -- JSON array of years the product was identified in (filled by identification).
    identified_years       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(identified_years)),
    revocation_prompted_at TEXT,
    revocation_deadline    TEXT,
    recorded_at            TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    revoked_at             TEXT,
    version                INTEGER NOT NULL DEFAULT 1,
    UNIQUE (recorded_year, province, sequence)
) STRICT;

CREATE INDEX products_enterprise ON products (enterprise_id, id);
CREATE INDEX products_field ON products (field, id);
CREATE INDEX products_province ON products (province, id);
CREATE INDEX products_region ON products (region_code, id);
CREATE INDEX products_year ON products (recorded_year, id);
CREATE INDEX products_deadline ON products (revocation_deadline)
    WHERE revocation_deadline IS NOT NULL;

-- The patents a recorded product implements; contribution_pct is confidential.
CREATE TABLE product_patents (
    product_id       INTEGER NOT NULL REFERENCES products (id),
    patent_id        INTEGER NOT NULL REFERENCES patents (id),
    is_core          INTEGER NOT NULL CHECK (is_core IN (0, 1)),
    contribution_pct INTEGER NOT NULL CHECK (contribution_pct BETWEEN 0 AND 100),
    PRIMARY KEY (product_id, patent_id)
) STRICT;

CREATE INDEX product_patents_patent ON product_patents (patent_id);

-- Economic data per product and year (confidential); one row per year recorded.
CREATE TABLE product_years (
    product_id    INTEGER NOT NULL REFERENCES products (id),
    year          INTEGER NOT NULL,
    sales         INTEGER NOT NULL,
    exports       INTEGER NOT NULL,
    profit        INTEGER NOT NULL,
    ip_investment INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (product_id, year)
) STRICT;

-- Typed transactions on products: the registration's own history, written in the
-- same batch as the change. before/after are JSON snapshots.
CREATE TABLE product_transactions (
    id            INTEGER PRIMARY KEY,
    product_id    INTEGER NOT NULL REFERENCES products (id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    filing_id     INTEGER REFERENCES filings (id),
    kind          TEXT NOT NULL
        CHECK (kind IN ('initial', 'update', 'modification', 'opt_in', 'opt_out', 'revocation')),
    actor_user_id INTEGER REFERENCES users (id),
    actor_role    TEXT NOT NULL,
    at            TEXT NOT NULL,
    reason        TEXT,
    before        TEXT CHECK (before IS NULL OR json_valid(before)),
    after         TEXT CHECK (after IS NULL OR json_valid(after))
) STRICT;

CREATE INDEX product_transactions_product ON product_transactions (product_id, id);
CREATE INDEX product_transactions_enterprise ON product_transactions (enterprise_id, id);

-- Full-text search over product name, model and enterprise name, as character
-- bigrams (see ppr_core::search), so that 2-character Chinese queries match.
CREATE VIRTUAL TABLE product_search USING fts5 (terms, content = '', contentless_delete = 1);
