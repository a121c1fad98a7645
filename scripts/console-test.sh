#!/usr/bin/env bash
# The console in a real browser: builds web/ (Vite), starts the real server on a free port with its
# own database (from the migrated template) and mail to the running SMTP receiver, then runs the
# Playwright suite in Debian's Chromium against it.
# Usage: scripts/console-test.sh SERVER_BIN   (in `make test`, after the services and the mailbox;
# needs VERSIQII_TEST_OWNER_URL, VERSIQII_TEST_APP_URL, VERSIQII_TEST_DISPATCHER_URL, VERSIQII_TEST_TEMPLATE,
# VERSIQII_TEST_REDIS_URL, MAILBOX_SMTP_PORT and MAILBOX_URL). VQ_SCREENSHOTS=DIR keeps a
# screenshot of each main view (docs/console/ holds the committed ones).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${1:?usage: scripts/console-test.sh SERVER_BIN}

(cd web && npm run -s build >/dev/null)

db=versiqii_console_$$
psql -q -d "$VERSIQII_TEST_OWNER_URL/postgres" -c "create database $db template $VERSIQII_TEST_TEMPLATE" \
  -c "grant connect on database $db to versiqii_app, versiqii_dispatcher, versiqii_operator" >/dev/null
port=$(bash scripts/free-port.sh)
work=$(mktemp -d /tmp/versiqii-console.XXXXXX)
head -c 48 /dev/urandom | base64 >"$work/jwt"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  psql -q -d "$VERSIQII_TEST_OWNER_URL/postgres" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
VERSIQII_HTTP_PORT=$port \
  VERSIQII_DATABASE_URL="$VERSIQII_TEST_APP_URL/$db" VERSIQII_OWNER_DATABASE_URL="$VERSIQII_TEST_OWNER_URL/$db" \
  VERSIQII_REDIS_URL="$VERSIQII_TEST_REDIS_URL" VERSIQII_JWT_SECRET_FILE="$work/jwt" \
  VERSIQII_MAIL_HOST=127.0.0.1 VERSIQII_MAIL_PORT="$MAILBOX_SMTP_PORT" VERSIQII_MAIL_TLS=none \
  VERSIQII_MAIL_LINK_BASE="$url" VERSIQII_LOG=${VERSIQII_LOG:-warn} \
  VERSIQII_DISPATCHER_DATABASE_URL="$VERSIQII_TEST_DISPATCHER_URL/$db" VERSIQII_WEBHOOKS_ALLOW_LOOPBACK=true \
  VERSIQII_OPERATOR_DATABASE_URL="$VERSIQII_TEST_OPERATOR_URL/$db" \
  VERSIQII_WEBHOOKS_POLL_MS=200 \
  "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "the server exited" >&2; exit 1; }
  sleep 0.2
done

cd web
if ! VQ_BASE_URL=$url VQ_MAILBOX_URL=$MAILBOX_URL npx playwright test; then
  echo "--- server log" >&2
  tail -50 "$work/server.log" >&2
  exit 1
fi
