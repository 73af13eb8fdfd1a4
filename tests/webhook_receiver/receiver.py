"""A fake webhook receiver for the integration tests.

Every delivery's signature is checked with the Standard Webhooks reference library
(`standardwebhooks` from PyPI), so the Worker's signing is verified by code that is not
ours. The tests drive it over HTTP (tests/src/receiver.rs):

  POST   /hooks/<name>             a delivery to endpoint <name>
  PUT    /control/endpoints/<name> {"secrets": [...], "fail_first": 0, "status": 503,
                                    "retry_after": null, "location": null}; all but
                                    secrets optional (location: a redirect's target)
  PUT    /control/down             {"down": true|false}: while down, every delivery's
                                   connection is closed without an answer
  GET    /control/log              every delivery received, oldest first
                                   (`?after=N`: those after the first N)
  DELETE /control/log              forgets them
  PUT    /control/dns/<name>       {"addresses": [...]}: what the DNS stand-in answers
  GET    /dns-query?name=&type=    a DNS-over-HTTPS JSON answer (the Worker's resolver
                                   in the tests)

An endpoint answers `status` to the first `fail_first` deliveries of each webhook-id
(with `Retry-After` if set), then 204 if a secret verifies the signature, else 400.

Usage: receiver.py PORT. Prints `ready` once listening on 127.0.0.1:PORT, and exits
when its standard input closes, so it never outlives the test process that started it.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from standardwebhooks import Webhook

HOOKS = "/hooks/"
ENDPOINTS = "/control/endpoints/"
DNS = "/control/dns/"


class State:
    """Everything the receiver remembers, behind one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        # name -> {"secrets", "fail_first", "status", "retry_after"}
        self.endpoints = {}
        # (name, webhook-id) -> deliveries seen, for fail_first
        self.attempts = {}
        self.down = False
        self.log = []
        # name -> addresses, for the DNS-over-HTTPS stand-in
        self.dns = {}


STATE = State()


def verify(secrets, body, headers):
    """(verified, error): whether any of the secrets verifies the delivery."""
    if not secrets:
        return False, "no secrets configured"
    errors = []
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers)
            return True, None
        except Exception as e:  # a malformed header or secret is a failure too
            message = f"{type(e).__name__}: {e}"
            if message not in errors:
                errors.append(message)
    return False, "; ".join(errors)


def parse_json(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def read_body(self):
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers, up to the blank line
                    while self.rfile.readline().strip():
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def answer(self, status, body=None, headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("content-type", "application/json")
        if status != 204:
            self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.read_body()
        if not self.path.startswith(HOOKS):
            return self.answer(404, {"error": "no such route"})
        name = self.path[len(HOOKS):].split("?")[0]
        headers = dict(self.headers.items())
        record = {
            "endpoint": name,
            "webhook_id": self.headers.get("webhook-id"),
            "webhook_timestamp": self.headers.get("webhook-timestamp"),
            "signature_header": self.headers.get("webhook-signature"),
            "verified": False,
            "error": None,
            "body": parse_json(body),
            "status": None,
            "dropped": False,
            "received_at": time.time(),
        }
        with STATE.lock:
            down = STATE.down
            endpoint = STATE.endpoints.get(name)
        if endpoint is None:
            record["error"] = f"unknown endpoint {name!r}"
        else:
            record["verified"], record["error"] = verify(endpoint["secrets"], body, headers)
        extra = []
        with STATE.lock:
            if down:
                record["dropped"] = True
            elif endpoint is None:
                record["status"] = 404
            else:
                key = (name, record["webhook_id"])
                seen = STATE.attempts.get(key, 0)
                STATE.attempts[key] = seen + 1
                if seen < endpoint["fail_first"]:
                    record["status"] = endpoint["status"]
                    if endpoint["retry_after"] is not None:
                        extra.append(("retry-after", str(endpoint["retry_after"])))
                    if endpoint["location"] is not None:
                        extra.append(("location", str(endpoint["location"])))
                else:
                    record["status"] = 204 if record["verified"] else 400
            STATE.log.append(record)
        if down:
            # No answer at all: the sender sees the connection closed, a network error.
            self.close_connection = True
            return
        if record["status"] == 204:
            return self.answer(204, headers=extra)
        return self.answer(record["status"], {"error": record["error"]}, extra)

    def do_PUT(self):
        config = parse_json(self.read_body())
        if not isinstance(config, dict):
            return self.answer(400, {"error": "the body must be a JSON object"})
        if self.path == "/control/down":
            with STATE.lock:
                STATE.down = bool(config.get("down"))
            return self.answer(204)
        if self.path.startswith(DNS):
            addresses = config.get("addresses")
            if not isinstance(addresses, list):
                return self.answer(400, {"error": "addresses must be a list"})
            with STATE.lock:
                STATE.dns[self.path[len(DNS):]] = [str(a) for a in addresses]
            return self.answer(204)
        if self.path.startswith(ENDPOINTS):
            name = self.path[len(ENDPOINTS):]
            secrets = config.get("secrets")
            if not isinstance(secrets, list) or not all(isinstance(s, str) for s in secrets):
                return self.answer(400, {"error": "secrets must be a list of strings"})
            endpoint = {
                "secrets": secrets,
                "fail_first": int(config.get("fail_first") or 0),
                "status": int(config.get("status") or 503),
                "retry_after": config.get("retry_after"),
                "location": config.get("location"),
            }
            with STATE.lock:
                STATE.endpoints[name] = endpoint
                # A new configuration starts counting failures afresh.
                for key in [k for k in STATE.attempts if k[0] == name]:
                    del STATE.attempts[key]
            return self.answer(204)
        return self.answer(404, {"error": "no such route"})

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/dns-query":
            return self.dns_answer(parse_qs(url.query))
        if url.path == "/control/log":
            after = int((parse_qs(url.query).get("after") or ["0"])[0])
            with STATE.lock:
                log = STATE.log[after:]
            return self.answer(200, log)
        return self.answer(404, {"error": "no such route"})

    def dns_answer(self, query):
        """A DNS-over-HTTPS JSON answer from the configured names (NXDOMAIN for others)."""
        name = (query.get("name") or [""])[0].rstrip(".").lower()
        kind = {"A": 1, "AAAA": 28}.get((query.get("type") or ["A"])[0].upper(), 1)
        with STATE.lock:
            addresses = STATE.dns.get(name)
        if addresses is None:
            return self.answer(200, {"Status": 3, "Answer": []})
        answer = [{"name": name, "type": kind, "TTL": 60, "data": a}
                  for a in addresses if (":" in a) == (kind == 28)]
        return self.answer(200, {"Status": 0, "Answer": answer})

    def do_DELETE(self):
        if self.path == "/control/log":
            with STATE.lock:
                STATE.log.clear()
            return self.answer(204)
        return self.answer(404, {"error": "no such route"})


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
