-- Accounts and tenancy. Runs as the owner role (versiqii_owner, BYPASSRLS); the server connects as
-- versiqii_app, which owns nothing and is filtered by the policies below on every tenant table.

create extension if not exists pgcrypto;

-- The tenant a transaction works for. Unset (or reset to '' when a pooled connection's SET LOCAL
-- ends) means no tenant, so every policy matches nothing.
create function app_tenant() returns uuid
    language sql stable
    as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

create table tenants (
    id          uuid primary key,
    slug        text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text not null check (length(name) between 1 and 200),
    plan        text not null default 'free',
    created_at  timestamptz not null default now()
);

create table users (
    tenant_id     uuid not null references tenants(id),
    id            uuid primary key,
    email         text not null check (email = lower(email)),
    display_name  text,
    password_hash text not null,
    created_at    timestamptz not null default now()
);
create unique index users_email on users (email);

create table memberships (
    tenant_id   uuid not null references tenants(id),
    user_id     uuid not null references users(id),
    role        text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
    created_at  timestamptz not null default now(),
    primary key (tenant_id, user_id)
);

create table api_keys (
    tenant_id     uuid not null references tenants(id),
    id            uuid primary key,
    name          text not null check (length(name) between 1 and 200),
    prefix        text not null,
    key_hash      bytea not null unique,
    scopes        text[] not null check (scopes <@ array['read', 'write', 'admin'] and cardinality(scopes) > 0),
    created_by    text not null,
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    created_at    timestamptz not null default now()
);
create index api_keys_tenant on api_keys (tenant_id, created_at);

create table refresh_tokens (
    tenant_id    uuid not null references tenants(id),
    id           uuid primary key,
    user_id      uuid not null references users(id),
    token_hash   bytea not null unique,
    expires_at   timestamptz not null,
    revoked_at   timestamptz,
    replaced_by  uuid,
    created_at   timestamptz not null default now()
);

-- Append-only and hash-chained per tenant: hash = sha256(prev_hash || this event's fields).
create table audit_events (
    tenant_id    uuid not null references tenants(id),
    seq          bigint not null,
    id           uuid not null unique,
    actor        text not null,
    action       text not null,
    object       text not null,
    before_hash  text,
    after_hash   text,
    prev_hash    text not null,
    hash         text not null,
    at           timestamptz not null default now(),
    primary key (tenant_id, seq)
);

-- Side effects (webhooks, email, drift events) are written here in the same transaction as the
-- change and delivered by a dispatcher that claims rows with FOR UPDATE SKIP LOCKED.
create table outbox (
    tenant_id     uuid not null references tenants(id),
    id            bigserial primary key,
    topic         text not null,
    payload       jsonb not null,
    created_at    timestamptz not null default now(),
    attempts      int not null default 0,
    claimed_until timestamptz,
    delivered_at  timestamptz
);
create index outbox_pending on outbox (id) where delivered_at is null;

-- Row-level tenancy on every tenant table.
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
    using (id = app_tenant()) with check (id = app_tenant());

do $$
declare t text;
begin
    foreach t in array array['users', 'memberships', 'api_keys', 'refresh_tokens', 'audit_events', 'outbox'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant()) with check (tenant_id = app_tenant())', t);
    end loop;
end $$;

grant usage on schema public to versiqii_app;
grant select, insert, update, delete on tenants, users, memberships, api_keys, refresh_tokens, outbox to versiqii_app;
-- Audit events are never changed or removed by the service.
grant select, insert on audit_events to versiqii_app;
grant usage on sequence outbox_id_seq to versiqii_app;
grant execute on function app_tenant() to versiqii_app;

-- Credential look-ups happen before the tenant is known. These run as the owner (which bypasses
-- row security) and return only what authentication needs, by a secret's hash or a login email.
create function auth_find_api_key(p_hash bytea)
    returns table (tenant_id uuid, id uuid, key_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public
    as $$ select k.tenant_id, k.id, k.key_hash, k.scopes, k.expires_at, k.revoked_at from api_keys k where k.key_hash = p_hash $$;

create function auth_find_login(p_email text)
    returns table (tenant_id uuid, user_id uuid, password_hash text)
    language sql stable security definer set search_path = public
    as $$ select u.tenant_id, u.id, u.password_hash from users u where u.email = lower(p_email) $$;

create function auth_find_refresh_tenant(p_hash bytea)
    returns uuid
    language sql stable security definer set search_path = public
    as $$ select r.tenant_id from refresh_tokens r where r.token_hash = p_hash $$;

revoke all on function auth_find_api_key(bytea), auth_find_login(text), auth_find_refresh_tenant(bytea) from public;
grant execute on function auth_find_api_key(bytea), auth_find_login(text), auth_find_refresh_tenant(bytea) to versiqii_app;
