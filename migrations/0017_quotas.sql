-- Quotas and the stored quantities metered per day (issue 16).
--
-- quota_warnings: a tenant is warned once a month that its API calls reached 80% of its plan's
-- monthly quota. Several instances may notice the crossing; the first insert wins and only it
-- emits the `quota.warning` event. (Quotas on stored things warn in the write that crosses
-- 80%, which is exact and needs no row here.)
create table quota_warnings (
    tenant_id  uuid not null references tenants(id),
    quota      text not null check (quota ~ '^[a-z_]{1,40}$'),
    period     text not null check (period ~ '^[0-9]{4}-[0-9]{2}$'),
    warned_at  timestamptz not null default now(),
    primary key (tenant_id, quota, period)
);
alter table quota_warnings enable row level security;
alter table quota_warnings force row level security;
create policy tenant_isolation on quota_warnings
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert on quota_warnings to versiqii_app;

-- The stored quantities of every tenant into day p_day's usage: with p_gauges (today), the
-- gauges as they are now, keeping the day's peak (configs, their bytes, targets deployed
-- somewhere, current bindings, seats); always the day's successful webhook attempts (recounted,
-- so running this again, or for yesterday after midnight, is harmless).
-- Every instance may run it; it reads across tenants, so it is a definer function that returns
-- nothing.
create function usage_snapshot(p_day date, p_gauges boolean)
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    with gauges as (
        select t.id as tenant_id, k.kind, k.n
          from tenants t
          cross join lateral (values
            ('configs', (select count(*) from configs c where c.tenant_id = t.id)),
            ('config_bytes', (select coalesce(sum(octet_length(r.original)), 0)
                                from config_revisions r where r.tenant_id = t.id)),
            ('targets_active', (select count(distinct d.target_id) from deployments d
                                 where d.tenant_id = t.id)),
            ('bindings', (select count(*) from (select distinct b.environment_id, b.target_id
                                                  from bindings b where b.tenant_id = t.id) cur)),
            ('seats', (select count(*) from memberships m where m.tenant_id = t.id))
          ) as k(kind, n)
    )
    insert into usage_daily (tenant_id, day, kind, count)
    select tenant_id, p_day, kind, n from gauges where p_gauges
    on conflict (tenant_id, day, kind) do update
        set count = greatest(usage_daily.count, excluded.count);

    insert into usage_daily (tenant_id, day, kind, count)
    select a.tenant_id, p_day, 'webhook_deliveries', count(*)
      from webhook_attempts a
     where a.outcome = 'succeeded'
       and a.started_at >= p_day::timestamp at time zone 'UTC'
       and a.started_at < (p_day + 1)::timestamp at time zone 'UTC'
     group by a.tenant_id
    on conflict (tenant_id, day, kind) do update
        set count = greatest(usage_daily.count, excluded.count) $$;

revoke all on function usage_snapshot(date, boolean) from public;
grant execute on function usage_snapshot(date, boolean) to versiqii_app;
