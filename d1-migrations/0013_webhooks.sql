-- Webhooks and monthly releases. A state change writes its event row in the same batch
-- (the outbox); the dispatcher then fans each event out to one delivery per endpoint
-- whose scope holds the event's region and that subscribed to its type, and the queue
-- consumer makes the attempts. Nothing is deleted: every attempt stays in the log.

CREATE TABLE webhook_endpoints (
    id                    INTEGER PRIMARY KEY,
    port_id               INTEGER NOT NULL REFERENCES ports (id),
    url                   TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    -- JSON array of event type codes.
    event_types           TEXT NOT NULL CHECK (json_valid(event_types)),
    -- whsec_…: needed in clear to sign; never returned after creation or rotation.
    secret                TEXT NOT NULL,
    -- The secret before the last rotation, still signing until previous_secret_until.
    previous_secret       TEXT,
    previous_secret_until TEXT,
    status                TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'paused', 'disabled', 'deleted')),
    disabled_reason       TEXT,
    -- Since when every attempt failed (NULL after a success).
    failing_since         TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX webhook_endpoints_port ON webhook_endpoints (port_id, id);

CREATE TABLE webhook_events (
    -- msg_…, the webhook-id header.
    id            TEXT PRIMARY KEY NOT NULL,
    type          TEXT NOT NULL,
    -- The enterprise and region an event is about; NULL for a port's own events
    -- (report.monthly, webhook.test), which name port_id instead.
    enterprise_id INTEGER REFERENCES enterprises (id),
    region_code   TEXT,
    port_id       INTEGER REFERENCES ports (id),
    -- Only this endpoint (webhook.test).
    endpoint_id   INTEGER REFERENCES webhook_endpoints (id),
    payload       TEXT NOT NULL CHECK (json_valid(payload)),
    created_at    TEXT NOT NULL,
    dispatched_at TEXT,
    CHECK (region_code IS NOT NULL OR port_id IS NOT NULL)
) STRICT;

CREATE INDEX webhook_events_undispatched ON webhook_events (created_at)
    WHERE dispatched_at IS NULL;

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES webhook_events (id),
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    -- pending: an attempt is due at next_attempt_at; held: the endpoint is paused or
    -- disabled; delivered; exhausted: every scheduled attempt failed.
    state           TEXT NOT NULL CHECK (state IN ('pending', 'held', 'delivered', 'exhausted')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Attempts made before the last redelivery: the schedule restarts there.
    schedule_base   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (event_id, endpoint_id)
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    -- The receiver's status code; NULL when no response came (network error, timeout).
    status_code INTEGER,
    latency_ms  INTEGER NOT NULL,
    error       TEXT,
    -- The response body's first 1,024 bytes.
    response    TEXT,
    UNIQUE (delivery_id, attempt)
) STRICT;

-- A region's monthly release: immutable once written, one per port and month.
CREATE TABLE monthly_reports (
    id         INTEGER PRIMARY KEY,
    port_id    INTEGER NOT NULL REFERENCES ports (id),
    -- YYYY-MM on the business calendar (Asia/Shanghai).
    month      TEXT NOT NULL,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    created_at TEXT NOT NULL,
    UNIQUE (port_id, month)
) STRICT;
