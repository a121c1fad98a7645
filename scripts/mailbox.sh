#!/usr/bin/env bash
# Starts scripts/mailbox.py (a real SMTP receiver with a web inbox) in the background under DIR and
# writes DIR/mailbox.env with MAILBOX_SMTP_PORT and MAILBOX_URL; `stop DIR` stops it.
#
#   scripts/mailbox.sh start DIR [SMTP_PORT HTTP_PORT]   (free ports when not given)
#   scripts/mailbox.sh stop DIR
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:?usage: mailbox.sh start|stop DIR ...}
dir=${2:?usage: mailbox.sh start|stop DIR ...}
mkdir -p "$dir"
python=$HOME/.cache/versiqii-venv/bin/python

case "$cmd" in
  start)
    smtp_port=${3:-$(bash scripts/free-port.sh)}
    http_port=${4:-$(bash scripts/free-port.sh)}
    if [ -f "$dir/mailbox.pid" ] && kill -0 "$(cat "$dir/mailbox.pid")" 2>/dev/null; then
      kill "$(cat "$dir/mailbox.pid")" 2>/dev/null || true
    fi
    nohup "$python" scripts/mailbox.py --smtp-port "$smtp_port" --http-port "$http_port" \
      >"$dir/mailbox.log" 2>&1 </dev/null &
    echo $! >"$dir/mailbox.pid"
    for _ in $(seq 100); do
      curl -fsS "http://127.0.0.1:$http_port/api/messages" >/dev/null 2>&1 && break
      kill -0 "$(cat "$dir/mailbox.pid")" 2>/dev/null || { cat "$dir/mailbox.log" >&2; exit 1; }
      sleep 0.1
    done
    cat >"$dir/mailbox.env" <<ENV
export MAILBOX_SMTP_PORT=$smtp_port
export MAILBOX_URL=http://127.0.0.1:$http_port
ENV
    ;;
  stop)
    if [ -f "$dir/mailbox.pid" ]; then
      kill "$(cat "$dir/mailbox.pid")" 2>/dev/null || true
      rm -f "$dir/mailbox.pid"
    fi
    ;;
  *) echo "usage: mailbox.sh start|stop DIR ..." >&2; exit 2 ;;
esac
