#!/usr/bin/env bash
# Installs the pinned npm packages of tests/mcp/sdk (the official MCP TypeScript SDK, for the
# CTest mcp.sdk_client_lifecycle) with `npm ci` from the committed package-lock.json, into
# tests/mcp/sdk/node_modules (ignored by git); does nothing when they are already there and newer
# than the lock file. Without npm: a warning (the test then skips), an error under CI.
set -euo pipefail
cd "$(dirname "$0")/../tests/mcp/sdk"
if ! command -v npm >/dev/null 2>&1; then
  echo "ci/npm-deps.sh: npm not found: the MCP SDK test cannot run" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
installed=node_modules/.package-lock.json  # written by npm ci
if [ -f "$installed" ] && [ "$installed" -nt package-lock.json ]; then exit 0; fi
echo "ci/npm-deps.sh: npm ci in tests/mcp/sdk" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
