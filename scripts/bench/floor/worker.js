// The floor of the registry benchmark: a minimal JavaScript Worker that runs the same
// D1 queries as the Rust Worker's public lookups (functions/worker/src/repo/public.rs)
// on the same workerd and the same local D1, answers their rows as JSON, and writes the
// same structured log line per request (functions/worker/src/observe.rs), which any
// production Worker must. What the Rust Worker takes beyond this is what its stack
// adds. Benchmark code only.
const COLUMNS = `p.id, p.registration_number, p.name, p.model, p.field, e.uscc,
    e.name AS enterprise_name, p.region_code, p.status, p.recorded_year, p.recorded_at,
    p.revoked_at, p.identified_years,
    (SELECT json_group_array(year) FROM
        (SELECT y.year FROM product_years y WHERE y.product_id = p.id ORDER BY y.year)
    ) AS years_recorded`;
const PATENTS_JSON = `(SELECT json_group_array(json_object('number', number, 'kind', kind,
          'pct', json(CASE pct WHEN 1 THEN 'true' ELSE 'false' END),
          'title', title, 'core', json(CASE is_core WHEN 1 THEN 'true' ELSE 'false' END)))
    FROM (SELECT pa.number, pa.kind, pa.pct, pa.title, pp.is_core
          FROM product_patents pp JOIN patents pa ON pa.id = pp.patent_id
          WHERE pp.product_id = p.id ORDER BY pp.is_core DESC, pa.number)
   ) AS patents`;
const BY_NUMBER = `SELECT ${COLUMNS}, ${PATENTS_JSON}
  FROM products p JOIN enterprises e ON e.id = p.enterprise_id
  WHERE p.registration_number = ?1`;
const USING_PATENT = `SELECT ${COLUMNS}, pp.is_core, pa.title
  FROM patents pa
  JOIN product_patents pp ON pp.patent_id = pa.id
  JOIN products p ON p.id = pp.product_id
  JOIN enterprises e ON e.id = p.enterprise_id
  WHERE pa.number = ?1 AND p.status = 'recorded'
  ORDER BY p.id DESC LIMIT 1000`;

const json = (value, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json; charset=utf-8" } });

export default {
  async fetch(request, env) {
    const started = Date.now();
    const response = await answer(request, env);
    const id = crypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");
    response.headers.set("x-request-id", id);
    console.log(JSON.stringify({
      kind: "request", request_id: id, method: request.method, route: new URL(request.url).pathname,
      status: response.status, duration_ms: Date.now() - started, d1_statements: 1, error: null,
    }));
    return response;
  },
};

async function answer(request, env) {
    const path = decodeURIComponent(new URL(request.url).pathname);
    const db = env.DB.withSession("first-unconstrained");
    let m = path.match(/^\/api\/v1\/products\/([^/]+)$/);
    if (m) {
      const row = await db.prepare(BY_NUMBER).bind(m[1]).first();
      return row ? json(row) : json({ error: "not found" }, 404);
    }
    m = path.match(/^\/api\/v1\/patents\/([^/]+)\/products$/);
    if (m) {
      const { results } = await db.prepare(USING_PATENT).bind(m[1]).all();
      return json({ number: m[1], items: results });
    }
    if (path === "/api/v1/health") return json({ status: "ok" });
    return json({ error: "not found" }, 404);
}
