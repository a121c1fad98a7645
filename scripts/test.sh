#!/usr/bin/env bash
# Everything CI checks, on free ports in a temporary directory: Postgres and Redis for real, then
# formatting, the OpenAPI drift and client checks, every test, and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh

step() { printf '\n== %s\n' "$*" >&2; }

step "formatting"
cargo fmt --all --check

step "console: API types from spec/openapi.json, tsc --strict, ESLint, Vite build"
# Before the Rust build: the server embeds web/dist.
(cd web && npm run -s gen:api >/dev/null && npm run -s typecheck && npm run -s lint && npm run -s build >/dev/null)

step "build"
cargo build --workspace --bins
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

step "OpenAPI drift (spec/openapi.json against the code)"
if ! "$target/debug/versiqii-server" openapi | diff -u spec/openapi.json - >/tmp/vq-openapi.diff; then
  head -50 /tmp/vq-openapi.diff >&2
  echo "spec/openapi.json is stale: run 'make openapi' and commit it" >&2
  exit 1
fi

if ! "$target/debug/versiqii-server" ops-openapi | diff -u spec/ops-openapi.json - >/tmp/vq-openapi.diff; then
  head -50 /tmp/vq-openapi.diff >&2
  echo "spec/ops-openapi.json is stale: run 'make openapi' and commit it" >&2
  exit 1
fi

step "OpenAPI client (unique operationIds; openapi-typescript + tsc --strict on web/src/api)"
bash scripts/openapi-client-check.sh

step "generated docs (docs/errors.md, docs/events.md, spec/events.json against the code)"
for doc in "errors-doc docs/errors.md" "events-doc docs/events.md" "events-json spec/events.json"; do
  set -- $doc
  if ! "$target/debug/versiqii-server" "$1" | diff -u "$2" - >/tmp/vq-doc.diff; then
    head -30 /tmp/vq-doc.diff >&2
    echo "$2 is stale: run 'make docs' and commit it" >&2
    exit 1
  fi
done

step "services"
work=$(mktemp -d /tmp/versiqii-test.XXXXXX)
cleanup() { bash "$root/scripts/mailbox.sh" stop "$work" || true; bash "$root/scripts/services.sh" stop "$work" || true; rm -rf "$work"; }
trap cleanup EXIT
pg_port=$(bash scripts/free-port.sh)
redis_port=$(bash scripts/free-port.sh)
VERSIQII_PG_EPHEMERAL=1 bash scripts/services.sh start "$work" "$pg_port" "$redis_port" versiqii_template
# shellcheck disable=SC1091
. "$work/env"
"$target/debug/versiqii-server" migrate

# Each test creates its own database from this template, so tests never share rows.
owner_base=${VERSIQII_OWNER_DATABASE_URL%/*}
app_base=${VERSIQII_DATABASE_URL%/*}
dispatcher_base=${VERSIQII_DISPATCHER_DATABASE_URL%/*}
export VERSIQII_TEST_OWNER_URL=$owner_base VERSIQII_TEST_APP_URL=$app_base
export VERSIQII_TEST_DISPATCHER_URL=$dispatcher_base
export VERSIQII_TEST_OPERATOR_URL=${VERSIQII_OPERATOR_DATABASE_URL%/*}
export VERSIQII_TEST_TEMPLATE=versiqii_template VERSIQII_TEST_REDIS_URL=$VERSIQII_REDIS_URL
export VERSIQII_TEST_PG_SOCKET=$VERSIQII_PG_SOCKET VERSIQII_TEST_PG_PORT=$VERSIQII_PG_PORT
export VERSIQII_TEST_BIN_DIR=$target/debug
# A real SMTP receiver: each test's server sends to it, the tests read the mail over HTTP.
bash scripts/mailbox.sh start "$work"
# shellcheck disable=SC1091
. "$work/mailbox.env"
export VERSIQII_TEST_SMTP_PORT=$MAILBOX_SMTP_PORT VERSIQII_TEST_MAILBOX_URL=$MAILBOX_URL
unset VERSIQII_DATABASE_URL VERSIQII_OWNER_DATABASE_URL VERSIQII_DISPATCHER_DATABASE_URL VERSIQII_OPERATOR_DATABASE_URL VERSIQII_REDIS_URL VERSIQII_JWT_SECRET_FILE

step "tests"
# Benches are compiled here but run only by `make bench`: in a debug build their 100k-node
# fixtures would only slow the suite down.
cargo test --workspace --lib --bins --tests
cargo test --workspace --benches --no-run
cargo test --workspace --doc

step "console in Chromium (Playwright, axe-core)"
bash scripts/console-test.sh "$target/debug/versiqii-server"

step "attack: schemathesis per role"
bash tests/attack/schemathesis.sh "$target/debug/versiqii-server"

step "durability: kill -9 and Postgres restart mid-run"
# Its own Postgres with fsync on (tests/durability/run.sh), not the throwaway cluster above.
bash tests/durability/run.sh "$target/debug/versiqii-server"

step "fuzz smoke (30 s per target)"
bash scripts/fuzz.sh smoke

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "all checks passed"
