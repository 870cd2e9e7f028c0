#!/usr/bin/env bash
# Installs what is missing, then configures and builds everything into ${BUILD_DIR:-build}.
# Under CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh

build_dir=${BUILD_DIR:-build}
# Warnings are errors under CI; otherwise a build directory keeps what it was configured with
# (switching would rebuild everything: ci/main.sh after ci/test.sh must not).
werror_flag=()
if [ "${CI:-}" = "true" ] || [ "${AGENTWORK_WERROR:-}" = "1" ]; then
  werror_flag=(-DAGENTWORK_WERROR=ON)
elif [ ! -f "${BUILD_DIR:-build}/CMakeCache.txt" ]; then
  werror_flag=(-DAGENTWORK_WERROR=OFF)
fi
# Two cores and ~1.4 GB per Beast translation unit: two jobs are safe on the reference machine.
jobs=${BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}

mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${werror_flag[@]}" >"$build_dir/configure.log" 2>&1 || {
  cat "$build_dir/configure.log" >&2
  exit 1
}
cmake --build "$build_dir" -j "$jobs" "$@"
