#!/usr/bin/env python3
"""The write path under load: POST /v1/bindings, each bind a write that validates, binds, audits,
stores its events and computes its environment's drift delta (issue: one write path).

Signs up one tenant (unlimited plan budget is the caller's business: run the server with
VERSIQII_PLAN_RATE_FREE=0), declares N targets in one family, uploads two configs per target,
then binds alternately from W threads, each thread on its own target but all in ONE environment
(the writes that serialise on that environment's drift) or, with --envs, each in its own.
With --cells N, N other targets are bound in each environment first: a write's drift delta
covers every cell of its environment, so this is what makes drift computation cost something.
Prints p50/p99 latency and writes a second as JSON. Bounded: a fixed number of binds, loopback.

    python3 loadtest/write_path.py --url http://127.0.0.1:8080 [--binds 400] [--workers 4] [--envs] [--cells 200]
"""
import argparse
import json
import threading
import time
import uuid

from tenant_flood import Api, signed_up, summary

SCHEMA = {"type": "object", "required": ["timeout"], "properties": {"timeout": {"type": "integer"}}}


def setup(url, targets, cells, envs):
    slug = f"wp-{uuid.uuid4().hex[:8]}"
    api = signed_up(url, slug)
    st, body = api.call("POST", "/v1/families/Svc/schemas", {"version": "v1", "schema": SCHEMA})
    assert st == 201, body
    revisions = []
    for t in range(targets):
        st, body = api.call("POST", "/v1/targets", {"name": f"svc-{t}", "family": "Svc", "version": "1.0.0"})
        assert st == 201, body
        pair = []
        for timeout in (10, 20):
            st, rev = api.call("POST", "/v1/configs", {"target": f"svc-{t}@1.0.0",
                                                       "content": json.dumps({"timeout": timeout})})
            assert st in (200, 201), rev
            pair.append(rev["id"])
        revisions.append(pair)
    for c in range(cells):
        st, body = api.call("POST", "/v1/targets", {"name": f"bg-{c}", "family": "Svc", "version": "1.0.0"})
        assert st == 201, body
        st, rev = api.call("POST", "/v1/configs", {"target": f"bg-{c}@1.0.0", "content": '{"timeout": 1}'})
        assert st in (200, 201), rev
        for env in envs:
            st, body = api.call("POST", "/v1/bindings", {"config_id": rev["id"], "env": env})
            assert st == 201, body
    # A tenant someone watches: its drift matrix is loaded (the console, a pipeline's drift gate).
    st, body = api.call("GET", "/v1/drifts")
    assert st == 200, body
    return api.token, revisions


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--binds", type=int, default=400)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--envs", action="store_true", help="one environment per worker")
    p.add_argument("--cells", type=int, default=0, help="other targets bound in each environment")
    args = p.parse_args()
    envs = [f"env-{i}" for i in range(args.workers)] if args.envs else ["prod"]
    token, revisions = setup(args.url, args.workers, args.cells, envs)
    per_worker = args.binds // args.workers
    latencies, errors, lock = [], [], threading.Lock()

    def worker(i):
        api = Api(args.url)
        api.token = token
        env = f"env-{i}" if args.envs else "prod"
        mine = []
        for n in range(per_worker):
            body = {"config_id": revisions[i][n % 2], "env": env}
            t0 = time.perf_counter()
            st, reply = api.call("POST", "/v1/bindings", body)
            mine.append((time.perf_counter() - t0) * 1000)
            if st != 201:
                with lock:
                    errors.append((st, reply))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    print(json.dumps({
        "binds": len(latencies), "workers": args.workers, "one_env": not args.envs, "cells": args.cells,
        "errors": len(errors), "first_error": errors[0] if errors else None,
        "per_sec": round(len(latencies) / elapsed, 1), "latency_ms": summary(latencies),
    }))


if __name__ == "__main__":
    main()
