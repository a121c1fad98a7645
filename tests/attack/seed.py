#!/usr/bin/env python3
"""Seeds two tenants on a running Versiqii server for the schemathesis attack suite.

Each tenant gets a family with two schema versions and a lens between them, targets with a
constraint, an environment with deployments, a bound config and an observation, and then its
principals: the owner's login (JWT) and one API key per scope (read, write, admin). Writes
`wfc.json` (Web Fuzzing Commons auth: tenant A's principals and tenant B's as `b-<name>`) and
`tenant-b.json` (strings that only tenant B has: the suite fails when A is shown one of them)
and `key-ids.json` (the keys' ids, which the run must not revoke) into the given directory.

    python3 tests/attack/seed.py --url http://127.0.0.1:8080 --out DIR
"""
import argparse
import json
import os
import subprocess
import urllib.error
import urllib.request

PASSWORD = "correct horse battery staple"
SCHEMA_V1 = {"type": "object", "properties": {"timeout": {"type": "integer"}}}
SCHEMA_V2 = {"type": "object", "properties": {"timeout_ms": {"type": "integer"}}}
LENS = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n"
PRINCIPALS = ("owner-jwt", "key-read", "key-write", "key-admin")


def call(url, method, path, body=None, token=None, want=(200, 201)):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in want:
        raise SystemExit(f"seed: {method} {path} -> {status}: {text[:500]!r}")
    return json.loads(text) if text else None


def tenant(url, slug):
    """Signs up `slug`, fills its registry; returns (wfc entries, its unique strings, key ids)."""
    email = f"owner@{slug}.example"
    up = call(url, "POST", "/v1/auth/signup",
              {"tenant_slug": slug, "email": email, "password": PASSWORD})
    jwt = up["tokens"]["access_token"]
    # As if the owner had opened the verification link mailed at sign-up (no mail here).
    subprocess.run(["psql", os.environ["VERSIQII_OWNER_DATABASE_URL"], "-qAtXc",
                    f"update users set email_verified_at = now() where email = '{email}'"],
                   check=True)
    own = {up["tenant"]["id"], up["user"]["id"], email}
    fam, tgt, dep = f"{slug}-fam", f"{slug}-svc", f"{slug}-dep"
    env = f"{slug}-prod"
    call(url, "POST", f"/v1/families/{fam}/schemas", {"version": "v1", "schema": SCHEMA_V1}, jwt)
    call(url, "POST", f"/v1/families/{fam}/schemas", {"version": "v2", "schema": SCHEMA_V2,
                                                       "compat": "NONE"}, jwt)
    call(url, "POST", f"/v1/families/{fam}/migrations", {"from": "v1", "to": "v2", "lens": LENS}, jwt)
    ids, key_ids = [], []
    for name, version, schema in ((tgt, "1.0.0", "v1"), (tgt, "2.0.0", "v2"), (dep, "1.0.0", "v1")):
        tv = call(url, "POST", "/v1/targets", {"name": name, "family": fam, "version": version,
                                               "schema_version": schema}, jwt)
        ids.append(tv["id"])
    call(url, "POST", "/v1/constraints", {"from": f"{tgt}@1.0.0", "kind": "requires",
                                          "target": dep, "range": "^1"}, jwt)
    call(url, "POST", "/v1/envs", {"name": env}, jwt)
    for name in (dep, tgt):
        d = call(url, "PUT", f"/v1/envs/{env}/targets/{name}/version", {"version": "1.0.0"}, jwt)
        ids.append(d.get("id")) if isinstance(d, dict) and "id" in d else None
    cfg = call(url, "POST", "/v1/configs", {"target": f"{tgt}@1.0.0", "name": f"{slug}.yaml",
                                            "content": "timeout: 5000\n"}, jwt)
    cfg2 = call(url, "POST", "/v1/configs", {"target": f"{tgt}@1.0.0", "name": f"{slug}.yaml",
                                             "content": "timeout: 6000\n"}, jwt)
    ids += [cfg["id"], cfg2["id"]]
    binding = call(url, "POST", "/v1/bindings", {"config_id": cfg2["id"], "env": env}, jwt)
    ids.append(binding.get("id"))
    call(url, "POST", f"/v1/envs/{env}/observations", {"target": tgt, "version": "1.0.0"}, jwt)
    entries = [{"name": "owner-jwt", "loginEndpointAuth": {
        "endpoint": "/v1/auth/login", "verb": "POST", "contentType": "application/json",
        "payloadRaw": json.dumps({"email": email, "password": PASSWORD}),
        "token": {"extractFrom": "body", "extractSelector": "/access_token",
                  "sendIn": "header", "sendName": "Authorization", "sendTemplate": "Bearer {token}"}}}]
    for scope in ("read", "write", "admin"):
        key = call(url, "POST", "/v1/api-keys", {"name": f"{slug}-attack-{scope}", "scopes": [scope]}, jwt)
        key_ids.append(key["id"])
        own.add(key["prefix"])
        entries.append({"name": f"key-{scope}", "fixedHeaders": [
            {"name": "Authorization", "value": f"Bearer {key['key']}"}]})
    own.update(i for i in ids + key_ids if i)
    own.update({slug, fam, tgt, dep, env, f"{slug}.yaml"})
    return entries, own, key_ids


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    suffix = os.urandom(3).hex()
    a, _, a_keys = tenant(args.url, f"attack-a-{suffix}")
    b, b_own, b_keys = tenant(args.url, f"attack-b-{suffix}")
    for entry in b:
        entry["name"] = "b-" + entry["name"]
    with open(os.path.join(args.out, "wfc.json"), "w") as f:
        json.dump({"schemaVersion": "0.1.0", "auth": a + b}, f, indent=1)
    with open(os.path.join(args.out, "key-ids.json"), "w") as f:
        json.dump(a_keys + b_keys, f)
    with open(os.path.join(args.out, "tenant-b.json"), "w") as f:
        json.dump(sorted(b_own), f, indent=1)


if __name__ == "__main__":
    main()
