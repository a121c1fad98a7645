-- API keys limited to some environments: `envs` null means every environment; otherwise a key may
-- act (bind, deploy, roll back, report) only in the environments listed. A pipeline's key for
-- staging cannot bind in production.

alter table api_keys add column envs text[];
alter table api_keys add constraint api_keys_envs_not_empty
    check (envs is null or cardinality(envs) between 1 and 64);

drop function auth_find_api_key(bytea);
create function auth_find_api_key(p_hash bytea)
    returns table (tenant_id uuid, id uuid, key_hash bytea, scopes text[], envs text[],
                   expires_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public
    as $$ select k.tenant_id, k.id, k.key_hash, k.scopes, k.envs, k.expires_at, k.revoked_at
            from api_keys k where k.key_hash = p_hash $$;
revoke all on function auth_find_api_key(bytea) from public;
grant execute on function auth_find_api_key(bytea) to versiqii_app;
