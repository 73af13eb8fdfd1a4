"""The D1 database's size at national scale, measured: the registry loaded (by
scripts/bench-d1-size: BENCH_PRODUCTS synthetic products, ten per enterprise, with
their patents, yearly figures and search index), then a year of activity written
straight into the local D1's SQLite file, with contents shaped like the platform's own
rows (payloads, JSON before/after, yearly figures). Bytes per table come from SQLite's
`dbstat` (table and its indexes). Prints the registry's size, a year's growth, the
steady size of what retention keeps in a window, and the years until D1's 10 GB.

Only the sizes are measured; the year's counts are the stated assumptions below."""

import json
import random
import sqlite3
import sys

path, products = sys.argv[1], int(sys.argv[2])
LIMIT = 10 * 1000**3
db = sqlite3.connect(path)
db.execute("PRAGMA foreign_keys = OFF")
random.seed(7)


def sizes():
    """Bytes per table, its indexes included."""
    owner = dict(db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
    out = {}
    for name, size in db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        if table.startswith("product_search"):
            table = "product_search (index)"
        out[table] = out.get(table, 0) + size
    return out


def total():
    return db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]


base = sizes()
base_total = total()
ids = [r[0] for r in db.execute("SELECT id FROM products ORDER BY id")]
enterprise_of = dict(db.execute("SELECT id, enterprise_id FROM products"))
now = "2027-06-30T08:00:00.000Z"

# A year at national scale (10^5 products, 10^4 enterprises, 40 ports, 10^6 webhook
# deliveries): (table, rows a year, kept for, what one row holds).
YEAR = [
    ("product_years", products, "for good", "next year's figures of every product"),
    ("product_transactions", products + products // 10, "for good", "an annual update each, a tenth of them modified"),
    ("round_entries", products, "for good", "every product considered by the year's round"),
    ("round_values", products * 6, "for good", "six indicators of each eligible product"),
    ("certificates", products // 10, "for good", "a tenth identified"),
    ("audit_log", products * 4, "2 years, then R2", "four audited actions per product"),
    ("access_log", products * 2, "2 years, then R2", "two staff reads of confidential data per product"),
    ("webhook_events", 1_000_000 // 2, "90 days", "10^6 deliveries, each event to two ports"),
    ("webhook_deliveries", 1_000_000, "90 days", "10^6 a year"),
    ("webhook_attempts", 1_100_000, "90 days", "one per delivery, a tenth retried"),
]


def figures(product):
    return {"sales": random.randint(10**6, 10**9), "exports": random.randint(0, 10**8),
            "profit": random.randint(10**5, 10**8), "ip_investment": random.randint(10**4, 10**7)}


def rows(table, count):
    if table == "product_years":
        for p in ids[:count]:
            f = figures(p)
            yield (p, 2030, f["sales"], f["exports"], f["profit"], f["ip_investment"], now)
    elif table == "product_transactions":
        for i in range(count):
            p = ids[i % len(ids)]
            before, after = figures(p), figures(p)
            yield (p, enterprise_of[p], "update", 2, "enterprise", now, None,
                   json.dumps({"year": 2026, **before}), json.dumps({"year": 2027, **after}))
    elif table == "round_entries":
        for p in ids[:count]:
            inputs = {"field": "03", "patents": 3, "core_patents": 2, **figures(p), "years_on_market": 4}
            yield (2027, p, enterprise_of[p], "03", "320500", json.dumps(inputs), 1, "[]", "identified", "R1", 1)
    elif table == "round_values":
        n = 0
        for p in ids:
            for k in range(6):
                if n == count:
                    return
                n += 1
                yield (2027, k, p, "03", random.random() * 1000)
    elif table == "certificates":
        for i, p in enumerate(ids[:count]):
            yield (f"PI2027-{i:04X}-{p:04X}-ABCD-{i % 10}", 2027, p, "ppr-default", "2026.1", 1, now)
    elif table == "audit_log":
        for i in range(count):
            p = ids[i % len(ids)]
            after = {"registration_number": f"P2027320500{i:05d}", "status": "recorded", **figures(p)}
            yield (now, 2, "enterprise", "product.update", "product", f"P2027320500{i:05d}",
                   enterprise_of[p], None, json.dumps(after), None)
    elif table == "access_log":
        for i in range(count):
            p = ids[i % len(ids)]
            yield (now, enterprise_of[p], 3, "江苏省知识产权局 审核员", 5, "token",
                   f"GET /api/v1/port/products/P2027320500{i:05d}")
    elif table == "webhook_events":
        for i in range(count):
            p = ids[i % len(ids)]
            payload = {"type": "product.updated", "timestamp": now, "data": {
                "registration_number": f"P2027320500{i:05d}", "name": "智能锂电池模组", "model": "X-200",
                "field": "03", "status": "recorded", "url": f"/products/P2027320500{i:05d}/",
                "enterprise": {"uscc": "91320500MA1XXXXXXX", "name": "苏州示例新能源科技有限公司"},
                "region_code": "320500"}}
            yield (f"msg_{i:026d}", "product.updated", enterprise_of[p], "320500",
                   json.dumps(payload, ensure_ascii=False), now, now)
    elif table == "webhook_deliveries":
        for i in range(count):
            yield (f"msg_{i // 2:026d}", 1 + i % 2, "delivered", 1, 0, now, 204, None, now, now, now)
    elif table == "webhook_attempts":
        for i in range(count):
            yield (1 + i % 1_000_000, 1 + i // 1_000_000, now, 204, 120, None, "")


COLUMNS = {
    "product_years": "product_id, year, sales, exports, profit, ip_investment, updated_at",
    "product_transactions": "product_id, enterprise_id, kind, actor_user_id, actor_role, at, reason, before, after",
    "round_entries": "year, product_id, enterprise_id, field, region_code, inputs, eligible, failed_gates, outcome, rule, benchmark_set_id",
    "round_values": "year, indicator, product_id, field, value",
    "certificates": "code, year, product_id, methodology_id, methodology_version, benchmark_set_id, issued_at",
    "audit_log": "at, actor_user_id, actor_role, action, entity_type, entity_id, enterprise_id, before, after, reason",
    "access_log": "at, enterprise_id, actor_user_id, actor_name, port_id, via, what",
    "webhook_events": "id, type, enterprise_id, region_code, payload, created_at, dispatched_at",
    "webhook_deliveries": "event_id, endpoint_id, state, attempts, schedule_base, next_attempt_at, last_status, last_error, delivered_at, created_at, updated_at",
    "webhook_attempts": "delivery_id, attempt, at, status_code, latency_ms, error, response",
}

for table, count, _, _ in YEAR:
    marks = ", ".join("?" * len(COLUMNS[table].split(",")))
    db.executemany(f"INSERT OR IGNORE INTO {table} ({COLUMNS[table]}) VALUES ({marks})", rows(table, count))
    db.commit()

after = sizes()
mb = lambda b: f"{b / 1e6:,.0f} MB"
registry = sum(base.values())
print(f"  the registry: {products:,} products, {len(set(enterprise_of.values())):,} enterprises: {mb(registry)}")
for table, size in sorted(base.items(), key=lambda t: -t[1])[:6]:
    print(f"    {table:<24} {mb(size):>8}")
print("  a year of activity (rows a year, bytes measured per table with its indexes):")
forever = window = 0
for table, count, kept, what in YEAR:
    grown = after.get(table, 0) - base.get(table, 0)
    per_row = grown / count
    if kept == "for good":
        forever += grown
        held = grown
    elif kept.startswith("2 years"):
        window += 2 * grown
        held = 2 * grown
    else:
        window += grown / 4
        held = grown / 4
    print(f"    {table:<22} {count:>10,} rows  {per_row:6.0f} B/row  {mb(grown):>8} a year;"
          f" kept {kept}: {mb(held)} in D1 ({what})")
# New registrations: a tenth of the registry a year, each product with its share of
# the registry's rows (its enterprise, patents, figures and search terms).
new = registry / products * (products // 10)
forever += new
print(f"    {'new products':<22} {products // 10:>10,} rows  {registry / products:6.0f} B/product"
      f" {mb(new):>8} a year; kept for good (a tenth of the registry, with their patents and figures)")
print(f"  in D1: the registry {mb(registry)} + {mb(forever)} a year kept for good"
      f" + {mb(window)} held in retention windows")
years = (LIMIT - registry - window) / forever
print(f"  D1's limit of 10 GB is reached after about {years:.0f} years at this rate"
      f" ({mb(registry + window + forever)} after the first year)")
