-- Audit evidence carried in by an imported archive (docs/archive.md): the source tenants'
-- chain events, verbatim and in their order. They cannot join this tenant's own chain (version
-- 2 hashes cover the tenant they were written in), so they are kept beside it, verifiable
-- offline, and carried on by this tenant's exports. Append-only like the chain itself.
create table audit_evidence (
    tenant_id  uuid not null references tenants(id),
    pos        int not null check (pos >= 1),
    event      jsonb not null,
    primary key (tenant_id, pos)
);

alter table audit_evidence enable row level security;
alter table audit_evidence force row level security;
create policy tenant_isolation on audit_evidence
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert on audit_evidence to versiqii_app;
create trigger append_only before update or delete or truncate on audit_evidence
    for each statement execute function refuse_append_only_change();
