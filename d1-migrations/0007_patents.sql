-- An enterprise's patents. The number is stored canonically (the core's form), once
-- per enterprise; the same patent may appear under a patentee and its licensees.
CREATE TABLE patents (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises (id),
    number            TEXT NOT NULL,
    -- invention, utility_model or design (declared; checked against the type digit).
    kind              TEXT NOT NULL CHECK (kind IN ('invention', 'utility_model', 'design')),
    -- The number's type digit says whether it came through the PCT.
    pct               INTEGER NOT NULL CHECK (pct IN (0, 1)),
    title             TEXT NOT NULL,
    application_date  TEXT NOT NULL,
    grant_date        TEXT NOT NULL,
    right_held        TEXT NOT NULL
        CHECK (right_held IN ('owned', 'exclusive_licence', 'sole_licence', 'ordinary_licence')),
    legal_status      TEXT NOT NULL CHECK (legal_status IN ('valid', 'lapsed', 'transferred')),
    legal_status_date TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    UNIQUE (enterprise_id, number)
) STRICT;

CREATE INDEX patents_number ON patents (number);
