#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, the MCP SDK's npm
# packages), builds everything (warnings are errors under CI), runs every test with CTest, then
# the sanitizer and fuzzing jobs (ci/sanitize.sh; AGENTWORK_SANITIZERS=0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh
bash ci/npm-deps.sh
started=$SECONDS
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j "${TEST_JOBS:-2}" --timeout 300)
echo "ci/test.sh: tests took $((SECONDS - started)) s"
if [ "${AGENTWORK_SANITIZERS:-1}" != 0 ]; then
  bash ci/sanitize.sh
fi
