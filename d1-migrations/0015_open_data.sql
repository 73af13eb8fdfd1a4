-- The daily open-data files (see functions/worker/src/open_data): one row per
-- business day's run, which the scheduled job advances chunk by chunk. `after_id` is
-- the last product written; `files` holds each file's multipart upload (its id and the
-- parts uploaded so far, as [number, etag] pairs); the bytes not yet a whole part wait
-- in an R2 object named by `step`. `version` keeps two runs of the job from both
-- advancing the same step.
CREATE TABLE open_data_runs (
    day          TEXT PRIMARY KEY NOT NULL CHECK (length(day) = 10),
    status       TEXT NOT NULL CHECK (status IN ('running', 'done')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    after_id     INTEGER NOT NULL DEFAULT 0,
    step         INTEGER NOT NULL DEFAULT 0,
    rows_written INTEGER NOT NULL DEFAULT 0,
    files        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(files)),
    version      INTEGER NOT NULL DEFAULT 1
) STRICT;
