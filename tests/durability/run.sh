#!/usr/bin/env bash
# Durability check (issue 12, item 6): a client writes thousands of config revisions and
# bindings while the server is killed with SIGKILL and Postgres is crash-restarted mid-run; every
# write the client saw acknowledged must still be there, and no lineage's revision numbers may
# have a gap. Postgres runs with fsync, synchronous_commit and full_page_writes on (the test
# fails if they are not).
#
#   tests/durability/run.sh [SERVER_BIN] [-- kill_and_restart.py args, e.g. --writes 20000]
#
# SERVER_BIN defaults to the debug build in cargo's target directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

bin=${1:-}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
if [ -z "$bin" ]; then
  target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  bin=$target/debug/versiqii-server
fi
[ -x "$bin" ] || { echo "no server binary at $bin (cargo build -p versiqii-server)" >&2; exit 2; }

work=$(mktemp -d /tmp/versiqii-durability.XXXXXX)
cleanup() { bash "$root/scripts/services.sh" stop "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
pg_port=$(bash scripts/free-port.sh)
redis_port=$(bash scripts/free-port.sh)
http_port=$(bash scripts/free-port.sh)
# A durable cluster: no VERSIQII_PG_EPHEMERAL, so fsync, synchronous_commit and
# full_page_writes keep their defaults (on); kill_and_restart.py checks them with SHOW.
env -u VERSIQII_PG_EPHEMERAL bash scripts/services.sh start "$work" "$pg_port" "$redis_port" versiqii >/dev/null
# shellcheck disable=SC1091
. "$work/env"
"$bin" migrate >/dev/null

export VERSIQII_JWT_SECRET_FILE VERSIQII_HTTP_PORT=$http_port
export VERSIQII_PLAN_RATE_FREE=0 VERSIQII_SIGNUPS_PER_HOUR=1000 VERSIQII_LOG=${VERSIQII_LOG:-warn}
# The client makes its API key straight after signing up (no mailbox here).
export VERSIQII_REQUIRE_VERIFIED_EMAIL=false
python3 tests/durability/kill_and_restart.py --server "$bin" --port "$http_port" \
  --pg-data "$work/pg" --log "$work/server.log" "$@"
