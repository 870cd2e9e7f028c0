#!/usr/bin/env bash
# The MCP Inspector's CLI mode (pinned in tests/mcp/inspector, installed by ci/npm-deps.sh) as a
# second independent client of `agentwork mcp-server --target mock`: tools/list names the eight
# tools; tools/call of agentwork_register returns the new key as structured content and of
# agentwork_get_task_status for an unknown id returns isError. Exit 77 (skipped) without
# node_modules, except under CI (CI set), where that fails.
set -euo pipefail
agentwork=$1
here=$(cd "$(dirname "$0")" && pwd)
inspector="$here/inspector/node_modules/.bin/mcp-inspector"
if [ ! -x "$inspector" ]; then
  why="@modelcontextprotocol/inspector is not installed (run ci/npm-deps.sh)"
  if [ -n "${CI:-}" ]; then echo "FAIL: $why"; exit 1; fi
  echo "SKIPPED: $why"; exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A config naming our server (read-only); HOME private, so the inspector writes nothing of ours.
export HOME="$work"
unset MCP_CATALOG_PATH
export MCP_INSPECTOR_SECRET_STORE=memory
cat >"$work/servers.json" <<JSON
{"mcpServers": {"agentwork": {"command": "$agentwork",
  "args": ["mcp-server", "--target", "mock", "--time-scale", "0.01", "--log-level", "warn"]}}}
JSON
inspect() { timeout 60 "$inspector" --cli --config "$work/servers.json" --server agentwork "$@"; }

inspect --method tools/list >"$work/list.json"
names=$(jq -r '.tools[].name' "$work/list.json" | sort | tr '\n' ' ')
expected="agentwork_approve_solution agentwork_cancel_task agentwork_create_task agentwork_get_task_events agentwork_get_task_result agentwork_get_task_status agentwork_register agentwork_send_message "
[ "$names" = "$expected" ] || { echo "FAIL: tools/list names: $names"; cat "$work/list.json"; exit 1; }
jq -e '.tools[] | select(.name == "agentwork_register") | .inputSchema.required == ["email","name"]' \
  "$work/list.json" >/dev/null || { echo "FAIL: register's required"; exit 1; }

inspect --method tools/call --tool-name agentwork_register --tool-arg email=inspector@example.com \
  --tool-arg name=Inspector >"$work/register.json"
jq -e '(.isError // false) == false and (.structuredContent.api_key | startswith("aw_live_"))' \
  "$work/register.json" >/dev/null || { echo "FAIL: register"; cat "$work/register.json"; exit 1; }
jq -e '(.content[0].text | fromjson) == .structuredContent' "$work/register.json" >/dev/null ||
  { echo "FAIL: register's text is not its structuredContent"; exit 1; }

# A new process, so no key: the tool says so with isError (exit code of the inspector aside).
inspect --method tools/call --tool-name agentwork_get_task_status --tool-arg task_id=nope \
  >"$work/status.json" || true
jq -e '.isError == true and (.content[0].text | test("AGENTWORK_API_KEY"))' "$work/status.json" \
  >/dev/null || { echo "FAIL: status without a key"; cat "$work/status.json"; exit 1; }
echo "ok: tools/list and tools/call through the MCP Inspector CLI"
