#!/usr/bin/env bash
# `make dev`: installs what is missing, starts a private Postgres and Redis under .versiqii/,
# applies migrations, runs the server in the foreground, seeds a demo tenant with an owner and an
# API key, and writes .versiqii/dev.env. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.versiqii"
port=${VERSIQII_HTTP_PORT:-8080}
pg_port=${VERSIQII_DEV_PG_PORT:-55432}
redis_port=${VERSIQII_DEV_REDIS_PORT:-56379}
smtp_port=${VERSIQII_DEV_SMTP_PORT:-51025}
mailbox_port=${VERSIQII_DEV_MAILBOX_PORT:-51080}

bash scripts/install-deps.sh
echo "building..." >&2
# The console first: the server embeds web/dist.
(cd web && npm run -s gen:api >/dev/null && npm run -s build >/dev/null)
cargo build --bin versiqii-server --bin versiqii
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
server_bin="$target/debug/versiqii-server"
cli_bin="$target/debug/versiqii"

server_pid=""
cleanup() {
  trap - INT TERM EXIT
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  bash "$root/scripts/mailbox.sh" stop "$state"
  bash "$root/scripts/services.sh" stop "$state"
  echo "stopped Versiqii, the mailbox, Postgres and Redis" >&2
}
trap cleanup INT TERM EXIT

bash scripts/services.sh start "$state" "$pg_port" "$redis_port" versiqii
# shellcheck disable=SC1091
. "$state/env"
"$server_bin" migrate
# Every mail the server sends lands in the local mailbox (nothing is relayed).
bash scripts/mailbox.sh start "$state" "$smtp_port" "$mailbox_port"
# shellcheck disable=SC1091
. "$state/mailbox.env"

# A metrics token of this state directory's own, so a person (or a local Prometheus) can scrape.
if [ ! -s "$state/metrics_token" ]; then
  (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/metrics_token")
fi
metrics_token=$(cat "$state/metrics_token")

VERSIQII_METRICS_TOKEN=$metrics_token VERSIQII_HTTP_PORT=$port VERSIQII_MAIL_HOST=127.0.0.1 VERSIQII_MAIL_PORT=$MAILBOX_SMTP_PORT \
  VERSIQII_MAIL_TLS=none VERSIQII_MAIL_LINK_BASE=${VERSIQII_MAIL_LINK_BASE:-http://127.0.0.1:$port} \
  VERSIQII_WEBHOOKS_ALLOW_LOOPBACK=true VERSIQII_SLA_PROBE_REGION=${VERSIQII_SLA_PROBE_REGION:-local} \
  "$server_bin" serve &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited; see its log above" >&2; exit 1; }
  sleep 0.2
done

# The demo tenant: signed up on the first run, logged into on later ones.
export VERSIQII_URL=$url VERSIQII_CONFIG_DIR="$state/cli"
email=demo@versiqii.local
password=demo-password-change-me
if VERSIQII_PASSWORD=$password "$cli_bin" signup --tenant demo --tenant-name "Demo" --email "$email" >/dev/null 2>&1; then
  # The demo owner verifies their email with the link in the mailbox, as a person would.
  token=""
  for _ in $(seq 50); do
    token=$(curl -fsS "$MAILBOX_URL/api/messages?to=$email" 2>/dev/null | python3 -c '
import json, re, sys
for m in json.load(sys.stdin):
    found = re.search(r"/verify\?token=(vqv_[A-Za-z0-9]+)", m.get("text", ""))
    if found:
        print(found.group(1))
        break' || true)
    [ -n "$token" ] && break
    sleep 0.2
  done
  [ -n "$token" ] && "$cli_bin" auth verify --token "$token" >/dev/null
else
  VERSIQII_PASSWORD=$password "$cli_bin" login --email "$email" >/dev/null
fi
key=$("$cli_bin" api-keys create --name "dev-$(date +%Y%m%d-%H%M%S)" --scope admin 2>/dev/null)
# An operator of the portal (docs/operators.md), made on the first run; its TOTP secret is kept
# in the state directory for scripts/totp.py.
ops_email=ops@versiqii.local
ops_password=ops-password-change-me
if [ ! -s "$state/operator.json" ]; then
  VERSIQII_OPERATOR_PASSWORD=$ops_password VERSIQII_LOG=warn \
    "$server_bin" operator create --email "$ops_email" --role admin --name "Dev Operator" --output json \
    >"$state/operator.json.tmp" && mv "$state/operator.json.tmp" "$state/operator.json"
fi
ops_secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totp_secret"])' "$state/operator.json")
cat >"$state/dev.env" <<ENV
export VERSIQII_URL=$url
export VERSIQII_TOKEN=$key
export PATH="$target/debug:\$PATH"
ENV

cat <<MSG

Versiqii is running.
  console    $url/          (sign in as the owner below, or sign up)
  API        $url/v1       (readiness: $url/readyz)
  API docs   $url/docs
  mailbox    $MAILBOX_URL          (every mail the server sends: verification, password resets)
  webhooks   the dispatcher runs in the server; local receivers are allowed (docs/webhooks.md)
  metrics    curl -H 'Authorization: Bearer $metrics_token' $url/metrics
  SLA        versiqii sla   (the server probes its own /readyz as region "local"; docs/sla.md)
  tenant     demo
  owner      $email / $password
  API key    $key
  operators  $url/operators   as $ops_email / $ops_password, with the code from
             python3 scripts/totp.py $ops_secret   (or add that secret to an authenticator app)
Use it from another shell:  source .versiqii/dev.env && versiqii whoami
(dev.env also puts $target/debug, where the versiqii CLI is, on PATH)
Ctrl-C stops the server, the mailbox, Postgres and Redis.

MSG
wait "$server_pid"
