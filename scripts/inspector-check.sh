#!/usr/bin/env bash
# Drives Clearance with the official MCP inspector (CLI mode) over stdio and Streamable HTTP, as a
# user would. Uses CLEARANCE_HOME (default ./.clearance) and expects the store to be ingested
# (`npx clearance ingest` or `npm run demo`). Prints each inspector answer; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANCEDB_LOG=error
CLI="node dist/src/cli/main.js"
HOME_DIR="${CLEARANCE_HOME:-$PWD/.clearance}"
export CLEARANCE_HOME="$HOME_DIR"
inspector() { npx --no-install mcp-inspector --cli "$@" 2>/dev/null; }

TOKEN=$($CLI task start --owner alice --agent claude-code --purpose "inspector check" --ttl 10m --token-only)

echo "== stdio: tools/list"
inspector $CLI serve --stdio -e "CLEARANCE_TASK_TOKEN=$TOKEN" -e "CLEARANCE_HOME=$HOME_DIR" --method tools/list | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s).tools.map(x=>x.name);console.log(t.join(" "));if(!t.includes("search"))process.exit(1)})'

echo "== stdio: tools/call search"
inspector $CLI serve --stdio -e "CLEARANCE_TASK_TOKEN=$TOKEN" -e "CLEARANCE_HOME=$HOME_DIR" --method tools/call --tool-name search --tool-arg "query=INC-2041 postmortem" --tool-arg k=3 --tool-arg "reason=inspector check" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).structuredContent.results;console.log(r.map(x=>x.data_class+" "+x.citation.doc_id).join("\n"));if(!r.length||r.some(x=>!["public","internal"].includes(x.data_class)))process.exit(1)})'

echo "== http: tools/call session_info"
PORT_FILE=$(mktemp)
$CLI serve --http --port 0 2> "$PORT_FILE" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$PORT_FILE"' EXIT
for _ in $(seq 1 100); do grep -q "serving MCP on" "$PORT_FILE" && break; sleep 0.2; done
URL=$(grep -o "http://[^ ]*" "$PORT_FILE" | head -1)
inspector "$URL" --transport http --header "Authorization: Bearer $TOKEN" --method tools/call --tool-name session_info --tool-arg "reason=inspector check" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).structuredContent;console.log(r.human+" via "+r.agent+" run "+r.run_id);if(r.human!=="alice")process.exit(1)})'
echo "inspector check passed"
