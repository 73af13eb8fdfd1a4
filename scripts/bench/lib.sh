# Shared by the benchmark scripts (sourced): tools, a free port, wrk runs and the
# formatting of their RESULT lines. Only localhost is contacted.

bench_tools() {
  for tool in wrk curl; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk curl >/dev/null; }
  done
  # wrangler needs the static assets' directory to start; the benchmarks measure the
  # Worker, not the site, so an empty one will do when no site was built.
  mkdir -p site/dist
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wrk for $seconds at $connections on one URL; prints its RESULT line.
load() {
  local threads=2
  [ "$connections" -ge 2 ] || threads=1
  wrk -t"$threads" -c"$connections" -d"${seconds}s" -s scripts/bench/wrk-report.lua "$1" | grep '^RESULT'
}

rps() { awk -v r="$1" -v d="$2" 'BEGIN { printf "%.0f", r / (d / 1e6) }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.2f ms", v / 1000 }'; }

# One line of figures from a RESULT line.
summarise() {
  local requests duration_us errors non2xx p50_us p99_us
  eval "${1#RESULT }"
  printf '%s requests/s, p50 %s, p99 %s, %s transport errors, %s non-2xx of %s' \
    "$(rps "$requests" "$duration_us")" "$(ms "$p50_us")" "$(ms "$p99_us")" "$errors" "$non2xx" "$requests"
}
