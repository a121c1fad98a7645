-- Email digests: chosen members get the organisation's events of some types (drift, refused
-- deployments and bindings) gathered in one mail an hour or a day. A subscription is a tenant
-- row (managed by admins through the app role); the dispatcher finds due ones, reads their
-- events and queues the mail through the definer functions below, never posing as a tenant.

create table digest_subscriptions (
    tenant_id      uuid not null references tenants(id),
    user_id        uuid not null references users(id) on delete cascade,
    event_types    text[] not null check (cardinality(event_types) between 1 and 64),
    every          text not null check (every in ('hourly', 'daily')),
    -- The last outbox event a digest covered; the next one starts after it.
    last_event_id  bigint not null default 0,
    next_due_at    timestamptz not null,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    primary key (tenant_id, user_id)
);
create index digest_subscriptions_due on digest_subscriptions (next_due_at);

alter table digest_subscriptions enable row level security;
alter table digest_subscriptions force row level security;
create policy tenant_isolation on digest_subscriptions
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update, delete on digest_subscriptions to versiqii_app;

-- Claims up to p_limit due digests for p_lease_secs (skip locked: dispatchers never take the
-- same one), with the member's email, the organisation and the period in seconds is the
-- caller's to know.
create function digest_claim(p_limit int, p_lease_secs int)
    returns table (tenant_id uuid, user_id uuid, email text, tenant_slug text, tenant_name text,
                   every text, event_types text[], last_event_id bigint)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    with due as (
        select s.tenant_id, s.user_id from digest_subscriptions s
         where s.next_due_at <= now()
           -- Only while the person is still a member.
           and exists (select 1 from memberships m
                        where m.tenant_id = s.tenant_id and m.user_id = s.user_id)
         order by s.next_due_at
         limit p_limit
           for update skip locked),
    leased as (
        update digest_subscriptions s
           set next_due_at = now() + make_interval(secs => p_lease_secs)
          from due where s.tenant_id = due.tenant_id and s.user_id = due.user_id
        returning s.*)
    select l.tenant_id, l.user_id, u.email, t.slug, t.name, l.every, l.event_types, l.last_event_id
      from leased l join users u on u.id = l.user_id join tenants t on t.id = l.tenant_id $$;

-- A digest's events: the tenant's events after p_after of the subscribed types, oldest first.
create function digest_events(p_tenant uuid, p_after bigint, p_types text[], p_limit int)
    returns table (id bigint, topic text, payload jsonb, created_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select o.id, o.topic, o.payload, o.created_at from outbox o
     where o.tenant_id = p_tenant and o.id > p_after and o.endpoint_id is null
       and webhook_matches(p_types, o.topic)
     order by o.id limit p_limit $$;

-- A digest done: its mail (when it had events) queued and the subscription moved on, in one
-- transaction, so a digest is never mailed twice for the same events nor lost.
create function digest_done(p_tenant uuid, p_user uuid, p_last_event bigint, p_next_secs bigint,
                            p_kind text, p_recipient text, p_sealed bytea)
    returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
begin
    if p_sealed is not null then
        perform mail_enqueue(p_kind, p_recipient, p_sealed);
    end if;
    update digest_subscriptions
       set last_event_id = greatest(last_event_id, p_last_event),
           next_due_at = now() + make_interval(secs => p_next_secs)
     where tenant_id = p_tenant and user_id = p_user;
end $$;

revoke all on function digest_claim(int, int), digest_events(uuid, bigint, text[], int),
    digest_done(uuid, uuid, bigint, bigint, text, text, bytea) from public;
grant execute on function digest_claim(int, int), digest_events(uuid, bigint, text[], int),
    digest_done(uuid, uuid, bigint, bigint, text, text, bytea) to versiqii_dispatcher;
