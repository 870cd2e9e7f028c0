#!/usr/bin/env bash
# Installs the pinned npm packages of the MCP client tests with `npm ci --ignore-scripts` from
# their committed package-lock.json files, into ignored node_modules folders:
#   tests/mcp/sdk        the official MCP TypeScript SDK (CTest mcp.sdk_client_lifecycle*)
#   tests/mcp/inspector  the MCP Inspector, CLI mode (CTest mcp.inspector_cli)
# Does nothing for a folder whose node_modules is already there and newer than its lock file.
# Without npm: a warning (those tests then skip), an error under CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v npm >/dev/null 2>&1; then
  echo "ci/npm-deps.sh: npm not found: the MCP client tests cannot run" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
for dir in tests/mcp/sdk tests/mcp/inspector; do
  installed="$root/$dir/node_modules/.package-lock.json"  # written by npm ci
  if [ -f "$installed" ] && [ "$installed" -nt "$root/$dir/package-lock.json" ]; then continue; fi
  echo "ci/npm-deps.sh: npm ci in $dir" >&2
  (cd "$root/$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
done
