-- Mail: an outbox that is never lost (written in the transaction of the change that causes the
-- mail, sent by a worker after commit, retried with backoff) and password reset tokens. Neither
-- table is tenant-scoped: a password reset belongs to a person, not an organisation. The app role
-- has no privilege on either; it reaches them only through the definer functions below, which
-- run as the owner (BYPASSRLS) and do one narrow thing each. Row security is on and forced with
-- no policy, so a grant given by mistake still shows the app role nothing.

create table mail_outbox (
    id              bigserial primary key,
    -- The template it was made from ('password_reset'; later 'email_verification', 'invite').
    kind            text not null check (kind ~ '^[a-z_]{1,40}$'),
    recipient       text not null check (length(recipient) between 3 and 254 and recipient !~ '[\r\n]'),
    -- The message (subject, text and HTML parts) sealed with ChaCha20-Poly1305 under a key
    -- derived from the server's secret: bodies carry secrets (reset links). Set to null once the
    -- mail is sent, so a sent body is not kept at all; a dead mail keeps its sealed body.
    sealed          bytea,
    status          text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
    -- Sending attempts started (a claim counts one).
    attempts        int not null default 0,
    next_attempt_at timestamptz not null default now(),
    -- A worker claimed it and is sending until then; past it, another worker may claim it again.
    claimed_until   timestamptz,
    last_error      text,
    created_at      timestamptz not null default now(),
    sent_at         timestamptz
);
create index mail_outbox_due on mail_outbox (next_attempt_at, id) where status = 'pending';

create table password_resets (
    -- SHA-256 of the token mailed in the link; the token itself is never stored.
    token_hash  bytea primary key check (length(token_hash) = 32),
    user_id     uuid not null references users(id) on delete cascade,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now()
);
create index password_resets_user on password_resets (user_id) where used_at is null;

alter table mail_outbox enable row level security;
alter table mail_outbox force row level security;
alter table password_resets enable row level security;
alter table password_resets force row level security;
revoke all on mail_outbox, password_resets from public;

-- Queues a mail; the worker hears of it at commit (NOTIFY is sent when the transaction commits,
-- and not at all if it rolls back).
create function mail_enqueue(p_kind text, p_recipient text, p_sealed bytea)
    returns bigint
    language plpgsql volatile security definer set search_path = public
    as $$
declare v_id bigint;
begin
    insert into mail_outbox (kind, recipient, sealed) values (p_kind, p_recipient, p_sealed)
        returning id into v_id;
    perform pg_notify('mail_outbox', v_id::text);
    return v_id;
end $$;

-- Claims up to p_limit due mails for p_lease_secs: rows another worker is claiming right now are
-- skipped (for update skip locked), and a claimed row is not due again until its lease ends, so
-- several instances never send the same mail twice (unless one dies mid-send: then the mail is
-- sent again after the lease, at least once rather than never).
create function mail_claim(p_limit int, p_lease_secs int)
    returns table (id bigint, kind text, recipient text, sealed bytea, attempts int)
    language sql volatile security definer set search_path = public
    as $$
    update mail_outbox o
       set claimed_until = now() + make_interval(secs => p_lease_secs),
           attempts = o.attempts + 1
     where o.id in (select m.id from mail_outbox m
                     where m.status = 'pending' and m.next_attempt_at <= now()
                       and (m.claimed_until is null or m.claimed_until < now())
                     order by m.next_attempt_at, m.id
                     limit p_limit
                       for update skip locked)
    returning o.id, o.kind, o.recipient, o.sealed, o.attempts $$;

-- Sent: the body is dropped.
create function mail_mark_sent(p_id bigint)
    returns void
    language sql volatile security definer set search_path = public
    as $$
    update mail_outbox
       set status = 'sent', sent_at = now(), sealed = null, claimed_until = null, last_error = null
     where id = p_id and status = 'pending' $$;

-- A failed attempt: due again in p_retry_ms (the worker's exponential backoff), or dead after
-- p_max_attempts attempts (kept, with its last error, for an operator to look at). Returns the
-- row's status after it ('pending' or 'dead').
create function mail_mark_failed(p_id bigint, p_error text, p_retry_ms bigint, p_max_attempts int)
    returns text
    language sql volatile security definer set search_path = public
    as $$
    update mail_outbox
       set status = case when attempts >= p_max_attempts then 'dead' else 'pending' end,
           next_attempt_at = now() + make_interval(secs => p_retry_ms / 1000.0),
           claimed_until = null,
           last_error = left(p_error, 2000)
     where id = p_id and status = 'pending'
    returning status $$;

-- A forgotten password: stores the token's hash for the account with this email, if there is
-- one, and returns its user id (null for an unknown email: the caller answers the same).
create function password_reset_request(p_email text, p_token_hash bytea, p_expires_at timestamptz)
    returns uuid
    language sql volatile security definer set search_path = public
    as $$
    insert into password_resets (token_hash, user_id, expires_at)
    select p_token_hash, u.id, p_expires_at from users u where u.email = lower(p_email)
    returning user_id $$;

-- The person a valid (unused, unexpired) token belongs to, with each of their organisations
-- (oldest membership first), where the reset is audited; one row with a null tenant for a person
-- in none. No rows for an invalid token.
create function password_reset_find(p_token_hash bytea)
    returns table (user_id uuid, tenant_id uuid)
    language sql stable security definer set search_path = public
    as $$
    select r.user_id, m.tenant_id
      from password_resets r left join memberships m on m.user_id = r.user_id
     where r.token_hash = p_token_hash and r.used_at is null and r.expires_at > now()
     order by m.created_at, m.tenant_id $$;

-- Uses a token: once, before it expires. Sets the new password hash, ends every session of the
-- person (their refresh tokens in every organisation) and voids their other outstanding reset
-- links, all in the caller's transaction. Returns the user id, or null for an unknown, used or
-- expired token (nothing changes then).
create function password_reset_use(p_token_hash bytea, p_password_hash text)
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
    update password_resets set used_at = now() where user_id = v_user and used_at is null;
    return v_user;
end $$;

revoke all on function mail_enqueue(text, text, bytea), mail_claim(int, int), mail_mark_sent(bigint),
    mail_mark_failed(bigint, text, bigint, int), password_reset_request(text, bytea, timestamptz),
    password_reset_find(bytea), password_reset_use(bytea, text) from public;
grant execute on function mail_enqueue(text, text, bytea), mail_claim(int, int), mail_mark_sent(bigint),
    mail_mark_failed(bigint, text, bigint, int), password_reset_request(text, bytea, timestamptz),
    password_reset_find(bytea), password_reset_use(bytea, text) to versiqii_app;
