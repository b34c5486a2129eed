-- Issue 12, first part: resource types (R1), allocations with soft and hard limits (R2),
-- the history of every change (R3) and the quota ledger services consume from (R6).

-- What can be allocated. `metric` is where current use comes from (usage_metrics);
-- `per_period` resources add up over the billing month (API calls, bandwidth), the others
-- are a level at the moment (members, storage, domains). `default_amount` is the
-- allocation for plans that have no column for the resource.
CREATE TABLE resource_types (
    id             text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,39}$'),
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    unit           text NOT NULL CHECK (length(btrim(unit)) BETWEEN 1 AND 20),
    metric         text REFERENCES usage_metrics (id),
    per_period     boolean NOT NULL,
    default_amount bigint NOT NULL DEFAULT 0 CHECK (default_amount >= 0),
    sort_order     int NOT NULL DEFAULT 100
);
INSERT INTO resource_types (id, name, unit, metric, per_period, default_amount, sort_order) VALUES
    ('users', 'Members', 'people', 'members', false, 0, 1),
    ('storage_gb', 'Storage', 'GB', 'storage_gb', false, 0, 2),
    ('bandwidth_gb', 'Bandwidth', 'GB', 'bandwidth_gb', true, 0, 3),
    ('api_calls_per_month', 'API calls', 'calls', 'api_calls', true, 0, 4),
    ('custom_domains', 'Custom domains', 'domains', 'custom_domains', false, 0, 5),
    ('projects', 'Projects', 'projects', 'projects', false, 0, 6),
    ('db_connections', 'Database connections', 'connections', 'db_connections', false, 20, 7);
UPDATE usage_metrics SET resource = 'db_connections' WHERE id = 'db_connections';

-- Soft limit: an alert; hard limit: use is refused beyond it. 0 ≤ soft ≤ hard, and the
-- allocation itself is at most the hard limit.
ALTER TABLE tenant_allocations
    ADD COLUMN soft_limit bigint,
    ADD COLUMN hard_limit bigint;
UPDATE tenant_allocations SET soft_limit = amount * 8 / 10, hard_limit = amount;
ALTER TABLE tenant_allocations
    ALTER COLUMN soft_limit SET NOT NULL,
    ALTER COLUMN hard_limit SET NOT NULL,
    ADD CONSTRAINT tenant_allocations_limits CHECK (0 <= soft_limit AND soft_limit <= hard_limit AND amount <= hard_limit);

-- Every change of an allocation: before and after, who, why, and what made it.
CREATE TABLE allocation_changes (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               bigint GENERATED ALWAYS AS IDENTITY,
    resource         text NOT NULL REFERENCES resource_types (id),
    before_allocated bigint,
    before_soft      bigint,
    before_hard      bigint,
    allocated        bigint NOT NULL,
    soft_limit       bigint NOT NULL,
    hard_limit       bigint NOT NULL,
    source           text NOT NULL CHECK (source IN ('manual', 'policy', 'plan_change')),
    actor_kind       text NOT NULL,
    actor_id         uuid,
    actor_label      text NOT NULL,
    reason           text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX allocation_changes_resource ON allocation_changes (tenant_id, resource, id DESC);

-- What services took through POST /api/v1/quota/consume, per billing month. The row's lock
-- orders concurrent consumers: each sees the others' amounts before it adds its own.
CREATE TABLE quota_ledger (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    resource     text NOT NULL REFERENCES resource_types (id),
    period_start date NOT NULL,
    consumed     bigint NOT NULL DEFAULT 0 CHECK (consumed >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, resource, period_start)
);
