-- The write path: writes that touch an environment's drift serialise on that environment
-- (an advisory lock), and each takes a generation from this sequence while it holds the lock,
-- so generations order an environment's drift changes as they commit. The tenant's DriftActor
-- applies a write's cells only if they are newer than what it holds.
create sequence drift_generation;
grant usage on sequence drift_generation to versiqii_app;

-- Each environment's latest drift generation. A write compares it with the one its instance's
-- matrix holds: equal, the matrix is exactly the drift before the write, and the write need not
-- compute it again.
create table drift_envs (
    tenant_id  uuid not null references tenants(id),
    env        text not null,
    generation bigint not null,
    primary key (tenant_id, env)
);
alter table drift_envs enable row level security;
alter table drift_envs force row level security;
create policy tenant_isolation on drift_envs
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update on drift_envs to versiqii_app;
