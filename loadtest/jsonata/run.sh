#!/usr/bin/env bash
# Lenses vs JSONata on the same 1 KB config and transformation, side by side:
#   1. cargo bench -p versiqii-migrate --bench lens   (criterion; release profile)
#   2. node bench.js                                  (npm jsonata, pinned in package.json)
# then the per-config times and the JSONata/lens ratio. Extra arguments go to bench.js
# (e.g. --seconds 10). Honours CARGO_TARGET_DIR.
#
#     bash loadtest/jsonata/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "== lens: cargo bench -p versiqii-migrate --bench lens"
(cd "$root" && cargo bench -p versiqii-migrate --bench lens)

echo "== JSONata: node bench.js"
if [ ! -d "$here/node_modules/jsonata" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
node "$here/bench.js" --criterion "$target/criterion" "$@"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
