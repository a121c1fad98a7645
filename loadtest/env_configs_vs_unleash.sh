#!/usr/bin/env bash
# GET /v1/envs/prod/configs (50 targets, each with a ~1 KB config bound) against Unleash 8's
# GET /api/client/features serving the same 50 payloads (a flag each, its variant carrying the
# config), on the same Postgres 15 (fsync on; Unleash in a database of its own), in one run
# (docs/benchmarks.md, "An environment's configs vs Unleash"). For each: a warm-up, a
# throughput run of the full answer (200), one with If-None-Match set to the answer's ETag
# (304), and for Versiqii a constant-rate run at half its 200 throughput for the latency.
# Prints the table and stops everything it started.
#
#   loadtest/env_configs_vs_unleash.sh      # settings: loadtest/peer_lib.sh; BENCH_COUNT (50)
#   BENCH_SWEEP="1 4 8 16 32" loadtest/env_configs_vs_unleash.sh   # and the 200 path of both at
#                                           # each of these connection counts (6 s each)
set -euo pipefail
# shellcheck source=loadtest/peer_lib.sh
. "$(dirname "$0")/peer_lib.sh"
trap cleanup EXIT INT TERM
count=${BENCH_COUNT:-50}

bash "$root/loadtest/setup.sh" oha unleash
build_server
start_services
start_server

# Unleash as deployed by default (in-memory client feature cache on, one Node process, pool of
# 4), with its SDK rate limits (20,000 requests a minute per token) lifted as Versiqii's budget
# is: the limiter is not what is measured.
unleash_pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
psql_super -c "do \$\$ begin
  if not exists (select from pg_roles where rolname = 'unleash') then create role unleash login; end if;
end \$\$;" -c "alter role unleash password '$unleash_pw'"
psql_super -c "drop database if exists unleash" -c "create database unleash owner unleash"
unleash_port=$(free_port)
admin_token="*:*.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
client_token="default:development.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(cd "$root/loadtest/unleash" && UNLEASH_PORT=$unleash_port DATABASE_HOST=127.0.0.1 \
  DATABASE_PORT=$VERSIQII_PG_PORT DATABASE_USERNAME=unleash DATABASE_PASSWORD=$unleash_pw \
  DATABASE_NAME=unleash INIT_ADMIN_API_TOKENS=$admin_token INIT_BACKEND_API_TOKENS=$client_token \
  TOKEN_AUTHENTICATION_RATE_LIMIT_PER_MINUTE=1000000000 SDK_API_RATE_LIMIT_PER_MINUTE=1000000000 \
  exec node server.mjs >"$state/unleash.log" 2>&1) &
pids+=($!)
unleash_url=http://127.0.0.1:$unleash_port
wait_http "$unleash_url/health" "$!"

python3 "$root/loadtest/peer_seed.py" --url "$server_url" --out "$state" --count "$count" env >&2
python3 "$root/loadtest/unleash/seed.py" --url "$unleash_url" --token "$admin_token" --count "$count" >&2
key=$(cat "$state/key")

etag() { # URL AUTH: the answer's ETag, after checking it holds COUNT configs
  curl -fsS -D "$state/headers" -o "$state/answer.json" -H "Authorization: $2" "$1"
  python3 - "$state/answer.json" "$count" <<'PY'
import json, sys
a, n = json.load(open(sys.argv[1])), int(sys.argv[2])
items = a.get("features", a.get("targets", a.get("items", a.get("configs"))))
assert items is not None and len(items) == n, (list(a), n)
PY
  echo "    $(wc -c <"$state/answer.json") bytes, $count configs" >&2
  tr -d '\r' <"$state/headers" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}
vq=(-H "Authorization: Bearer $key" "$server_url/v1/envs/prod/configs")
un=(-H "Authorization: $client_token" "$unleash_url/api/client/features")
vq_etag=$(etag "$server_url/v1/envs/prod/configs" "Bearer $key")
un_etag=$(etag "$unleash_url/api/client/features" "$client_token")
[ -n "$vq_etag" ] && [ -n "$un_etag" ] || { echo "an answer has no ETag" >&2; exit 1; }

echo "measuring ($duration a run)..." >&2
oha_run warm-vq -z 3s -c "$conns" "${vq[@]}"
oha_run warm-un -z 3s -c "$conns" "${un[@]}"
oha_run max-un-200 -z "$duration" -c "$conns" "${un[@]}"
oha_run max-vq-200 -z "$duration" -c "$conns" "${vq[@]}"
oha_run max-un-304 -z "$duration" -c "$conns" -H "If-None-Match: $un_etag" "${un[@]}"
oha_run max-vq-304 -z "$duration" -c "$conns" -H "If-None-Match: $vq_etag" "${vq[@]}"
read -r v_rps _ <<<"$(oha_figures max-vq-200)"
rate=$((v_rps / 2))
oha_run rate-vq-200 -z "$duration" -c "$conns" -q "$rate" --latency-correction "${vq[@]}"

# Unleash's throughput falls with more connections than its pool of 4: compare at each count.
for c in ${BENCH_SWEEP:-}; do
  oha_run "sweep-un-$c" -z 6s -c "$c" "${un[@]}"
  oha_run "sweep-vq-$c" -z 6s -c "$c" "${vq[@]}"
  echo "sweep, $c connections: unleash $(oha_figures "sweep-un-$c"); versiqii $(oha_figures "sweep-vq-$c")"
done

python3 - "$state" "$rate" <<'PY'
import json, os, sys
state, rate = sys.argv[1], int(sys.argv[2])
def fig(name, want):
    r = json.load(open(os.path.join(state, name + ".json")))
    codes = r.get("statusCodeDistribution", {})
    total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
    ok = codes.get(want, 0)
    p = r["latencyPercentiles"]
    return {"rps": r["summary"]["requestsPerSec"] * ok / max(total, 1), "p50": p["p50"] * 1000,
            "p99": p["p99"] * 1000, "bad": total - ok}
print(f"| path | Unleash requests/s | p50 / p99 | Versiqii requests/s | p50 / p99 | Versiqii × Unleash |")
print("|---|---|---|---|---|---|")
for path, want in (("200", "200"), ("304 (If-None-Match)", "304")):
    u, v = fig(f"max-un-{want}", want), fig(f"max-vq-{want}", want)
    bad = f" ({u['bad']} / {v['bad']} other answers)" if u["bad"] or v["bad"] else ""
    print(f"| {path} | {u['rps']:.0f} | {u['p50']:.2f} / {u['p99']:.2f} ms | {v['rps']:.0f} | "
          f"{v['p50']:.2f} / {v['p99']:.2f} ms | {v['rps'] / max(u['rps'], 1e-9):.1f}{bad} |")
q = fig("rate-vq-200", "200")
print(f"\nVersiqii 200 at {rate}/s (constant rate): p50 {q['p50']:.2f} ms, p99 {q['p99']:.2f} ms "
      f"(aim < 20 ms); ratio aim >= 20x")
PY
