-- Platform settings: the configurable defaults of the domain rules (the annual update
-- window, public-notice length, revocation deadlines, …), one row per setting, its value
-- as JSON. A missing row means the shipped default applies. Written only by national
-- admins; every change also goes to the audit log.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;
