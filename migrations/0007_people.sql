-- People in several organisations. A user is one email and one password, no longer a row of one
-- tenant: `users` loses its tenant_id and a user belongs to organisations through `memberships`
-- (tenant-scoped, one role each). Inside a tenant's transaction only the users who are members of
-- that tenant are visible; nobody's email or password hash is readable from another tenant.
-- The service may create users (sign-up, accepted invites) but never change or delete one from a
-- tenant's transaction: an admin of one organisation must not be able to touch a person's
-- credentials, which open their other organisations too. Credential changes go through
-- definer functions that check what they are given.

drop policy tenant_isolation on users;
alter table users drop column tenant_id;

create policy users_of_this_tenant on users for select
    using (exists (select 1 from memberships m where m.user_id = users.id and m.tenant_id = app_tenant()));
-- A new person is not a member of anything yet; the same transaction adds the membership.
create policy users_new on users for insert with check (true);
revoke update, delete, truncate on users from versiqii_app;

-- A login names a person, not a tenant.
drop function auth_find_login(text);
create function auth_find_login(p_email text)
    returns table (user_id uuid, password_hash text)
    language sql stable security definer set search_path = public
    as $$ select u.id, u.password_hash from users u where u.email = lower(p_email) $$;

-- A person's organisations, oldest membership first: for choosing the session's organisation at
-- login and for `versiqii orgs list`. Only ever called with the authenticated user's own id.
create function people_organisations(p_user uuid)
    returns table (tenant_id uuid, slug text, name text, role text, joined_at timestamptz)
    language sql stable security definer set search_path = public
    as $$ select t.id, t.slug, t.name, m.role, m.created_at
            from memberships m join tenants t on t.id = m.tenant_id
           where m.user_id = p_user
           order by m.created_at, t.slug $$;

revoke all on function auth_find_login(text), people_organisations(uuid) from public;
grant execute on function auth_find_login(text), people_organisations(uuid) to versiqii_app;

-- The last owner of an organisation stays: demoting or removing them is refused in the
-- database too, whatever the service checks first.
create function memberships_keep_an_owner() returns trigger
    language plpgsql as $$
begin
    if old.role = 'owner'
       and (tg_op = 'DELETE' or new.role <> 'owner')
       and not exists (select 1 from memberships m
                        where m.tenant_id = old.tenant_id and m.role = 'owner'
                          and m.user_id <> old.user_id)
       and exists (select 1 from tenants t where t.id = old.tenant_id) then
        raise exception 'an organisation keeps at least one owner' using errcode = 'P0001';
    end if;
    return coalesce(new, old);
end $$;
create trigger memberships_keep_an_owner before update or delete on memberships
    for each row execute function memberships_keep_an_owner();
