#!/usr/bin/env python3
"""A real SMTP receiver with a small web inbox, for `make dev` and the integration tests.

    mailbox.py [--host 127.0.0.1] --smtp-port 1025 --http-port 1080

Receives SMTP (aiosmtpd) on one port and keeps every message in memory; serves on the other:

    GET    /                      the inbox in a browser (newest first)
    GET    /messages/<id>         one message: headers, its text, its HTML (sandboxed)
    GET    /messages/<id>.txt     the text part as text/plain
    GET    /messages/<id>.html    the HTML part as text/html (under a sandboxing CSP)
    GET    /messages/<id>.eml     the message as received
    GET    /api/messages[?to=a]   JSON: every message (or those to address a), oldest first
    DELETE /api/messages[?to=a]   forgets them (all, or those to a)

Nothing is relayed anywhere. Needs aiosmtpd (scripts/mailbox-requirements.txt, installed by
scripts/install-deps.sh into ~/.cache/versiqii-venv).
"""

import argparse
import email
import email.policy
import html
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

LOCK = threading.Lock()
MESSAGES = []  # dicts, oldest first
NEXT_ID = [1]


def parts(msg):
    """The message's text and HTML bodies (the first of each), as str."""
    text = html_part = None
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and text is None:
            text = part.get_content()
        elif ctype == "text/html" and html_part is None:
            html_part = part.get_content()
    return text, html_part


class Handler:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text, html_part = parts(msg)
        with LOCK:
            mid = NEXT_ID[0]
            NEXT_ID[0] += 1
            MESSAGES.append(
                {
                    "id": mid,
                    "received_at": datetime.now(timezone.utc).isoformat(),
                    "envelope_from": envelope.mail_from,
                    "envelope_to": [a.lower() for a in envelope.rcpt_tos],
                    "from": str(msg.get("From", "")),
                    "to": str(msg.get("To", "")),
                    "subject": str(msg.get("Subject", "")),
                    "headers": [[k, str(v)] for k, v in msg.items()],
                    "content_type": msg.get_content_type(),
                    "text": text,
                    "html": html_part,
                    "raw": raw.decode("utf-8", "replace"),
                }
            )
        return "250 Message accepted for delivery"


def matching(query):
    to = query.get("to", [None])[0]
    with LOCK:
        if to is None:
            return list(MESSAGES)
        to = to.lower()
        return [m for m in MESSAGES if to in m["envelope_to"]]


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:24px;color:#1b1f24}}table{{border-collapse:collapse;width:100%}}
td,th{{text-align:left;padding:6px 10px;border-bottom:1px solid #d0d7de}}iframe{{width:100%;height:480px;border:1px solid #d0d7de}}
pre{{background:#f6f8fa;padding:12px;white-space:pre-wrap}}</style></head><body>{body}</body></html>"""


class Web(BaseHTTPRequestHandler):
    server_version = "versiqii-mailbox"

    def log_message(self, *args):  # quiet
        pass

    def send(self, status, ctype, body, extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def page(self, title, body):
        self.send(200, "text/html; charset=utf-8", PAGE.format(title=html.escape(title), body=body))

    def find(self, mid):
        with LOCK:
            return next((m for m in MESSAGES if str(m["id"]) == mid), None)

    def do_GET(self):
        url = urlparse(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/api/messages":
            return self.send(200, "application/json", json.dumps(matching(query)))
        if path == "/":
            rows = "".join(
                f'<tr><td>{m["id"]}</td><td>{html.escape(m["received_at"][:19])}</td>'
                f'<td>{html.escape(", ".join(m["envelope_to"]))}</td>'
                f'<td><a href="/messages/{m["id"]}">{html.escape(m["subject"] or "(no subject)")}</a></td></tr>'
                for m in reversed(matching(query))
            )
            body = (
                "<h1>Versiqii mailbox</h1><p>Every mail the server sends in development lands here "
                "(nothing is relayed).</p><table><tr><th>#</th><th>received</th><th>to</th>"
                f"<th>subject</th></tr>{rows or '<tr><td colspan=4>No mail yet.</td></tr>'}</table>"
            )
            return self.page("Versiqii mailbox", body)
        if path.startswith("/messages/"):
            name = path[len("/messages/"):]
            mid, _, ext = name.partition(".")
            m = self.find(mid)
            if m is None:
                return self.send(404, "text/plain", "no such message\n")
            if ext == "txt":
                return self.send(200, "text/plain; charset=utf-8", m["text"] or "")
            if ext == "html":
                # The mail's own HTML, with no scripts and no way to reach this inbox's pages.
                return self.send(
                    200,
                    "text/html; charset=utf-8",
                    m["html"] or "",
                    [("Content-Security-Policy", "sandbox allow-popups allow-popups-to-escape-sandbox; script-src 'none'")],
                )
            if ext == "eml":
                return self.send(200, "message/rfc822", m["raw"])
            if ext:
                return self.send(404, "text/plain", "no such view\n")
            headers = "".join(
                f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in m["headers"]
            )
            html_view = (
                f'<h2>HTML</h2><iframe sandbox="allow-popups allow-popups-to-escape-sandbox" '
                f'src="/messages/{m["id"]}.html"></iframe>'
                if m["html"]
                else ""
            )
            body = (
                f'<p><a href="/">&larr; inbox</a> · <a href="/messages/{m["id"]}.txt">text</a> · '
                f'<a href="/messages/{m["id"]}.html">HTML</a> · <a href="/messages/{m["id"]}.eml">raw</a></p>'
                f'<h1>{html.escape(m["subject"] or "(no subject)")}</h1><table>{headers}</table>'
                f'{html_view}<h2>Text</h2><pre>{html.escape(m["text"] or "")}</pre>'
            )
            return self.page(m["subject"] or "message", body)
        return self.send(404, "text/plain", "not found\n")

    def do_DELETE(self):
        url = urlparse(self.path)
        if url.path != "/api/messages":
            return self.send(404, "text/plain", "not found\n")
        gone = {m["id"] for m in matching(parse_qs(url.query))}
        with LOCK:
            MESSAGES[:] = [m for m in MESSAGES if m["id"] not in gone]
        self.send(200, "application/json", json.dumps({"deleted": len(gone)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--smtp-port", type=int, required=True)
    ap.add_argument("--http-port", type=int, required=True)
    args = ap.parse_args()
    smtp = Controller(Handler(), hostname=args.host, port=args.smtp_port)
    smtp.start()
    web = ThreadingHTTPServer((args.host, args.http_port), Web)
    print(
        f"mailbox: SMTP on {args.host}:{args.smtp_port}, inbox at http://{args.host}:{args.http_port}/",
        file=sys.stderr,
        flush=True,
    )
    try:
        web.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
