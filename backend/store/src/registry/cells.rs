//! Bindings, deployments and observations are histories: the newest row per (environment,
//! target) is the current one. They share this look-up.

/// Ids of the newest row per (environment, target) of history `table`, in the environment
/// named by bind parameter `env_param` (`one_env`) or in all of them (`env_param` is then
/// bound to null). Only the history's own `(tenant_id, environment_id, target_id, seq desc)`
/// index is read, and only at each cell's two ends: a recursive skip scan finds the cells (one
/// index descent per cell, to the first entry past the last cell found), then one descent per
/// cell finds its newest row. The cost is O(cells · log history), not O(history): a DISTINCT ON
/// over the index reads every row of the environment's history (188 ms at 50k rows against
/// 0.24 ms; docs/benchmarks.md, "Bindings write path"). Callers take the rows by
/// `id = any(array(...))`, not `id in (...)`: with `in`, the generic plan a prepared statement
/// settles on joins the ids to a sequential scan of the whole history.
pub(crate) fn newest_per_cell(table: &str, env_param: &str, one_env: bool) -> String {
    if one_env {
        // With the environment fixed, the next cell is the next target in it: `target_id >`
        // positions the descent (a row comparison behind an equality on environment_id would
        // only filter, reading the last cell's whole history).
        let env = format!("(select id from environments where name = {env_param})");
        format!(
            "with recursive cells(target_id) as (
               (select h.target_id from {table} h where h.environment_id = {env}
                order by h.target_id limit 1)
               union all
               select (select h.target_id from {table} h
                       where h.environment_id = {env} and h.target_id > c.target_id
                       order by h.target_id limit 1)
               from cells c where c.target_id is not null
             )
             select (select h.id from {table} h
                     where h.environment_id = {env} and h.target_id = c.target_id
                     order by h.seq desc limit 1)
             from cells c where c.target_id is not null"
        )
    } else {
        format!(
            "with recursive cells(environment_id, target_id) as (
               (select h.environment_id, h.target_id from {table} h where {env_param}::text is null
                order by h.environment_id, h.target_id limit 1)
               union all
               select n.environment_id, n.target_id from cells c cross join lateral (
                 select h.environment_id, h.target_id from {table} h
                 where (h.environment_id, h.target_id) > (c.environment_id, c.target_id)
                 order by h.environment_id, h.target_id limit 1) n
             )
             select (select h.id from {table} h
                     where h.environment_id = c.environment_id and h.target_id = c.target_id
                     order by h.seq desc limit 1)
             from cells c"
        )
    }
}
