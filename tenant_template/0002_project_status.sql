-- Tenant template version 2: projects can be archived.
ALTER TABLE projects ADD COLUMN archived_at timestamptz;
