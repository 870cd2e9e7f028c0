#!/usr/bin/env bash
# No false failures: the live suite (scenarios tagged "live", guide profile, as against staging)
# against the bundled mock in its deployment-like mode, for mock seeds 1..SEEDS with stall rates
# 0 and 0.2: every run must pass. Prints one line per run (exit code, wall seconds, tasks, what
# was not seen) and the figure "N of M runs passed", with the wall time of the runs.
#
# Usage: bash bench/live_false_failures.sh [BUILD_DIR]
#   SEEDS=20 TIME_SCALE=0.05 PARALLEL=4 STALL_RATES="0 0.2"
set -euo pipefail
build=${1:-build}
agentwork="$build/harness/agentwork"
mock="$build/mock_server/agentwork-mock"
source_dir=$(cd "$(dirname "$0")/.." && pwd)
seeds=${SEEDS:-20}
scale=${TIME_SCALE:-0.05}
parallel=${PARALLEL:-4}
rates=${STALL_RATES:-"0 0.2"}
for tool in "$agentwork" "$mock"; do
  [ -x "$tool" ] || { echo "missing $tool: build first (bash ci/build.sh)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "jq is missing (ci/setup.sh installs it)" >&2; exit 2; }
work=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$work"' EXIT

one_run() {  # one_run SEED RATE: a mock of its own, the live suite against it
  local seed=$1 rate=$2 dir="$work/$1-$2" rc=0
  mkdir -p "$dir"
  "$mock" --deployment-like --seed "$seed" --stall-rate "$rate" --time-scale "$scale" \
    --port 0 --port-file "$dir/port" --user conformance@example.com:conformance-password \
    >"$dir/mock.log" 2>&1 &
  local mock_pid=$!
  for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
  local started=$(date +%s.%N)
  "$agentwork" run "$source_dir/scenarios/conformance" --tag live \
    --target "http://127.0.0.1:$(cat "$dir/port")" --time-scale "$scale" --seed "$seed" \
    --account conformance@example.com:conformance-password \
    --report-json "$dir/run.json" >"$dir/out" 2>&1 || rc=$?
  local ended=$(date +%s.%N)
  kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null || true
  local tasks=$(jq '.totals.tasks' "$dir/run.json" 2>/dev/null || echo "?")
  local not_seen=$(jq -r '[.scenarios[].not_seen[]?.rule_id] | join(",")' "$dir/run.json" 2>/dev/null)
  local observed=$(jq '[.scenarios[].findings[] | select(.severity == "observation")] | length' \
    "$dir/run.json" 2>/dev/null || echo "?")
  printf "seed %2s  stall rate %-4s  exit %s  %6.1f s  %3s tasks  %2s observations  not seen: %s\n" \
    "$seed" "$rate" "$rc" "$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')" "$tasks" "$observed" "${not_seen:--}" \
    >"$dir/line"
  echo "$rc" >"$dir/rc"
  if [ "$rc" != 0 ]; then grep -A4 "^Failures:" "$dir/out" >"$dir/why" || true; fi
}

echo "live suite vs the deployment-like mock: seeds 1..$seeds, stall rates $rates, time scale $scale"
started=$(date +%s)
running=0
for rate in $rates; do
  for seed in $(seq "$seeds"); do
    one_run "$seed" "$rate" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then wait -n; running=$((running - 1)); fi
  done
done
wait
total=0; passed=0
for rate in $rates; do
  for seed in $(seq "$seeds"); do
    dir="$work/$seed-$rate"
    cat "$dir/line"
    [ -f "$dir/why" ] && sed 's/^/    /' "$dir/why"
    total=$((total + 1))
    [ "$(cat "$dir/rc")" = 0 ] && passed=$((passed + 1))
  done
done
walls=$(cat "$work"/*/line | awk '{print $8}' | sort -n)
echo "$passed of $total runs passed (false failures: $((total - passed))); wall seconds per run:" \
  "min $(echo "$walls" | head -1), median $(echo "$walls" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'), max $(echo "$walls" | tail -1);" \
  "all runs $(( $(date +%s) - started )) s with $parallel at a time"
[ "$passed" = "$total" ]
