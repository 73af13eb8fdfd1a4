-- Regional management ports: a regional office applies (office, scope, contacts, the
-- account to create); a national admin approves, which creates the port, its
-- regional admin account and a first API token. Tokens are stored as SHA-256 hashes
-- only. Each read of an enterprise's confidential data by a regional admin is written
-- to the access log, which the enterprise can see.

CREATE TABLE port_applications (
    id            INTEGER PRIMARY KEY,
    office_name   TEXT NOT NULL,
    -- PP0000, PPCC00 or xpcc (the core's RegionScope).
    scope         TEXT NOT NULL,
    -- JSON array of {name, title, phone, email} (confidential: national admins only).
    contacts      TEXT NOT NULL CHECK (json_valid(contacts)),
    account_email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    reason        TEXT,
    decided_by    INTEGER REFERENCES users (id),
    decided_at    TEXT,
    created_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX port_applications_status ON port_applications (status, id);

-- One port per scope.
CREATE TABLE ports (
    id             INTEGER PRIMARY KEY,
    scope          TEXT NOT NULL UNIQUE,
    office_name    TEXT NOT NULL,
    application_id INTEGER NOT NULL UNIQUE REFERENCES port_applications (id),
    user_id        INTEGER NOT NULL UNIQUE REFERENCES users (id),
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    port_id      INTEGER NOT NULL REFERENCES ports (id),
    token_hash   TEXT NOT NULL UNIQUE,
    -- The first characters of the token, to tell tokens apart in a list.
    prefix       TEXT NOT NULL,
    label        TEXT NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX api_tokens_port ON api_tokens (port_id, id);

-- The demonstration enterprises a region lists, to see which have recorded products.
CREATE TABLE demonstration_enterprises (
    port_id  INTEGER NOT NULL REFERENCES ports (id),
    uscc     TEXT NOT NULL CHECK (length(uscc) = 18),
    label    TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (port_id, uscc)
) STRICT;

CREATE TABLE access_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    actor_user_id INTEGER REFERENCES users (id),
    actor_name    TEXT NOT NULL,
    port_id       INTEGER REFERENCES ports (id),
    via           TEXT NOT NULL CHECK (via IN ('session', 'token')),
    -- What was read, e.g. `port.products` or `GET /api/v1/enterprises/{uscc}/products`.
    what          TEXT NOT NULL
) STRICT;

CREATE INDEX access_log_enterprise ON access_log (enterprise_id, id);
