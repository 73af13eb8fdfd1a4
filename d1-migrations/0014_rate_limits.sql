-- Fixed-window counters behind the rate limits of anonymous creations (enterprise
-- registrations, port applications, objections filed without an account): one row
-- per action and client address, counting the attempts in the window that began at
-- window_start.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY NOT NULL,
    window_start TEXT NOT NULL,
    hits         INTEGER NOT NULL
) STRICT;
