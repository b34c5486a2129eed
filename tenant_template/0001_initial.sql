-- Tenant template version 1: the data a tenant's own applications keep.
-- Applied with search_path set to the target schema: a tenant's own schema (schema
-- isolation, run as the tenant's role) or the shared `tenant_rows` schema (row isolation,
-- where every table also gets row-level security on tenant_id). Every table leads with
-- tenant_id so the shared tables are indexed on it.

CREATE TABLE projects (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE app_profiles (
    tenant_id    uuid NOT NULL,
    user_email   text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    preferences  jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_email)
);

CREATE TABLE files (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    project_id   uuid,
    path         text NOT NULL,
    size_bytes   bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
    content_type text NOT NULL DEFAULT 'application/octet-stream',
    sha256       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX files_by_project ON files (tenant_id, project_id);
