#!/usr/bin/env bash
# The Debian package, as a user gets it: built with CPack from the build folder, its metadata
# (name, version, the runtime packages it depends on, every one of them a Debian package that
# provides a library the programs load), unpacked with `dpkg -x` into a temporary root, and the
# bundled conformance suite run against the bundled mock from an unrelated folder with only the
# unpacked files: the default scenario paths must resolve from the install location.
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. Build the package.
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/agentwork_*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# 2. Its metadata.
dpkg-deb -f "$deb" Package | grep -qx agentwork || fail "package name"
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
echo "version: $version"
echo "depends: $depends"
for needed in libssl3 libstdc++6 libc6; do
  [[ "$depends" == *"$needed"* ]] || fail "Depends lacks $needed"
done
# Each dependency is a Debian package installed here (the one the build linked against).
IFS=',' read -r -a deps <<<"$depends"
for d in "${deps[@]}"; do
  name=$(echo "$d" | sed -E 's/^ *([^ (|]+).*/\1/')
  dpkg -s "$name" >/dev/null 2>&1 || fail "Depends names $name, which is not an installed package"
done
# And every library the programs load comes from one of them (or from libc6/libgcc-s1, the base).
dpkg -x "$deb" "$work/root"
for prog in agentwork agentwork-mock agentwork-mcp; do
  bin=$work/root/usr/bin/$prog
  [ -x "$bin" ] || fail "usr/bin/$prog not in the package"
  for lib in $(ldd "$bin" | awk '/=> \//{print $3}'); do
    owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1) ||
      owner=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$owner" ] || fail "$prog loads $lib, which no package owns"
    [[ "$depends" == *"$owner"* ]] || fail "$prog loads $lib from $owner, not in Depends"
  done
done

# 3. The files.
share=$work/root/usr/share/agentwork
for f in scenarios/conformance scenarios/examples scenarios/load/steady-polling.json \
  openapi.json README.md docs/distributed-load.md docs/load-profile.md \
  deploy/kubernetes/load-job.yaml ci/github/agentwork.yml; do
  [ -e "$share/$f" ] || fail "share/agentwork/$f not in the package"
done
echo "files: $(dpkg-deb -c "$deb" | wc -l) entries; $(find "$share/scenarios" -name '*.json' | wc -l) scenario and profile files"

# 4. --version of each program.
for prog in agentwork agentwork-mock agentwork-mcp; do
  out=$("$work/root/usr/bin/$prog" --version)
  echo "$out" | head -1 | grep -qx "$prog $version" || fail "$prog --version: $out"
  echo "$out" | grep -q "^built: commit " || fail "$prog --version lacks the build line: $out"
done
"$work/root/usr/bin/agentwork" --version

# 5. The bundled suite from an unrelated folder, with only the unpacked files: no checkout, no
# build folder on the way (a clean environment, the package's bin first on PATH).
mkdir "$work/elsewhere"
cd "$work/elsewhere"
rc=0
env -i HOME="$work/elsewhere" PATH="$work/root/usr/bin:/usr/bin:/bin" \
  agentwork run --target mock --report-json result.json --junit junit.xml --color never \
  >run.log 2>&1 || rc=$?
tail -3 run.log
[ "$rc" = 0 ] || { cat run.log; fail "the bundled suite from the package exited $rc"; }
scenarios=$(jq '.scenarios | length' result.json)
[ "$scenarios" -ge 20 ] || fail "only $scenarios scenarios ran from the package"
jq -e --arg v "$version" '.tool.version == $v' result.json >/dev/null ||
  fail "the result's tool_version is not $version"
grep -q "$work/root/usr/share/agentwork/scenarios" result.json ||
  fail "the scenarios did not come from the package's share/agentwork"
echo "the bundled suite from the unpacked package: $scenarios scenarios, exit 0"
# A load profile by its relative path, from the same folder.
env -i HOME="$work/elsewhere" PATH="$work/root/usr/bin:/usr/bin:/bin" \
  agentwork load scenarios/load/steady-polling.json --target mock --clients 20 --duration 2 \
  --progress none --color never >load.log 2>&1 || { cat load.log; fail "load from the package"; }
echo "a load profile from the unpacked package: $(grep -E '^PASSED|^FAILED' load.log)"
