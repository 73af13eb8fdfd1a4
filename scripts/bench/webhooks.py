"""Webhook delivery on a running Worker: opens a port, registers an endpoint on the
test receiver, makes COUNT state changes that each emit one event (the endpoint's
test event, written to the outbox like any other), and waits until the receiver has
accepted every one with a verified signature. Prints the delay from state change (the
event's timestamp) to delivery, p50 and p99; then, with COUNT deliveries held by a
paused endpoint and released at once, deliveries per second. Last, a round's
publication: PUBLISHED `identification.published` events already in the outbox
(scripts/bench/published-events.sql), fanned out by the scheduled job's sweep and the
queue to one endpoint per province (each province's port, as the regions would
subscribe), timed from the sweep to the last verified delivery.
Used by scripts/bench-webhooks; talks to localhost only."""

import datetime
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, email, password, receiver = sys.argv[1:5]
count, published = int(sys.argv[5]), int(sys.argv[6])

# The province-level regions (GB/T 2260): one port each.
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
             "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
             "63", "64", "65", "71", "81", "82"]
# The publication's target: all delivered well inside ten minutes.
TARGET_SECONDS = 600


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



def open_port(province):
    """A port for the province (each office applying from its own address), approved:
    its headers."""
    status, applied, _ = call("POST", "/api/v1/port-applications", {
        "office_name": f"{province}省级知识产权局（基准）", "region_scope": f"{province}0000",
        "contacts": [{"name": "基准", "title": "工程师", "phone": "13800138000", "email": "bench@ip.test"}],
        "account_email": f"port-{province}@ip.test", "password": "bench port password"},
        {"cf-connecting-ip": f"10.0.{PROVINCES.index(province)}.1"})
    assert status == 201, applied
    status, decided, _ = call("POST", f"/api/v1/port-applications/{applied['id']}/decision",
                              {"decision": "approve"}, admin)
    assert status == 200, decided
    return {"authorization": f"Bearer {decided['token']}"}


def add_endpoint(port, name, event_types):
    """An endpoint of the port on the receiver."""
    status, endpoint, _ = call("POST", "/api/v1/port/webhooks",
                               {"url": f"{receiver}/hooks/{name}", "event_types": event_types}, port)
    assert status == 201, endpoint
    status, _, _ = call("PUT", f"/control/endpoints/{name}", {"secrets": [endpoint["secret"]]}, url=receiver)
    assert status == 204
    return endpoint


port = open_port("33")
endpoint = add_endpoint(port, "bench", ["product.recorded"])


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

# 3. A round's publication: the events wait in the outbox; the scheduled job's sweep
#    starts their fan-out, which goes on through the queue.
if published:
    for province in PROVINCES:
        add_endpoint(port if province == "33" else open_port(province), f"p{province}",
                     ["identification.published"])
    call("DELETE", "/control/log", url=receiver)
    started = time.time()
    request = urllib.request.Request(base + "/__scheduled?cron=*/5+*+*+*+*")
    with urllib.request.urlopen(request, timeout=600) as reply:
        assert reply.status == 200
    swept = time.time() - started
    seen, accepted, unverified, progress = 0, {}, 0, started
    while len(accepted) < published and time.time() - started < 3 * TARGET_SECONDS:
        _, log, _ = call("GET", f"/control/log?after={seen}", url=receiver)
        seen += len(log)
        for record in log:
            unverified += not record["verified"]
            if record["status"] == 204 and record["verified"] \
                    and (record["body"] or {}).get("type") == "identification.published":
                accepted.setdefault(record["webhook_id"], record["received_at"])
        if time.time() - progress >= 60:
            progress = time.time()
            print(f"    {progress - started:5.0f} s: {len(accepted)} delivered", flush=True)
        time.sleep(0.5)
    assert len(accepted) == published, f"{len(accepted)} of {published} delivered"
    assert unverified == 0, f"{unverified} deliveries failed verification"
    times = sorted(at - started for at in accepted.values())
    print(f"  a round's publication ({published} identification.published events, "
          f"{len(PROVINCES)} provincial endpoints):")
    print(f"    all delivered {times[-1]:.0f} s after the sweep started their fan-out "
          f"({published / times[-1]:.0f} deliveries/s); the first by {times[0]:.1f} s, "
          f"10 % by {pct(times, 10):.0f} s, half by {pct(times, 50):.0f} s, 90 % by {pct(times, 90):.0f} s; "
          f"the sweep's own run {swept:.1f} s; target: within {TARGET_SECONDS} s")
