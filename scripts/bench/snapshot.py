"""A registry snapshot of N synthetic public records, as `ppr-site fetch` saves one,
written to standard output: for counting the static site's files at any size without
a running Worker (scripts/bench-registry). Benchmark code only."""
import json
import sys

n = int(sys.argv[1])
out = sys.stdout
out.write('{"taken_at":"2026-12-07T00:00:00Z","rounds":[],"products":[')
for i in range(n):
    record = {
        "registration_number": f"PR2026-44-{i + 1:06d}-X",
        "name": f"产品{i}",
        "model": f"M-{i}",
        "field": {"code": "03"},
        "enterprise": {"uscc": f"9144030000000{i % 10000:05d}", "name": f"企业{i % 10000}",
                       "region": {"code": "440300"}},
        "status": "recorded",
        "recorded_year": 2026,
        "recorded_at": "2026-06-01T00:00:00Z",
    }
    if i:
        out.write(",")
    out.write(json.dumps(record, ensure_ascii=False))
out.write("]}")
