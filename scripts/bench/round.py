"""Drives one identification round through every stage on a running Worker and
prints the wall time of each stage's work, its chunks and its slowest chunk.
Used by scripts/bench-round; talks to localhost only."""

import datetime
import json
import sys
import time
import urllib.request

base, email, password = sys.argv[1], sys.argv[2], sys.argv[3]
cookie = ""
csrf = ""


def call(method, path, body=None, clock=None):
    headers = {"content-type": "application/json"}
    if cookie:
        headers["cookie"] = cookie
        headers["x-csrf-token"] = csrf
    if clock:
        headers["x-ppr-now"] = clock
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, json.loads(reply.read() or b"null"), reply.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null"), err.headers


status, signed_in, headers = call("POST", "/api/v1/sessions", {"email": email, "password": password})
assert status == 201, signed_in
cookie = headers["set-cookie"].split(";")[0]
csrf = signed_in["csrf_token"]

shanghai = datetime.timezone(datetime.timedelta(hours=8))
today = datetime.datetime.now(shanghai).date()
year = today.year


def noon(date):
    return f"{date}T04:00:00Z"


status, round_, _ = call("POST", "/api/v1/rounds",
                         {"year": year, "opt_in_deadline": str(today), "evaluation_date": str(today)})
assert status == 201, round_


def advance(to, clock):
    status, current, _ = call("GET", f"/api/v1/rounds/{year}")
    started = time.monotonic()
    status, answer, _ = call("POST", f"/api/v1/rounds/{year}/advance",
                             {"to": to, "version": current["version"]}, clock)
    assert status == 200, answer
    while True:
        status, current, _ = call("GET", f"/api/v1/rounds/{year}")
        if not any(s["status"] == "running" for s in current["steps"]):
            break
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    failed = [s for s in current["steps"] if s["status"] == "failed"]
    assert not failed, failed
    return elapsed, current


tomorrow = today + datetime.timedelta(days=1)
total = 0.0
report = []
for to in ["formal_check", "evaluation", "public_notice", "objection_handling", "final"]:
    clock = noon(tomorrow)
    if to in ("objection_handling", "final"):
        end = datetime.date.fromisoformat(current["notice"]["end"])
        clock = noon(end + datetime.timedelta(days=1))
    elapsed, current = advance(to, clock)
    total += elapsed
    steps = [s for s in current["steps"]
             if s["step"] in {"formal_check": ["formal_check"], "evaluation": ["benchmarks", "evaluation"],
                              "final": ["certificates"]}.get(to, [])]
    detail = "; ".join(f'{s["step"]} {s["done"]}/{s["total"]} in {s["chunks"]} chunks, slowest {s["slowest_chunk_ms"]} ms'
                       for s in steps) or "no chunked work"
    report.append(f"  {to:<19} {elapsed:7.1f} s   {detail}")

print(f"Round {year} ({current['methodology']['name']}): {current['counts']}")
print("\n".join(report))
print(f"  {'whole round':<19} {total:7.1f} s")
