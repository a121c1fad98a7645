#!/usr/bin/env bash
# The bindings write path against pgbench on the same Postgres (docs/benchmarks.md, "Bindings
# write path"). Starts its own Postgres 15 (fsync on: durable commits, as in production) and
# Redis under WORKDIR, the release server, 8 tenants each with an API key, a target, a schema
# and two configs; writes HISTORY binding rows in total (split over the tenants, all in the
# cell the benchmark binds into) in SQL; then `wrk -t8 -c8` POSTs bindings, each connection in
# its own tenant, and `pgbench -M prepared -c 8 -j 8` runs TPC-B on the same cluster.
#
#   loadtest/bindings_bench.sh [HISTORY] [SECONDS]
#   SERVER=path/to/versiqii-server WORKDIR=/tmp/vq-bindings-bench loadtest/bindings_bench.sh 100000
#
# STATEMENTS=1 loads pg_stat_statements (with planning times) and writes the statements of the
# run, most expensive first, to WORKDIR/statements.txt: a diagnostic run, not a figure. Both
# phases print WAL syncs (pg_stat_wal) per transaction.
#
# Needs wrk and pgbench (Debian: apt-get install -y wrk postgresql-contrib).
set -euo pipefail
history=${1:-0}
secs=${2:-20}
tenants=8
root=$(cd "$(dirname "$0")/.." && pwd)
server=${SERVER:-${CARGO_TARGET_DIR:-$root/target}/release/versiqii-server}
work=${WORKDIR:-/tmp/vq-bindings-bench}
[ -x "$server" ] || { echo "no server binary at $server (cargo build --release -p versiqii-server)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)" >&2; exit 2; }
command -v pgbench >/dev/null || { echo "pgbench is missing (apt-get install -y postgresql-contrib)" >&2; exit 2; }

server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  bash "$root/scripts/services.sh" stop "$work" >/dev/null 2>&1 || true
}
trap cleanup EXIT

bash "$root/scripts/services.sh" stop "$work" >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$work"
pg_port=$(bash "$root/scripts/free-port.sh")
redis_port=$(bash "$root/scripts/free-port.sh")
# No VERSIQII_PG_EPHEMERAL: that turns fsync and synchronous_commit off.
bash "$root/scripts/services.sh" start "$work" "$pg_port" "$redis_port" >/dev/null
# shellcheck disable=SC1091
. "$work/env"
superuser() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
su_psql() { superuser psql -h "$VERSIQII_PG_SOCKET" -p "$VERSIQII_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "${STATEMENTS:-0}" = 1 ]; then
  su_psql -d postgres -c "alter system set shared_preload_libraries = 'pg_stat_statements'"
  superuser /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -w restart >/dev/null
  su_psql -d postgres -c "alter system set pg_stat_statements.track_planning = on" -c "select pg_reload_conf()" >/dev/null
  su_psql -d versiqii -c "create extension pg_stat_statements"
fi
wal_syncs() { su_psql -d postgres -c "select wal_sync from pg_stat_wal"; }
echo "postgres: fsync=$(su_psql -d versiqii -c 'show fsync') synchronous_commit=$(su_psql -d versiqii -c 'show synchronous_commit')"

"$server" migrate >/dev/null
http_port=$(bash "$root/scripts/free-port.sh")
url=http://127.0.0.1:$http_port
VERSIQII_HTTP_PORT=$http_port VERSIQII_LOG=warn VERSIQII_PLAN_RATE_FREE=0 \
  VERSIQII_SIGNUPS_PER_HOUR=1000 VERSIQII_REQUIRE_VERIFIED_EMAIL=false \
  "$server" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

python3 "$root/loadtest/bindings_bench.py" --url "$url" --tenants $tenants >"$work/tenants"

# The history: rows as bindings create writes them, in the cell the benchmark binds into,
# alternating the tenant's two revisions.
if [ "$history" -gt 0 ]; then
  per=$((history / tenants))
  while read -r slug _ rev_a rev_b; do
    psql "$VERSIQII_OWNER_DATABASE_URL" -v ON_ERROR_STOP=1 -qAt -c "
      insert into bindings (tenant_id, id, environment_id, target_id, target_version_id,
                            config_revision_id, schema_version_id, created_by)
      select b.tenant_id, gen_random_uuid(), b.environment_id, b.target_id, b.target_version_id,
             case when g % 2 = 0 then '$rev_a'::uuid else '$rev_b'::uuid end,
             b.schema_version_id, b.created_by
      from bindings b join tenants t on t.id = b.tenant_id, generate_series(1, $per) g
      where t.slug = '$slug'"
  done <"$work/tenants"
  su_psql -d versiqii -c "vacuum analyze"
fi
echo "history: $(su_psql -d versiqii -c 'select count(*) from bindings') binding rows over $tenants tenants"

[ "${STATEMENTS:-0}" = 1 ] && su_psql -d versiqii -c "select pg_stat_statements_reset()" >/dev/null
syncs0=$(wal_syncs)
BENCH_TENANTS="$work/tenants" wrk -t$tenants -c$tenants -d"${secs}s" --latency \
  -s "$root/loadtest/bindings_bench.lua" "$url" >"$work/wrk.out" 2>"$work/wrk.err" || true
result=$(grep '^RESULT' "$work/wrk.out" || { cat "$work/wrk.out" "$work/wrk.err" >&2; exit 1; })
bind_syncs=$(($(wal_syncs) - syncs0))
if [ "${STATEMENTS:-0}" = 1 ]; then
  su_psql -d versiqii -F ' | ' -c "
    select calls, plans, round(((total_exec_time + total_plan_time) / greatest(calls, 1))::numeric, 3) as per_call_ms,
           round(mean_exec_time::numeric, 3) as exec_ms, round(mean_plan_time::numeric, 3) as plan_ms,
           round((total_exec_time + total_plan_time)::numeric, 0) as total_ms,
           regexp_replace(left(query, 110), '\s+', ' ', 'g')
    from pg_stat_statements s join pg_database d on d.oid = s.dbid
    where d.datname = 'versiqii'
    order by total_exec_time + total_plan_time desc" >"$work/statements.txt"
  # The columns: calls | plans | ms per call (planning included) | mean execution ms | mean
  # planning ms (per plan made) | total ms | statement.
  echo "statements: $(awk -F' [|] ' '{ n += $1 } END { print n }' "$work/statements.txt") calls, in $work/statements.txt"
fi
echo "after the run: $(su_psql -d versiqii -c 'select count(*) from bindings') binding rows"
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=

su_psql -d postgres -c "create database pgbench"
superuser pgbench -h "$VERSIQII_PG_SOCKET" -p "$VERSIQII_PG_PORT" -U postgres -i -s 8 -q pgbench >"$work/pgbench-init.log" 2>&1
syncs0=$(wal_syncs)
superuser pgbench -h "$VERSIQII_PG_SOCKET" -p "$VERSIQII_PG_PORT" -U postgres -M prepared -c 8 -j 8 \
  -T "$secs" pgbench >"$work/pgbench.out" 2>&1
pgbench_syncs=$(($(wal_syncs) - syncs0))
txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.out" | head -1)
# The same transactions with a NOTIFY each: Postgres serialises notifying transactions through
# their commit (async.c holds a database-wide lock until after the commit record is flushed).
syncs0=$(wal_syncs)
superuser pgbench -h "$VERSIQII_PG_SOCKET" -p "$VERSIQII_PG_PORT" -U postgres -M prepared -c 8 -j 8 \
  -T "$secs" -f "$root/loadtest/pgbench_notify.sql" pgbench >"$work/pgbench-notify.out" 2>&1
notify_syncs=$(($(wal_syncs) - syncs0))
notify_txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench-notify.out")
notify_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-notify.out" | head -1)

python3 - "$result" "$tps" "$history" "$bind_syncs" "$pgbench_syncs" "$txns" \
  "$notify_tps" "$notify_syncs" "$notify_txns" <<'PY'
import sys
fields = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
created, secs, tps = int(fields["created"]), float(fields["secs"]), float(sys.argv[2])
binds = created / secs
print(f"history {sys.argv[3]}: {binds:.1f} binds/s ({created} created, {fields['other']} other answers), "
      f"p50 {fields['p50_ms']} ms, p90 {fields['p90_ms']} ms, p99 {fields['p99_ms']} ms; "
      f"pgbench {tps:.1f} tps; ratio {100 * binds / tps:.1f}%")
syncs, pg_syncs, txns = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"WAL syncs: {syncs / max(created, 1):.2f} per bind, {pg_syncs / max(txns, 1):.2f} per pgbench transaction")
n_tps, n_syncs, n_txns = float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
print(f"pgbench with a NOTIFY per transaction: {n_tps:.1f} tps, {n_syncs / max(n_txns, 1):.2f} WAL syncs per transaction; "
      f"binds/s are {100 * binds / n_tps:.1f}% of it")
PY
