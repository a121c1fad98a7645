//! Bindings, deployments and observations are histories: the newest row per (environment,
//! target) is the current one. They share this look-up.

/// Ids of the newest row per (environment, target) of history `table`, in the environment
/// named by bind parameter `env_param` (all environments when it is null). Only the history's
/// own `(tenant_id, environment_id, target_id, seq desc)` index is read; callers join the rest
/// onto these ids, not onto the whole history.
pub(crate) fn newest_per_cell(table: &str, env_param: &str) -> String {
    format!(
        "select distinct on (h.environment_id, h.target_id) h.id from {table} h
         where {env_param}::text is null
            or h.environment_id = (select id from environments where name = {env_param})
         order by h.environment_id, h.target_id, h.seq desc"
    )
}
