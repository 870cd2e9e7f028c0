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

# CPU seconds (user + system) that /usr/bin/time wrote to $1.
cpu_seconds() { awk '{ print $1 + $2 }' "$1"; }

# One wrk run; prints "requests/s p99_ms non2xx_or_socket_errors cpu_us_per_request".
run_wrk() {
  local url=$1 key=$2 out=$work/wrk.out
  /usr/bin/time -f "%U %S" -o "$work/wrk.cpu" "${client_cpu[@]}" wrk -t1 -c"$connections" \
    -d"${duration}s" --latency -H "Authorization: Bearer $key" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; return 1; }
  awk -v cpu="$(cpu_seconds "$work/wrk.cpu")" '
    / requests in / { n = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { v = $2; ms = v + 0
                  if (v ~ /us$/) ms /= 1000; else if (v ~ /[0-9]s$/) ms *= 1000; p99 = ms }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%s %.2f %d %.2f\n", rps, p99, bad, (n > 0 ? cpu * 1e6 / n : 0) }' "$out"
}

# One harness run; prints "requests/s p99_ms contract_failures errors exit_code".
run_harness() {
  local base=$1 key=$2 task=$3 mode=$4 json=$work/harness.json
  local flags=()
  [ "$mode" = every ] && flags=(--check-every-answer)
  cat >"$work/profile.json" <<EOF
{"name": "poll-throughput", "client": {"poll": {"task_id": "$task"}},
 "executor": {"closed": {"clients": $connections}}, "duration_s": $duration,
 "poll_interval_s": 0, "workers": 1}
EOF
  rm -f "$json"
  local rc=0
  /usr/bin/time -f "%U %S" -o "$work/harness.cpu" \
    "${client_cpu[@]}" "$agentwork" load "$work/profile.json" --target "$base" --api-key "$key" \
    --connections "$connections" --progress none --color never --report-json "$json" \
    "${flags[@]}" >"$work/harness.out" 2>&1 || rc=$?
  if [ "$rc" -eq 130 ]; then
    echo "harness run interrupted" >&2
    return 1
  fi
  if [ "$rc" -gt 1 ] || [ ! -s "$json" ]; then
    echo "harness run failed (exit code $rc):" >&2
    tail -n 30 "$work/harness.out" >&2
    return 1
  fi
  # CPU per request: the whole process (start-up and cleanup included) over the measured requests.
  jq -r --arg rc "$rc" --arg cpu "$(cpu_seconds "$work/harness.cpu")" '.load | [.summary.requests_per_s,
      ((.summary.endpoints[] | select(.endpoint == "status") | .latency.p99_us) // 0) / 1000,
      ([.check_failures[].count] | add // 0), .summary.errors, $rc,
      (if .summary.requests > 0 then ($cpu | tonumber) * 1e6 / .summary.requests else 0 end)]
      | @tsv' "$json"
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
