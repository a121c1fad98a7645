-- Email verification: a new person's email is proved by a single-use link (only its SHA-256 is
-- stored; it works for 48 hours) before they may create API keys or invite others. People from
-- before verification existed count as verified. Like password resets, the tokens belong to a
-- person, not an organisation: the app role reaches them only through the definer functions
-- below, and row security is forced with no policy.

alter table users add column email_verified_at timestamptz;
update users set email_verified_at = created_at;

create table email_verifications (
    token_hash  bytea primary key check (length(token_hash) = 32),
    user_id     uuid not null references users(id) on delete cascade,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now()
);
create index email_verifications_user on email_verifications (user_id) where used_at is null;
alter table email_verifications enable row level security;
alter table email_verifications force row level security;
revoke all on email_verifications from public;

-- A new link for a person whose email is not verified yet; their earlier links stop working.
-- Returns the email to send it to, or null when there is nothing to verify.
create function email_verification_request(p_user uuid, p_token_hash bytea, p_expires_at timestamptz)
    returns text
    language plpgsql volatile security definer set search_path = public
    as $$
declare v_email text;
begin
    select email into v_email from users where id = p_user and email_verified_at is null;
    if v_email is null then
        return null;
    end if;
    update email_verifications set used_at = now() where user_id = p_user and used_at is null;
    insert into email_verifications (token_hash, user_id, expires_at)
        values (p_token_hash, p_user, p_expires_at);
    return v_email;
end $$;

-- Uses a link: once, before it expires. Returns the person it verified, or null for an unknown,
-- used or expired token (nothing changes then).
create function email_verification_use(p_token_hash bytea)
    returns uuid
    language plpgsql volatile security definer set search_path = public
    as $$
declare v_user uuid;
begin
    update email_verifications set used_at = now()
     where token_hash = p_token_hash and used_at is null and expires_at > now()
    returning user_id into v_user;
    if v_user is not null then
        update users set email_verified_at = coalesce(email_verified_at, now()) where id = v_user;
    end if;
    return v_user;
end $$;

revoke all on function email_verification_request(uuid, bytea, timestamptz),
    email_verification_use(bytea) from public;
grant execute on function email_verification_request(uuid, bytea, timestamptz),
    email_verification_use(bytea) to versiqii_app;
