-- A tenant's configuration (PRODUCT.md C1): every save of a category is a new version,
-- kept whole (the document, who saved it and when; a restore names the version it
-- restored). The current document is the highest version; none means the defaults
-- (version 0). The diff between versions is computed when read (model::config::diff).
-- Two saves racing for the same next version: the primary key lets one win.
CREATE TABLE tenant_config_versions (
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    category      text NOT NULL
        CHECK (category IN ('general', 'auth', 'billing', 'features', 'integrations')),
    version       integer NOT NULL CHECK (version > 0),
    doc           jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
    author        text NOT NULL,
    actor_id      uuid,
    restored_from integer CHECK (restored_from > 0 AND restored_from < version),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, category, version)
);
