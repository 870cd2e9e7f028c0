#!/usr/bin/env bash
# The MCP layer's added latency per status poll: the same scenario (one task that stays
# processing while the client polls it N times) run twice against the in-process mock, over REST
# and --via mcp through agentwork-mcp; prints p50 and p99 per poll each way and the difference.
# Usage: bash bench/mcp_poll_latency.sh [build] [polls]
set -euo pipefail
build="${1:-build}"
polls="${2:-2000}"
agentwork="$build/harness/agentwork"
mcp="$build/mcp/agentwork-mcp"
for exe in "$agentwork" "$mcp"; do
  [ -x "$exe" ] || { echo "missing $exe (cmake --build $build --target agentwork agentwork-mcp)"; exit 2; }
done
command -v jq >/dev/null || { echo "jq is needed"; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Agent seconds: the task works far longer than the polls take (time scale 0.001: 1 ms per
# agent second), and the await step ends after about `polls` polls one agent second apart, so the
# await times out by design: its S.await.timeout is the end of the measurement, not a failure
# of the thing measured.
cat >"$work/polls.json" <<JSON
{
  "name": "bench: status polls",
  "tags": ["bench"],
  "timeout_seconds": 100000,
  "poll_interval_seconds": 0.001,
  "agent": {"steps": [{"do": "work", "seconds": 1000000}]},
  "steps": [
    {"do": "create", "task": "t1", "title": "Bench", "description": "Stays processing."},
    {"do": "await", "status": "completed", "timeout_seconds": $polls}
  ]
}
JSON
run() {  # via, report
  "$agentwork" run "$work/polls.json" --target mock --time-scale 0.001 --poll-interval 1 \
    --seed 1 --color never --report-json "$2" "${@:3}" >/dev/null 2>&1 || true
  jq -r '.latency[] | select(.endpoint == "status") | "\(.count) \(.p50_ms) \(.p99_ms)"' "$2"
}
read -r n_rest p50_rest p99_rest < <(run rest "$work/rest.json")
read -r n_mcp p50_mcp p99_mcp < <(run mcp "$work/mcp.json" --via mcp --mcp-command "$mcp")
printf '%-6s %7s %10s %10s\n' way polls p50_ms p99_ms
printf '%-6s %7s %10.3f %10.3f\n' rest "$n_rest" "$p50_rest" "$p99_rest"
printf '%-6s %7s %10.3f %10.3f\n' mcp "$n_mcp" "$p50_mcp" "$p99_mcp"
awk -v a="$p50_mcp" -v b="$p50_rest" -v c="$p99_mcp" -v d="$p99_rest" \
  'BEGIN { printf "added by MCP per poll: p50 %+.3f ms, p99 %+.3f ms\n", a - b, c - d }'
