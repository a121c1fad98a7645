-- The VersionGraph's constraints, what is deployed where (desired, with history), and what
-- clusters report actually runs. Deployments and observations are append-only.

create table constraints (
    tenant_id          uuid not null references tenants(id),
    id                 uuid primary key,
    target_version_id  uuid not null references target_versions(id),
    kind               text not null check (kind in ('requires', 'accepts')),
    other_target       text not null,
    range              text not null,
    created_by         text not null,
    created_at         timestamptz not null default now(),
    unique (target_version_id, kind, other_target)
);

create table deployments (
    tenant_id          uuid not null references tenants(id),
    id                 uuid primary key,
    environment_id     uuid not null references environments(id),
    target_id          uuid not null references targets(id),
    target_version_id  uuid not null references target_versions(id),
    forced             boolean not null default false,
    plan               jsonb not null,
    created_by         text not null,
    created_at         timestamptz not null default clock_timestamp(),
    seq                bigserial not null
);
create index deployments_current on deployments (tenant_id, environment_id, target_id, seq desc);

create table observations (
    tenant_id          uuid not null references tenants(id),
    id                 uuid primary key,
    environment_id     uuid not null references environments(id),
    target_id          uuid not null references targets(id),
    version            text not null,
    target_version_id  uuid references target_versions(id),
    config_hash        text,
    reported_by        text not null,
    observed_at        timestamptz not null default clock_timestamp(),
    seq                bigserial not null
);
create index observations_current on observations (tenant_id, environment_id, target_id, seq desc);

do $$
declare t text;
begin
    foreach t in array array['constraints', 'deployments', 'observations'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant()) with check (tenant_id = app_tenant())', t);
    end loop;
end $$;

grant select, insert, delete on constraints to versiqii_app;
grant select, insert on deployments, observations to versiqii_app;
grant usage on sequence deployments_seq_seq, observations_seq_seq to versiqii_app;
