#!/usr/bin/env bash
# Runs a smoke subset of the suite on each supported Node LTS besides the one that ran `npm test`.
# The official Node binaries come from the npm package `node`, installed into a temporary folder;
# native addons (LanceDB, onnxruntime) are N-API, so the same node_modules serve every version.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANCEDB_LOG=error
SMOKE=(test/unit test/integration/scenario.test.ts test/integration/gate.test.ts test/e2e/http.test.ts)
for major in ${NODE_LTS_VERSIONS:-22 24}; do
  prefix="$(mktemp -d "${TMPDIR:-/tmp}/clearance-node${major}-XXXXXX")"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save "node@${major}" >/dev/null
  bin="$prefix/node_modules/node/bin"
  echo "== Node $("$bin/node" --version): smoke suite (${SMOKE[*]})"
  PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run "${SMOKE[@]}"
  rm -rf "$prefix"
done
