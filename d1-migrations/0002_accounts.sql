-- Accounts: enterprises (one per USCC) and users. An enterprise user belongs to one
-- enterprise; staff (reviewer, regional admin with a region scope, national admin)
-- belong to none. Times are ISO 8601 UTC text.
CREATE TABLE enterprises (
    id                  INTEGER PRIMARY KEY,
    uscc                TEXT NOT NULL UNIQUE CHECK (length(uscc) = 18),
    name                TEXT NOT NULL,
    region_code         TEXT NOT NULL CHECK (length(region_code) = 6),
    contact_name        TEXT NOT NULL,
    contact_email       TEXT NOT NULL,
    contact_phone       TEXT NOT NULL,
    verification_status TEXT NOT NULL DEFAULT 'unverified'
        CHECK (verification_status IN ('unverified', 'pending', 'verified', 'rejected')),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX enterprises_region ON enterprises (region_code);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL
        CHECK (role IN ('enterprise', 'reviewer', 'regional_admin', 'national_admin')),
    enterprise_id INTEGER REFERENCES enterprises (id),
    -- Regional admins only: PP0000, PPCC00 or xpcc.
    region_scope  TEXT,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT,
    CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL)),
    CHECK ((role = 'regional_admin') = (region_scope IS NOT NULL))
) STRICT;

CREATE INDEX users_enterprise ON users (enterprise_id);
