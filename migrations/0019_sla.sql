-- SLA metering (issue 16): per tenant and UTC minute, requests and how many answered 5xx; per
-- tenant and UTC hour, a latency histogram (HdrHistogram V2 bytes, merged in Rust: see
-- versiqii_core::sla::LatencyHistogram); per region and minute, the synthetic probe's result.
-- A minute is down for a tenant when more than 5% of its requests failed with 5xx or any
-- region's probe failed in it (the rule lives in Rust, versiqii_core::sla::minute_is_down; SQL
-- only selects the candidate minutes). Instances count in memory and flush every
-- `metering.flush_ms`; tenants read their own rows; instances write through definer functions.

create table sla_minutes (
    tenant_id  uuid not null references tenants(id),
    minute     timestamptz not null check (extract(second from minute) = 0),
    requests   bigint not null check (requests >= 0),
    errors     bigint not null check (errors >= 0 and errors <= requests),
    primary key (tenant_id, minute)
);
alter table sla_minutes enable row level security;
alter table sla_minutes force row level security;
create policy tenant_isolation on sla_minutes
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select on sla_minutes to versiqii_app;

create table sla_latency (
    tenant_id  uuid not null references tenants(id),
    hour       timestamptz not null check (extract(epoch from hour)::bigint % 3600 = 0),
    -- Empty only between sla_latency_lock creating the row and sla_latency_put filling it,
    -- inside one transaction; readers treat empty as no samples.
    histogram  bytea not null check (octet_length(histogram) <= 1048576),
    primary key (tenant_id, hour)
);
alter table sla_latency enable row level security;
alter table sla_latency force row level security;
create policy tenant_isolation on sla_latency
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select on sla_latency to versiqii_app;

-- Not tenant data: the service as a prober in a region sees it. A failed probe counts its minute
-- as down for every tenant. Several probes in one minute (or several probers in one region):
-- the minute failed if any of them failed; the latency kept is the slowest.
create table sla_probes (
    region      text not null check (region ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    minute      timestamptz not null check (extract(second from minute) = 0),
    ok          boolean not null,
    latency_ms  int not null check (latency_ms >= 0),
    primary key (region, minute)
);
grant select on sla_probes to versiqii_app;

-- Adds a flush's minute counts (parallel arrays, one entry per tenant and minute).
create function sla_minutes_add(p_tenants uuid[], p_minutes timestamptz[], p_requests bigint[],
                                p_errors bigint[])
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    insert into sla_minutes (tenant_id, minute, requests, errors)
    select t, m, r, e from unnest(p_tenants, p_minutes, p_requests, p_errors) as u(t, m, r, e)
     where r > 0 and e >= 0 and e <= r and exists (select 1 from tenants where id = t)
    on conflict (tenant_id, minute) do update
        set requests = sla_minutes.requests + excluded.requests,
            errors = sla_minutes.errors + excluded.errors $$;
revoke all on function sla_minutes_add(uuid[], timestamptz[], bigint[], bigint[]) from public;
grant execute on function sla_minutes_add(uuid[], timestamptz[], bigint[], bigint[]) to versiqii_app;

-- Histogram merge, part one. In the flushing instance's transaction: creates the missing rows
-- (empty), then locks every row named and returns its bytes. The caller passes the keys sorted
-- by (tenant, hour), so two instances flushing the same hours lock in the same order and the
-- second waits for the first to commit: read, merge in Rust, write (part two), commit. No
-- update is lost and no two instances deadlock.
create function sla_latency_lock(p_tenants uuid[], p_hours timestamptz[])
    returns table (tenant_id uuid, hour timestamptz, histogram bytea)
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    #variable_conflict use_column
    begin
        insert into sla_latency (tenant_id, hour, histogram)
        select t, h, ''::bytea from unnest(p_tenants, p_hours) with ordinality as u(t, h, i)
         where exists (select 1 from tenants where id = t)
         order by i
        on conflict do nothing;
        return query
        select l.tenant_id, l.hour, l.histogram
          from sla_latency l
          join unnest(p_tenants, p_hours) as u(t, h) on l.tenant_id = u.t and l.hour = u.h
         order by l.tenant_id, l.hour
           for update of l;
    end $$;
revoke all on function sla_latency_lock(uuid[], timestamptz[]) from public;
grant execute on function sla_latency_lock(uuid[], timestamptz[]) to versiqii_app;

-- Histogram merge, part two: the merged bytes (hex) for rows locked by part one.
create function sla_latency_put(p_tenants uuid[], p_hours timestamptz[], p_hex text[])
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    update sla_latency l set histogram = decode(u.x, 'hex')
      from unnest(p_tenants, p_hours, p_hex) as u(t, h, x)
     where l.tenant_id = u.t and l.hour = u.h $$;
revoke all on function sla_latency_put(uuid[], timestamptz[], text[]) from public;
grant execute on function sla_latency_put(uuid[], timestamptz[], text[]) to versiqii_app;

-- A probe's result in its minute (a prober connects as the app role).
create function sla_probe_record(p_region text, p_minute timestamptz, p_ok boolean,
                                 p_latency_ms int)
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    insert into sla_probes (region, minute, ok, latency_ms)
    values (p_region, date_trunc('minute', p_minute, 'UTC'), p_ok, greatest(p_latency_ms, 0))
    on conflict (region, minute) do update
        set ok = sla_probes.ok and excluded.ok,
            latency_ms = greatest(sla_probes.latency_ms, excluded.latency_ms) $$;
revoke all on function sla_probe_record(text, timestamptz, boolean, int) from public;
grant execute on function sla_probe_record(text, timestamptz, boolean, int) to versiqii_app;

-- Every tenant's figures for [p_from, p_to), for /metrics (operators): one 'total' row per
-- tenant (requests, errors; every tenant, zero when silent), one 'minute' row per minute with
-- errors (the candidates for down minutes), one 'latency' row per stored hour (the histogram, to
-- merge in Rust). Aggregates and histograms only: no request, path or actor.
create function sla_month_figures(p_from timestamptz, p_to timestamptz)
    returns table (tenant_id uuid, slug text, plan text, what text, minute timestamptz,
                   requests bigint, errors bigint, histogram bytea)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select t.id, t.slug, t.plan, 'total', null::timestamptz,
           coalesce(sum(m.requests), 0)::bigint, coalesce(sum(m.errors), 0)::bigint, null::bytea
      from tenants t
      left join sla_minutes m on m.tenant_id = t.id and m.minute >= p_from and m.minute < p_to
     group by t.id
    union all
    select m.tenant_id, null, null, 'minute', m.minute, m.requests, m.errors, null
      from sla_minutes m
     where m.errors > 0 and m.minute >= p_from and m.minute < p_to
    union all
    select l.tenant_id, null, null, 'latency', l.hour, null, null, l.histogram
      from sla_latency l
     where l.hour >= p_from and l.hour < p_to and octet_length(l.histogram) > 0 $$;
revoke all on function sla_month_figures(timestamptz, timestamptz) from public;
grant execute on function sla_month_figures(timestamptz, timestamptz) to versiqii_app;

-- Every tenant's usage for the days [p_from, p_to), by kind: the sum and the peak (the caller
-- picks the peak for stored quantities), for /metrics.
create function usage_month_figures(p_from date, p_to date)
    returns table (tenant_id uuid, kind text, total bigint, peak bigint)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select u.tenant_id, u.kind, sum(u.count)::bigint, max(u.count)::bigint
      from usage_daily u
     where u.day >= p_from and u.day < p_to
     group by u.tenant_id, u.kind $$;
revoke all on function usage_month_figures(date, date) from public;
grant execute on function usage_month_figures(date, date) to versiqii_app;
