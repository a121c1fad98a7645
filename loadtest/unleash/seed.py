#!/usr/bin/env python3
"""Seeds Unleash with the 50 configs of loadtest/payloads.py: one feature flag per config in the
default project, enabled in `development`, with a 100% flexible rollout whose one variant carries
the config as its JSON payload. What GET /api/client/features then serves is the same 50
payloads Versiqii's GET /v1/envs/prod/configs serves.

    python3 loadtest/unleash/seed.py --url http://127.0.0.1:4242 --token '*:*.admin-secret' [--count 50]
"""
import argparse
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import payloads  # noqa: E402


def call(url, token, method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read()
        return json.loads(text) if text else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--count", type=int, default=50)
    a = p.parse_args()
    base = "/api/admin/projects/default/features"
    for i in range(a.count):
        name = f"svc-{i:03d}"
        call(a.url, a.token, "POST", base, {"name": name, "type": "release"})
        call(a.url, a.token, "POST", f"{base}/{name}/environments/development/strategies", {
            "name": "flexibleRollout",
            "parameters": {"rollout": "100", "stickiness": "default", "groupId": name},
            "variants": [{"name": "config", "weight": 1000, "weightType": "variable",
                          "stickiness": "default",
                          "payload": {"type": "json", "value": payloads.text(i)}}],
        })
        call(a.url, a.token, "POST", f"{base}/{name}/environments/development/on")
    print(f"unleash: {a.count} flags seeded")


if __name__ == "__main__":
    main()
