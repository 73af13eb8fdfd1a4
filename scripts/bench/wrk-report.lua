-- wrk script used by the benchmarks. With WRK_BODY_FILE set, each request POSTs that
-- file as JSON; without, it is a plain GET (with WRK_IF_NONE_MATCH, a revalidation).
-- At the end it prints one machine-readable line: RESULT requests=… duration_us=… errors=… non2xx=… p50_us=… p99_us=…
local if_none_match = os.getenv("WRK_IF_NONE_MATCH")
if if_none_match then
  wrk.headers["If-None-Match"] = if_none_match
end
local body_file = os.getenv("WRK_BODY_FILE")
if body_file then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  wrk.headers["Content-Type"] = "application/json"
  f:close()
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
