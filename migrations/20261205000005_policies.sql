-- Auto-scaling policies (R4), and the current use of every allocated resource as one
-- function shared by the Limits page, the alert worker and the policy worker.

-- Current use and limits of every tenant's every resource type: this month's total (from
-- `period_start`) for per-period resources, the latest level since `level_since` for the
-- others, plus what services consumed through the quota API this month. A resource with
-- no allocation row has the plan's amount (soft 80 % rounded up, hard 100 %); the CASE mirrors
-- `model::plan::plan_allocations` (tests/integration/resources.rs checks they agree).
CREATE FUNCTION resource_use(period_start date, level_since date)
RETURNS TABLE (tenant_id uuid, resource text, used double precision, allocated bigint,
               soft_limit bigint, hard_limit bigint)
LANGUAGE sql STABLE AS $$
    WITH use_now AS (
        SELECT d.tenant_id, d.metric,
               sum(d.total) FILTER (WHERE d.day >= period_start) AS total,
               (array_agg(d.peak ORDER BY d.day DESC))[1] AS peak,
               (array_agg(d.last ORDER BY d.day DESC))[1] AS last
        FROM usage_daily d WHERE d.day >= least(period_start, level_since)
        GROUP BY d.tenant_id, d.metric
    )
    SELECT t.id, r.id,
           coalesce(CASE WHEN r.per_period THEN u.total WHEN m.aggregation = 'max' THEN u.peak ELSE u.last END, 0)
               + coalesce(q.consumed, 0),
           coalesce(a.amount, d.amount), coalesce(a.soft_limit, (d.amount * 8 + 9) / 10), coalesce(a.hard_limit, d.amount)
    FROM tenants t
    JOIN plans p ON p.id = t.plan_id
    CROSS JOIN resource_types r
    CROSS JOIN LATERAL (SELECT CASE r.id WHEN 'users' THEN p.max_users WHEN 'storage_gb' THEN p.storage_gb
                                         WHEN 'bandwidth_gb' THEN p.bandwidth_gb
                                         WHEN 'api_calls_per_month' THEN p.api_calls_per_month
                                         WHEN 'custom_domains' THEN p.custom_domains WHEN 'projects' THEN p.projects
                                         ELSE r.default_amount END AS amount) d
    LEFT JOIN tenant_allocations a ON a.tenant_id = t.id AND a.resource = r.id
    LEFT JOIN usage_metrics m ON m.id = r.metric
    LEFT JOIN use_now u ON u.tenant_id = t.id AND u.metric = r.metric
    LEFT JOIN quota_ledger q ON q.tenant_id = t.id AND q.resource = r.id AND q.period_start = resource_use.period_start
$$;

-- A policy: when `metric` (use as a percentage of the allocation, or use itself) compares
-- with `threshold` by `operator` for `for_secs`, scale the allocation by a factor or a
-- step within [min_allocated, max_allocated], or only notify. `shadow` logs what it would
-- have done without doing it. The evaluation state (since when the condition holds, the
-- last action, the last outcome) lives here so any instance can evaluate it next.
CREATE TABLE scaling_policies (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    resource        text NOT NULL REFERENCES resource_types (id),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    metric          text NOT NULL CHECK (metric IN ('utilization', 'used')),
    operator        text NOT NULL CHECK (operator IN ('gt', 'gte', 'lt', 'lte')),
    threshold       double precision NOT NULL CHECK (threshold >= 0),
    for_secs        int NOT NULL CHECK (for_secs BETWEEN 0 AND 604800),
    action          text NOT NULL CHECK (action IN ('scale_by_factor', 'scale_by_step', 'notify')),
    amount          double precision NOT NULL,
    min_allocated   bigint NOT NULL CHECK (min_allocated >= 0),
    max_allocated   bigint NOT NULL CHECK (max_allocated >= min_allocated),
    priority        int NOT NULL DEFAULT 100 CHECK (priority BETWEEN 0 AND 1000),
    cooldown_secs   int NOT NULL CHECK (cooldown_secs BETWEEN 0 AND 604800),
    enabled         boolean NOT NULL DEFAULT true,
    shadow          boolean NOT NULL DEFAULT false,
    holding_since   timestamptz,
    last_action_at  timestamptz,
    last_outcome    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX scaling_policies_enabled ON scaling_policies (tenant_id, resource, priority) WHERE enabled;

-- Every decision a policy made, with its inputs and outcome. Identical skips in a row are
-- logged once (the first), so a policy waiting out its cooldown doesn't fill the log.
CREATE TABLE policy_decisions (
    tenant_id        uuid NOT NULL,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    policy_id        bigint NOT NULL,
    at               timestamptz NOT NULL DEFAULT now(),
    used             double precision NOT NULL,
    value            double precision NOT NULL,
    allocated_before bigint NOT NULL,
    allocated_after  bigint,
    outcome          text NOT NULL CHECK (outcome IN ('scaled', 'notified', 'shadow', 'skipped_cooldown',
                                                      'skipped_at_limit', 'skipped_not_held', 'skipped_other_policy')),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, policy_id) REFERENCES scaling_policies (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX policy_decisions_policy ON policy_decisions (tenant_id, policy_id, id DESC);
