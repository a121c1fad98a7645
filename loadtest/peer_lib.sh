# Shared by loadtest/validate_vs_echo.sh and loadtest/env_configs_vs_unleash.sh (sourced, not
# run): builds and starts a release versiqii-server on a private Postgres 15 (fsync on, as in a
# deployment) and Redis, runs oha, and stops what it started.
#
# Settings (environment):
#   BENCH_STATE       state directory of Postgres, Redis and the run's files (/tmp/vq-peer-bench)
#   BENCH_DURATION    each measured run (20s)
#   BENCH_CONNS       connections of the throughput runs (32)
#   CARGO_TARGET_DIR  where the release server is built (the workspace's target/)
#   BENCH_NO_BUILD=1  use the binaries already built there (versiqii-server's build script
#                     reruns while web/dist is absent, which rebuilds the whole crate)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${BENCH_STATE:-/tmp/vq-peer-bench}
duration=${BENCH_DURATION:-20s}
conns=${BENCH_CONNS:-32}
target_dir=${CARGO_TARGET_DIR:-$root/target}
export PATH="$HOME/.cargo/bin:$PATH"
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  bash "$root/scripts/services.sh" stop "$state"
}

free_port() { bash "$root/scripts/free-port.sh"; }

wait_http() { # URL PID
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "the process serving $1 exited" >&2; return 1; }
    sleep 0.2
  done
  echo "$1 did not answer" >&2
  return 1
}

build_server() {
  server_bin=$target_dir/release/versiqii-server
  [ "${BENCH_NO_BUILD:-0}" = 1 ] && [ -x "$server_bin" ] && return 0
  echo "building versiqii-server (release)..." >&2
  (cd "$root" && CARGO_TARGET_DIR=$target_dir cargo build --release --bin versiqii-server >&2)
  server_bin=$target_dir/release/versiqii-server
}

# Postgres 15 and Redis of their own: never VERSIQII_PG_EPHEMERAL, whose fsync=off would
# flatter every write (the reads measured here do few).
start_services() {
  unset VERSIQII_PG_EPHEMERAL
  mkdir -p "$state"
  bash "$root/scripts/services.sh" start "$state" "$(free_port)" "$(free_port)" versiqii
  # shellcheck disable=SC1091
  . "$state/env"
  psql_super() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- psql -h "$VERSIQII_PG_SOCKET" -p "$VERSIQII_PG_PORT" -U postgres -qAt "$@"; else psql -h "$VERSIQII_PG_SOCKET" -p "$VERSIQII_PG_PORT" -U postgres -qAt "$@"; fi; }
  [ "$(psql_super -c 'show fsync')" = on ] || { echo "Postgres runs with fsync off" >&2; return 1; }
  "$server_bin" migrate >&2
}

# The server as deployed (2 HTTP workers, log level info), except what would measure the
# limiter instead of the server: the free plan's budget (20 requests/s) and quotas (1M calls a
# month, 25 targets, 100 configs) are lifted, and API keys may be made before the email is
# verified (the provisioning signs up and makes its key at once).
start_server() {
  server_port=$(free_port)
  VERSIQII_HTTP_PORT=$server_port VERSIQII_REQUIRE_VERIFIED_EMAIL=false \
    VERSIQII_PLAN_RATE_FREE=0 VERSIQII_PLAN_QUOTA_CALLS_MONTH_FREE=0 \
    VERSIQII_PLAN_QUOTA_TARGETS_FREE=0 VERSIQII_PLAN_QUOTA_CONFIGS_FREE=0 \
    "$server_bin" serve >"$state/server.log" 2>&1 &
  pids+=($!)
  server_url=http://127.0.0.1:$server_port
  wait_http "$server_url/readyz" "$!"
}

# oha NAME ARGS...: one run, its JSON summary in $state/NAME.json.
oha_run() {
  local name=$1
  shift
  echo "  oha $name: $*" >&2
  oha --no-tui --output-format json "$@" >"$state/$name.json"
}

# The figures of a run: requests/s of its successes, p50, p99 (ms), and answers by status.
oha_figures() {
  python3 - "$state/$1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
ok = sum(n for c, n in codes.items() if c in ("200", "304"))
total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
rps = s["requestsPerSec"] * (ok / total if total else 0)
ms = lambda v: (v or 0) * 1000
print(f"{rps:.0f} {ms(p['p50']):.2f} {ms(p['p99']):.2f} {' '.join(f'{c}x{n}' for c, n in sorted(codes.items()))} errors={sum(r.get('errorDistribution', {}).values())}")
PY
}
