-- Tenant registry: regions, plans, tenants and the append-only audit trail.

create extension if not exists pg_trgm;

create table regions (
    id         text primary key,
    name       text not null,
    sort_order int  not null
);

insert into regions (id, name, sort_order) values
    ('us-east-1',      'US East (N. Virginia)',    1),
    ('us-west-2',      'US West (Oregon)',         2),
    ('eu-west-1',      'EU West (Ireland)',        3),
    ('eu-central-1',   'EU Central (Frankfurt)',   4),
    ('ap-southeast-1', 'Asia Pacific (Singapore)', 5),
    ('ap-northeast-1', 'Asia Pacific (Tokyo)',     6);

create table plans (
    id                  text primary key check (id ~ '^[a-z][a-z0-9-]{1,31}$'),
    name                text not null,
    description         text not null default '',
    monthly_price_cents bigint not null check (monthly_price_cents >= 0),
    default_isolation   text not null check (default_isolation in ('schema', 'row')),
    max_users           bigint not null check (max_users >= 0),
    storage_gb          bigint not null check (storage_gb >= 0),
    bandwidth_gb        bigint not null check (bandwidth_gb >= 0),
    api_calls_per_month bigint not null check (api_calls_per_month >= 0),
    custom_domains      bigint not null check (custom_domains >= 0),
    projects            bigint not null check (projects >= 0),
    features            text[] not null default '{}',
    sort_order          int not null,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);

insert into plans (id, name, description, monthly_price_cents, default_isolation, max_users,
                   storage_gb, bandwidth_gb, api_calls_per_month, custom_domains, projects,
                   features, sort_order) values
    ('free', 'Free', 'For trying things out.', 0, 'row',
        5, 1, 10, 10000, 0, 2, '{basic_auth}', 1),
    ('starter', 'Starter', 'For small teams getting going.', 2900, 'row',
        25, 20, 100, 250000, 1, 10, '{basic_auth,basic_reporting,api_access}', 2),
    ('professional', 'Professional', 'For growing businesses.', 9900, 'schema',
        100, 200, 1000, 2000000, 3, 50, '{basic_auth,basic_reporting,advanced_reporting,api_access,webhooks}', 3),
    ('enterprise', 'Enterprise', 'Dedicated isolation, SSO and audit export.', 49900, 'schema',
        1000, 2000, 10000, 50000000, 20, 500, '{basic_auth,basic_reporting,advanced_reporting,api_access,webhooks,sso,audit_export}', 4);

create table tenants (
    id               uuid primary key default gen_random_uuid(),
    slug             text not null unique
                     check (slug ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' and length(slug) between 3 and 63),
    name             text not null check (length(btrim(name)) between 1 and 120),
    description      text not null default '',
    plan_id          text not null references plans (id),
    isolation        text not null check (isolation in ('schema', 'row')),
    region           text not null references regions (id),
    status           text not null default 'pending'
                     check (status in ('pending', 'provisioning', 'active', 'suspended',
                                       'terminating', 'terminated', 'failed')),
    status_reason    text,
    domain           text unique,
    features         text[] not null default '{}',
    settings         jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
    branding         jsonb not null default '{}' check (jsonb_typeof(branding) = 'object'),
    limits           jsonb not null default '{}' check (jsonb_typeof(limits) = 'object'),
    metadata         jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
    version          int not null default 1,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    activated_at     timestamptz,
    suspended_at     timestamptz,
    terminated_at    timestamptz,
    retention_until  timestamptz,
    -- One lowercase text over everything the list search matches, indexed for substring search.
    search           text generated always as
                     (lower(name) || ' ' || slug || ' ' || coalesce(domain, '')) stored
);

-- Substring search (3+ characters) through trigrams; short prefixes through btree.
create index tenants_search_trgm on tenants using gin (search gin_trgm_ops);
create index tenants_name_prefix on tenants (lower(name) text_pattern_ops);
create index tenants_slug_prefix on tenants (slug text_pattern_ops);
-- Keyset pagination: every sort key with the id as tie-breaker.
create index tenants_by_name on tenants (lower(name), id);
create index tenants_by_created on tenants (created_at, id);
create index tenants_by_updated on tenants (updated_at, id);
-- Filters combined with the default sort.
create index tenants_status_created on tenants (status, created_at, id);
create index tenants_plan_created on tenants (plan_id, created_at, id);
create index tenants_region_created on tenants (region, created_at, id);
create index tenants_isolation_created on tenants (isolation, created_at, id);

create table audit_events (
    id           bigint generated always as identity primary key,
    occurred_at  timestamptz not null default now(),
    actor_type   text not null check (actor_type in ('system', 'user', 'api_key')),
    actor_id     uuid,
    actor_label  text not null,
    tenant_id    uuid references tenants (id),
    action       text not null,
    target_type  text not null,
    target_id    text,
    before       jsonb,
    after        jsonb,
    reason       text,
    source_ip    inet
);

create index audit_events_tenant on audit_events (tenant_id, id);
create index audit_events_action on audit_events (action, id);
create index audit_events_time on audit_events (occurred_at);

-- The audit trail is append-only: no role may change or remove an event.
create function audit_events_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'audit events are append-only';
end;
$$;

create trigger audit_events_no_update_or_delete
    before update or delete on audit_events
    for each row execute function audit_events_append_only();

create trigger audit_events_no_truncate
    before truncate on audit_events
    for each statement execute function audit_events_append_only();
