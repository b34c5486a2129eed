-- Daily rollups of health results (one row per check and UTC day), kept equal to the sum
-- of that day's hourly rollups by a trigger on health_rollups, whoever writes them (the
-- prober, "check now", demo history). Uptime over a long or custom period reads whole
-- days here and only the partial days at its edges from the hourly rollups: 30 days of a
-- check are ~75 rows instead of 720 (model::monitoring::Cover).

CREATE TABLE health_daily (
    tenant_id uuid NOT NULL,
    check_id  uuid NOT NULL,
    day       date NOT NULL,
    total     integer NOT NULL,
    degraded  integer NOT NULL,
    down      integer NOT NULL,
    ms_hist   integer[] NOT NULL CHECK (cardinality(ms_hist) = 12),
    PRIMARY KEY (tenant_id, check_id, day),
    FOREIGN KEY (tenant_id, check_id) REFERENCES health_checks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX health_daily_day ON health_daily (day);

-- Adds an hourly rollup's change (a new row, or an update's difference) to its day.
-- Deleting hourly rows (retention, a deleted check) leaves the day alone: days have
-- their own retention, and a deleted check's days go by cascade.
CREATE FUNCTION health_daily_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d_total integer := NEW.total;
    d_degraded integer := NEW.degraded;
    d_down integer := NEW.down;
    d_hist integer[] := NEW.ms_hist;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        d_total := NEW.total - OLD.total;
        d_degraded := NEW.degraded - OLD.degraded;
        d_down := NEW.down - OLD.down;
        d_hist := array(SELECT a - b FROM unnest(NEW.ms_hist, OLD.ms_hist) AS h(a, b));
    END IF;
    INSERT INTO health_daily AS d (tenant_id, check_id, day, total, degraded, down, ms_hist)
    VALUES (NEW.tenant_id, NEW.check_id, (NEW.hour AT TIME ZONE 'UTC')::date, d_total, d_degraded, d_down, d_hist)
    ON CONFLICT (tenant_id, check_id, day) DO UPDATE SET
        total = d.total + excluded.total,
        degraded = d.degraded + excluded.degraded,
        down = d.down + excluded.down,
        ms_hist = array(SELECT a + b FROM unnest(d.ms_hist, excluded.ms_hist) AS h(a, b));
    RETURN NULL;
END
$$;

CREATE TRIGGER health_rollups_daily AFTER INSERT OR UPDATE ON health_rollups
    FOR EACH ROW EXECUTE FUNCTION health_daily_apply();

-- The days of the rollups written before this migration.
INSERT INTO health_daily (tenant_id, check_id, day, total, degraded, down, ms_hist)
SELECT s.tenant_id, s.check_id, s.day, s.total, s.degraded, s.down, h.ms_hist
FROM (
    SELECT tenant_id, check_id, (hour AT TIME ZONE 'UTC')::date AS day,
           sum(total)::int AS total, sum(degraded)::int AS degraded, sum(down)::int AS down
    FROM health_rollups GROUP BY 1, 2, 3
) s
CROSS JOIN LATERAL (
    SELECT array_agg(b.n ORDER BY b.i) AS ms_hist
    FROM (
        SELECT u.i, sum(u.n)::int AS n
        FROM health_rollups r CROSS JOIN LATERAL unnest(r.ms_hist) WITH ORDINALITY AS u(n, i)
        WHERE r.tenant_id = s.tenant_id AND r.check_id = s.check_id
          AND r.hour >= s.day::timestamp AT TIME ZONE 'UTC'
          AND r.hour < (s.day + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY u.i
    ) b
) h;
