#!/usr/bin/env python3
"""One tenant's flood against another tenant's latency (issue: tenant actors).

Signs up two tenants on a running Versiqii server, gives each the same small registry (a family,
targets with constraints, deployments and a bound config), then measures tenant B's latency for
GET /v1/drifts (served by B's DriftActor) alone, and again while tenant A floods the server with
drift, impact and binding requests from several threads. Prints both distributions and the p99
ratio as JSON. Bounded: a fixed number of requests per phase, loopback only.

    python3 loadtest/tenant_flood.py --url http://127.0.0.1:8080 [--samples 300] [--flooders 6] [--nice 10] [--rate 10]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import time
import urllib.parse
import uuid

SCHEMA = {"type": "object", "properties": {"timeout_ms": {"type": "integer", "maximum": 60000}}}


class Api:
    def __init__(self, url, token=None):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port or 80
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body) if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read()
                self.server_ms = server_ms(resp.getheader("Server-Timing"))
                return resp.status, (json.loads(text) if text else None)
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def server_ms(header):
    # `Server-Timing: app;dur=0.412`: the server's own share of the request.
    for part in (header or "").split(";"):
        if part.strip().startswith("dur="):
            return float(part.strip()[4:])
    return float("nan")


def tenant(url, slug):
    api = Api(url)
    status, body = api.call("POST", "/v1/auth/signup", {
        "tenant_slug": slug, "email": f"owner@{slug}.test", "password": "correct horse battery"})
    assert status == 201, body
    api.token = body["tokens"]["access_token"]
    status, key = api.call("POST", "/v1/api-keys", {"name": "load", "scopes": ["write"]})
    assert status == 201, key
    api.token = key["key"]
    assert api.call("POST", "/v1/families/Svc/schemas", {"version": "v1", "schema": SCHEMA})[0] == 201
    for i in range(20):
        for v in ("1.0.0", "2.0.0"):
            assert api.call("POST", "/v1/targets", {"name": f"svc{i}", "family": "Svc", "version": v})[0] == 201
        if i:
            assert api.call("POST", "/v1/constraints", {"from": f"svc{i}@1.0.0", "kind": "requires",
                                                       "target": f"svc{i-1}", "range": "^1"})[0] == 201
    config = None
    for i in range(20):
        for env in ("prod", "staging"):
            st, _ = api.call("PUT", f"/v1/envs/{env}/targets/svc{i}/version", {"version": "1.0.0"})
            assert st == 200
        st, config = api.call("POST", "/v1/configs", {"target": f"svc{i}@1.0.0", "content": "timeout_ms: 5000"})
        assert st in (200, 201), config
        assert api.call("POST", "/v1/bindings", {"config_id": config["id"], "env": "prod"})[0] == 201
    return api.token, config["id"]


def measure(url, token, samples):
    api = Api(url, token)
    out, server = [], []
    for _ in range(samples):
        t = time.perf_counter()
        status, _ = api.call("GET", "/v1/drifts")
        out.append((time.perf_counter() - t) * 1000)
        server.append(api.server_ms)
        assert status == 200
    measure.server = server
    return out


def summary(ms):
    ms = sorted(ms)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 2), "p90_ms": round(pick(0.90), 2),
            "p99_ms": round(pick(0.99), 2), "max_ms": round(ms[-1], 2)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--flooders", type=int, default=6)
    p.add_argument("--nice", type=int, default=0, help="niceness of the flooding processes")
    p.add_argument("--rate", type=float, default=0.0,
                   help="requests per second per flooder (0: as fast as answers come back)")
    a = p.parse_args()
    run = uuid.uuid4().hex[:8]
    a_token, a_config = tenant(a.url, f"flood-a-{run}")
    b_token, _ = tenant(a.url, f"flood-b-{run}")
    measure(a.url, b_token, 30)  # warm both tenants' actors and the pool
    quiet = measure(a.url, b_token, a.samples)
    quiet_server = measure.server

    # The flood runs in its own processes: threads would share B's interpreter lock, and B's
    # timings would measure Python's thread switching instead of the server.
    stop = multiprocessing.Event()
    counts = multiprocessing.Array("l", a.flooders)
    procs = [multiprocessing.Process(target=flood, args=(a.url, a_token, a_config, stop, counts, i, a.nice, a.rate),
                                     daemon=True) for i in range(a.flooders)]
    for proc in procs:
        proc.start()
    time.sleep(1.0)
    before = sum(counts)
    started = time.perf_counter()
    loaded = measure(a.url, b_token, a.samples)
    loaded_server = measure.server
    elapsed = time.perf_counter() - started
    flooded = sum(counts) - before
    stop.set()
    for proc in procs:
        proc.join(timeout=30)
    q, l = summary(quiet), summary(loaded)
    print(json.dumps({"b_alone": q, "b_during_a_flood": l,
                      "b_server_alone": summary(quiet_server), "b_server_during": summary(loaded_server),
                      "a_flood_requests_per_s": round(flooded / max(elapsed, 1e-9), 1),
                      "p99_ratio": round(l["p99_ms"] / q["p99_ms"], 2)}, indent=2))


def flood(url, token, config, stop, counts, i, nice, rate):
    # Tenant A's clients stand in for machines elsewhere: at a lower priority they take what the
    # server leaves rather than competing with it for these 2 cores.
    os.nice(nice)
    api = Api(url, token)
    next_at = time.perf_counter()
    paths = [("GET", "/v1/drifts", None), ("GET", "/v1/impact?target=svc0&version=2.0.0", None),
             ("POST", "/v1/bindings", {"config_id": config, "env": "prod"})]
    n = 0
    while not stop.is_set():
        if rate:
            # Paced: heavy load that leaves the machine some room, unlike the closed loop.
            next_at += 1.0 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
        method, path, body = paths[n % len(paths)]
        api.call(method, path, body)
        n += 1
        counts[i] = n


if __name__ == "__main__":
    main()
