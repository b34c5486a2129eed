-- Instances cache the API keys they have authenticated (server::access::key_cache). Any
-- change that could make a cached key wrong tells every instance, at commit, to forget
-- what it cached: a key revoked, re-scoped or deleted, a tenant's status or slug changed,
-- a tenant deleted. Row triggers that compare old and new, so only a real change notifies
-- (recording a key's use, or an update that changes nothing, tells nobody); PostgreSQL
-- folds the identical notifications of one transaction into one.
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantry_auth', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_auth_changed AFTER UPDATE ON api_keys FOR EACH ROW
    WHEN (old.revoked_at IS DISTINCT FROM new.revoked_at OR old.scopes IS DISTINCT FROM new.scopes
          OR old.secret_hash IS DISTINCT FROM new.secret_hash OR old.prefix IS DISTINCT FROM new.prefix
          OR old.name IS DISTINCT FROM new.name OR old.tenant_id IS DISTINCT FROM new.tenant_id)
    EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER api_keys_auth_deleted AFTER DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER api_keys_auth_truncated AFTER TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();

CREATE TRIGGER tenants_auth_changed AFTER UPDATE ON tenants FOR EACH ROW
    WHEN (old.status IS DISTINCT FROM new.status OR old.slug IS DISTINCT FROM new.slug)
    EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER tenants_auth_deleted AFTER DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER tenants_auth_truncated AFTER TRUNCATE ON tenants FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
