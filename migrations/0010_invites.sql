-- Invites: an admin (an owner, for `owner`) invites an email into the organisation with a role.
-- The invitee gets a mail with a single-use link (only the token's SHA-256 is stored) that works
-- for 7 days; they accept it signed in as the person with that email, or by signing up with it.
-- The table is tenant-scoped like every other (forced row security on app_tenant()); acceptance
-- starts from the link alone, before the tenant is known, so one definer function finds an
-- invite by its token's hash and returns only what acceptance needs: the rest happens in the
-- invite's tenant transaction, under its policy.

create table invites (
    tenant_id    uuid not null references tenants(id),
    id           uuid primary key,
    -- Lower case (`versiqii_core::Email`); no line breaks (it becomes a mail header).
    email        text not null check (email = lower(email) and length(email) between 3 and 254
                                      and email !~ '[[:cntrl:]]'),
    role         text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
    -- SHA-256 of the token in the mailed link; a resend replaces it, so the older link stops
    -- working.
    token_hash   bytea not null unique check (length(token_hash) = 32),
    -- Who invited (`user:<id>` or `api_key:<id>`), as audit rows name actors.
    invited_by   text not null,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null,
    -- How many mails were queued for it (1 at creation, one more per resend), and the last one.
    send_count   int not null default 1 check (send_count >= 1),
    last_sent_at timestamptz not null default now(),
    accepted_at  timestamptz,
    accepted_by  uuid references users(id) on delete set null,
    revoked_at   timestamptz,
    check (accepted_at is null or revoked_at is null)
);
-- One open invite per email and organisation (an expired one stays open until it is resent or
-- revoked): a second create is refused with `invite_exists`.
create unique index invites_open_email on invites (tenant_id, email)
    where accepted_at is null and revoked_at is null;
create index invites_tenant_created on invites (tenant_id, created_at desc);

alter table invites enable row level security;
alter table invites force row level security;
create policy tenant_isolation on invites
    using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
-- Invites are revoked, never deleted, by the service: the list keeps their history.
grant select, insert, update on invites to versiqii_app;

-- The invite a link's token names, before the tenant is known: its tenant and id and what
-- acceptance checks (the email it is for, the role, whether it is still open). Nothing for an
-- unknown token. The caller then opens the invite's tenant transaction and locks the row there.
create function invite_find(p_token_hash bytea)
    returns table (tenant_id uuid, id uuid, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public
    as $$ select i.tenant_id, i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
            from invites i where i.token_hash = p_token_hash $$;

revoke all on function invite_find(bytea) from public;
grant execute on function invite_find(bytea) to versiqii_app;
