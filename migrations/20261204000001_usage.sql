-- Issue 11: usage metering (PRODUCT.md U1-U4). Reported events (REST, exactly once),
-- measured samples, hourly and daily rollups, plan prices, invoices and cost alerts.

-- What can be metered. `reported` metrics come from tenants' services through
-- POST /api/v1/usage; `measured` ones are sampled by the portal itself and refused there.
-- `resource` names the allocation the metric is compared with (tenant_allocations).
CREATE TABLE usage_metrics (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,39}$'),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    unit        text NOT NULL CHECK (length(btrim(unit)) BETWEEN 1 AND 20),
    aggregation text NOT NULL CHECK (aggregation IN ('sum', 'max', 'last')),
    source      text NOT NULL CHECK (source IN ('reported', 'measured')),
    resource    text,
    sort_order  int NOT NULL DEFAULT 100,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO usage_metrics (id, name, unit, aggregation, source, resource, sort_order) VALUES
    ('api_calls', 'API calls', 'calls', 'sum', 'reported', 'api_calls_per_month', 1),
    ('bandwidth_gb', 'Bandwidth', 'GB', 'sum', 'reported', 'bandwidth_gb', 2),
    ('storage_gb', 'Storage', 'GB', 'max', 'reported', 'storage_gb', 3),
    ('members', 'Members and invitations', 'people', 'last', 'measured', 'users', 10),
    ('custom_domains', 'Custom domains', 'domains', 'last', 'measured', 'custom_domains', 11),
    ('projects', 'Projects', 'projects', 'last', 'measured', 'projects', 12),
    ('data_bytes', 'Data size', 'bytes', 'last', 'measured', NULL, 13),
    ('db_connections', 'Database connections', 'connections', 'max', 'measured', NULL, 14);

-- Reported events, partitioned by the day they happened (native range partitioning);
-- partitions are made ahead and dropped after `[usage].retention_days` by the
-- usage-partitions worker. No primary key and no foreign keys: it is an append-only log
-- written at tens of thousands of rows a second; uniqueness lives in usage_dedup, and the
-- tenant and metric are checked by the service before a row is written. `batch` numbers
-- the writing transaction (one value of usage_batches per batch): the rollup worker waits
-- for the batches in flight to commit, then takes every batch up to the last number given
-- out, so no event is skipped or counted twice (see db::usage::roll_up).
CREATE TABLE usage_events (
    tenant_id       uuid NOT NULL,
    metric          text NOT NULL,
    at              timestamptz NOT NULL,
    value           double precision NOT NULL,
    idempotency_key text NOT NULL,
    dimensions      jsonb,
    received_at     timestamptz NOT NULL DEFAULT now(),
    batch           bigint NOT NULL
) PARTITION BY RANGE (at);
CREATE SEQUENCE usage_batches;
-- Rows arrive in batch order within a partition, so a BRIN index finds the new ones cheaply.
CREATE INDEX usage_events_batch ON usage_events USING brin (batch);

-- One row per idempotency key seen in the last 35 days: written in the same transaction as
-- the event, so a retried batch counts every event once. `fingerprint` tells a duplicate
-- (same payload) from a conflict (same key, different payload).
CREATE TABLE usage_dedup (
    tenant_id       uuid NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint     bytea NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX usage_dedup_received ON usage_dedup USING brin (received_at);

-- Rollups per tenant, metric and hour / day. `total` serves sum metrics, `peak` max
-- metrics and `last` (the value with the latest time) last metrics.
CREATE TABLE usage_hourly (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    metric    text NOT NULL REFERENCES usage_metrics (id),
    hour      timestamptz NOT NULL,
    total     double precision NOT NULL,
    peak      double precision NOT NULL,
    last      double precision NOT NULL,
    last_at   timestamptz NOT NULL,
    events    bigint NOT NULL,
    PRIMARY KEY (tenant_id, metric, hour)
);
CREATE TABLE usage_daily (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    metric    text NOT NULL REFERENCES usage_metrics (id),
    day       date NOT NULL,
    total     double precision NOT NULL,
    peak      double precision NOT NULL,
    last      double precision NOT NULL,
    last_at   timestamptz NOT NULL,
    events    bigint NOT NULL,
    PRIMARY KEY (tenant_id, metric, day)
);
-- Top tenants per metric and day read the daily rollups by day first.
CREATE INDEX usage_daily_by_day ON usage_daily (metric, day);

-- How far the rollup has got: every event of a batch up to `upto` is in the rollups.
CREATE TABLE usage_rollup_state (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    upto      bigint NOT NULL,
    rolled_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO usage_rollup_state (upto) VALUES (0);

-- Partitions of usage_events for the days [first, last], made once whoever asks (the
-- worker ahead of time, the ingestion path when an event names a day without one).
CREATE FUNCTION usage_ensure_partitions(first date, last date) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    d date := first;
    made int := 0;
    name text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('tenantry.usage_partitions'));
    WHILE d <= last LOOP
        name := 'usage_events_' || to_char(d, 'YYYYMMDD');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                           name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
            made := made + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN made;
END $$;
SELECT usage_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 36, (now() AT TIME ZONE 'UTC')::date + 3);

-- Plans' prices for use beyond the allocation: every started `per_units` over it costs
-- `price_cents`.
CREATE TABLE plan_prices (
    plan_id     text NOT NULL REFERENCES plans (id),
    metric      text NOT NULL REFERENCES usage_metrics (id),
    per_units   bigint NOT NULL CHECK (per_units > 0),
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (plan_id, metric)
);
INSERT INTO plan_prices (plan_id, metric, per_units, price_cents)
SELECT p.id, m.metric, m.per_units, m.price_cents
FROM plans p
CROSS JOIN (VALUES ('api_calls', 1000, 50), ('bandwidth_gb', 1, 9), ('storage_gb', 1, 25)) AS m (metric, per_units, price_cents);

-- Invoices: one per tenant and month, issued by the invoicing worker; never changed once
-- issued (a correction is a credit note, kind = 'credit_note', pointing at the invoice).
CREATE TABLE invoices (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    number       text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    corrects     uuid,
    period_start date NOT NULL,
    period_end   date NOT NULL CHECK (period_end > period_start),
    plan_id      text NOT NULL,
    currency     text NOT NULL DEFAULT 'USD',
    total_cents  bigint NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, corrects) REFERENCES invoices (tenant_id, id)
);
CREATE UNIQUE INDEX invoices_once_per_period ON invoices (tenant_id, period_start) WHERE kind = 'invoice';

CREATE TABLE invoice_lines (
    tenant_id        uuid NOT NULL,
    invoice_id       uuid NOT NULL,
    line_no          int NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('plan', 'overage', 'credit')),
    description      text NOT NULL,
    metric           text,
    quantity         double precision NOT NULL,
    unit_price_cents bigint NOT NULL,
    amount_cents     bigint NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, line_no),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);

-- Issued means final: no update or delete of an invoice or a line, and no line added to an
-- invoice after the transaction that issued it.
CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued invoices cannot be changed; issue a credit note instead';
END $$;
CREATE TRIGGER invoices_no_change BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE TRIGGER invoice_lines_no_change BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_immutable();
CREATE TRIGGER invoice_lines_no_truncate BEFORE TRUNCATE ON invoice_lines
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_immutable();

CREATE FUNCTION invoice_lines_only_when_issued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM invoices
                   WHERE tenant_id = NEW.tenant_id AND id = NEW.invoice_id AND issued_at = now()) THEN
        RAISE EXCEPTION 'issued invoices cannot be changed; issue a credit note instead';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoice_lines_same_transaction BEFORE INSERT ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_only_when_issued();

-- A tenant's monthly cost threshold; the owners get one email per period when it is passed.
CREATE TABLE tenant_cost_alerts (
    tenant_id       uuid PRIMARY KEY REFERENCES tenants (id),
    threshold_cents bigint NOT NULL CHECK (threshold_cents > 0),
    notified_period date,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
