-- Health monitoring of the tenants' services (H2–H4): checks, their results (partitioned
-- by day), hourly rollups that uptime and response-time views read, and incidents.

CREATE TABLE health_checks (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    url              text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    method           text NOT NULL DEFAULT 'GET' CHECK (method IN ('GET', 'HEAD', 'POST')),
    expected_status  text NOT NULL DEFAULT '200-299' CHECK (length(expected_status) BETWEEN 3 AND 100),
    timeout_ms       integer NOT NULL CHECK (timeout_ms BETWEEN 100 AND 60000),
    interval_secs    integer NOT NULL CHECK (interval_secs BETWEEN 10 AND 86400),
    body_contains    text CHECK (length(body_contains) BETWEEN 1 AND 200),
    slow_ms          integer CHECK (slow_ms BETWEEN 1 AND 60000),
    cert_expiry_days integer NOT NULL DEFAULT 14 CHECK (cert_expiry_days BETWEEN 0 AND 365),
    down_after       integer NOT NULL DEFAULT 3 CHECK (down_after BETWEEN 1 AND 10),
    up_after         integer NOT NULL DEFAULT 2 CHECK (up_after BETWEEN 1 AND 10),
    enabled          boolean NOT NULL DEFAULT true,
    -- The state machine (model::monitoring::Tracker).
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'up', 'degraded', 'down')),
    state_since      timestamptz NOT NULL DEFAULT now(),
    failures         integer NOT NULL DEFAULT 0,
    downs            integer NOT NULL DEFAULT 0,
    successes        integer NOT NULL DEFAULT 0,
    last_checked_at  timestamptz,
    last_status      integer,
    last_ms          integer,
    last_cause       text,
    last_detail      text,
    -- When the next probe is due. A claimed check's is pushed to when its claim lapses,
    -- so a probe whose instance died is due again then (on another instance).
    next_due_at      timestamptz NOT NULL DEFAULT now(),
    silenced_until   timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    CHECK (timeout_ms <= interval_secs * 1000)
);
CREATE INDEX health_checks_due ON health_checks (next_due_at) WHERE enabled;

-- One row per probe. Partitioned by day: a day's partition is dropped whole when it ages
-- out (`health_partitions`), so retention costs nothing and never bloats.
CREATE TABLE health_results (
    tenant_id  uuid NOT NULL,
    check_id   uuid NOT NULL,
    at         timestamptz NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('up', 'degraded', 'down')),
    status     integer,
    ms         integer NOT NULL,
    cause      text,
    detail     text,
    cert_days_left integer,
    -- Milliseconds between when the probe was due and when it started.
    lag_ms     integer,
    PRIMARY KEY (tenant_id, check_id, at),
    FOREIGN KEY (tenant_id, check_id) REFERENCES health_checks (tenant_id, id) ON DELETE CASCADE
) PARTITION BY RANGE (at);

-- Creates the daily partitions from `behind` days ago to `ahead` days on, and drops those
-- older than `keep` days. Idempotent; the health-maintenance worker runs it hourly.
CREATE FUNCTION health_partitions(behind integer, ahead integer, keep integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d date;
    part record;
BEGIN
    FOR d IN SELECT generate_series(current_date - behind, current_date + ahead, interval '1 day')::date LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF health_results FOR VALUES FROM (%L) TO (%L)',
            'health_results_' || to_char(d, 'YYYYMMDD'), d::timestamptz, (d + 1)::timestamptz);
    END LOOP;
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'health_results'::regclass
          AND c.relname ~ '^health_results_[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < current_date - keep
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
    END LOOP;
END
$$;
SELECT health_partitions(1, 7, 14);

-- One row per check and hour: counts and a response-time histogram (bucket bounds in
-- model::monitoring::BUCKETS), upserted with every result. Uptime over any period and
-- the p50/p95 charts read these, never the raw results.
CREATE TABLE health_rollups (
    tenant_id uuid NOT NULL,
    check_id  uuid NOT NULL,
    hour      timestamptz NOT NULL,
    total     integer NOT NULL,
    degraded  integer NOT NULL,
    down      integer NOT NULL,
    ms_hist   integer[] NOT NULL CHECK (cardinality(ms_hist) = 12),
    PRIMARY KEY (tenant_id, check_id, hour),
    FOREIGN KEY (tenant_id, check_id) REFERENCES health_checks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX health_rollups_hour ON health_rollups (hour);

CREATE TABLE health_incidents (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    check_id         uuid NOT NULL,
    state            text NOT NULL CHECK (state IN ('degraded', 'down')),
    cause            text,
    detail           text,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    -- Alerts were sent when it opened (the check was not silenced); only then is its
    -- recovery announced.
    announced        boolean NOT NULL,
    -- The failing results that opened it (model::monitoring::ProbeResult, at most 5).
    responses        jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(responses) = 'array'),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    ack_note         text CHECK (length(ack_note) <= 500),
    -- Emails to the owners: sent by the health-alerts worker (claimed with SKIP LOCKED).
    opened_mailed_at    timestamptz,
    recovered_mailed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, check_id) REFERENCES health_checks (tenant_id, id) ON DELETE CASCADE,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- At most one open incident per check.
CREATE UNIQUE INDEX health_incidents_open ON health_incidents (tenant_id, check_id) WHERE ended_at IS NULL;
CREATE INDEX health_incidents_by_start ON health_incidents (tenant_id, started_at DESC);
CREATE INDEX health_incidents_to_mail ON health_incidents (started_at)
    WHERE announced AND (opened_mailed_at IS NULL OR (ended_at IS NOT NULL AND recovered_mailed_at IS NULL));
