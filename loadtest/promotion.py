#!/usr/bin/env python3
"""Promotion of N targets (issue 17): one `POST /v1/promotions` copying N deployments and their
bound configs from staging to an empty prod, in one transaction. Timed from the client, with
the server's own share (Server-Timing), and the server's peak RSS during the call (its VmHWM,
reset first through /proc/PID/clear_refs when allowed; sampled VmRSS otherwise).

Sets up one tenant on the `enterprise` plan (no target or config quota; set as the Postgres
superuser of --plan-db) with N targets, each with one config bound and deployed in staging.
A dry run is timed first (the plan alone), then the promotion itself.

    python3 loadtest/promotion.py --url URL --plan-db PGURL --server-pid PID [--targets 500]
"""
import argparse
import json
import threading
import time
import uuid

from tenant_flood import Api, signed_up

SCHEMA = {"type": "object", "required": ["timeout"],
          "properties": {"timeout": {"type": "integer"}, "name": {"type": "string"}}}


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Sampler(threading.Thread):
    """VmRSS every 5 ms, in case the peak cannot be reset."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            time.sleep(0.005)


def ok(reply, *statuses):
    st, body = reply
    assert st in statuses, (st, body)
    return body


def setup(url, plan_db, n):
    slug = f"promo-{uuid.uuid4().hex[:8]}"
    api = signed_up(url, slug, "enterprise", plan_db)
    ok(api.call("POST", "/v1/families/Svc/schemas", {"version": "v1", "schema": SCHEMA}), 201)
    for env in ("staging", "prod"):
        ok(api.call("POST", "/v1/envs", {"name": env}), 201)
    for t in range(n):
        name = f"svc-{t:04}"
        ok(api.call("POST", "/v1/targets", {"name": name, "family": "Svc", "version": "1.0.0"}), 201)
        rev = ok(api.call("POST", "/v1/configs", {
            "target": f"{name}@1.0.0", "content": json.dumps({"timeout": t, "name": name})}), 201)
        ok(api.call("POST", "/v1/bindings", {"config_id": rev["id"], "env": "staging"}), 201)
        ok(api.call("PUT", f"/v1/envs/staging/targets/{name}/version", {"version": "1.0.0"}), 200)
    # A tenant someone watches: its drift matrix is loaded.
    ok(api.call("GET", "/v1/drifts"), 200)
    return api


def timed(api, body):
    t0 = time.perf_counter()
    reply = api.call("POST", "/v1/promotions", body)
    return (time.perf_counter() - t0) * 1000, api.server_ms, ok(reply, 200)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--plan-db", required=True)
    p.add_argument("--server-pid", type=int, required=True)
    p.add_argument("--targets", type=int, default=500)
    a = p.parse_args()
    t0 = time.perf_counter()
    api = setup(a.url, a.plan_db, a.targets)
    setup_s = time.perf_counter() - t0
    body = {"from": "staging", "to": "prod"}
    dry_ms, dry_server_ms, plan = timed(api, dict(body, dry_run=True))
    assert len(plan["targets"]) == a.targets and plan["safe"], plan["summary"][:200]
    rss_before = status_kib(a.server_pid, "VmRSS")
    reset = reset_peak(a.server_pid)
    sampler = Sampler(a.server_pid)
    sampler.start()
    ms, server_ms, done = timed(api, body)
    sampler.stop = True
    sampler.join()
    assert done["applied"] and len(done["targets"]) == a.targets, done["summary"][:200]
    st, prod = api.call("GET", "/v1/bindings?env=prod")
    assert st == 200 and len(prod["items"]) == a.targets, st
    print(json.dumps({
        "targets": a.targets,
        "setup_s": round(setup_s, 1),
        "dry_run_ms": round(dry_ms, 1), "dry_run_server_ms": round(dry_server_ms, 1),
        "promotion_ms": round(ms, 1), "promotion_server_ms": round(server_ms, 1),
        "server_rss_before_mib": round(rss_before / 1024, 1),
        "server_peak_rss_mib": round(
            (status_kib(a.server_pid, "VmHWM") if reset else sampler.peak) / 1024, 1),
        "peak_from": "VmHWM after clear_refs" if reset else "VmRSS sampled every 5 ms",
        "server_peak_rss_sampled_mib": round(sampler.peak / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
