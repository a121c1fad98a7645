-- Webhooks: endpoints per tenant, one delivery per (event, endpoint), one attempt row per try.
--
-- The outbox stays the immutable event log; the dispatcher fans each event out to the endpoints
-- that take it and sends the deliveries. The dispatcher connects as versiqii_dispatcher, a role
-- with no table privilege at all: it reaches the tables only through the definer functions at the
-- end of this file, each doing one narrow thing. It never poses as a tenant. The app role manages
-- a tenant's endpoints and reads its deliveries under the usual row-level policies.

-- The outbox as an event log: a public id per event (the `webhook-id` receivers deduplicate on,
-- the same for every endpoint and every retry), an optional single recipient (an endpoint's test
-- message), and when the event was fanned out. Its old delivery columns never served.
alter table outbox add column uid uuid not null default gen_random_uuid();
alter table outbox add column endpoint_id uuid;
alter table outbox add column fanned_out_at timestamptz;
update outbox set fanned_out_at = created_at;
drop index outbox_pending;
alter table outbox drop column attempts, drop column claimed_until, drop column delivered_at;
create unique index outbox_uid on outbox (uid);
create index outbox_unfanned on outbox (id) where fanned_out_at is null;
create index outbox_tenant_time on outbox (tenant_id, created_at, id);

-- A statement that queues events wakes the dispatchers at commit (never, if it rolls back).
create function outbox_wake() returns trigger
    language plpgsql as $$
begin
    perform pg_notify('webhook_outbox', '');
    return null;
end $$;
create trigger outbox_wake after insert on outbox
    for each statement execute function outbox_wake();

create table webhook_endpoints (
    tenant_id       uuid not null references tenants(id),
    id              uuid primary key,
    url             text not null check (length(url) between 8 and 2048),
    description     text not null default '' check (length(description) <= 500),
    format          text not null check (format in ('standard', 'slack')),
    -- Event type patterns: `*`, `drift.changed`, `deployment.*`.
    event_types     text[] not null check (cardinality(event_types) between 1 and 64),
    -- Only events in these environments; null means every event.
    envs            text[] check (envs is null or cardinality(envs) between 1 and 64),
    -- One delivery at a time, in the order the events were fanned out.
    ordered         boolean not null default false,
    -- Deliveries per second at most; null means no limit.
    rate_limit      int check (rate_limit is null or rate_limit between 1 and 10000),
    -- The signing secret, sealed (key id, nonce, ChaCha20-Poly1305 ciphertext): never in the clear.
    secret          bytea not null,
    -- After a rotation the old secret signs too, until then, so receivers can switch.
    previous_secret bytea,
    previous_secret_until timestamptz,
    status          text not null default 'enabled' check (status in ('enabled', 'disabled')),
    disabled_reason text check (disabled_reason in ('manual', 'failing')),
    -- The first failure since the last success; failing for too long disables the endpoint.
    failing_since   timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index webhook_endpoints_tenant on webhook_endpoints (tenant_id, created_at, id);

create table webhook_deliveries (
    tenant_id       uuid not null references tenants(id),
    id              bigserial primary key,
    endpoint_id     uuid not null references webhook_endpoints(id) on delete cascade,
    event_id        bigint not null references outbox(id) on delete cascade,
    status          text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    -- Attempts in this round (a resend or replay starts a new round).
    attempts        int not null default 0,
    next_attempt_at timestamptz not null default now(),
    -- Claimed by a dispatcher until then; the claim's token must come back with its result, so
    -- a dispatcher whose lease ran out cannot overwrite the one that took over.
    claimed_until   timestamptz,
    claim           bigint,
    last_status     int,
    last_error      text,
    created_at      timestamptz not null default now(),
    delivered_at    timestamptz,
    unique (endpoint_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, id) where status = 'pending';
create index webhook_deliveries_pending_by_endpoint on webhook_deliveries (endpoint_id, id) where status = 'pending';
create index webhook_deliveries_listing on webhook_deliveries (tenant_id, endpoint_id, id desc);
create index webhook_deliveries_event on webhook_deliveries (event_id);

create table webhook_attempts (
    tenant_id       uuid not null references tenants(id),
    id              bigserial primary key,
    delivery_id     bigint not null references webhook_deliveries(id) on delete cascade,
    attempt         int not null,
    started_at      timestamptz not null,
    duration_ms     int not null,
    outcome         text not null check (outcome in ('succeeded', 'failed', 'throttled', 'timeout', 'refused')),
    response_status int,
    -- The first KiB of the answer, for whoever debugs the receiver.
    response_body   text check (length(response_body) <= 1024),
    error           text check (length(error) <= 2000),
    dispatcher      text not null check (length(dispatcher) <= 200)
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, id);

create sequence webhook_claims;

do $$
declare t text;
begin
    foreach t in array array['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant()) with check (tenant_id = app_tenant())', t);
    end loop;
end $$;

grant select, insert, update, delete on webhook_endpoints to versiqii_app;
grant select, insert, update on webhook_deliveries to versiqii_app;
grant select on webhook_attempts to versiqii_app;
grant usage on sequence webhook_deliveries_id_seq to versiqii_app;

-- Whether an event type matches any of an endpoint's patterns (`*`, exact, `prefix.*`).
create function webhook_matches(p_patterns text[], p_type text) returns boolean
    language sql immutable parallel safe
    as $$ select exists (select 1 from unnest(p_patterns) p
                          where p = '*' or p = p_type
                             or (right(p, 2) = '.*' and starts_with(p_type, left(p, -1)))) $$;

-- Fans out up to p_limit events: one delivery per enabled endpoint of the event's tenant that
-- takes its type (and its environment, when the endpoint names some); a test message goes to its
-- endpoint alone. Fan-outs run one at a time (an advisory lock), so delivery ids follow the order
-- events were fanned out in, which is the order an ordered endpoint receives them.
create function webhook_fanout(p_limit int) returns int
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
declare v_count int;
begin
    if not pg_try_advisory_xact_lock(hashtext('webhook_fanout')) then
        return 0;
    end if;
    with batch as (
        select o.id, o.tenant_id, o.topic, o.payload, o.endpoint_id
          from outbox o
         where o.fanned_out_at is null
         order by o.id
         limit p_limit
           for update),
    made as (
        insert into webhook_deliveries (tenant_id, endpoint_id, event_id)
        select b.tenant_id, e.id, b.id
          from batch b
          join webhook_endpoints e on e.tenant_id = b.tenant_id and e.status = 'enabled'
         where case when b.endpoint_id is not null then e.id = b.endpoint_id
                    else webhook_matches(e.event_types, b.topic)
                         and (e.envs is null or b.payload -> 'data' ->> 'env' = any (e.envs))
               end
         order by b.id, e.id
        on conflict do nothing
        returning 1),
    done as (
        update outbox o set fanned_out_at = now() from batch b where o.id = b.id returning 1)
    select (select count(*) from done) + 0 * (select count(*) from made) into v_count;
    return v_count;
end $$;

-- Claims up to p_limit due deliveries for p_lease_secs (for update skip locked, so dispatchers
-- never take the same row), counting an attempt and handing out a claim token. An ordered
-- endpoint's delivery is due only when no earlier one of that endpoint is still pending.
create function webhook_claim(p_limit int, p_lease_secs int)
    returns table (delivery_id bigint, claim bigint, tenant_id uuid, endpoint_id uuid, url text,
                   format text, secret bytea, previous_secret bytea, rate_limit int,
                   msg_id uuid, event_type text, payload jsonb, event_at timestamptz,
                   attempts int)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    with picked as (
        select d.id
          from webhook_deliveries d
          join webhook_endpoints e on e.id = d.endpoint_id
         where d.status = 'pending' and d.next_attempt_at <= now()
           and (d.claimed_until is null or d.claimed_until < now())
           and e.status = 'enabled'
           and (not e.ordered or not exists (
                   select 1 from webhook_deliveries p
                    where p.endpoint_id = d.endpoint_id and p.status = 'pending' and p.id < d.id))
         order by d.next_attempt_at, d.id
         limit p_limit
           for update of d skip locked)
    update webhook_deliveries d
       set claimed_until = now() + make_interval(secs => p_lease_secs),
           attempts = d.attempts + 1,
           claim = nextval('webhook_claims')
      from picked, webhook_endpoints e, outbox o
     where d.id = picked.id and e.id = d.endpoint_id and o.id = d.event_id
    returning d.id, d.claim, d.tenant_id, d.endpoint_id, e.url, e.format, e.secret,
              case when e.previous_secret_until > now() then e.previous_secret end,
              e.rate_limit, o.uid, o.topic, o.payload, o.created_at, d.attempts $$;

-- A claimed delivery goes back unattempted (its endpoint's rate limit was reached): due again
-- in p_delay_ms, and the attempt it was counted is taken back.
create function webhook_release(p_delivery bigint, p_claim bigint, p_delay_ms bigint)
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    update webhook_deliveries
       set attempts = greatest(attempts - 1, 0), claimed_until = null, claim = null,
           next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
     where id = p_delivery and claim = p_claim and status = 'pending' $$;

-- Records one attempt and its result. p_retry_ms null on a failure means no retry is left.
-- The delivery changes only while the claim is still the caller's (a dispatcher whose lease ran
-- out records what it did, but the one that took over decides the status). An endpoint failing
-- since more than p_disable_after_secs ago is disabled, with a `webhook_endpoint.disabled` event
-- in the outbox. Returns 'recorded', 'stale' (the claim had passed on) or 'disabled'.
create function webhook_record(p_delivery bigint, p_claim bigint, p_outcome text,
                               p_status int, p_duration_ms int, p_body text, p_error text,
                               p_dispatcher text, p_retry_ms bigint, p_disable_after_secs bigint)
    returns text
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
declare
    v_tenant uuid;
    v_endpoint uuid;
    v_current boolean;
    v_ok boolean := p_outcome = 'succeeded';
    v_failing_since timestamptz;
    v_url text;
begin
    select d.tenant_id, d.endpoint_id, (d.claim = p_claim and d.status = 'pending')
      into v_tenant, v_endpoint, v_current
      from webhook_deliveries d where d.id = p_delivery
       for update;
    if v_tenant is null then
        return 'stale';
    end if;
    insert into webhook_attempts (tenant_id, delivery_id, attempt, started_at, duration_ms, outcome,
                                  response_status, response_body, error, dispatcher)
    values (v_tenant, p_delivery,
            (select count(*) + 1 from webhook_attempts a where a.delivery_id = p_delivery),
            now() - make_interval(secs => p_duration_ms / 1000.0), p_duration_ms, p_outcome,
            p_status, left(p_body, 1024), left(p_error, 2000), left(p_dispatcher, 200));
    if not v_current then
        return 'stale';
    end if;
    update webhook_deliveries
       set status = case when v_ok then 'delivered'
                         when p_retry_ms is null then 'failed' else 'pending' end,
           next_attempt_at = case when v_ok or p_retry_ms is null then next_attempt_at
                                  else now() + make_interval(secs => p_retry_ms / 1000.0) end,
           delivered_at = case when v_ok then now() end,
           claimed_until = null, claim = null,
           last_status = p_status, last_error = left(p_error, 2000)
     where id = p_delivery;
    if v_ok then
        update webhook_endpoints set failing_since = null
         where id = v_endpoint and failing_since is not null;
        return 'recorded';
    end if;
    update webhook_endpoints set failing_since = coalesce(failing_since, now())
     where id = v_endpoint
    returning failing_since, url into v_failing_since, v_url;
    if v_failing_since < now() - make_interval(secs => p_disable_after_secs) then
        update webhook_endpoints
           set status = 'disabled', disabled_reason = 'failing', updated_at = now()
         where id = v_endpoint and status = 'enabled';
        if found then
            insert into outbox (tenant_id, topic, payload)
            values (v_tenant, 'webhook_endpoint.disabled',
                    jsonb_build_object('type', 'webhook_endpoint.disabled', 'version', 1,
                        'data', jsonb_build_object('endpoint_id', v_endpoint, 'url', v_url,
                                                   'reason', 'failing',
                                                   'failing_since', v_failing_since)));
            return 'disabled';
        end if;
    end if;
    return 'recorded';
end $$;

-- Whom to tell that an endpoint was disabled: the tenant's owners and admins.
create function webhook_endpoint_admins(p_endpoint uuid)
    returns table (email text, tenant_slug text, url text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select u.email, t.slug, e.url
      from webhook_endpoints e
      join tenants t on t.id = e.tenant_id
      join memberships m on m.tenant_id = e.tenant_id and m.role in ('owner', 'admin')
      join users u on u.id = m.user_id
     where e.id = p_endpoint
     order by m.role desc, u.email $$;

-- Drops events older than p_keep_secs whose deliveries are all over (delivered or failed), with
-- those deliveries and their attempts; at most p_limit at a time. Returns how many went.
create function webhook_prune(p_keep_secs bigint, p_limit int) returns int
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
declare v_count int;
begin
    with old as (
        select o.id from outbox o
         where o.created_at < now() - make_interval(secs => p_keep_secs)
           and o.fanned_out_at is not null
           and not exists (select 1 from webhook_deliveries d
                            where d.event_id = o.id and d.status = 'pending')
         order by o.id
         limit p_limit
           for update skip locked),
    gone as (delete from outbox o using old where o.id = old.id returning 1)
    select count(*) into v_count from gone;
    return v_count;
end $$;

revoke all on function webhook_fanout(int), webhook_claim(int, int),
    webhook_release(bigint, bigint, bigint),
    webhook_record(bigint, bigint, text, int, int, text, text, text, bigint, bigint),
    webhook_endpoint_admins(uuid), webhook_prune(bigint, int) from public;
grant execute on function webhook_fanout(int), webhook_claim(int, int),
    webhook_release(bigint, bigint, bigint),
    webhook_record(bigint, bigint, text, int, int, text, text, text, bigint, bigint),
    webhook_endpoint_admins(uuid), webhook_prune(bigint, int) to versiqii_dispatcher;
-- The dispatcher mails an endpoint's admins when it disables it.
grant execute on function mail_enqueue(text, text, bytea) to versiqii_dispatcher;
