"""Writes a Hugo content tree for scripts/bench-site: one file per product of a
ppr-site snapshot, its public record as JSON front matter, so Hugo renders the same
product pages from the same data."""

import json
import pathlib
import sys

snapshot, out = sys.argv[1], pathlib.Path(sys.argv[2])
products = json.loads(pathlib.Path(snapshot).read_text())["products"]
content = out / "content" / "products"
content.mkdir(parents=True, exist_ok=True)
for p in products:
    front = dict(p)
    front["title"] = p["registration_number"]
    front["url"] = f"/products/{p['registration_number']}/"
    (content / f"{p['registration_number']}.md").write_text(json.dumps(front, ensure_ascii=False) + "\n")
print(len(products))
