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
# N closed-loop clients over N connections), which parses every response and checks it against
# the contract, as wrk does not.
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
status_id=3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b # the task id nginx answers for

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

server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
else
  echo "note: fewer than 2 cores or no taskset: server and clients are NOT pinned" >&2
fi

work=$(mktemp -d)
chmod 755 "$work" # nginx's worker process may run as nobody
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until the server answers $1 (up to 5 s); false if it exited or never answered.
wait_ready() {
  local url=$1
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || return 1
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.05
  done
  return 1
}

# Median of the numbers on stdin (the lower middle one for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One wrk run; prints "requests/s p99_ms non2xx_or_socket_errors".
run_wrk() {
  local url=$1 key=$2 out=$work/wrk.out
  "${client_cpu[@]}" wrk -t1 -c"$connections" -d"${duration}s" --latency \
    -H "Authorization: Bearer $key" "$url" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
  awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { v = $2; ms = v + 0
                  if (v ~ /us$/) ms /= 1000; else if (v ~ /[0-9]s$/) ms *= 1000; p99 = ms }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%s %.2f %d\n", rps, p99, bad }' "$out"
}

# One harness run; prints "requests/s p99_ms contract_failures errors exit_code".
run_harness() {
  local base=$1 key=$2 task=$3 json=$work/harness.json
  cat >"$work/profile.json" <<EOF
{"name": "poll-throughput", "client": {"poll": {"task_id": "$task"}},
 "executor": {"closed": {"clients": $connections}}, "duration_s": $duration,
 "poll_interval_s": 0, "workers": 1}
EOF
  rm -f "$json"
  local rc=0
  "${client_cpu[@]}" "$agentwork" load "$work/profile.json" --target "$base" --api-key "$key" \
    --connections "$connections" --progress none --color never --report-json "$json" \
    >"$work/harness.out" 2>&1 || rc=$?
  if [ "$rc" -eq 130 ]; then
    echo "harness run interrupted" >&2
    return 1
  fi
  if [ "$rc" -gt 1 ] || [ ! -s "$json" ]; then
    echo "harness run failed (exit code $rc):" >&2
    tail -n 30 "$work/harness.out" >&2
    return 1
  fi
  jq -r --arg rc "$rc" '.load | [.summary.requests_per_s,
      ((.summary.endpoints[] | select(.endpoint == "status") | .latency.p99_us) // 0) / 1000,
      ([.check_failures[].count] | add // 0), .summary.errors, $rc] | @tsv' "$json"
}

# REPEAT pairs of runs against one target; appends its table row to $work/table.
measure() {
  local name=$1 base=$2 key=$3 task=$4 url=$2/api/v1/tasks/$4
  echo "== $name: $url"
  "${client_cpu[@]}" wrk -t1 -c"$connections" -d2s -H "Authorization: Bearer $key" "$url" \
    >/dev/null 2>&1 || true # warm-up
  : >"$work/runs"
  local i w h
  for i in $(seq "$repeat"); do
    if ((i % 2)); then
      w=$(run_wrk "$url" "$key") || return 1
      h=$(run_harness "$base" "$key" "$task") || return 1
    else
      h=$(run_harness "$base" "$key" "$task") || return 1
      w=$(run_wrk "$url" "$key") || return 1
    fi
    read -r w_rps w_p99 w_bad <<<"$w"
    read -r h_rps h_p99 h_fail h_err h_rc <<<"$h"
    local ratio
    ratio=$(awk -v h="$h_rps" -v w="$w_rps" 'BEGIN { printf "%.3f", (w > 0 ? h / w : 0) }')
    echo "$w_rps $w_p99 $w_bad $h_rps $h_p99 $h_fail $h_err $ratio" >>"$work/runs"
    printf '  run %d: wrk %10.0f req/s (p99 %s ms%s) | harness %10.0f req/s (p99 %.2f ms, %d contract failures, %d errors, exit %d) | ratio %s\n' \
      "$i" "$w_rps" "$w_p99" "$( ((w_bad)) && echo ", $w_bad non-2xx/socket errors")" \
      "$h_rps" "$h_p99" "$h_fail" "$h_err" "$h_rc" "$ratio"
  done
  # Medians; the harness's p99 is that of its median run.
  local wm hm ratio_med wp hp fails errs
  wm=$(awk '{ print $1 }' "$work/runs" | median)
  hm=$(awk '{ print $4 }' "$work/runs" | median)
  ratio_med=$(awk '{ print $8 }' "$work/runs" | median)
  wp=$(awk -v m="$wm" '$1 == m { print $2; exit }' "$work/runs")
  hp=$(awk -v m="$hm" '$4 == m { print $5; exit }' "$work/runs")
  fails=$(awk '{ s += $6 } END { print s }' "$work/runs")
  errs=$(awk '{ s += $3 + $7 } END { print s }' "$work/runs")
  echo "$name $wm $hm $ratio_med $wp $hp $fails $errs" >>"$work/table"
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
  local port conf=$work/nginx.conf tries
  mkdir -p "$work/nginx"
  for tries in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    cat >"$conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_timeout 75s;
  keepalive_requests 1000000000;
  server {
    listen 127.0.0.1:$port;
    location = /api/v1/tasks/$status_id {
      default_type application/json;
      return 200 '{"task_id":"$status_id","status":"processing","last_activity_at":"2026-01-01T00:00:00.000000Z"}';
    }
  }
}
EOF
    "${server_cpu[@]}" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$conf" \
      >"$work/nginx/stdout" 2>&1 &
    server_pid=$!
    wait_ready "http://127.0.0.1:$port/api/v1/tasks/$status_id" && break
    stop_server
    grep -q 'Address already in use' "$work/nginx/error.log" "$work/nginx/stdout" 2>/dev/null ||
      { cat "$work/nginx/error.log" "$work/nginx/stdout" >&2; echo "nginx did not start" >&2; return 1; }
  done
  [ -n "$server_pid" ] || { echo "nginx: no free port after $tries tries" >&2; return 1; }
  measure nginx "http://127.0.0.1:$port" "unused-by-nginx" "$status_id"
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
printf '%-7s | %12s | %14s | %6s | %8s | %12s | %17s | %s\n' target "wrk req/s" "harness req/s" \
  ratio "wrk p99" "harness p99" "contract failures" "errors"
verdict=met
while read -r name wm hm rm wp hp fails errs; do
  printf '%-7s | %12.0f | %14.0f | %6.3f | %5.2f ms | %9.2f ms | %17d | %d\n' \
    "$name" "$wm" "$hm" "$rm" "$wp" "$hp" "$fails" "$errs"
  awk -v r="$rm" -v g="$goal_ratio" 'BEGIN { exit !(r < g) }' && verdict=MISSED
  ((fails == 0)) || verdict=MISSED
done <"$work/table"
echo "goal harness/wrk >= $goal_ratio on every target with 0 contract failures: $verdict"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
