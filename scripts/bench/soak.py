"""A realistic mix against a running Worker for a set time: 90 % public reads (product
and patent lookups, enterprise pages, filtered and paged listings, text search) and
10 % enterprise writes (filings created with an Idempotency-Key, edited at the version
read, submitted), from CONCURRENCY clients, each writing as an enterprise of its own.
Prints throughput, p50/p95/p99 per route and the errors (any transport failure or
non-2xx answer). Used by scripts/bench-soak; talks to localhost only.

    soak.py BASE ADMIN_EMAIL ADMIN_PASSWORD IDENTITIES_FILE SECONDS CONCURRENCY
"""

import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import uuid

base, admin_email, admin_password, identities_file = sys.argv[1:5]
seconds, concurrency = float(sys.argv[5]), int(sys.argv[6])
host = urllib.parse.urlsplit(base)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TERMS = ["电池", "芯片", "储能", "智能", "控制", "传感", "材料", "模组", "系统", "装置", "新能源", "光伏"]


class Client:
    """One keep-alive connection, with an optional session."""

    def __init__(self, address):
        self.conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        self.headers = {"cf-connecting-ip": address}

    def call(self, method, path, body=None, headers=None, raw=None):
        all_headers = {**self.headers, **(headers or {})}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["content-type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=all_headers)
                reply = self.conn.getresponse()
                payload = reply.read()
                break
            except (http.client.HTTPException, OSError):
                # A keep-alive connection the server closed: one fresh try, then fail.
                self.conn.close()
                if attempt == 1:
                    raise
        parsed = None
        if payload and reply.getheader("content-type", "").startswith("application/json"):
            parsed = json.loads(payload)
        return reply.status, parsed, reply

    def sign_in(self, email, password):
        status, body, reply = self.call("POST", "/api/v1/sessions", {"email": email, "password": password})
        assert status == 201, (status, body)
        self.headers["cookie"] = reply.getheader("set-cookie").split(";")[0]
        self.headers["x-csrf-token"] = body["csrf_token"]


def expect(result, status, what):
    got, body, _ = result
    assert got == status, f"{what}: {got} {body}"
    return body


# Staff: the national admin makes a reviewer.
admin = Client("127.0.0.2")
admin.sign_in(admin_email, admin_password)
reviewer_email = f"soak-reviewer-{uuid.uuid4().hex[:8]}@registry.test"
expect(admin.call("POST", "/api/v1/staff", {"email": reviewer_email, "display_name": "压测审核员",
                                            "role": "reviewer", "password": "soak reviewer password"}), 201, "reviewer")
reviewer = Client("127.0.0.3")
reviewer.sign_in(reviewer_email, "soak reviewer password")

commitment = expect(reviewer.call("GET", "/api/v1/integrity-commitment"), 200, "commitment")["version"]

# One verified enterprise per client, with its patents and an evidence document.
identities = [line.rstrip("\n").split("\t") for line in open(identities_file, encoding="utf-8")]
assert len(identities) >= concurrency, "not enough identities"
writers = []
for i in range(concurrency):
    uscc, patents = identities[i][0], identities[i][1].split(",")
    client = Client(f"10.9.{i // 250}.{i % 250 + 1}")
    email = f"soak{i}-{uuid.uuid4().hex[:6]}@enterprise.test"
    expect(client.call("POST", "/api/v1/enterprises", {
        "uscc": uscc, "name": f"压测企业{i}有限公司",
        "contact": {"name": "王工", "email": email, "phone": "13800138000"},
        "password": "soak enterprise password"}), 201, "register")
    client.sign_in(email, "soak enterprise password")
    prefix = f"/api/v1/enterprises/{uscc}"
    upload = {"content-type": "application/pdf"}
    document = expect(client.call("POST", f"{prefix}/documents?purpose=verification&filename=licence.pdf",
                                  headers=upload, raw=PDF), 201, "upload")
    verification = expect(client.call("POST", f"{prefix}/verifications", {
        "legal_representative": "张三", "registered_address": "福建省福州市鼓楼区软件大道89号",
        "documents": [document["id"]], "commitment": {"version": commitment, "accepted": True}}), 201, "verification")
    expect(reviewer.call("POST", f"/api/v1/verifications/{verification['id']}/decision",
                         {"decision": "approve"}), 200, "approve")
    for number in patents:
        expect(client.call("POST", f"{prefix}/patents", {
            "number": number, "kind": "invention", "title": "一种压测用电池管理方法",
            "application_date": "2019-03-02", "grant_date": "2021-06-20", "right_held": "owned"}), 201, "patent")
    evidence = expect(client.call("POST", f"{prefix}/documents?purpose=evidence&filename=invoice.pdf",
                                  headers=upload, raw=PDF), 201, "evidence")
    writers.append({"client": client, "prefix": prefix, "patents": patents, "evidence": evidence["id"], "drafts": []})

# Read targets taken from the registry: products, their patents and enterprises.
reader = Client("127.0.0.4")
numbers, patent_numbers, usccs = [], [], []
for field in ["01", "02", "03", "04", "05", "06", "07", "99"]:
    page = expect(reader.call("GET", f"/api/v1/products?field={field}&limit=100"), 200, "sample")
    numbers += [p["registration_number"] for p in page["items"]]
for number in random.sample(numbers, 100):
    product = expect(reader.call("GET", f"/api/v1/products/{number}"), 200, "product")
    patent_numbers += [p["number"] for p in product["patents"]]
    usccs.append(product["enterprise"]["uscc"])
regions = sorted({u[2:6] + "00" for u in usccs})


def filing_data(writer, name):
    share = 100 // len(writer["patents"])
    return {"name": name, "model": f"SOAK-{random.randrange(10**6)}", "field": random.choice(["01", "03", "05"]),
            "description": "一种用于储能系统的电池管理产品。", "first_marketed_on": "2021-05-01",
            "manufacture_region": "350100",
            "patents": [{"number": n, "core": k == 0, "contribution_pct": share} for k, n in enumerate(writer["patents"])],
            "economics": {"year": time.gmtime().tm_year - 1, "sales": 5_000_000, "exports": 1_000_000,
                          "profit": 800_000, "ip_investment": 200_000},
            "opt_in": False, "evidence": [writer["evidence"]]}


def read_op(client):
    roll = random.random()
    if roll < 0.30:
        return "GET /products/{number}", client.call("GET", f"/api/v1/products/{random.choice(numbers)}")
    if roll < 0.45:
        return "GET /patents/{number}/products", client.call("GET", f"/api/v1/patents/{random.choice(patent_numbers)}/products")
    if roll < 0.55:
        return "GET /enterprises/{uscc}", client.call("GET", f"/api/v1/enterprises/{random.choice(usccs)}")
    if roll < 0.70:
        query = f"field={random.choice(['01', '02', '03', '04', '05', '06', '07', '99'])}&region={random.choice(regions)}&limit=50"
        return "GET /products?field&region", client.call("GET", f"/api/v1/products?{query}")
    if roll < 0.80:
        return "GET /products?cursor", client.call("GET", f"/api/v1/products?limit=50&cursor={random.randrange(1, 99_000)}")
    term = urllib.parse.quote(random.choice(TERMS))
    return "GET /products?q=", client.call("GET", f"/api/v1/products?q={term}&limit=20")


def write_op(writer):
    client, prefix, roll = writer["client"], writer["prefix"], random.random()
    drafts = writer["drafts"]
    if roll < 0.5 or not drafts:
        body = {"data": filing_data(writer, f"压测产品{random.randrange(10**9)}")}
        result = client.call("POST", f"{prefix}/filings", body, {"idempotency-key": uuid.uuid4().hex})
        if result[0] == 201:
            drafts.append((result[1]["id"], result[1]["version"]))
        return "POST /filings", result
    if roll < 0.9:
        index = random.randrange(len(drafts))
        filing, version = drafts[index]
        body = {"data": filing_data(writer, f"压测产品{random.randrange(10**9)}"), "version": version}
        result = client.call("PUT", f"{prefix}/filings/{filing}", body)
        if result[0] == 200:
            drafts[index] = (filing, result[1]["version"])
        return "PUT /filings/{id}", result
    filing, version = drafts.pop(random.randrange(len(drafts)))
    result = client.call("POST", f"{prefix}/filings/{filing}/submit", {}, {"if-match": f'"{version}"'})
    return "POST /filings/{id}/submit", result


latencies, errors, lock = {}, [], threading.Lock()
deadline = time.monotonic() + seconds


def run(index):
    writer = writers[index]
    readers = Client(f"10.8.{index // 250}.{index % 250 + 1}")
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            if random.random() < 0.9:
                route, (status, body, _) = read_op(readers)
            else:
                route, (status, body, _) = write_op(writer)
            ok = 200 <= status < 300
            detail = f"{status} {json.dumps(body, ensure_ascii=False)[:200]}"
        except Exception as err:  # a transport failure is an error like any other
            route, ok, detail = "transport", False, repr(err)
        took = time.monotonic() - started
        with lock:
            latencies.setdefault(route, []).append(took)
            if not ok:
                errors.append(f"{route}: {detail}")


started = time.monotonic()
threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


total = sum(len(v) for v in latencies.values())
writes = sum(len(v) for k, v in latencies.items() if not k.startswith("GET"))
print(f"  duration             {elapsed:.0f} s, {concurrency} clients")
print(f"  requests             {total} ({total / elapsed:.1f}/s), writes {writes} ({100 * writes / max(total, 1):.1f} %)")
print(f"  errors               {len(errors)}")
print(f"  {'route':34} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
for route in sorted(latencies):
    values = latencies[route]
    print(f"  {route:34} {len(values):7} {pct(values, 50):8.1f} {pct(values, 95):8.1f} {pct(values, 99):8.1f}")
for line in errors[:10]:
    print(f"  error: {line}")
