"""Webhook delivery on a running Worker: opens a port, registers an endpoint on the
test receiver, makes COUNT state changes that each emit one event (the endpoint's
test event, written to the outbox like any other), and waits until the receiver has
accepted every one with a verified signature. Prints the delay from state change (the
event's timestamp) to delivery, p50 and p99; then, with COUNT deliveries held by a
paused endpoint and released at once, deliveries per second.
Used by scripts/bench-webhooks; talks to localhost only."""

import datetime
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, email, password, receiver, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])


def call(method, path, body=None, headers=None, url=None):
    all_headers = {"content-type": "application/json", **(headers or {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request((url or base) + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            raw = reply.read()
            return reply.status, (json.loads(raw) if raw else None), reply.headers
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, (json.loads(raw) if raw else None), err.headers


status, signed_in, headers = call("POST", "/api/v1/sessions", {"email": email, "password": password})
assert status == 201, signed_in
admin = {"cookie": headers["set-cookie"].split(";")[0], "x-csrf-token": signed_in["csrf_token"]}

status, applied, _ = call("POST", "/api/v1/port-applications", {
    "office_name": "浙江省知识产权局（基准）", "region_scope": "330000",
    "contacts": [{"name": "基准", "title": "工程师", "phone": "13800138000", "email": "bench@ip.test"}],
    "account_email": "port-bench@ip.test", "password": "bench port password"})
assert status == 201, applied
status, decided, _ = call("POST", f"/api/v1/port-applications/{applied['id']}/decision",
                          {"decision": "approve"}, admin)
assert status == 200, decided
port = {"authorization": f"Bearer {decided['token']}"}

status, endpoint, _ = call("POST", "/api/v1/port/webhooks",
                           {"url": f"{receiver}/hooks/bench", "event_types": ["product.recorded"]}, port)
assert status == 201, endpoint
status, _, _ = call("PUT", "/control/endpoints/bench", {"secrets": [endpoint["secret"]]}, url=receiver)
assert status == 204


def fire(_):
    status, sent, _ = call("POST", f"/api/v1/port/webhooks/{endpoint['id']}/test", None, port)
    assert status == 202, sent
    return sent["event_id"]


def make_events():
    started = time.time()
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(fire, range(count)))
    return ids, time.time() - started


def wait_delivered(ids):
    """The receiver's first verified 204 for each event id."""
    deadline = time.time() + 900
    while True:
        _, log, _ = call("GET", "/control/log", url=receiver)
        accepted = {}
        for record in log:
            if record["status"] == 204 and record["verified"] and record["webhook_id"] in ids:
                accepted.setdefault(record["webhook_id"], record)
        if len(accepted) == len(ids) or time.time() > deadline:
            break
        time.sleep(0.2)
    assert len(accepted) == len(ids), f"{len(accepted)} of {len(ids)} delivered"
    unverified = sum(1 for r in log if not r["verified"])
    assert unverified == 0, f"{unverified} deliveries failed verification"
    return accepted


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# 1. The delay from state change to delivery, with events arriving as fast as
#    8 clients make them.
ids, made = make_events()
accepted = wait_delivered(ids)
delays = [r["received_at"] - instant(r["body"]["timestamp"]) for r in accepted.values()]
print(f"  delay, state change to delivery ({count} events made at {count / made:.0f}/s by 8 clients):")
print(f"    p50 {pct(delays, 50) * 1000:.0f} ms, p99 {pct(delays, 99) * 1000:.0f} ms, "
      f"max {max(delays) * 1000:.0f} ms; every signature verified by standardwebhooks")

# 2. Throughput: the endpoint paused while the events are made (they are held), then
#    resumed: every delivery is due at once.
status, _, _ = call("POST", f"/api/v1/port/webhooks/{endpoint['id']}/pause", None, port)
assert status == 200
ids, _ = make_events()
call("DELETE", "/control/log", url=receiver)
resumed = time.time()
status, _, _ = call("POST", f"/api/v1/port/webhooks/{endpoint['id']}/resume", None, port)
assert status == 200
accepted = wait_delivered(ids)
last = max(r["received_at"] for r in accepted.values())
print(f"  throughput ({count} held deliveries released at once): "
      f"{count / (last - resumed):.0f} deliveries/s ({last - resumed:.1f} s)")
