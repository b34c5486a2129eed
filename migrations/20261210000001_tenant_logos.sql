-- Tenants' uploaded logos (PRODUCT.md C2), kept in PostgreSQL like every other piece of
-- state so any instance serves them. A logo is addressed by the SHA-256 of its bytes
-- (`/logos/{tenant_id}/{hash}.{ext}`), so its address changes with its content and it
-- can be cached for a year. Only the tenant's current logo is kept.
CREATE TABLE tenant_logos (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL
        CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/svg+xml')),
    bytes        bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 524288),
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, hash)
);
