-- Feature flags (PRODUCT.md C3). A flag is on for a tenant when its plan includes it,
-- unless a tenant override says otherwise, and never while its platform-wide kill switch
-- is on. The plan is read live, so changing a plan (or moving a tenant to another) changes
-- its tenants' defaults at once; overrides survive both. `tenants.features` (a copy of
-- the plan's list taken when the tenant was created or changed plan) is replaced by
-- overrides that keep every tenant's answer as it was.
CREATE SEQUENCE feature_changes;

CREATE TABLE feature_flags (
    key           text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.-]{0,63}$'), -- validate::check_feature
    description   text NOT NULL DEFAULT '',
    killed        boolean NOT NULL DEFAULT false,
    killed_reason text,
    killed_by     text,
    killed_at     timestamptz,
    version       bigint NOT NULL DEFAULT nextval('feature_changes'),
    CHECK (NOT killed OR (killed_reason IS NOT NULL AND killed_at IS NOT NULL))
);

CREATE TABLE tenant_feature_overrides (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    flag      text NOT NULL REFERENCES feature_flags (key),
    enabled   boolean NOT NULL,
    reason    text NOT NULL DEFAULT '',
    set_by    text NOT NULL,
    set_at    timestamptz NOT NULL DEFAULT now(),
    version   bigint NOT NULL DEFAULT nextval('feature_changes'),
    PRIMARY KEY (tenant_id, flag)
);

-- A plan's features are flags; the version moves when the list does.
ALTER TABLE plans ADD COLUMN features_version bigint NOT NULL DEFAULT nextval('feature_changes');

CREATE FUNCTION plans_features_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feature_flags (key) SELECT DISTINCT unnest(NEW.features) ON CONFLICT (key) DO NOTHING;
    IF TG_OP = 'UPDATE' AND NEW.features IS DISTINCT FROM OLD.features THEN
        NEW.features_version := nextval('feature_changes');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER plans_features_flags BEFORE INSERT OR UPDATE OF features ON plans
    FOR EACH ROW EXECUTE FUNCTION plans_features_flags();

INSERT INTO feature_flags (key, description) VALUES
    ('basic_auth', 'Sign-in with email and password'),
    ('basic_reporting', 'Usage and cost reports'),
    ('advanced_reporting', 'Trends, forecasts and exports of usage'),
    ('api_access', 'The REST API for the tenant''s services'),
    ('webhooks', 'Webhook endpoints for the tenant''s events'),
    ('sso', 'Single sign-on with the tenant''s identity provider'),
    ('audit_export', 'Export of the audit trail')
ON CONFLICT (key) DO NOTHING;
INSERT INTO feature_flags (key)
    SELECT DISTINCT unnest(features) FROM plans
    UNION SELECT DISTINCT unnest(features) FROM tenants
ON CONFLICT (key) DO NOTHING;

-- Each tenant's own list, as overrides of its plan's.
INSERT INTO tenant_feature_overrides (tenant_id, flag, enabled, reason, set_by)
    SELECT t.id, f, true, 'Kept from the tenant''s feature list', 'migration'
    FROM tenants t JOIN plans p ON p.id = t.plan_id, unnest(t.features) f
    WHERE NOT f = ANY (p.features)
    UNION
    SELECT t.id, f, false, 'Kept from the tenant''s feature list', 'migration'
    FROM tenants t JOIN plans p ON p.id = t.plan_id, unnest(p.features) f
    WHERE NOT f = ANY (t.features);

ALTER TABLE tenants DROP COLUMN features;

-- The flags on for a tenant on `plan` (sorted): what `Tenant.features` answers.
CREATE FUNCTION tenant_features(tenant uuid, plan text) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(f.key ORDER BY f.key), '{}')
    FROM feature_flags f
    LEFT JOIN tenant_feature_overrides o ON o.tenant_id = $1 AND o.flag = f.key
    WHERE NOT f.killed
      AND coalesce(o.enabled, f.key = ANY (coalesce((SELECT p.features FROM plans p WHERE p.id = $2), '{}')))
$$;
