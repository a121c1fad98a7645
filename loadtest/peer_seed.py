#!/usr/bin/env python3
"""Provisions a running Versiqii server for the peer benchmarks (docs/benchmarks.md) through its
API, as a pipeline would: signs up a tenant, creates a write-scoped API key, declares the family
`Svc` with payloads.SCHEMA, then

  validate: one target `svc-000@1.0.0` and the request body of POST /v1/validate checking
            payloads config 0 (about 1 KB) against it, written to OUT/validate.json;
  env:      COUNT targets `svc-NNN@1.0.0`, each deployed to `prod` and bound there to its
            payloads config (the same configs loadtest/unleash/seed.py gives Unleash).

Writes the API key to OUT/key. The server must not ask for verified emails
(VERSIQII_REQUIRE_VERIFIED_EMAIL=false) and its free plan must hold COUNT targets and configs
(VERSIQII_PLAN_QUOTA_TARGETS_FREE=0, VERSIQII_PLAN_QUOTA_CONFIGS_FREE=0).

    python3 loadtest/peer_seed.py --url http://127.0.0.1:8080 --out DIR validate
    python3 loadtest/peer_seed.py --url http://127.0.0.1:8080 --out DIR env [--count 50]
"""
import argparse
import json
import os
import uuid

import payloads
from tenant_flood import signed_up


def ok(reply, *want):
    status, body = reply
    assert status in want, (status, body)
    return body


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("what", choices=["validate", "env"])
    p.add_argument("--count", type=int, default=50)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    api = signed_up(a.url, f"peer-{uuid.uuid4().hex[:8]}")
    ok(api.call("POST", "/v1/families/Svc/schemas", {"version": "v1", "schema": payloads.SCHEMA}), 201)
    count = 1 if a.what == "validate" else a.count
    for i in range(count):
        name = f"svc-{i:03d}"
        ok(api.call("POST", "/v1/targets", {"name": name, "family": "Svc", "version": "1.0.0"}), 201)
        if a.what == "env":
            ok(api.call("PUT", f"/v1/envs/prod/targets/{name}/version", {"version": "1.0.0"}), 200)
            rev = ok(api.call("POST", "/v1/configs", {"target": f"{name}@1.0.0", "content": payloads.text(i)}),
                     200, 201)
            ok(api.call("POST", "/v1/bindings", {"config_id": rev["id"], "env": "prod"}), 201)
    if a.what == "validate":
        body = {"target": "svc-000@1.0.0", "content": payloads.text(0), "format": "json"}
        reply = ok(api.call("POST", "/v1/validate", body), 200)
        assert reply["valid"], reply
        with open(os.path.join(a.out, "validate.json"), "w") as f:
            json.dump(body, f, separators=(",", ":"))
    with open(os.path.join(a.out, "key"), "w") as f:
        f.write(api.token)
    print(f"versiqii: {a.what} provisioned ({count} target(s))")


if __name__ == "__main__":
    main()
