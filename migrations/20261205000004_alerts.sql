-- Alerts (R7): a resource's use crossed its soft or hard limit, or a tenant's cost this
-- month passed its threshold. An alert opens when crossed, may be acknowledged, and
-- resolves when use drops back (a cost alert: when the month ends or the threshold
-- changes). At most one alert per tenant, subject and threshold is unresolved at a time,
-- so a use that stays over a limit never opens a second one (no alert storm).
CREATE TABLE tenant_alerts (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    -- A resource type id, or 'cost'.
    subject         text NOT NULL,
    threshold       text NOT NULL CHECK (threshold IN ('soft', 'hard', 'cost')),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    -- Use when it opened, the highest seen while unresolved, and the limit crossed (for
    -- cost: cents).
    opened_value    double precision NOT NULL,
    peak_value      double precision NOT NULL,
    limit_value     bigint NOT NULL,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    resolved_at     timestamptz,
    -- When the owners were emailed (null: not yet; retried while unresolved).
    notified_at     timestamptz,
    PRIMARY KEY (tenant_id, id),
    CHECK ((threshold = 'cost') = (subject = 'cost')),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE UNIQUE INDEX tenant_alerts_one_unresolved ON tenant_alerts (tenant_id, subject, threshold)
    WHERE status <> 'resolved';
CREATE INDEX tenant_alerts_newest ON tenant_alerts (tenant_id, id DESC);
CREATE INDEX tenant_alerts_unresolved ON tenant_alerts (opened_at DESC) WHERE status <> 'resolved';
