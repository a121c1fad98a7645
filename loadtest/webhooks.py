#!/usr/bin/env python3
"""Webhook delivery under load (issue 15): a local receiver (asyncio, answers 204 at once) and
one endpoint taking every event, then

  latency  N writes one after another (POST /v1/envs, one event each); for each, the time from
           the write's answer (its commit) to the delivery's arrival at the receiver: p50/p99;
  burst    B events queued at once straight into the outbox (as B writes would leave them, in
           one statement, through the owner role), then the time until the receiver has every
           one of them: the backlog's drain time and deliveries a second. With --dispatcher-pid
           the dispatcher's CPU seconds over the drain are read from /proc, giving deliveries
           per second per core (CPU second).

The server must run with VERSIQII_WEBHOOKS_ALLOW_LOOPBACK=true and a dispatcher (embedded, or
`versiqii-server dispatch`), and VERSIQII_PLAN_RATE_FREE=0 for the latency run's writes.

    python3 loadtest/webhooks.py --url http://127.0.0.1:8080 --owner-db postgres://... \\
        [--writes 300] [--burst 100000] [--dispatcher-pid PID]
Prints JSON.
"""
import argparse
import asyncio
import json
import os
import statistics
import subprocess
import threading
import time
import uuid

from tenant_flood import Api


class Receiver:
    """Counts deliveries by webhook-id and notes when each arrived."""

    def __init__(self):
        self.arrived = {}  # webhook-id -> (monotonic time, event type, env)
        self.count = 0
        self.lock = threading.Lock()
        self.port = None
        self.ready = threading.Event()

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self):
        asyncio.run(self._serve())

    async def _serve(self):
        server = await asyncio.start_server(self._conn, "127.0.0.1", 0, backlog=4096)
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        async with server:
            await server.serve_forever()

    async def _conn(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                now = time.monotonic()
                msg = headers.get("webhook-id", "")
                try:
                    event = json.loads(body)
                    kind, env = event.get("type"), (event.get("data") or {}).get("env")
                except ValueError:
                    kind, env = None, None
                with self.lock:
                    self.count += 1
                    self.arrived.setdefault(msg, (now, kind, env))
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def envs_seen(self):
        with self.lock:
            return {env: t for (t, kind, env) in self.arrived.values() if kind == "environment.created"}

    def burst_seen(self, prefix):
        with self.lock:
            return [t for (t, kind, env) in self.arrived.values() if env and env.startswith(prefix)]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--owner-db", required=True, help="the owner role's URL (to queue the burst)")
    p.add_argument("--writes", type=int, default=300)
    p.add_argument("--burst", type=int, default=100_000)
    p.add_argument("--dispatcher-pid", type=int)
    a = p.parse_args()

    rx = Receiver()
    rx.start()
    # The owner's session (webhooks are an admin's): a fresh tenant.
    api = Api(a.url)
    slug = f"wh-{uuid.uuid4().hex[:8]}"
    st, body = api.call("POST", "/v1/auth/signup", {
        "tenant_slug": slug, "email": f"owner@{slug}.test", "password": "correct horse battery"})
    assert st == 201, body
    api.token = body["tokens"]["access_token"]
    st, made = api.call("POST", "/v1/webhooks", {"url": f"http://127.0.0.1:{rx.port}/hook",
                                                  "events": ["environment.created"]})
    assert st == 201, made
    st, me = api.call("GET", "/v1/me")
    tenant = me["tenant_id"]
    out = {}

    # Latency: one write at a time, each event's delivery timed from the write's answer.
    committed = {}
    for i in range(a.writes):
        name = f"lat-{i}"
        st, body = api.call("POST", "/v1/envs", {"name": name})
        assert st == 201, body
        committed[name] = time.monotonic()
        time.sleep(0.01)
    deadline = time.monotonic() + 60
    while len(rx.envs_seen().keys() & committed.keys()) < len(committed) and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = rx.envs_seen()
    lat = [(seen[n] - t) * 1000 for n, t in committed.items() if n in seen]
    out["latency"] = {"writes": a.writes, "delivered": len(lat),
                      "p50_ms": round(pct(lat, 50), 1), "p99_ms": round(pct(lat, 99), 1),
                      "max_ms": round(max(lat), 1), "mean_ms": round(statistics.mean(lat), 1)}

    # Burst: B events in the outbox at once.
    prefix = f"burst-{uuid.uuid4().hex[:6]}-"
    sql = (f"insert into outbox (tenant_id, topic, payload) select '{tenant}', 'environment.created', "
           f"jsonb_build_object('type', 'environment.created', 'version', 1, 'data', "
           f"jsonb_build_object('environment_id', gen_random_uuid(), 'env', '{prefix}' || g)) "
           f"from generate_series(1, {a.burst}) g")
    cpu0 = cpu_seconds(a.dispatcher_pid) if a.dispatcher_pid else None
    start = time.monotonic()
    subprocess.run(["psql", a.owner_db, "-qAt", "-c", sql], check=True)
    queued = time.monotonic()
    deadline = queued + 3600
    while len(rx.burst_seen(prefix)) < a.burst and time.monotonic() < deadline:
        time.sleep(0.2)
    arrivals = rx.burst_seen(prefix)
    done = max(arrivals)
    drain = done - queued
    out["burst"] = {"events": a.burst, "delivered": len(arrivals), "queue_s": round(queued - start, 2),
                    "drain_s": round(drain, 2), "deliveries_per_s": round(len(arrivals) / drain, 1),
                    "receiver_requests": rx.count}
    if cpu0 is not None:
        cpu = cpu_seconds(a.dispatcher_pid) - cpu0
        out["burst"]["dispatcher_cpu_s"] = round(cpu, 2)
        out["burst"]["deliveries_per_cpu_s"] = round(len(arrivals) / cpu, 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
