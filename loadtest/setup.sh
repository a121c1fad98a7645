#!/usr/bin/env bash
# Installs what the peer benchmarks need (docs/benchmarks.md), when missing:
#   oha       the HTTP load generator (cargo install, into ~/.cargo/bin)
#   unleash   loadtest/unleash's npm packages (npm ci into UNLEASH_MODULES, default
#             ~/.cache/versiqii-unleash, linked as loadtest/unleash/node_modules: 200 MB that
#             stay out of the work tree)
#
#   loadtest/setup.sh [oha] [unleash]     # both when none is named
set -euo pipefail
cd "$(dirname "$0")"
what=("$@")
[ ${#what[@]} -eq 0 ] && what=(oha unleash)

for w in "${what[@]}"; do
  case "$w" in
    oha)
      if ! command -v oha >/dev/null && [ ! -x "$HOME/.cargo/bin/oha" ]; then
        echo "installing oha (cargo install, a few minutes)..." >&2
        cargo install oha --locked --version 1.16.0 >&2
      fi
      ;;
    unleash)
      modules=${UNLEASH_MODULES:-$HOME/.cache/versiqii-unleash}
      if [ ! -f "$modules/node_modules/unleash-server/package.json" ] ||
        ! cmp -s unleash/package-lock.json "$modules/package-lock.json"; then
        echo "installing unleash-server into $modules (npm ci)..." >&2
        mkdir -p "$modules"
        cp unleash/package.json unleash/package-lock.json "$modules/"
        (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error >&2)
      fi
      ln -sfn "$modules/node_modules" unleash/node_modules
      ;;
    *) echo "usage: setup.sh [oha] [unleash]" >&2; exit 2 ;;
  esac
done
