#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with, when any is missing.
# Idempotent; prints nothing when everything is already there. Needs root (or sudo).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config dpkg-dev
  clang libclang-rt-14-dev llvm-14
  libboost1.81-dev libboost-url1.81-dev
  nlohmann-json3-dev libcli11-dev libvalijson-dev libsimdjson-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev openssl ca-certificates
  curl jq wrk procps nginx-light
  python3 python3-yaml python3-prometheus-client libxml2-utils
  python3-fastapi python3-uvicorn
  chromium fonts-dejavu-core
)
# Node 20 and npm run the official MCP SDK as a client (tests/mcp/sdk): Debian's only when no
# node and npm are on PATH already (the CI image brings its own Node 20).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "ci/setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
