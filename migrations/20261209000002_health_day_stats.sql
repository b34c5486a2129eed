-- Each check's 23 complete hours before `through` (an hour's start), summed from the
-- hourly rollups by the health-stats worker once an hour. The platform overview adds the
-- hours from `through` on at read time, so its 24-hour uptime and p95 read ~1 row per
-- check instead of 24 (db::monitoring::overview).
CREATE TABLE health_day_stats (
    tenant_id uuid NOT NULL,
    check_id  uuid NOT NULL,
    through   timestamptz NOT NULL,
    total     bigint NOT NULL,
    degraded  bigint NOT NULL,
    down      bigint NOT NULL,
    ms_hist   bigint[] NOT NULL CHECK (cardinality(ms_hist) = 12),
    PRIMARY KEY (tenant_id, check_id),
    FOREIGN KEY (tenant_id, check_id) REFERENCES health_checks (tenant_id, id) ON DELETE CASCADE
);
