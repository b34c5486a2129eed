-- Tenants' custom domains (PRODUCT.md C4). A tenant claims a domain and proves it owns it
-- by publishing `token` as a TXT record at `_tenantry-challenge.<domain>`; only a
-- verified domain resolves to the tenant. A worker checks pending claims on a published
-- schedule (`next_check_at`, backing off) and gives up 7 days after `window_started_at`.
--
-- One live claim per domain across all tenants (pending or verified); a claim that was
-- given up on (`failed`) no longer holds the name, so nobody can squat on a domain for
-- longer than a week. `tenants.domain` stays the tenant's primary domain: one of its
-- claims, written together with it by the service.
CREATE TABLE tenant_domains (
    tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    domain            text NOT NULL CHECK (domain ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$' AND domain LIKE '%.%'),
    token             text NOT NULL CHECK (length(token) BETWEEN 16 AND 128),
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'failed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL DEFAULT '',
    window_started_at timestamptz NOT NULL DEFAULT now(),
    checks            integer NOT NULL DEFAULT 0 CHECK (checks >= 0),
    next_check_at     timestamptz,
    last_checked_at   timestamptz,
    last_result       text NOT NULL DEFAULT '',
    verified_at       timestamptz,
    PRIMARY KEY (tenant_id, domain),
    CHECK ((status = 'verified') = (verified_at IS NOT NULL)),
    CHECK ((status = 'pending') = (next_check_at IS NOT NULL))
);

-- A small table read on every request to a custom domain: with Citus it is a reference
-- table, where this unique index is allowed.
CREATE UNIQUE INDEX tenant_domains_live_key ON tenant_domains (domain) WHERE status <> 'failed';
CREATE INDEX tenant_domains_due ON tenant_domains (next_check_at) WHERE status = 'pending';

-- Domains set before verification existed become pending claims with a fresh token: they
-- were never proven, so they stop resolving until their owner publishes the record.
INSERT INTO tenant_domains (tenant_id, domain, token, created_by, next_check_at)
SELECT id, domain, 'tenantry-verification=' || replace(gen_random_uuid()::text, '-', ''), 'migration', now()
FROM tenants
WHERE domain IS NOT NULL AND status <> 'terminated';
