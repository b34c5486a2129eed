-- Signed webhooks (E2): endpoints a tenant registers, and one delivery per event and
-- endpoint. The `webhooks` worker drains the outbox into deliveries and sends them with
-- Standard Webhooks signatures, retrying on a fixed schedule.

-- An endpoint's signing secret must be readable to sign, so it is stored as issued
-- (`whsec_…`); it is never answered after creation or rotation. During a rotation's
-- overlap the previous secret signs too (both signatures are sent).
CREATE TABLE webhook_endpoints (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    url                 text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    -- Exact topics (`alert.opened`), families (`alert.*`) or `*`.
    topics              text[] NOT NULL CHECK (cardinality(topics) BETWEEN 1 AND 50),
    secret              text NOT NULL,
    previous_secret     text,
    previous_expires_at timestamptz,
    status              text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    disabled_reason     text,
    disabled_at         timestamptz,
    -- Set by the first failed attempt after a success; an endpoint failing for 5 days
    -- is disabled.
    failing_since       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_by          text NOT NULL,
    secret_rotated_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CHECK ((previous_secret IS NULL) = (previous_expires_at IS NULL)),
    CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);

-- Whether an endpoint subscribed to `topic`: exactly, by family (`alert.*`) or to all.
CREATE FUNCTION webhook_topic_matches(patterns text[], topic text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM unnest(patterns) p
        WHERE p = topic OR p = '*' OR (right(p, 2) = '.*' AND starts_with(topic, left(p, -1)))
    )
$$;

-- One message to one endpoint. `msg_id` is the `webhook-id` header: the same on every
-- attempt and replay of one event, so receivers can deduplicate. `body` is the exact
-- bytes sent (signed afresh with each attempt's timestamp).
CREATE TABLE webhook_deliveries (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    endpoint_id      uuid NOT NULL,
    msg_id           text NOT NULL,
    topic            text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When a pending delivery is next tried (a claimed one: when its claim lapses).
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    response_status  integer,
    response_ms      integer,
    response_excerpt text,
    error            text,
    replay_of        uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC);
