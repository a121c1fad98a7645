-- A personal session's refresh token presented again moments after its rotation, while its
-- successor was never used, is a lost answer (a reload mid-refresh), not a leak: the unused
-- successor ends and a new one takes its place, as for organisations' sessions
-- (backend/store/src/refresh_tokens.rs, REUSE_GRACE_SECS). Any later reuse still ends every
-- personal session of the person.

create or replace function person_session_rotate(p_old_hash bytea, p_new_hash bytea, p_expires_at timestamptz)
    returns uuid
    language plpgsql volatile security definer set search_path = public
    as $$
declare v_row person_sessions;
declare v_new uuid := gen_random_uuid();
declare v_ended int;
begin
    select * into v_row from person_sessions where token_hash = p_old_hash for update;
    if not found then
        return null;
    end if;
    if v_row.revoked_at is not null then
        if v_row.revoked_at > now() - interval '30 seconds' and v_row.replaced_by is not null then
            update person_sessions set revoked_at = now()
             where id = v_row.replaced_by and revoked_at is null;
            get diagnostics v_ended = row_count;
            if v_ended = 1 then
                insert into person_sessions (id, user_id, token_hash, expires_at)
                values (v_new, v_row.user_id, p_new_hash, p_expires_at);
                update person_sessions set replaced_by = v_new where id = v_row.id;
                return v_row.user_id;
            end if;
        end if;
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
