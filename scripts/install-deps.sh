#!/usr/bin/env bash
# Installs what Versiqii needs to run locally when it is missing: PostgreSQL 15 and Redis, Node.js
# with web/'s npm packages (the console, its OpenAPI client check and its Playwright tests),
# Debian's Chromium for those tests, and schemathesis (tests/attack) in a virtualenv outside the
# clone.
set -euo pipefail

need=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15 postgresql-client-15)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The console's browser tests (Playwright drives Debian's Chromium; it never downloads one).
[ -x /usr/bin/chromium ] || need+=(chromium)
# Invoice PDFs are checked by their text (pdftotext).
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # The package's own cluster is not ours; keep apt from starting services in containers.
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# cargo-fuzz for scripts/fuzz.sh (the fuzz smoke in `make test`), into ~/.cargo/bin once.
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --version 0.13.2 --locked

# web/'s packages, exactly as locked. npm's cache (~/.npm) is outside the clone; the stamp skips
# `npm ci` when web/node_modules already matches the lock file and this Node.js.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$(dirname "$0")/../web"
stamp=node_modules/.versiqii-install.sha256
want=$( (cat package.json package-lock.json; node --version) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing web/ npm packages" >&2
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

# tests/attack's schemathesis and scripts/mailbox.py's aiosmtpd, pinned, in ~/.cache/versiqii-venv;
# the stamp skips pip when the venv already matches the requirements files.
venv=$HOME/.cache/versiqii-venv
reqs=(../tests/attack/requirements.txt ../scripts/mailbox-requirements.txt)
want=$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$venv/.versiqii-install.sha256" 2>/dev/null)" != "$want" ]; then
  echo "installing schemathesis and aiosmtpd into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${reqs[@]/#/-r}"
  echo "$want" >"$venv/.versiqii-install.sha256"
fi
