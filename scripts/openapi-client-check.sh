#!/usr/bin/env bash
# Checks that the OpenAPI spec is fit for client generators: every operation has an operationId,
# camelCase and unique, and openapi-typescript turns the spec into types that web/src/api/client.ts
# (an openapi-fetch client) type-checks against with `tsc --strict`.
# Usage: scripts/openapi-client-check.sh [SPEC]   (default spec/openapi.json; needs web/node_modules,
# which scripts/install-deps.sh installs)
set -euo pipefail
cd "$(dirname "$0")/.."
spec=$(realpath "${1:-spec/openapi.json}")

python3 - "$spec" <<'PY'
import collections, json, re, sys

spec = json.load(open(sys.argv[1]))
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
seen = collections.defaultdict(list)
problems = []
for path, item in spec.get("paths", {}).items():
    for method, op in item.items():
        if method not in methods:
            continue
        where = f"{method.upper()} {path}"
        op_id = op.get("operationId")
        if not op_id:
            problems.append(f"{where}: no operationId")
            continue
        if not re.fullmatch(r"[a-z][A-Za-z0-9]*", op_id):
            problems.append(f"{where}: operationId {op_id!r} is not camelCase")
        seen[op_id].append(where)
for op_id, wheres in sorted(seen.items()):
    if len(wheres) > 1:
        problems.append(f"operationId {op_id!r} is used {len(wheres)} times: {', '.join(wheres)}")
if problems:
    print(f"{sys.argv[1]}: operationIds unfit for client generators:", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    sys.exit(1)
print(f"{len(seen)} operations, each with its own operationId", file=sys.stderr)
PY

if [ ! -x web/node_modules/.bin/openapi-typescript ] || [ ! -x web/node_modules/.bin/tsc ]; then
  echo "web/node_modules is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
# Regenerated on every run (and gitignored), so the types can never be older than the spec.
cd web
npx --no-install openapi-typescript "$spec" -o src/api/schema.d.ts
# The operators' portal's document, for src/api/ops.ts (the console's /operators pages).
npx --no-install openapi-typescript ../spec/ops-openapi.json -o src/api/ops-schema.d.ts
npx --no-install tsc --strict --noEmit -p .
echo "web/src/api/client.ts type-checks against the spec's generated types" >&2
