#!/usr/bin/env python3
"""A runaway WASM migration in one tenant against another tenant's bindings (issue: migrations).

Signs up two tenants on a running Versiqii server. Tenant A adds a WASM migration that never
returns (an infinite loop: each call runs until the sandbox's deadline stops it) and binds
configs through it from several threads. Tenant B binds a config through a lens migration
(v1 -> v2) and times POST /v1/bindings alone, then during A's flood. Prints both latency
distributions, A's outcomes and the p99 ratio as JSON. Bounded: a fixed number of samples,
loopback only.

    python3 loadtest/runaway_migration.py --url http://127.0.0.1:8080 [--samples 200] [--flooders 4] [--rate 5]
"""
import argparse
import base64
import json
import multiprocessing
import time
import uuid

from tenant_flood import Api, signed_up, summary

SPIN = """(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "migrate") (param i32 i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))"""

LENS = """lens:
  - rename: { source: timeout, destination: timeout_ms }
  - add: { name: retries, default: 3 }
"""

V1 = {"type": "object", "required": ["timeout"], "properties": {"timeout": {"type": "integer"}}}
V2 = {"type": "object", "required": ["timeout_ms", "retries"],
      "properties": {"timeout_ms": {"type": "integer"}, "retries": {"type": "integer"}}}


def tenant(url, slug, migration):
    api = signed_up(url, slug)
    for version, schema in (("v1", V1), ("v2", V2)):
        st, body = api.call("POST", "/v1/families/Svc/schemas",
                            {"version": version, "schema": schema, "compat": "NONE"})
        assert st == 201, body
    for version, schema in (("1.0.0", "v1"), ("2.0.0", "v2")):
        st, body = api.call("POST", "/v1/targets", {"name": "svc", "family": "Svc", "version": version,
                                                    "schema_version": schema})
        assert st == 201, body
    st, body = api.call("POST", "/v1/families/Svc/migrations", dict(migration, **{"from": "v1", "to": "v2"}))
    assert st == 201, body
    st, config = api.call("POST", "/v1/configs", {"target": "svc@1.0.0", "content": "timeout: 30"})
    assert st in (200, 201), config
    return api.token, config["id"]


def bind_times(url, token, config, samples):
    api = Api(url, token)
    out = []
    for i in range(samples):
        t = time.perf_counter()
        status, body = api.call("POST", "/v1/bindings", {"config_id": config, "env": f"e{i % 4}",
                                                         "version": "2.0.0"})
        out.append((time.perf_counter() - t) * 1000)
        assert status == 201, body
    return out


def flood(url, token, config, stop, results, rate):
    api = Api(url, token)
    outcomes = {}
    next_at = time.perf_counter()
    while not stop.is_set():
        # Paced like a pipeline that retries, not as fast as refusals come back: the point is
        # what A's runaway module costs B, not an HTTP flood (tenant_flood.py measures that).
        next_at += 1.0 / rate
        time.sleep(max(0.0, next_at - time.perf_counter()))
        status, body = api.call("POST", "/v1/bindings", {"config_id": config, "env": "prod",
                                                         "version": "2.0.0"})
        code = (body or {}).get("code", status)
        outcomes[code] = outcomes.get(code, 0) + 1
    results.put(outcomes)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--flooders", type=int, default=4)
    p.add_argument("--rate", type=float, default=5.0, help="binds per second per flooder")
    a = p.parse_args()
    run = uuid.uuid4().hex[:8]
    wasm = base64.b64encode(SPIN.encode()).decode()
    a_token, a_config = tenant(a.url, f"runaway-a-{run}", {"wasm": wasm})
    b_token, b_config = tenant(a.url, f"runaway-b-{run}", {"lens": LENS})
    bind_times(a.url, b_token, b_config, 20)  # warm B's actors and caches
    quiet = bind_times(a.url, b_token, b_config, a.samples)

    # A's flood runs in its own processes, so B's timings never wait for Python's thread switch.
    stop = multiprocessing.Event()
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=flood, args=(a.url, a_token, a_config, stop, results, a.rate),
                                     daemon=True) for _ in range(a.flooders)]
    for proc in procs:
        proc.start()
    time.sleep(1.0)
    started = time.perf_counter()
    loaded = bind_times(a.url, b_token, b_config, a.samples)
    elapsed = time.perf_counter() - started
    stop.set()
    outcomes = {}
    for _ in procs:
        for code, n in results.get(timeout=60).items():
            outcomes[code] = outcomes.get(code, 0) + n
    for proc in procs:
        proc.join(timeout=30)
    # Quiet again after the flood: B's history grew meanwhile, so "alone" is measured on both
    # sides of it.
    quiet_after = bind_times(a.url, b_token, b_config, a.samples)
    q, l = summary(quiet + quiet_after), summary(loaded)
    print(json.dumps({"b_bind_alone": q, "b_bind_during_a_runaway": l,
                      "a_outcomes": outcomes, "a_requests_per_s": round(sum(outcomes.values()) / elapsed, 2),
                      "p99_ratio": round(l["p99_ms"] / q["p99_ms"], 2)}, indent=2))


if __name__ == "__main__":
    main()
