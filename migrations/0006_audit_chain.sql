-- The audit chain proves itself: events hashed with version 2 also cover their id, tenant and
-- time (version 1 events, written before, keep their hash and are verified as they were).
alter table audit_events add column hash_version smallint not null default 1;

-- Append-only tables refuse updates, deletes and truncation whoever asks: a role granted the
-- privilege by mistake, the owner, a superuser (short of disabling the trigger, which is
-- itself an audited DDL event in any managed Postgres).
create function refuse_append_only_change() returns trigger
    language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name using errcode = 'insufficient_privilege';
end $$;

do $$
declare t text;
begin
    foreach t in array array['audit_events', 'schema_versions', 'target_versions', 'config_revisions',
                             'bindings', 'deployments', 'observations', 'migrations'] loop
        execute format('create trigger append_only before update or delete or truncate on %I
                        for each statement execute function refuse_append_only_change()', t);
    end loop;
end $$;
