-- The operators' portal (issue 16): the people who run the service. Operators are never members
-- of a tenant: they have their own table, sign-in (password and a TOTP second factor), sessions
-- and audit chain, and the portal connects as its own role, versiqii_operator, which holds no
-- privilege on any tenant table. It reads across tenants only through the definer functions
-- below (`op_*`), which return summaries; changes to a tenant (plan, suspension, credits) go
-- through the tenants' own write path under row security, audited in both chains.

create table operators (
    id              uuid primary key,
    email           text not null unique check (email = lower(email) and length(email) between 3 and 254
                                                and email !~ '[[:cntrl:]]'),
    display_name    text check (length(display_name) <= 200),
    password_hash   text not null,
    -- `support` reads and impersonates; `admin` also changes plans, credits and suspensions.
    role            text not null check (role in ('support', 'admin')),
    -- The TOTP secret, sealed (ChaCha20-Poly1305 under the server's key ring, like webhook
    -- secrets), and the last time step a code was accepted for (a code works once).
    totp_sealed     text not null,
    totp_last_step  bigint,
    created_at      timestamptz not null default now(),
    disabled_at     timestamptz
);

create table operator_sessions (
    id           uuid primary key,
    operator_id  uuid not null references operators(id),
    -- SHA-256 of the bearer token (`vqop_…`); the token itself is never stored.
    token_hash   bytea not null unique check (length(token_hash) = 32),
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null,
    revoked_at   timestamptz
);

-- Every operator action, hash-chained like the tenants' audit (append-only: the trigger from
-- migration 0006 refuses updates and deletes).
create table operator_audit (
    seq          bigint primary key,
    id           uuid not null unique,
    operator_id  uuid references operators(id),
    actor        text not null,
    action       text not null check (action ~ '^[a-z_.]{1,60}$'),
    object       text not null,
    -- The tenant acted on, if any (not `tenant_id`: these rows belong to no tenant).
    about_tenant uuid references tenants(id),
    detail       text,
    prev_hash    text not null,
    hash         text not null,
    at           timestamptz not null
);
create trigger append_only before update or delete or truncate on operator_audit
    for each statement execute function refuse_append_only_change();

-- A tenant's suspension: its keys and sessions are refused (403 tenant_suspended), its data
-- kept. Changed through the tenant's write path; instances hear of it by NOTIFY.
alter table tenants add column suspended_at timestamptz;
alter table tenants add column suspended_reason text check (length(suspended_reason) <= 500);

-- Credits granted by operators, owed to the tenant and taken off its invoices.
create table credits (
    tenant_id     uuid not null references tenants(id),
    id            uuid primary key,
    amount_cents  bigint not null check (amount_cents > 0 and amount_cents <= 100000000000),
    reason        text not null check (length(reason) between 1 and 500),
    granted_by    text not null,
    created_at    timestamptz not null default now()
);
create index credits_tenant on credits (tenant_id, created_at);
alter table credits enable row level security;
alter table credits force row level security;
create policy tenant_isolation on credits
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert on credits to versiqii_app;
create trigger append_only before update or delete or truncate on credits
    for each statement execute function refuse_append_only_change();

-- The app learns which tenants are suspended (ids only) to refuse their requests.
create function suspended_tenants() returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id from tenants where suspended_at is not null $$;
revoke all on function suspended_tenants() from public;
grant execute on function suspended_tenants() to versiqii_app;

-- Tenants for the portal: search by slug, name or a member's email; newest first.
create function op_tenants(p_query text, p_limit int, p_before timestamptz)
    returns table (id uuid, slug text, name text, plan text, created_at timestamptz,
                   suspended_at timestamptz, suspended_reason text, members bigint,
                   owner_email text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select t.id, t.slug, t.name, t.plan, t.created_at, t.suspended_at, t.suspended_reason,
           (select count(*) from memberships m where m.tenant_id = t.id),
           (select u.email from memberships m join users u on u.id = m.user_id
             where m.tenant_id = t.id and m.role = 'owner' order by m.created_at limit 1)
      from tenants t
     where (p_before is null or t.created_at < p_before)
       and (p_query is null or p_query = ''
            or t.slug ilike '%' || p_query || '%' or t.name ilike '%' || p_query || '%'
            or exists (select 1 from memberships m join users u on u.id = m.user_id
                        where m.tenant_id = t.id and u.email ilike '%' || p_query || '%'))
     order by t.created_at desc, t.id
     limit least(greatest(p_limit, 1), 200) $$;

create function op_tenant(p_id uuid)
    returns table (id uuid, slug text, name text, plan text, created_at timestamptz,
                   suspended_at timestamptz, suspended_reason text, members bigint,
                   owner_email text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select t.id, t.slug, t.name, t.plan, t.created_at, t.suspended_at, t.suspended_reason,
           (select count(*) from memberships m where m.tenant_id = t.id),
           (select u.email from memberships m join users u on u.id = m.user_id
             where m.tenant_id = t.id and m.role = 'owner' order by m.created_at limit 1)
      from tenants t where t.id = p_id $$;

-- One tenant's month for the portal: its usage totals by kind (sums of counts, peaks of stored
-- quantities, as `GET /v1/usage` shows them) and its credits still owed.
create function op_tenant_usage(p_tenant uuid, p_from date, p_to date)
    returns table (kind text, value bigint)
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select kind,
           case when kind in ('configs', 'config_bytes', 'targets_active', 'bindings', 'seats')
                then max(count) else sum(count) end::bigint
      from usage_daily
     where tenant_id = p_tenant and day >= p_from and day < p_to
     group by kind order by kind $$;

create function op_tenant_credits(p_tenant uuid)
    returns table (id uuid, amount_cents bigint, reason text, granted_by text, created_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id, amount_cents, reason, granted_by, created_at from credits
           where tenant_id = p_tenant order by created_at desc $$;

revoke all on function op_tenants(text, int, timestamptz), op_tenant(uuid),
    op_tenant_usage(uuid, date, date), op_tenant_credits(uuid) from public;

-- The portal's role owns nothing and reads no tenant table: only its own tables and the
-- functions above. (Created by scripts/services.sh, or by whoever provisions the database, like
-- versiqii_dispatcher.)
grant usage on schema public to versiqii_operator;
grant select, insert, update on operators, operator_sessions to versiqii_operator;
grant select, insert on operator_audit to versiqii_operator;
grant execute on function op_tenants(text, int, timestamptz), op_tenant(uuid),
    op_tenant_usage(uuid, date, date), op_tenant_credits(uuid) to versiqii_operator;
