#!/usr/bin/env python3
"""One tenant's flood against another tenant's latency (issue: tenant actors).

Signs up two tenants on a running Versiqii server, gives each the same small registry (a family,
targets with constraints, deployments and a bound config), then measures tenant B's latency for
GET /v1/drifts (served from B's drift matrix) alone, and again while tenant A floods the server
with drift, impact and binding requests from several processes, each sending its next request as
soon as the last is answered. Quiet and flooded phases alternate for `--rounds` rounds; the
samples of each kind are pooled. Prints both distributions (as B's client saw them, and the
server's own share from its Server-Timing header), A's answers by status, and the p99 ratio as
JSON. Bounded: a fixed number of requests per phase, loopback only.

On one machine the load generator and Postgres take CPU that on a real deployment is on other
hosts; `--measure-cpus` and `--flood-cpus` pin this script's processes (pin the server and
Postgres with taskset, see docs/benchmarks.md).

    python3 loadtest/tenant_flood.py --url http://127.0.0.1:8080 [--samples 1000] [--rounds 3]
        [--flooders 4] [--measure-cpus 0] [--flood-cpus 1] [--nice 10] [--rate 10]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import statistics
import subprocess
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
        self.server_ms = float("nan")

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


def signed_up(url, slug, plan=None, plan_db=None):
    """A new tenant's client, authenticated with a write-scoped API key (on `plan`, set as
    the Postgres superuser of `plan_db`, when given). The server must not ask for verified
    emails (VERSIQII_REQUIRE_VERIFIED_EMAIL=false): the key is made straight after sign-up."""
    api = Api(url)
    status, body = api.call("POST", "/v1/auth/signup", {
        "tenant_slug": slug, "email": f"owner@{slug}.test", "password": "correct horse battery"})
    assert status == 201, body
    if plan:
        # Before the tenant's first authenticated request, which reads (and caches) its plan.
        subprocess.run(["psql", plan_db, "-qAtc",
                        f"update tenants set plan = '{plan}' where slug = '{slug}'"], check=True)
    api.token = body["tokens"]["access_token"]
    status, key = api.call("POST", "/v1/api-keys", {"name": "load", "scopes": ["write"]})
    assert status == 201, key
    api.token = key["key"]
    return api


def tenant(url, slug, plan=None, plan_db=None):
    api = signed_up(url, slug, plan, plan_db)
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


def measure(api, samples, rate=0.0):
    """B's requests, `rate` a second (0: one after another): (client ms, server ms) each."""
    out = []
    next_at = time.perf_counter()
    for _ in range(samples):
        if rate:
            next_at += 1.0 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
        t = time.perf_counter()
        status, _ = api.call("GET", "/v1/drifts")
        out.append(((time.perf_counter() - t) * 1000, api.server_ms))
        assert status == 200, status
    return out


def percentile(ms, q):
    ms = sorted(ms)
    return ms[min(len(ms) - 1, int(q * len(ms)))]


def summary(ms):
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p90_ms": round(percentile(ms, 0.90), 2), "p99_ms": round(percentile(ms, 0.99), 2),
            "max_ms": round(max(ms), 2)}


def ratio_interval(quiet, loaded, draws=400):
    """A 95% bootstrap interval of p99(loaded) / p99(quiet): how far the ratio itself moves
    between runs of the same machine, which a single ratio hides."""
    rng = random.Random(1)
    ratios = sorted(percentile(rng.choices(loaded, k=len(loaded)), 0.99)
                    / percentile(rng.choices(quiet, k=len(quiet)), 0.99) for _ in range(draws))
    return [round(ratios[int(0.025 * draws)], 3), round(ratios[int(0.975 * draws)], 3)]


def cpus(text):
    return {int(c) for c in text.split(",")} if text else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--samples", type=int, default=1000, help="B's requests per phase")
    p.add_argument("--rounds", type=int, default=3, help="quiet and flooded phases, alternating")
    p.add_argument("--flooders", type=int, default=4)
    p.add_argument("--measure-cpus", type=cpus, help="CPUs for B's client, e.g. 0")
    p.add_argument("--flood-cpus", type=cpus, help="CPUs for A's load processes, e.g. 1")
    p.add_argument("--nice", type=int, default=0, help="niceness of the flooding processes")
    p.add_argument("--rate", type=float, default=0.0,
                   help="requests per second per flooder (0: as fast as answers come back)")
    p.add_argument("--mix", choices=["mixed", "reads", "writes"], default="mixed",
                   help="A's requests: drifts, impact analyses and bindings in turn (mixed), "
                   "only drift reads (served from memory: server work) or only bindings (database work)")
    p.add_argument("--b-rate", type=float, default=100.0,
                   help="B's requests per second (0: one after another)")
    p.add_argument("--b-plan", default="team", help="B's plan, set through --plan-db")
    p.add_argument("--plan-db", help="a Postgres URL allowed to update tenants (the superuser); "
                   "without it B stays on the free plan, whose budget (20/s) then paces B")
    a = p.parse_args()
    if a.measure_cpus:
        os.sched_setaffinity(0, a.measure_cpus)
    run = uuid.uuid4().hex[:8]
    a_token, a_config = tenant(a.url, f"flood-a-{run}")
    b_plan = a.b_plan if a.plan_db else None
    b_token, _ = tenant(a.url, f"flood-b-{run}", b_plan, a.plan_db)
    api = Api(a.url, b_token)
    time.sleep(2.5)  # B's setup spent its plan's burst; let it fill again
    measure(api, 30, a.b_rate)  # warm B's actors and connection

    quiet, loaded, rounds = [], [], []
    statuses = multiprocessing.Array("l", 600)
    flooded, flood_secs = 0, 0.0
    for _ in range(a.rounds):
        q = measure(api, a.samples, a.b_rate)
        # The flood runs in its own processes: threads would share B's interpreter lock, and
        # B's timings would measure Python's thread switching instead of the server.
        stop = multiprocessing.Event()
        counts = multiprocessing.Array("l", a.flooders)
        procs = [multiprocessing.Process(
            target=flood, args=(a.url, a_token, a_config, stop, counts, statuses, i, a.nice,
                                a.rate, a.flood_cpus, a.mix), daemon=True) for i in range(a.flooders)]
        for proc in procs:
            proc.start()
        time.sleep(1.0)
        before, started = sum(counts), time.perf_counter()
        l = measure(api, a.samples, a.b_rate)
        flood_secs += time.perf_counter() - started
        flooded += sum(counts) - before
        stop.set()
        for proc in procs:
            proc.join(timeout=30)
        quiet += q
        loaded += l
        rounds.append({"b_alone_p99_ms": summary([c for c, _ in q])["p99_ms"],
                       "b_during_p99_ms": summary([c for c, _ in l])["p99_ms"]})
        time.sleep(1.0)  # let the machine settle before the next quiet phase

    qs, ls = summary([c for c, _ in quiet]), summary([c for c, _ in loaded])
    print(json.dumps({
        "b_alone": qs, "b_during_a_flood": ls,
        "b_server_alone": summary([s for _, s in quiet]),
        "b_server_during": summary([s for _, s in loaded]),
        "a_mix": a.mix, "b_plan": b_plan or "free", "b_requests_per_s": a.b_rate, "rounds": rounds,
        "a_requests_per_s": round(flooded / max(flood_secs, 1e-9), 1),
        "a_answers_by_status": {str(code): n for code, n in enumerate(statuses) if n},
        "p99_ratio": round(ls["p99_ms"] / qs["p99_ms"], 3),
        "p99_ratio_95ci": ratio_interval([c for c, _ in quiet], [c for c, _ in loaded]),
    }, indent=2))


def flood(url, token, config, stop, counts, statuses, i, nice, rate, flood_cpus, mix):
    # Tenant A's clients stand in for machines elsewhere: pinned to their own CPUs, or at a
    # lower priority, they take what the server leaves rather than competing with it.
    os.nice(nice)
    if flood_cpus:
        os.sched_setaffinity(0, flood_cpus)
    api = Api(url, token)
    next_at = time.perf_counter()
    paths = [("GET", "/v1/drifts", None), ("GET", "/v1/impact?target=svc0&version=2.0.0", None),
             ("POST", "/v1/bindings", {"config_id": config, "env": "prod"})]
    paths = {"mixed": paths, "reads": paths[:1], "writes": paths[2:]}[mix]
    n = 0
    while not stop.is_set():
        if rate:
            # Paced: heavy load that leaves the machine some room, unlike the closed loop.
            next_at += 1.0 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
        method, path, body = paths[n % len(paths)]
        status, _ = api.call(method, path, body)
        with statuses.get_lock():
            statuses[status] += 1
        n += 1
        counts[i] = n


if __name__ == "__main__":
    main()
