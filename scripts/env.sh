# Sourced by the other scripts: puts the project's tools first on PATH and points
# worker-build at local binaries, so that no build step downloads anything.
#   - Node 22 (npm package `node`) and wrangler, esbuild from node_modules/.bin;
#   - wasm-bindgen from cargo's bin directory, at the version in Cargo.lock;
#   - wasm-opt from the npm package binaryen (Debian's is too old for today's wasm).
ppr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PPR_ROOT="$ppr_root"
export PATH="$ppr_root/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export ESBUILD_BIN="$ppr_root/node_modules/.bin/esbuild"
export WASM_OPT_BIN="$ppr_root/node_modules/.bin/wasm-opt"
if command -v wasm-bindgen >/dev/null 2>&1; then
  WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
  export WASM_BINDGEN_BIN
fi
# wrangler: no usage metrics, no update checks, nothing asked interactively.
export WRANGLER_SEND_METRICS=false
export WRANGLER_HIDE_BANNER=true
export CI="${CI:-true}"
