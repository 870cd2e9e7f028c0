#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, the MCP SDK's npm
# packages), builds everything (warnings are errors under CI), and runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh
bash ci/npm-deps.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "${TEST_JOBS:-2}" --timeout 300
