-- Every contract format: a family is JSON Schema, Avro or Protobuf for all its versions (the
-- stored document says which, docs/contracts.md), a Protobuf family checks compatibility with
-- one of buf's rule categories, and a schema version may reference other versions, pinned at
-- registration. A referenced version can never be removed while something references it.

alter table families
    add column format text not null default 'json_schema'
        check (format in ('json_schema', 'avro', 'protobuf')),
    add column buf_category text not null default 'WIRE_JSON'
        check (buf_category in ('FILE', 'PACKAGE', 'WIRE_JSON', 'WIRE'));

create table schema_version_refs (
    tenant_id          uuid not null references tenants(id),
    schema_version_id  uuid not null references schema_versions(id),
    referenced_id      uuid not null references schema_versions(id) on delete restrict,
    -- `family@version` as the schema names it.
    label              text not null,
    position           int not null check (position >= 0),
    primary key (schema_version_id, referenced_id),
    check (schema_version_id <> referenced_id)
);
create index schema_version_refs_referenced on schema_version_refs (referenced_id);

alter table schema_version_refs enable row level security;
alter table schema_version_refs force row level security;
create policy tenant_isolation on schema_version_refs
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert on schema_version_refs to versiqii_app;
create trigger append_only before update or delete or truncate on schema_version_refs
    for each statement execute function refuse_append_only_change();
