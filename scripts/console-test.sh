#!/usr/bin/env bash
# The console in a real browser: builds web/ (Vite), starts the real server on a free port with its
# own database (from the migrated template) and mail to the running SMTP receiver, then runs the
# Playwright suite in Debian's Chromium against it.
# Usage: scripts/console-test.sh SERVER_BIN [PLAYWRIGHT ARGS…]   (in `make test`, after the services
# and the mailbox; needs VERSIQII_TEST_OWNER_URL, VERSIQII_TEST_APP_URL, VERSIQII_TEST_DISPATCHER_URL,
# VERSIQII_TEST_OPERATOR_URL, VERSIQII_TEST_TEMPLATE, VERSIQII_TEST_REDIS_URL, MAILBOX_SMTP_PORT and
# MAILBOX_URL). VQ_SCREENSHOTS=DIR keeps a screenshot of each main view (docs/console/ holds the
# committed ones). An admin operator is provisioned for the operators' portal's tests
# (VQ_OPERATOR_EMAIL, VQ_OPERATOR_PASSWORD, VQ_OPERATOR_TOTP), which may also reach the test
# database as its owner (VQ_OWNER_DB_URL) to backdate a tenant so that last month bills it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${1:?usage: scripts/console-test.sh SERVER_BIN [PLAYWRIGHT ARGS…]}
shift

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

# An operator for the portal's tests: the server's key ring (derived from the same JWT secret)
# seals its TOTP secret, so it is made with the server's settings.
op_email=ops-admin@versiqii.test
op_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
op_json=$(VERSIQII_OPERATOR_DATABASE_URL="$VERSIQII_TEST_OPERATOR_URL/$db" VERSIQII_JWT_SECRET_FILE="$work/jwt" \
  VERSIQII_DATABASE_URL="$VERSIQII_TEST_APP_URL/$db" VERSIQII_OPERATOR_PASSWORD="$op_password" VERSIQII_LOG=warn \
  "$bin" operator create --email "$op_email" --role admin --name "E2E admin" --output json)
op_totp=$(printf '%s' "$op_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["totp_secret"])')

cd web
if ! VQ_BASE_URL=$url VQ_MAILBOX_URL=$MAILBOX_URL \
  VQ_OPERATOR_EMAIL=$op_email VQ_OPERATOR_PASSWORD=$op_password VQ_OPERATOR_TOTP=$op_totp \
  VQ_OWNER_DB_URL="$VERSIQII_TEST_OWNER_URL/$db" npx playwright test "$@"; then
  echo "--- server log" >&2
  tail -50 "$work/server.log" >&2
  exit 1
fi
