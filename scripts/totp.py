#!/usr/bin/env python3
"""Prints the current TOTP code (RFC 6238: HMAC-SHA1, 30 s, 6 digits) of a base32 secret, for
signing in to the operators' portal of a `make dev` server without an authenticator app.
Usage: python3 scripts/totp.py SECRET"""
import base64, hashlib, hmac, struct, sys, time

def code(secret: str, at: float) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(code(sys.argv[1], time.time()))
