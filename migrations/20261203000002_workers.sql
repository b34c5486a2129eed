-- Issue 10: background workers report a heartbeat per instance, read by /readyz and the
-- status page (src/server/workers.rs).
CREATE TABLE worker_heartbeats (
    instance_id    uuid NOT NULL,
    host           text NOT NULL,
    worker         text NOT NULL,
    status         text NOT NULL CHECK (status IN ('starting', 'running', 'failing', 'restarting', 'stopped')),
    lag_ms         bigint,
    stale_after_ms bigint NOT NULL,
    last_error     text,
    started_at     timestamptz NOT NULL DEFAULT now(),
    beat_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, worker)
);
CREATE INDEX worker_heartbeats_beat ON worker_heartbeats (beat_at);
