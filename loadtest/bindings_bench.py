#!/usr/bin/env python3
"""Provisions the tenants of loadtest/bindings_bench.sh: each signs up, gets a write-scoped API
key, a schema, one target with a version and two configs for it, and binds the first in `prod`
(so the environment exists for the history the script then writes in SQL). Prints one line per
tenant: `slug token revision_a revision_b`.

    python3 loadtest/bindings_bench.py --url http://127.0.0.1:8080 --tenants 8
"""
import argparse
import json
import uuid

from tenant_flood import signed_up

SCHEMA = {"type": "object", "required": ["timeout"], "properties": {"timeout": {"type": "integer"}}}


def provision(url):
    slug = f"bb-{uuid.uuid4().hex[:8]}"
    api = signed_up(url, slug)
    st, body = api.call("POST", "/v1/families/Svc/schemas", {"version": "v1", "schema": SCHEMA})
    assert st == 201, body
    st, body = api.call("POST", "/v1/targets", {"name": "svc", "family": "Svc", "version": "1.0.0"})
    assert st == 201, body
    revisions = []
    for timeout in (10, 20):
        st, rev = api.call("POST", "/v1/configs", {"target": "svc@1.0.0",
                                                   "content": json.dumps({"timeout": timeout})})
        assert st in (200, 201), rev
        revisions.append(rev["id"])
    st, body = api.call("POST", "/v1/bindings", {"config_id": revisions[0], "env": "prod"})
    assert st == 201, body
    return slug, api.token, revisions


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--tenants", type=int, default=8)
    args = p.parse_args()
    for _ in range(args.tenants):
        slug, token, (a, b) = provision(args.url)
        print(slug, token, a, b)


if __name__ == "__main__":
    main()
