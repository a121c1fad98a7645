-- Durable usage metering: each tenant's API calls by kind and UTC day. Instances count in memory
-- and add their counts here every `metering.flush_ms` with one additive upsert, so several
-- instances and restarts add up (a count is lost only if its instance dies before flushing it).
-- Tenants read their own rows; instances write through the definer function below.

create table usage_daily (
    tenant_id  uuid not null references tenants(id),
    day        date not null,
    kind       text not null check (kind ~ '^[a-z_]{1,40}$'),
    count      bigint not null check (count >= 0),
    primary key (tenant_id, day, kind)
);

alter table usage_daily enable row level security;
alter table usage_daily force row level security;
create policy tenant_isolation on usage_daily
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select on usage_daily to versiqii_app;

-- Adds a flush's counts (parallel arrays, one entry per tenant, day and kind).
create function usage_add(p_tenants uuid[], p_days date[], p_kinds text[], p_counts bigint[])
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    insert into usage_daily (tenant_id, day, kind, count)
    select t, d, k, c from unnest(p_tenants, p_days, p_kinds, p_counts) as u(t, d, k, c)
     where c > 0 and exists (select 1 from tenants where id = t)
    on conflict (tenant_id, day, kind) do update set count = usage_daily.count + excluded.count $$;

revoke all on function usage_add(uuid[], date[], text[], bigint[]) from public;
grant execute on function usage_add(uuid[], date[], text[], bigint[]) to versiqii_app;
