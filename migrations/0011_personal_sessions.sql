-- People with no organisation: sign-up may create a person without a first organisation, and a
-- person who belongs to none (not yet, or no longer) may still sign in, to create one or accept an
-- invite. Their session is personal: an access token with no tenant, and a refresh token stored
-- here, apart from the tenants' `refresh_tokens`. Like password resets and email verifications,
-- these rows belong to a person, not an organisation: the app role reaches them only through the
-- definer functions below, and row security is forced with no policy.

create table person_sessions (
    id           uuid primary key,
    user_id      uuid not null references users(id) on delete cascade,
    token_hash   bytea not null unique check (length(token_hash) = 32),
    expires_at   timestamptz not null,
    revoked_at   timestamptz,
    replaced_by  uuid,
    created_at   timestamptz not null default now()
);
create index person_sessions_user on person_sessions (user_id) where revoked_at is null;
alter table person_sessions enable row level security;
alter table person_sessions force row level security;
revoke all on person_sessions from public;

-- A person with no organisation. Raises unique_violation (23505) when the email has an account.
create function person_create(p_id uuid, p_email text, p_display_name text, p_password_hash text)
    returns void
    language sql volatile security definer set search_path = public
    as $$
    insert into users (id, email, display_name, password_hash)
    values (p_id, lower(p_email), p_display_name, p_password_hash) $$;

-- A personal session for a person who proved who they are (the caller checked the password).
create function person_session_create(p_user uuid, p_token_hash bytea, p_expires_at timestamptz)
    returns void
    language sql volatile security definer set search_path = public
    as $$
    insert into person_sessions (id, user_id, token_hash, expires_at)
    values (gen_random_uuid(), p_user, p_token_hash, p_expires_at) $$;

-- Trades a refresh token for a new one, once: returns the person, or null for an unknown,
-- expired or revoked token. A revoked token presented again has leaked: every personal session of
-- its person ends (the commit keeps that, whatever the caller answers).
create function person_session_rotate(p_old_hash bytea, p_new_hash bytea, p_expires_at timestamptz)
    returns uuid
    language plpgsql volatile security definer set search_path = public
    as $$
declare v_row person_sessions;
declare v_new uuid := gen_random_uuid();
begin
    select * into v_row from person_sessions where token_hash = p_old_hash for update;
    if not found then
        return null;
    end if;
    if v_row.revoked_at is not null then
        update person_sessions set revoked_at = now() where user_id = v_row.user_id and revoked_at is null;
        return null;
    end if;
    if v_row.expires_at < now() then
        return null;
    end if;
    insert into person_sessions (id, user_id, token_hash, expires_at)
    values (v_new, v_row.user_id, p_new_hash, p_expires_at);
    update person_sessions set revoked_at = now(), replaced_by = v_new where id = v_row.id;
    return v_row.user_id;
end $$;

-- Ends one personal session (logout). True when it was open.
create function person_session_revoke(p_token_hash bytea)
    returns boolean
    language sql volatile security definer set search_path = public
    as $$
    with ended as (
        update person_sessions set revoked_at = now()
         where token_hash = p_token_hash and revoked_at is null returning 1)
    select exists (select 1 from ended) $$;

-- A password reset ends personal sessions too, with every other.
create or replace function password_reset_use(p_token_hash bytea, p_password_hash text)
    returns uuid
    language plpgsql volatile security definer set search_path = public
    as $$
declare v_user uuid;
begin
    update password_resets set used_at = now()
     where token_hash = p_token_hash and used_at is null and expires_at > now()
    returning user_id into v_user;
    if v_user is null then
        return null;
    end if;
    update users set password_hash = p_password_hash where id = v_user;
    update refresh_tokens set revoked_at = now() where user_id = v_user and revoked_at is null;
    update person_sessions set revoked_at = now() where user_id = v_user and revoked_at is null;
    update password_resets set used_at = now() where user_id = v_user and used_at is null;
    return v_user;
end $$;

revoke all on function person_create(uuid, text, text, text),
    person_session_create(uuid, bytea, timestamptz),
    person_session_rotate(bytea, bytea, timestamptz), person_session_revoke(bytea) from public;
grant execute on function person_create(uuid, text, text, text),
    person_session_create(uuid, bytea, timestamptz),
    person_session_rotate(bytea, bytea, timestamptz), person_session_revoke(bytea) to versiqii_app;
