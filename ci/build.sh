#!/usr/bin/env bash
# Installs what is missing, then configures and builds everything into ${BUILD_DIR:-build}.
# Under CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh

build_dir=${BUILD_DIR:-build}
werror=OFF
if [ "${CI:-}" = "true" ] || [ "${AGENTWORK_WERROR:-}" = "1" ]; then werror=ON; fi
# Two cores and ~1.4 GB per Beast translation unit: two jobs are safe on the reference machine.
jobs=${BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}

mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAGENTWORK_WERROR="$werror" >"$build_dir/configure.log" 2>&1 || {
  cat "$build_dir/configure.log" >&2
  exit 1
}
cmake --build "$build_dir" -j "$jobs" "$@"
