-- Config migrations on the edges between schema versions of one family (a lens or a WASM
-- module, each runs both ways), and where a revision came from when a migration wrote it.
-- Migrations are immutable for the app role: a new edge replaces nothing.

create table migrations (
    tenant_id               uuid not null references tenants(id),
    id                      uuid primary key,
    family_id               uuid not null references families(id),
    from_schema_version_id  uuid not null references schema_versions(id),
    to_schema_version_id    uuid not null references schema_versions(id),
    kind                    text not null check (kind in ('lens', 'wasm')),
    source                  bytea not null,
    hash                    text not null,
    created_by              text not null,
    created_at              timestamptz not null default now(),
    unique (family_id, from_schema_version_id, to_schema_version_id),
    check (from_schema_version_id <> to_schema_version_id)
);
create index migrations_family on migrations (tenant_id, family_id);

alter table migrations enable row level security;
alter table migrations force row level security;
create policy tenant_isolation on migrations
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert on migrations to versiqii_app;

-- The chain of migration steps that produced a revision from its parent (null when written by
-- a person).
alter table config_revisions add column migrated_by jsonb;
