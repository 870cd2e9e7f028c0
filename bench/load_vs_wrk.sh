#!/usr/bin/env bash
# Throughput of the harness's load mode (`agentwork load`) next to wrk on the same target.
#   usage: bench/load_vs_wrk.sh [build-dir]        (build it first: ninja -C build agentwork)
# Targets, each on 127.0.0.1 and pinned to core 0 (taskset); wrk and the harness run on core 1,
# one after the other, never at the same time:
#   mock   `agentwork mock --threads 1 --time-scale 1000`: GET /api/v1/tasks/{id} of one task that
#          stays `processing` for the whole run;
#   nginx  one worker process returning a fixed TaskStatus body (application/json) at
#          /api/v1/tasks/{id}: a server much cheaper per request than the mock, so the client's
#          own cost shows.
# Both clients keep CONNECTIONS keep-alive connections busy back to back: `wrk -t1 -cN` and
# the harness's poll client (`"client": {"poll": ...}`, `poll_interval_s` 0, one worker,
# N closed-loop clients over N connections), which reads every response and checks it against
# the contract, as wrk does not. Two harness modes are measured:
#   reuse  the default: an answer byte-identical to the task's previous one is compared with it
#          and counted with that answer's verdict (the checks are a pure function of the bytes);
#          here every answer is identical, so this is the cost of reading and comparing;
#   every  --check-every-answer: every answer is parsed (JSON) and checked from scratch (schema
#          and the contract's code checks), the worst case of a body that changes every time.
# Goal (issue 5): harness requests/s >= 0.6 x wrk requests/s on each target.
# Environment: DURATION seconds per measured run (10), CONNECTIONS (50), REPEAT runs per client
# and target (3). Every run is printed; the table shows the median run of each client and the
# median of the per-repeat ratios (wrk and harness run back to back, the order alternating, so
# a ratio compares runs that saw the same machine load).
# Exits 0 whether or not the goal is met (a missed goal prints MISSED); non-zero only when the
# benchmark could not be set up (no binary, no wrk, a server that does not start, a harness
# run that crashed or could not reach the target).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
agentwork=$build/harness/agentwork
duration=${DURATION:-10}
connections=${CONNECTIONS:-50}
repeat=${REPEAT:-3}
goal_ratio=0.6

die() { echo "load_vs_wrk: $*" >&2; exit 2; }
[ -x "$agentwork" ] || die "no $agentwork: build it first (ninja -C $build agentwork)"
for v in duration connections repeat; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer; got '${!v}'"
done

# Installs a missing tool's package when running as root with apt-get; false otherwise.
ensure_tool() {
  local tool=$1 package=$2
  command -v "$tool" >/dev/null && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing $package (apt-get) for $tool" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"; } \
      >/dev/null 2>&1 || true
  fi
  command -v "$tool" >/dev/null
}
for tool in curl jq; do command -v $tool >/dev/null || die "$tool is missing"; done
ensure_tool wrk wrk || die "wrk is missing and cannot be installed here (not root or no apt-get): nothing to compare against"
PATH=$PATH:/usr/sbin
have_nginx=1
ensure_tool nginx nginx-light || have_nginx=0

work=$(mktemp -d)
source bench/lib.sh
[ ${#server_cpu[@]} -gt 0 ] || echo "note: fewer than 2 cores or no taskset: server and clients are NOT pinned" >&2
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One wrk run; prints "requests/s p99_ms non2xx_or_socket_errors cpu_us_per_request".
run_wrk() {
  local rps p99 tmo other non cpu
  read -r rps p99 _ tmo other non cpu _ < <(wrk_run "$1" "$2" "$connections" "$duration") || return 1
  [ -n "$rps" ] || return 1
  echo "$rps $p99 $((tmo + other + non)) $cpu"
}

# One harness run; prints "requests/s p99_ms contract_failures errors exit_code cpu_us_per_request".
run_harness() {
  local out
  out=$(harness_poll "$1" "$2" "$3" "$4" "$connections" "$duration") || return 1
  cut -f1-6 <<<"$out"
}

# REPEAT rounds against one target (wrk, harness reuse, harness every; the order rotates);
# appends one table row per harness mode to $work/table.
measure() {
  local name=$1 base=$2 key=$3 task=$4 url=$2/api/v1/tasks/$4
  echo "== $name: $url"
  "${client_cpu[@]}" wrk -t1 -c"$connections" -d2s -H "Authorization: Bearer $key" "$url" \
    >/dev/null 2>&1 || true # warm-up
  : >"$work/runs"
  local i w hr he
  for i in $(seq "$repeat"); do
    case $((i % 3)) in
      1) w=$(run_wrk "$url" "$key") || return 1
         hr=$(run_harness "$base" "$key" "$task" reuse) || return 1
         he=$(run_harness "$base" "$key" "$task" every) || return 1 ;;
      2) hr=$(run_harness "$base" "$key" "$task" reuse) || return 1
         he=$(run_harness "$base" "$key" "$task" every) || return 1
         w=$(run_wrk "$url" "$key") || return 1 ;;
      0) he=$(run_harness "$base" "$key" "$task" every) || return 1
         w=$(run_wrk "$url" "$key") || return 1
         hr=$(run_harness "$base" "$key" "$task" reuse) || return 1 ;;
    esac
    read -r w_rps w_p99 w_bad w_cpu <<<"$w"
    local mode h
    for mode in reuse every; do
      [ $mode = reuse ] && h=$hr || h=$he
      read -r h_rps h_p99 h_fail h_err h_rc h_cpu <<<"$h"
      local ratio cpu_ratio
      ratio=$(awk -v h="$h_rps" -v w="$w_rps" 'BEGIN { printf "%.3f", (w > 0 ? h / w : 0) }')
      cpu_ratio=$(awk -v h="$h_cpu" -v w="$w_cpu" 'BEGIN { printf "%.3f", (h > 0 ? w / h : 0) }')
      echo "$mode $w_rps $w_p99 $w_bad $h_rps $h_p99 $h_fail $h_err $ratio $w_cpu $h_cpu $cpu_ratio" >>"$work/runs"
      printf '  run %d: wrk %10.0f req/s (p99 %s ms%s, %.1f us CPU/req) | harness %-5s %10.0f req/s (p99 %.2f ms, %d contract failures, %d errors, exit %d, %.1f us CPU/req) | ratio %s, by CPU %s\n' \
        "$i" "$w_rps" "$w_p99" "$( ((w_bad)) && echo ", $w_bad non-2xx/socket errors")" "$w_cpu" \
        "$mode" "$h_rps" "$h_p99" "$h_fail" "$h_err" "$h_rc" "$h_cpu" "$ratio" "$cpu_ratio"
    done
  done
  # Medians per mode; the harness's p99 is that of its median run.
  local wm hm ratio_med wp hp fails errs
  for mode in reuse every; do
    awk -v m=$mode '$1 == m { $1 = ""; print }' "$work/runs" >"$work/runs.$mode"
    wm=$(awk '{ print $1 }' "$work/runs.$mode" | median)
    hm=$(awk '{ print $4 }' "$work/runs.$mode" | median)
    ratio_med=$(awk '{ print $8 }' "$work/runs.$mode" | median)
    wp=$(awk -v m="$wm" '$1 == m { print $2; exit }' "$work/runs.$mode")
    hp=$(awk -v m="$hm" '$4 == m { print $5; exit }' "$work/runs.$mode")
    fails=$(awk '{ s += $6 } END { print s }' "$work/runs.$mode")
    errs=$(awk '{ s += $3 + $7 } END { print s }' "$work/runs.$mode")
    local wc hc cr
    wc=$(awk '{ print $9 }' "$work/runs.$mode" | median)
    hc=$(awk '{ print $10 }' "$work/runs.$mode" | median)
    cr=$(awk '{ print $11 }' "$work/runs.$mode" | median)
    echo "$name/$mode $wm $hm $ratio_med $wp $hp $fails $errs $wc $hc $cr" >>"$work/table"
  done
}

run_mock_target() {
  "${server_cpu[@]}" "$agentwork" mock --port 0 --port-file "$work/port" --threads 1 \
    --time-scale 1000 >"$work/mock.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/mock.log" >&2; echo "the mock did not start" >&2; return 1; }
  local base key task
  base=http://127.0.0.1:$(cat "$work/port")
  key=$(curl -sS -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d '{"email": "bench@example.com", "name": "bench"}' | jq -er .api_key) || return 1
  # --time-scale 1000 keeps the task `processing` far longer than the benchmark.
  task=$(curl -sS -X POST "$base/api/v1/tasks/" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d '{"title": "load_vs_wrk", "description": "A task polled by the benchmark."}' |
    jq -er .task_id) || return 1
  measure mock "$base" "$key" "$task"
  stop_server
}

run_nginx_target() {
  start_nginx 1 "$connections"
  measure nginx "$nginx_base" "unused-by-nginx" "$status_id"
  stop_server
}

echo "load_vs_wrk: ${duration}s x $repeat runs per client, $connections connections," \
  "server on core 0, client on core 1; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/table"
run_mock_target || { echo "load_vs_wrk: mock target could not be measured" >&2; exit 1; }
if ((have_nginx)); then
  run_nginx_target || { echo "load_vs_wrk: nginx target could not be measured" >&2; exit 1; }
else
  echo "== nginx: SKIPPED (nginx is missing and cannot be installed: not root or no apt-get)"
fi

echo
echo "median of $repeat runs, ${duration}s each, $connections connections (wrk -t1; harness: 1 worker, poll client, interval 0)"
printf '%-13s | %12s | %14s | %6s | %8s | %12s | %17s | %6s | %s\n' "target/mode" "wrk req/s" \
  "harness req/s" ratio "wrk p99" "harness p99" "contract failures" "errors" \
  "CPU us/req wrk, harness, ratio"
verdict_reuse=met verdict_every=met
while read -r name wm hm rm wp hp fails errs wc hc cr; do
  printf '%-13s | %12.0f | %14.0f | %6.3f | %5.2f ms | %9.2f ms | %17d | %6d | %.1f, %.1f, %.3f\n' \
    "$name" "$wm" "$hm" "$rm" "$wp" "$hp" "$fails" "$errs" "$wc" "$hc" "$cr"
  missed=0
  awk -v r="$rm" -v g="$goal_ratio" 'BEGIN { exit !(r < g) }' && missed=1
  ((fails == 0)) || missed=1
  if ((missed)); then
    case $name in */reuse) verdict_reuse=MISSED ;; *) verdict_every=MISSED ;; esac
  fi
done <"$work/table"
echo "goal harness/wrk >= $goal_ratio on every target with 0 contract failures:"
echo "  default (identical answers reuse their verdict): $verdict_reuse"
echo "  --check-every-answer (every answer parsed and checked): $verdict_every"
echo "(the ratio column is requests/s; 'by CPU' is wrk's CPU per request over the harness's: what"
echo " the request-rate ratio would be if both were held back by their core alone, which is"
echo " steadier than requests/s on a shared machine)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
