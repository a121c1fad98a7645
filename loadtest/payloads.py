"""The configs of the peer benchmarks (docs/benchmarks.md): one realistic service config of
about 1 KB per index, all valid against SCHEMA, so Versiqii and its peer serve the same bytes.

    python3 loadtest/payloads.py [N]   # prints config N and its size
"""
import json
import sys

SCHEMA = {
    "type": "object",
    "required": ["service", "replicas", "http", "database", "cache", "features", "logging"],
    "additionalProperties": False,
    "properties": {
        "service": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"},
        "region": {"enum": ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"]},
        "replicas": {"type": "integer", "minimum": 1, "maximum": 64},
        "http": {
            "type": "object",
            "required": ["port", "timeout_ms"],
            "additionalProperties": False,
            "properties": {
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "timeout_ms": {"type": "integer", "minimum": 10, "maximum": 60000},
                "max_body_bytes": {"type": "integer", "minimum": 1024},
                "cors_origins": {"type": "array", "items": {"type": "string", "format": "uri"}, "maxItems": 16},
            },
        },
        "database": {
            "type": "object",
            "required": ["host", "port", "name", "pool"],
            "additionalProperties": False,
            "properties": {
                "host": {"type": "string", "minLength": 1},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "name": {"type": "string", "minLength": 1},
                "pool": {
                    "type": "object",
                    "required": ["min", "max"],
                    "properties": {
                        "min": {"type": "integer", "minimum": 0},
                        "max": {"type": "integer", "minimum": 1, "maximum": 500},
                        "idle_timeout_s": {"type": "integer", "minimum": 0},
                    },
                },
                "statement_timeout_ms": {"type": "integer", "minimum": 0},
            },
        },
        "cache": {
            "type": "object",
            "required": ["url", "ttl_s"],
            "properties": {
                "url": {"type": "string", "pattern": "^redis://"},
                "ttl_s": {"type": "integer", "minimum": 0, "maximum": 86400},
                "prefix": {"type": "string", "maxLength": 32},
            },
        },
        "features": {
            "type": "object",
            "additionalProperties": {"type": "boolean"},
            "maxProperties": 32,
        },
        "retry": {
            "type": "object",
            "properties": {
                "attempts": {"type": "integer", "minimum": 0, "maximum": 10},
                "backoff_ms": {"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": 10},
            },
        },
        "logging": {
            "type": "object",
            "required": ["level"],
            "properties": {
                "level": {"enum": ["trace", "debug", "info", "warn", "error"]},
                "format": {"enum": ["json", "text"]},
                "sample_rate": {"type": "number", "minimum": 0, "maximum": 1},
            },
        },
        "owners": {"type": "array", "items": {"type": "string", "format": "email"}, "maxItems": 8},
        "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 63}},
    },
}

REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"]


def config(i):
    """Service i's config (a dict, about 1 KB as compact JSON)."""
    name = f"svc-{i:03d}"
    return {
        "service": name,
        "region": REGIONS[i % len(REGIONS)],
        "replicas": 2 + i % 7,
        "http": {
            "port": 8000 + i,
            "timeout_ms": 1500 + 100 * (i % 10),
            "max_body_bytes": 1048576,
            "cors_origins": [f"https://app.example.com", f"https://{name}.internal.example.com"],
        },
        "database": {
            "host": f"pg-{i % 4}.db.internal.example.com",
            "port": 5432,
            "name": name.replace("-", "_"),
            "pool": {"min": 2, "max": 20 + i % 30, "idle_timeout_s": 300},
            "statement_timeout_ms": 15000,
        },
        "cache": {"url": f"redis://cache-{i % 3}.internal.example.com:6379/0", "ttl_s": 600, "prefix": f"{name}:"},
        "features": {
            "new_checkout": i % 2 == 0,
            "search_v2": i % 3 == 0,
            "dark_mode": True,
            "beta_recommendations": i % 5 == 0,
            "async_exports": False,
            "rate_limit_headers": True,
        },
        "retry": {"attempts": 3, "backoff_ms": [50, 200, 800]},
        "logging": {"level": "info" if i % 4 else "debug", "format": "json", "sample_rate": 0.25},
        "owners": [f"team-{i % 6}@example.com", "platform@example.com", "oncall@example.com"],
        "labels": {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/part-of": "storefront",
            "cost-center": f"cc-{1000 + i % 9}",
            "tier": "backend" if i % 2 else "frontend",
            "pagerduty-service": f"P{i:05d}STOREFRONT",
        },
    }


def text(i):
    return json.dumps(config(i), separators=(",", ":"))


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    print(text(n))
    print(len(text(n)), "bytes", file=sys.stderr)
