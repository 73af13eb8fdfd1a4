-- Login sessions and the failed-login counters behind the login rate limit.
-- A session is found by the SHA-256 of its cookie token; the token itself is never
-- stored. The CSRF token is sent back by the client on every cookie-authenticated write.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);

-- One row per rate-limited key (account:<email> or ip:<address>): failures in the
-- window that started at window_start.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY NOT NULL,
    window_start TEXT NOT NULL,
    failures     INTEGER NOT NULL
) STRICT;
