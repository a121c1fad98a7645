#!/usr/bin/env bash
# Promotion of 500 targets (issue 17), against fresh Postgres + Redis and the server binary
# given (default: the debug build in $CARGO_TARGET_DIR or target/). Prints loadtest/promotion.py's
# JSON. Usage: loadtest/promotion_bench.sh [SERVER_BINARY] [TARGETS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/versiqii-server}
targets=${2:-500}
work=$(mktemp -d /tmp/vq-promotion-bench.XXXXXX)
cleanup() {
  [ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true
  bash scripts/services.sh stop "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
pg_port=$(bash scripts/free-port.sh); redis_port=$(bash scripts/free-port.sh); http_port=$(bash scripts/free-port.sh)
VERSIQII_PG_EPHEMERAL=1 bash scripts/services.sh start "$work" "$pg_port" "$redis_port" versiqii >/dev/null
# shellcheck disable=SC1091
. "$work/env"
"$bin" migrate >/dev/null
export VERSIQII_JWT_SECRET
VERSIQII_JWT_SECRET=$(head -c 48 /dev/urandom | base64)
export VERSIQII_HTTP_PORT=$http_port VERSIQII_LOG=warn VERSIQII_PLAN_RATE_FREE=0
export VERSIQII_PLAN_RATE_ENTERPRISE=0 VERSIQII_REQUIRE_VERIFIED_EMAIL=false
"$bin" serve >"$work/server.log" 2>&1 &
pid=$!
url=http://127.0.0.1:$http_port
for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.2; done
PYTHONPATH=$root/loadtest python3 loadtest/promotion.py --url "$url" \
  --plan-db "$VERSIQII_OWNER_DATABASE_URL" --server-pid "$pid" --targets "$targets"
