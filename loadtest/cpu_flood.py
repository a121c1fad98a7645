#!/usr/bin/env python3
"""One tenant's CPU flood against another tenant's CPU work (issue 12, item 2).

Signs up two tenants on a running Versiqii server. Tenant A stores two revisions of about
200 KB that differ in 20,000 places and a schema that checks every item; tenant B two small
revisions. B then asks for the diff of its two revisions, alone and again while A's processes
send, each as soon as the last is answered, diffs of its two large revisions and impact checks
that validate the large config, bound in one environment, against its target's schema. Every one of these runs on the server's CPU pool; B's diff
waits only for a free pool thread, never behind A's queue. Quiet and flooded phases alternate
for `--rounds` rounds; the samples of each kind are pooled. Prints B's latency in both, A's
answers by status and code (503 `compute_busy` when A's own queue is too long), and the p99
ratio, as JSON. Bounded: a fixed number of B's requests per phase, loopback only.

    python3 loadtest/cpu_flood.py --url http://127.0.0.1:8080 [--samples 200] [--rounds 2]
        [--flooders 4]
"""
import argparse
import json
import multiprocessing
import os
import time
import uuid

from tenant_flood import Api, ratio_interval, signed_up, summary

SCHEMA = {"type": "object", "properties": {"items": {"type": "array", "items": {
    "type": "object", "properties": {"k": {"type": "integer"}}, "required": ["k"]}}}}


def registry(api, data_pairs):
    assert api.call("POST", "/v1/families/F/schemas",
                    {"version": "v1", "compat": "NONE", "schema": SCHEMA})[0] == 201
    st, tv = api.call("POST", "/v1/targets", {"name": "svc", "family": "F", "version": "1.0.0"})
    assert st == 201, tv
    ids = []
    for data in data_pairs:
        st, rev = api.call("POST", "/v1/configs",
                           {"target": tv["id"], "name": "svc.json", "content": json.dumps(data, separators=(",", ":"))})
        assert st in (200, 201), rev
        ids.append(rev["id"])
    return ids


def large(sign):
    return {"items": [{"k": sign * (i + 1)} for i in range(20_000)]}


def flood(url, token, ids, stop, statuses, lock):
    api = Api(url, token)
    seen = {}
    n = 0
    while not stop.is_set():
        if n % 2 == 0:
            st, body = api.call("GET", f"/v1/configs/diff?from={ids[0]}&to={ids[1]}")
        else:
            st, body = api.call("GET", "/v1/impact?target=svc&version=1.0.0")
        key = f"{st} {body.get('code', '') if isinstance(body, dict) else ''}".strip()
        seen[key] = seen.get(key, 0) + 1
        n += 1
    with lock:
        for k, v in seen.items():
            statuses[k] = statuses.get(k, 0) + v


def measure(api, ids, samples):
    out = []
    for _ in range(samples):
        t = time.perf_counter()
        st, body = api.call("GET", f"/v1/configs/diff?from={ids[0]}&to={ids[1]}")
        out.append((time.perf_counter() - t) * 1000)
        assert st == 200, (st, body)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--samples", type=int, default=200, help="B's diffs per phase")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--flooders", type=int, default=4)
    args = p.parse_args()

    run = uuid.uuid4().hex[:6]
    a = signed_up(args.url, f"cpu-a-{run}")
    b = signed_up(args.url, f"cpu-b-{run}")
    a_ids = registry(a, [large(1), large(-1)])
    st, bound = a.call("POST", "/v1/bindings", {"config_id": a_ids[0], "env": "prod"})
    assert st == 201, bound
    b_ids = registry(b, [{"items": [{"k": 1}]}, {"items": [{"k": 2}]}])
    # Warm both paths (schema compiled, connections open).
    measure(b, b_ids, 20)

    manager = multiprocessing.Manager()
    statuses, lock = manager.dict(), manager.Lock()
    quiet, flooded = [], []
    started = time.time()
    for _ in range(args.rounds):
        quiet += measure(b, b_ids, args.samples)
        stop = multiprocessing.Event()
        procs = [multiprocessing.Process(target=flood,
                                         args=(args.url, a.token, a_ids, stop, statuses, lock))
                 for _ in range(args.flooders)]
        for proc in procs:
            proc.start()
        time.sleep(1.0)  # the flood is under way before B measures
        flooded += measure(b, b_ids, args.samples)
        stop.set()
        for proc in procs:
            proc.join()
    result = {
        "b_quiet": summary(quiet),
        "b_flooded": summary(flooded),
        "p99_ratio": round(summary(flooded)["p99_ms"] / summary(quiet)["p99_ms"], 2),
        "p99_ratio_95ci": ratio_interval(quiet, flooded),
        "a_answers": dict(statuses),
        "flooders": args.flooders,
        "seconds": round(time.time() - started, 1),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
