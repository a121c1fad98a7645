#!/usr/bin/env bash
# POST /v1/validate against a bare actix-web handler that parses and echoes the same JSON body
# (loadtest/echo), in one run on one machine (docs/benchmarks.md, "Validation as a service vs a
# bare handler"). Builds both in release, starts Versiqii on its own Postgres (fsync on) and
# Redis, provisions a tenant, an API key and a target whose schema the ~1 KB config is checked
# against, then for each: a warm-up, a throughput run (BENCH_CONNS connections, as fast as they
# are answered), and a constant-rate run at half of validate's measured throughput for the
# latency (oha --latency-correction: waits behind a slow answer count). Prints the table and
# stops everything it started.
#
#   loadtest/validate_vs_echo.sh        # settings: loadtest/peer_lib.sh; ECHO_TARGET_DIR
set -euo pipefail
# shellcheck source=loadtest/peer_lib.sh
. "$(dirname "$0")/peer_lib.sh"
trap cleanup EXIT INT TERM

bash "$root/loadtest/setup.sh" oha
build_server
echo "building loadtest/echo (release)..." >&2
echo_target=${ECHO_TARGET_DIR:-$root/loadtest/echo/target}
[ "${BENCH_NO_BUILD:-0}" = 1 ] && [ -x "$echo_target/release/versiqii-loadtest-echo" ] ||
  (cd "$root/loadtest/echo" && CARGO_TARGET_DIR=$echo_target cargo build --release >&2)
start_services
start_server
echo_port=$(free_port)
"$echo_target/release/versiqii-loadtest-echo" "$echo_port" 2 >"$state/echo.log" 2>&1 &
pids+=($!)
echo_url=http://127.0.0.1:$echo_port/
python3 "$root/loadtest/peer_seed.py" --url "$server_url" --out "$state" validate >&2
body=$state/validate.json
key=$(cat "$state/key")
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "@$body" "$echo_url"

validate=(-m POST -T application/json -D "$body" -H "Authorization: Bearer $key" "$server_url/v1/validate")
echo_args=(-m POST -T application/json -D "$body" "$echo_url")
echo "measuring (body $(wc -c <"$body") bytes, $duration a run)..." >&2
oha_run warm-validate -z 3s -c "$conns" "${validate[@]}"
oha_run warm-echo -z 3s -c "$conns" "${echo_args[@]}"
oha_run max-echo -z "$duration" -c "$conns" "${echo_args[@]}"
oha_run max-validate -z "$duration" -c "$conns" "${validate[@]}"
read -r v_rps _ <<<"$(oha_figures max-validate)"
rate=$((v_rps / 2))
oha_run rate-echo -z "$duration" -c "$conns" -q "$rate" --latency-correction "${echo_args[@]}"
oha_run rate-validate -z "$duration" -c "$conns" -q "$rate" --latency-correction "${validate[@]}"

python3 - "$state" "$rate" <<'PY'
import json, os, sys
state, rate = sys.argv[1], int(sys.argv[2])
def fig(name):
    r = json.load(open(os.path.join(state, name + ".json")))
    codes = r.get("statusCodeDistribution", {})
    errors = sum(r.get("errorDistribution", {}).values())
    total = sum(codes.values()) + errors
    ok = codes.get("200", 0)
    p = r["latencyPercentiles"]
    return {"rps": r["summary"]["requestsPerSec"] * ok / max(total, 1), "p50": p["p50"] * 1000,
            "p99": p["p99"] * 1000, "bad": total - ok}
rows = [("bare actix-web echo", "echo"), ("POST /v1/validate", "validate")]
m = {k: fig("max-" + k) for _, k in rows}
q = {k: fig("rate-" + k) for _, k in rows}
print(f"| server | requests/s (max) | × echo | p50 / p99 at max | p50 / p99 at {rate}/s | non-200 |")
print("|---|---|---|---|---|---|")
for label, k in rows:
    print(f"| {label} | {m[k]['rps']:.0f} | {m[k]['rps'] / m['echo']['rps']:.2f} | "
          f"{m[k]['p50']:.2f} / {m[k]['p99']:.2f} ms | {q[k]['p50']:.2f} / {q[k]['p99']:.2f} ms | "
          f"{m[k]['bad'] + q[k]['bad']} |")
ratio = m["validate"]["rps"] / m["echo"]["rps"]
print(f"\nvalidate / echo: {ratio:.1%} (aim >= 70%); validate p99 at {rate}/s: "
      f"{q['validate']['p99']:.2f} ms (aim < 5 ms)")
PY
