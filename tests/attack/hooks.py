"""Schemathesis hooks for the attack suite (SCHEMATHESIS_HOOKS=hooks, with this directory on
PYTHONPATH): a check that a principal of tenant A is never shown anything only tenant B has,
and a guard that keeps the run from revoking the API keys it authenticates with."""
import json
import os
import uuid

import schemathesis

_DIR = os.environ["VQ_ATTACK_DIR"]
with open(os.path.join(_DIR, "tenant-b.json")) as f:
    TENANT_B = json.load(f)
# The ids of the keys the runs authenticate with: revoking one would make every later request
# of the run, or of the next principal's run, a 401.
with open(os.path.join(_DIR, "key-ids.json")) as f:
    OWN_KEY_IDS = set(json.load(f))


# Tenant B's strings that tenant A's requests carried: schemathesis draws values from the peer's
# responses, so A may create an environment named like B's and read it back. Kept in a file, as
# one principal's run may create what the next one reads.
_SENT_FILE = os.path.join(_DIR, "sent-by-a.txt")
with open(_SENT_FILE, "a+") as f:
    f.seek(0)
    SENT = set(f.read().split())


def _request_text(case):
    return f"{case.formatted_path} {case.query} {case.body}"


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.method == "DELETE" and case.path == "/v1/api-keys/{id}":
        if str((case.path_parameters or {}).get("id")) in OWN_KEY_IDS:
            case.path_parameters["id"] = str(uuid.uuid4())
    text = _request_text(case)
    new = [s for s in TENANT_B if s not in SENT and s in text]
    if new:
        SENT.update(new)
        with open(_SENT_FILE, "a") as f:
            f.write("\n".join(new) + "\n")


@schemathesis.check
def no_cross_tenant_read(ctx, response, case):
    """Tenant A's principal must never see an id, name or email that only tenant B has."""
    if (case.auth_identity or "").startswith("b-"):
        return None
    text = response.text or ""
    sent = _request_text(case)
    leaked = [s for s in TENANT_B if s in text and s not in SENT and s not in sent]
    if leaked:
        raise AssertionError(f"tenant B's {leaked[:5]} in a response to tenant A")
    return None
