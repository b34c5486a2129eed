-- Demo data only (the demo-traffic worker): the secret of each demo tenant's "Demo
-- traffic" API key. The worker reports usage through the real REST API, so it must hold a
-- key's secret; kept here, every instance and every restart reuse the one key instead of
-- issuing (and auditing) a new one per tenant at every start. The key can only report and
-- read usage; a revoked one is replaced at its first 401. Stored as issued, like webhook
-- signing secrets, which must be readable for the same reason.
CREATE TABLE demo_traffic_keys (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
