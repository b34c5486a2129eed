-- Durable workflows (PRODUCT.md P3, P4, P6), tenant storage (I1), the tenant template's
-- versions (I2), resource allocations set at provisioning, the event outbox, data exports
-- (I4) and the provisioning wizard's drafts (P1).

-- One run of a workflow for one tenant. A worker claims a due run with
-- `FOR UPDATE SKIP LOCKED` and keeps the row locked while it runs one step, committing the
-- step's work and its bookkeeping together: a crash rolls both back, and no two workers
-- can run the same step at once.
CREATE TABLE workflow_runs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL CHECK (kind IN ('provision', 'suspend', 'resume', 'terminate')),
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'compensating', 'succeeded', 'failed', 'discarded')),
    input        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input) = 'object'),
    -- Position of the step to run next (or to compensate next, while compensating).
    cursor       int NOT NULL DEFAULT 0,
    next_run_at  timestamptz NOT NULL DEFAULT now(),
    error        text,
    failed_step  text,
    -- Who asked for it, as recorded on the audit events its steps write: {kind, id, label, ip}.
    actor        jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz
);
-- The queue: only unfinished runs, in the order they fall due.
CREATE INDEX workflow_runs_due ON workflow_runs (next_run_at)
    WHERE status IN ('pending', 'running', 'compensating');
CREATE INDEX workflow_runs_tenant ON workflow_runs (tenant_id, created_at DESC);
CREATE INDEX workflow_runs_created ON workflow_runs (created_at DESC, id);
-- A tenant has at most one unfinished run: lifecycle changes never interleave.
CREATE UNIQUE INDEX workflow_runs_one_open_per_tenant ON workflow_runs (tenant_id)
    WHERE status IN ('pending', 'running', 'compensating');

CREATE TABLE workflow_steps (
    run_id       uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    position     int NOT NULL,
    name         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'compensated')),
    -- Attempts that ran to an outcome (success or error); each is one committed transaction.
    attempts     int NOT NULL DEFAULT 0,
    started_at   timestamptz,
    finished_at  timestamptz,
    duration_ms  int,
    error        text,
    output       jsonb,
    PRIMARY KEY (run_id, position)
);

-- Where a tenant's data lives: its own schema and role, or the shared row-level schema.
CREATE TABLE tenant_storage (
    tenant_id   uuid PRIMARY KEY REFERENCES tenants (id),
    isolation   text NOT NULL CHECK (isolation IN ('schema', 'row')),
    schema_name text NOT NULL,
    role_name   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((isolation = 'schema') = (role_name IS NOT NULL))
);

-- The tenant template version each template-carrying schema is at: one row per tenant
-- schema, plus one for the shared row-level schema.
CREATE TABLE template_schemas (
    schema_name text PRIMARY KEY,
    tenant_id   uuid UNIQUE REFERENCES tenants (id),
    version     int NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX template_schemas_version ON template_schemas (version);

-- Roll-outs of a newer template version to every existing tenant schema.
CREATE TABLE template_rollouts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    version     int NOT NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    total       int NOT NULL,
    done        int NOT NULL DEFAULT 0,
    failed      int NOT NULL DEFAULT 0,
    last_error  text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- Resources given to a tenant at provisioning (from its plan, adjusted in the wizard).
CREATE TABLE tenant_allocations (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    resource   text NOT NULL,
    amount     bigint NOT NULL CHECK (amount >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, resource)
);

-- Events for other systems, written in the transaction that caused them and delivered
-- later (delivery arrives with the webhooks issue). `key` makes writing one idempotent.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          text NOT NULL UNIQUE,
    tenant_id    uuid REFERENCES tenants (id),
    topic        text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

-- Archives of a terminated tenant's data, kept for the retention period.
CREATE TABLE tenant_exports (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    run_id       uuid REFERENCES workflow_runs (id),
    file_name    text NOT NULL,
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    sha256       text NOT NULL,
    manifest     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX tenant_exports_tenant ON tenant_exports (tenant_id, created_at DESC);

-- The provisioning wizard's draft, one per person, kept on the server.
CREATE TABLE wizard_drafts (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    step       int NOT NULL DEFAULT 0,
    data       jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
