-- The registry: target families and their schema versions, targets and target versions, config
-- lineages and their immutable revisions, environments, and bindings. Schema versions, config
-- revisions and bindings are append-only for the app role.

create table families (
    tenant_id     uuid not null references tenants(id),
    id            uuid primary key,
    name          text not null,
    compat_level  text not null default 'BACKWARD',
    created_at    timestamptz not null default now(),
    unique (tenant_id, name)
);

create table schema_versions (
    tenant_id     uuid not null references tenants(id),
    id            uuid primary key,
    family_id     uuid not null references families(id),
    version       text not null,
    seq           int not null,
    hash          text not null,
    document      jsonb not null,
    compat_level  text not null,
    report        jsonb not null,
    created_by    text not null,
    created_at    timestamptz not null default now(),
    unique (family_id, version),
    unique (family_id, seq)
);

create table targets (
    tenant_id   uuid not null references tenants(id),
    id          uuid primary key,
    name        text not null,
    family_id   uuid not null references families(id),
    created_at  timestamptz not null default now(),
    unique (tenant_id, name)
);

create table target_versions (
    tenant_id          uuid not null references tenants(id),
    id                 uuid primary key,
    target_id          uuid not null references targets(id),
    version            text not null,
    scheme             text not null check (scheme in ('semver', 'git', 'date')),
    schema_version_id  uuid not null references schema_versions(id),
    created_at         timestamptz not null default now(),
    unique (target_id, version)
);

create table configs (
    tenant_id   uuid not null references tenants(id),
    id          uuid primary key,
    name        text not null,
    created_at  timestamptz not null default now(),
    unique (tenant_id, name)
);

create table config_revisions (
    tenant_id          uuid not null references tenants(id),
    id                 uuid primary key,
    config_id          uuid not null references configs(id),
    revision           int not null,
    hash               text not null,
    target_version_id  uuid not null references target_versions(id),
    format             text not null check (format in ('json', 'yaml')),
    original           text not null,
    canonical          jsonb not null,
    parent_id          uuid references config_revisions(id),
    created_by         text not null,
    created_at         timestamptz not null default now(),
    unique (config_id, revision)
);
create index config_revisions_hash on config_revisions (tenant_id, hash);

create table environments (
    tenant_id   uuid not null references tenants(id),
    id          uuid primary key,
    name        text not null,
    created_at  timestamptz not null default now(),
    unique (tenant_id, name)
);

-- History of what was bound where; the newest row per (environment, target) is current.
create table bindings (
    tenant_id           uuid not null references tenants(id),
    id                  uuid primary key,
    environment_id      uuid not null references environments(id),
    target_id           uuid not null references targets(id),
    target_version_id   uuid not null references target_versions(id),
    config_revision_id  uuid not null references config_revisions(id),
    schema_version_id   uuid not null references schema_versions(id),
    created_by          text not null,
    created_at          timestamptz not null default clock_timestamp(),
    seq                 bigserial not null
);
create index bindings_current on bindings (tenant_id, environment_id, target_id, seq desc);

do $$
declare t text;
begin
    foreach t in array array['families', 'schema_versions', 'targets', 'target_versions', 'configs',
                             'config_revisions', 'environments', 'bindings'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant()) with check (tenant_id = app_tenant())', t);
    end loop;
end $$;

grant select, insert, update on families, targets, configs, environments to versiqii_app;
-- Immutable records: the app may add them, never change or remove them.
grant select, insert on schema_versions, target_versions, config_revisions, bindings to versiqii_app;
grant usage on sequence bindings_seq_seq to versiqii_app;
