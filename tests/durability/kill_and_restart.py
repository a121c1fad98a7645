#!/usr/bin/env python3
"""Durability under crashes (issue 12, item 6), driven by tests/durability/run.sh.

Starts the server, signs up one tenant and has `--threads` clients write in turn a new config
revision to their own lineage and a binding of it to their own environment, until `--writes`
writes are acknowledged. A third of the way in the server is killed with SIGKILL and started
again; two thirds of the way in Postgres is stopped the crash way (`pg_ctl stop -m immediate`,
or SIGKILL to the postmaster and its backends with `--pg-crash kill9`) and started again, so it
recovers from its WAL. The clients keep going through both outages.

A write is acknowledged when the server answered 2xx. A connection error, a timeout or a 5xx
leaves it unknown. An unknown revision is sent again with the same content: the server does not
store the lineage's latest data twice, so the retry either stores it or answers 200 with the
revision the unknown attempt stored, and each revision is acknowledged exactly once. Bindings
have no such key: an unknown binding is counted and a new one sent, so afterwards the stored
bindings are every acknowledged one plus at most the unknown ones.

Afterwards, through the owner's database connection and through the API: every acknowledged
revision is stored with the number, hash and content it was acknowledged with, each lineage is
numbered 1..N without a gap and holds no revision that was not acknowledged, every acknowledged
binding is stored, and each environment's current binding is the last one acknowledged there.
Prints a summary and exits 1 on any loss, gap or mismatch.

Python standard library only.
"""
import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ left in loadtest/
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "loadtest"))
from tenant_flood import signed_up  # noqa: E402

PGBIN = "/usr/lib/postgresql/15/bin"
SCHEMA = {"type": "object", "required": ["seq"], "properties": {
    "seq": {"type": "integer"}, "thread": {"type": "integer"}, "timeout_ms": {"type": "integer"}}}
# One write may wait this long for the server to come back before the run is declared stuck.
WRITE_PATIENCE_SECS = 60.0


def log(msg):
    print(f"[durability {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def as_pg(cmd):
    """Postgres' own tools run as the `postgres` user when we are root (as services.sh does)."""
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.getuid() == 0 else cmd


class Fatal(Exception):
    pass


class Client:
    """One keep-alive connection and no hidden retries: the caller decides what a failure means."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = None

    def call(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                              headers=headers)
            resp = self.conn.getresponse()
            text = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        try:
            return resp.status, (json.loads(text) if text else None)
        except ValueError:
            return resp.status, text.decode(errors="replace")


class Run:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.attempts = 0          # write requests sent
        self.acked = 0             # answered 2xx
        self.unknown = {"revision": 0, "binding": 0}
        self.retry_found = 0       # unknown revisions whose retry answered 200 (they had committed)
        self.ack_times = []        # monotonic time of each acknowledgement
        self.failures = []         # (time, what) of unknown outcomes, for the downtime figures
        self.revisions = {}        # thread -> [(seq, id, revision, hash)]
        self.bindings = {}         # thread -> [binding id]
        self.errors = []
        self.stop = threading.Event()
        self.server = None
        self.server_log = open(args.log, "ab")

    # --- the server -------------------------------------------------------------------------

    def start_server(self):
        self.server = subprocess.Popen([self.args.server, "serve"], stdout=self.server_log,
                                       stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise Fatal(f"the server exited with {self.server.returncode} on start; see {self.args.log}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise Fatal("the server did not answer /healthz within 60 s")

    def kill_server(self):
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.wait()

    # --- Postgres ---------------------------------------------------------------------------

    def psql(self, sql):
        out = subprocess.run(["psql", os.environ["VERSIQII_OWNER_DATABASE_URL"], "-qAtX",
                              "-v", "ON_ERROR_STOP=1", "-c", sql],
                             check=True, capture_output=True, text=True).stdout.strip()
        return out

    def check_durable_settings(self):
        settings = {s: self.psql(f"show {s}") for s in ("fsync", "synchronous_commit", "full_page_writes")}
        off = [f"{k}={v}" for k, v in settings.items() if v != "on"]
        if off:
            raise Fatal(f"Postgres is not durable for this test: {', '.join(off)}")
        return settings

    def crash_postgres(self):
        data = self.args.pg_data
        if self.args.pg_crash == "kill9":
            with open(os.path.join(data, "postmaster.pid")) as f:
                postmaster = int(f.readline())
            children = [int(p) for p in subprocess.run(["pgrep", "-P", str(postmaster)],
                                                       capture_output=True, text=True).stdout.split()]
            os.kill(postmaster, signal.SIGKILL)
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for pid in [postmaster] + children:
                while os.path.exists(f"/proc/{pid}"):
                    time.sleep(0.02)
        else:
            subprocess.run(as_pg([f"{PGBIN}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]),
                           check=True, capture_output=True)

    def start_postgres(self):
        # `restart` starts a stopped cluster with the options it last ran with (postmaster.opts):
        # the same port and socket directory as services.sh gave it.
        pg_log = os.path.join(os.path.dirname(self.args.pg_data), "run", "postgres.log")
        subprocess.run(as_pg([f"{PGBIN}/pg_ctl", "-D", self.args.pg_data, "-l", pg_log, "-w",
                              "-t", "60", "restart"]), check=True, capture_output=True)

    # --- the clients ------------------------------------------------------------------------

    def write(self, client, kind, path, body, ok):
        """Sends one write until it is acknowledged; returns (status, body) of the answer."""
        first_unknown = None
        delay = 0.02
        while True:
            with self.lock:
                self.attempts += 1
            try:
                status, reply = client.call("POST", path, body)
            except (OSError, http.client.HTTPException) as e:
                status, reply = None, repr(e)
            if status in ok:
                with self.lock:
                    self.acked += 1
                    self.ack_times.append(time.monotonic())
                return status, reply, first_unknown is not None
            if status is not None and status < 500:
                raise Fatal(f"{kind} write refused with {status}: {reply}")
            now = time.monotonic()
            with self.lock:
                self.unknown[kind] += 1
                self.failures.append((now, kind))
            if first_unknown is None:
                first_unknown = now
            elif now - first_unknown > WRITE_PATIENCE_SECS:
                raise Fatal(f"a {kind} write stayed unacknowledged for {WRITE_PATIENCE_SECS:.0f} s; last: {status} {reply}")
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    def worker(self, i, token, rounds):
        client = Client(self.args.port, token)
        revs, binds = self.revisions.setdefault(i, []), self.bindings.setdefault(i, [])
        try:
            for seq in range(rounds):
                content = json.dumps({"seq": seq, "thread": i, "timeout_ms": 1000 + seq})
                status, rev, retried = self.write(client, "revision", "/v1/configs", {
                    "target": f"svc-{i}@1.0.0", "name": f"lineage-{i}", "content": content,
                    "format": "json"}, (200, 201))
                if status == 200:
                    if not retried:
                        raise Fatal(f"a new revision's first attempt came back as existing: {rev}")
                    with self.lock:
                        self.retry_found += 1
                revs.append((seq, rev["id"], rev["revision"], rev["hash"]))
                _, bound, _ = self.write(client, "binding", "/v1/bindings",
                                         {"config_id": rev["id"], "env": f"env-{i}"}, (201,))
                binds.append(bound["id"])
        except Exception as e:  # noqa: BLE001 - reported and failed below
            self.errors.append(f"thread {i}: {e}")
            self.stop.set()

    # --- the run ----------------------------------------------------------------------------

    def wait_for_acks(self, n, workers):
        while self.acked < n and any(w.is_alive() for w in workers) and not self.stop.is_set():
            time.sleep(0.005)

    def downtime(self, at, dur):
        """The longest stretch without an acknowledgement that overlaps the fault (from its
        injection until the process was back): how long the clients saw nothing succeed."""
        with self.lock:
            times = sorted(self.ack_times)
        gaps = [b - a for a, b in zip(times, times[1:]) if b > at and a < at + dur]
        return round(max(gaps), 2) if gaps else None

    def main(self):
        a = self.args
        settings = self.check_durable_settings()
        log(f"Postgres: {settings}; server {a.server}")
        self.start_server()
        slug = f"durable-{uuid.uuid4().hex[:8]}"
        api = signed_up(f"http://127.0.0.1:{a.port}", slug)
        st, body = api.call("POST", "/v1/families/Svc/schemas", {"version": "v1", "schema": SCHEMA})
        assert st == 201, body
        for i in range(a.threads):
            st, body = api.call("POST", "/v1/targets", {"name": f"svc-{i}", "family": "Svc", "version": "1.0.0"})
            assert st == 201, body
        rounds = max(1, a.writes // (2 * a.threads))
        total = rounds * 2 * a.threads
        log(f"tenant {slug}: {a.threads} clients, {total} writes ({rounds} revisions and bindings each)")

        started = time.monotonic()
        workers = [threading.Thread(target=self.worker, args=(i, api.token, rounds), daemon=True)
                   for i in range(a.threads)]
        for w in workers:
            w.start()
        faults = []
        self.wait_for_acks(total // 3, workers)
        if not self.stop.is_set():
            at = time.monotonic()
            self.kill_server()
            log(f"server killed (SIGKILL) after {self.acked} acknowledged writes")
            time.sleep(a.outage)
            self.start_server()
            faults.append(("server SIGKILL", at, time.monotonic() - at))
            log("server started again")
        self.wait_for_acks(2 * total // 3, workers)
        if not self.stop.is_set():
            at = time.monotonic()
            self.crash_postgres()
            log(f"Postgres crashed ({a.pg_crash}) after {self.acked} acknowledged writes")
            time.sleep(a.outage)
            self.start_postgres()
            faults.append((f"Postgres {a.pg_crash}", at, time.monotonic() - at))
            log("Postgres recovered and started again")
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        if self.errors:
            for e in self.errors:
                log(e)
            return self.report(slug, total, elapsed, faults, None)
        self.check_durable_settings()  # the restarted cluster runs with the same settings
        return self.report(slug, total, elapsed, faults, self.verify(slug, api.token))

    def verify(self, slug, token):
        problems = []
        tenant = self.psql(f"select id from tenants where slug = '{slug}'")
        rows = json.loads(self.psql(
            "select coalesce(json_agg(json_build_object('name', c.name, 'id', r.id, 'revision', r.revision,"
            " 'hash', r.hash, 'seq', (r.canonical->>'seq')::int)), '[]')"
            f" from config_revisions r join configs c on c.id = r.config_id where r.tenant_id = '{tenant}'"))
        stored = {r["id"]: r for r in rows}
        bound = set(json.loads(self.psql(
            f"select coalesce(json_agg(id), '[]') from bindings where tenant_id = '{tenant}'")))

        lost = gaps = extra_revisions = lost_bindings = api_mismatch = 0
        acked_ids = set()
        for i, revs in self.revisions.items():
            for seq, rid, number, digest in revs:
                acked_ids.add(rid)
                row = stored.get(rid)
                if row is None:
                    lost += 1
                    problems.append(f"lineage-{i}: revision {number} ({rid}) acknowledged, not stored")
                elif (row["name"], row["revision"], row["hash"], row["seq"]) != (f"lineage-{i}", number, digest, seq):
                    lost += 1
                    problems.append(f"lineage-{i}: revision {rid} stored as {row}, acknowledged as #{number} {digest} seq {seq}")
        by_lineage = {}
        for r in rows:
            by_lineage.setdefault(r["name"], []).append(r["revision"])
        for name, numbers in sorted(by_lineage.items()):
            numbers.sort()
            if numbers != list(range(1, len(numbers) + 1)):
                missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
                gaps += len(missing) + (len(numbers) - len(set(numbers)))
                problems.append(f"{name}: revision numbers with gaps or repeats; missing {missing[:10]}")
        for r in rows:
            if r["id"] not in acked_ids:
                extra_revisions += 1
                problems.append(f"{r['name']}: revision {r['revision']} stored but never acknowledged (a duplicate)")
        acked_bindings = [b for bs in self.bindings.values() for b in bs]
        for b in acked_bindings:
            if b not in bound:
                lost_bindings += 1
                problems.append(f"binding {b} acknowledged, not stored")
        unacked_bindings = len(bound - set(acked_bindings))
        if unacked_bindings > self.unknown["binding"]:
            problems.append(f"{unacked_bindings} bindings stored that were never acknowledged, more than "
                            f"the {self.unknown['binding']} unknown binding writes")

        # The same through the API: each lineage's history, each environment's current binding.
        client = Client(self.args.port, token)
        for i, revs in self.revisions.items():
            if not revs:
                continue
            st, hist = client.call("GET", f"/v1/configs/{revs[-1][1]}/history")
            want = sorted((number, rid, digest) for _, rid, number, digest in revs)
            got = sorted((h["revision"], h["id"], h["hash"]) for h in (hist or {}).get("items", [])) if st == 200 else None
            if got != want:
                api_mismatch += 1
                problems.append(f"GET history of lineage-{i}: {st}, {len(got or [])} revisions, {len(want)} acknowledged")
            st, current = client.call("GET", f"/v1/bindings?env=env-{i}")
            ids = [b["id"] for b in (current or {}).get("items", [])] if st == 200 else None
            if ids != [self.bindings[i][-1]]:
                api_mismatch += 1
                problems.append(f"GET bindings env-{i}: {st} {ids}, last acknowledged {self.bindings[i][-1]}")
        return {"revisions_acknowledged": len(acked_ids), "revisions_stored": len(rows),
                "bindings_acknowledged": len(acked_bindings), "bindings_stored": len(bound),
                "bindings_stored_from_unknown_writes": unacked_bindings,
                "lost": lost + lost_bindings, "lost_revisions": lost, "lost_bindings": lost_bindings,
                "gaps": gaps, "unacknowledged_revisions": extra_revisions, "api_mismatches": api_mismatch,
                "problems": problems[:20]}

    def report(self, slug, total, elapsed, faults, found):
        summary = {
            "writes_planned": total,
            "write_attempts": self.attempts,
            "acknowledged": self.acked,
            "unknown": sum(self.unknown.values()),
            "unknown_revisions": self.unknown["revision"],
            "unknown_bindings": self.unknown["binding"],
            "unknown_revisions_found_committed_on_retry": self.retry_found,
            "faults": [{"fault": name, "outage_s": round(dur, 2), "downtime_seen_s": self.downtime(at, dur)}
                       for name, at, dur in faults],
            "elapsed_s": round(elapsed, 1),
            "acks_per_s": round(self.acked / elapsed, 1) if elapsed else None,
            "tenant": slug,
        }
        ok = not self.errors and found is not None
        if found is not None:
            summary.update(found)
            ok = ok and not (found["lost"] or found["gaps"] or found["unacknowledged_revisions"]
                             or found["api_mismatches"] or found["problems"])
            summary["present"] = found["revisions_acknowledged"] + found["bindings_acknowledged"] - found["lost"]
        if len(faults) < 2:
            ok = False
            self.errors.append("the run ended before both faults were injected")
        summary["errors"] = self.errors
        summary["result"] = "ok" if ok else "FAILED"
        print(json.dumps(summary, indent=2))
        return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="the versiqii-server binary")
    p.add_argument("--port", type=int, required=True, help="the HTTP port it listens on (VERSIQII_HTTP_PORT)")
    p.add_argument("--pg-data", required=True, help="the Postgres data directory (services.sh DIR/pg)")
    p.add_argument("--log", required=True, help="the server's log file")
    p.add_argument("--writes", type=int, default=2400, help="writes to acknowledge (half revisions, half bindings)")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--outage", type=float, default=1.0, help="seconds each fault keeps its process down")
    p.add_argument("--pg-crash", choices=["immediate", "kill9"], default="immediate",
                   help="pg_ctl stop -m immediate, or SIGKILL to the postmaster and every backend")
    run = Run(p.parse_args())
    try:
        code = run.main()
    except Fatal as e:
        log(f"FAILED: {e}")
        code = 1
    finally:
        if run.server and run.server.poll() is None:
            run.server.terminate()
            try:
                run.server.wait(10)
            except subprocess.TimeoutExpired:
                run.server.kill()
    sys.exit(code)


if __name__ == "__main__":
    main()
