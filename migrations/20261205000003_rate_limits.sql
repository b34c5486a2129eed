-- Per-tenant REST rate limits for API keys (issue 12, R6): a plan's requests per second
-- and burst (GCRA, enforced by each instance for its share; see server::ratelimit).
CREATE TABLE plan_rate_limits (
    plan_id    text PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    per_second int NOT NULL CHECK (per_second BETWEEN 1 AND 1000000),
    burst      int NOT NULL CHECK (burst BETWEEN 1 AND 1000000),
    CHECK (burst >= per_second)
);
INSERT INTO plan_rate_limits (plan_id, per_second, burst)
SELECT id, r.per_second, r.burst
FROM plans JOIN (VALUES ('free', 5, 10), ('starter', 20, 40), ('professional', 50, 100), ('enterprise', 200, 400))
    AS r (plan, per_second, burst) ON r.plan = plans.id;
