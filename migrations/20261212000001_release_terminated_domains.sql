-- A terminated tenant gives up its custom domains (services::lifecycle::revoke_access now
-- releases them when access is revoked): free the names terminated tenants still hold.
DELETE FROM tenant_domains d USING tenants t WHERE t.id = d.tenant_id AND t.status = 'terminated';
UPDATE tenants SET domain = NULL, version = version + 1, updated_at = now()
 WHERE status = 'terminated' AND domain IS NOT NULL;
