# Shared by the bench scripts (sourced, not run): pinning, the idle check, starting the mock and
# an nginx with a fixed status body, one wrk run with its CPU, medians. A script sets `work` (a
# temporary directory) and `die` before sourcing, and calls stop_server from its EXIT trap.

PATH=$PATH:/usr/sbin

# The server on core 0, the client on core 1 (when there are two cores and taskset).
server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi

# The task id nginx answers for, and its fixed body: a valid TaskStatus, as the mock would send.
status_id=3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b
nginx_body="{\"task_id\":\"$status_id\",\"status\":\"processing\",\"last_activity_at\":\"2026-01-01T00:00:00.000000Z\"}"

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

# Median of the numbers on stdin (the lower middle one for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Per cent of the machine's CPU time that was idle over $1 seconds (default 1), from /proc/stat.
idle_percent() {
  local a b
  a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  sleep "${1:-1}"
  b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    t = y[2] - x[2]; printf "%.0f", (t > 0 ? (y[1] - x[1]) * 100 / t : 100) }'
}

# The idle check before a measured run: waits (up to IDLE_WAIT s, default 30) until the machine
# is at least IDLE_MIN % idle (default 90) over one second, then goes on either way. Prints the
# last figure ("idle 97 %", or "BUSY: idle 60 % after 30 s") for the run's line.
idle_check() {
  local min=${IDLE_MIN:-90} deadline=$((SECONDS + ${IDLE_WAIT:-30})) idle
  while :; do
    idle=$(idle_percent 1)
    if ((idle >= min)); then
      echo "idle $idle %"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "BUSY: idle $idle % after ${IDLE_WAIT:-30} s"
      return 0
    fi
  done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system, clock ticks
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
# The process serving the port: nginx's (first) worker, or the server itself.
serving_pid() {
  local w
  w=$(pgrep -P "$server_pid" nginx 2>/dev/null | head -1 || true)
  echo "${w:-$server_pid}"
}
# CPU clock ticks (user + system) of the server and all its children (nginx's workers).
server_ticks() {
  local p total=0
  for p in "$server_pid" $(pgrep -P "$server_pid" 2>/dev/null || true); do
    total=$((total + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# Starts the mock (`$mock_bin`, extra flags in "$@") on a free port on core 0 (all cores with
# MOCK_UNPINNED=1); sets mock_base.
start_mock() {
  rm -f "$work/port"
  local pin=("${server_cpu[@]}")
  [ "${MOCK_UNPINNED:-0}" = 1 ] && pin=()
  "${pin[@]}" "$mock_bin" --port 0 --port-file "$work/port" "$@" >"$work/mock.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/mock.log" >&2; die "the mock did not start"; }
  mock_base="http://127.0.0.1:$(cat "$work/port")"
}

# One processing task on the mock (started with --control): sets mock_key and mock_path.
mock_status_task() {
  local populate
  populate=$(curl -sS -X POST "$mock_base/_mock/populate" -H 'Content-Type: application/json' \
    -d '{"count": 1, "outcome": "processing", "return_ids": 1}') || die "populate failed"
  mock_key=$(jq -er .api_key <<<"$populate") || die "populate: no api_key in $populate"
  mock_task=$(jq -er '.task_ids[0]' <<<"$populate") || die "populate: no task id in $populate"
  mock_path=/api/v1/tasks/$mock_task
}

# Starts nginx with $1 worker processes (default 1) and room for $2 connections (default 4096),
# answering $nginx_body at /api/v1/tasks/$status_id; pinned to core 0 for one worker, unpinned
# for more. Sets nginx_base.
start_nginx() {
  local workers=${1:-1} conns=${2:-4096} port tries conf=$work/nginx.conf pin=("${server_cpu[@]}")
  ((workers > 1)) && pin=()
  command -v nginx >/dev/null || die "nginx is missing (bash ci/setup.sh)"
  mkdir -p "$work/nginx"
  chmod 755 "$work" # nginx's worker may run as nobody
  for tries in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    cat >"$conf" <<EOF
worker_processes $workers;
worker_rlimit_nofile $((conns + 1024));
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections $((conns + 1024)); }
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
    listen 127.0.0.1:$port backlog=65535;
    location = /api/v1/tasks/$status_id {
      default_type application/json;
      return 200 '$nginx_body';
    }
  }
}
EOF
    "${pin[@]}" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$conf" \
      >"$work/nginx/stdout" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
      if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/api/v1/tasks/$status_id"; then
        nginx_base="http://127.0.0.1:$port"
        return 0
      fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    stop_server
    grep -q 'Address already in use' "$work/nginx/error.log" "$work/nginx/stdout" 2>/dev/null ||
      { cat "$work/nginx/error.log" "$work/nginx/stdout" >&2; die "nginx did not start"; }
  done
  die "nginx: no free port after 5 tries"
}

# One wrk run on core 1 (unpinned with WRK_UNPINNED=1): wrk_run URL KEY CONNS SECONDS [TIMEOUT_S].
# Prints "requests/s p99_ms max_ms timeouts other_errors non2xx wrk_cpu_us_per_req
# server_cpu_us_per_req requests".
wrk_run() {
  local url=$1 key=$2 conns=$3 secs=$4 timeout_s=${5:-2} out=$work/wrk.out t0 t1 pin=("${client_cpu[@]}")
  [ "${WRK_UNPINNED:-0}" = 1 ] && pin=()
  t0=$(server_ticks)
  /usr/bin/time -f "%U %S" -o "$work/wrk.cpu" "${pin[@]}" wrk -t1 -c"$conns" -d"${secs}s" \
    --timeout "${timeout_s}s" --latency -H "Authorization: Bearer $key" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; return 1; }
  t1=$(server_ticks)
  awk -v cpu="$(awk '{ print $1 + $2 }' "$work/wrk.cpu")" -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    function ms(v) { x = v + 0; if (v ~ /us$/) return x / 1000; if (v ~ /ms$/) return x; return x * 1000 }
    / requests in / { n = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Latency" && max == "" { max = ms($4) }
    /Socket errors/ { gsub(/,/, ""); connect = $4; readerr = $6; writeerr = $8; timeouts = $10 }
    /Non-2xx/ { non2xx = $NF }
    END {
      printf "%.0f %.2f %.2f %d %d %d %.2f %.2f %d\n", rps, p99, max, timeouts + 0,
        connect + readerr + writeerr, non2xx + 0, (n > 0 ? cpu * 1e6 / n : 0),
        (n > 0 ? ticks / hz * 1e6 / n : 0), n
    }' "$out"
}

# One run of the harness's poll client (`agentwork load`, one worker on core 1, CONNS closed-loop
# clients polling task $3 back to back over as many connections): harness_poll BASE KEY TASK
# MODE CONNS SECONDS, MODE reuse (the default) or every (--check-every-answer). Prints
# "requests/s p99_ms contract_failures errors exit_code cpu_us_per_request requests".
harness_poll() {
  local base=$1 key=$2 task=$3 mode=$4 conns=$5 secs=$6 json=$work/harness.json flags=() rc=0
  [ "$mode" = every ] && flags=(--check-every-answer)
  cat >"$work/poll_profile.json" <<EOF2
{"name": "poll-throughput", "client": {"poll": {"task_id": "$task"}},
 "executor": {"closed": {"clients": $conns}}, "duration_s": $secs,
 "poll_interval_s": 0, "workers": 1}
EOF2
  rm -f "$json"
  /usr/bin/time -f "%U %S" -o "$work/harness.cpu" "${client_cpu[@]}" "$agentwork" load \
    "$work/poll_profile.json" --target "$base" --api-key "$key" --connections "$conns" \
    --progress none --color never --report-json "$json" "${flags[@]}" >"$work/harness.out" 2>&1 || rc=$?
  if [ "$rc" -gt 1 ] || [ ! -s "$json" ]; then
    echo "harness run failed (exit code $rc):" >&2
    tail -n 30 "$work/harness.out" >&2
    return 1
  fi
  # CPU per request: the whole process (start-up and cleanup included) over the measured requests.
  jq -r --arg rc "$rc" --arg cpu "$(awk '{ print $1 + $2 }' "$work/harness.cpu")" '.load | [
      (.summary.requests_per_s | round),
      ((.summary.endpoints[] | select(.endpoint == "status") | .latency.p99_us) // 0) / 1000,
      ([.check_failures[].count] | add // 0), .summary.errors, $rc,
      (if .summary.requests > 0 then ($cpu | tonumber) * 1e6 / .summary.requests else 0 end),
      .summary.requests] | @tsv' "$json"
}

# Opens $2 idle connections to 127.0.0.1:$1 and prints the RSS (kB) of process $3 while they are
# open (after 1 s); closes them.
idle_rss() {
  python3 - "$1" "$2" "$3" <<'EOF2'
import resource, socket, sys, time
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks = []
for _ in range(n):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    socks.append(s)
time.sleep(1.0)  # let the server accept them all
with open(f"/proc/{pid}/status") as f:
    print(next(l.split()[1] for l in f if l.startswith("VmRSS")))
for s in socks:
    s.close()
EOF2
}

# KiB per idle connection of the server just started at base URL $1: its RSS with $2 idle
# connections open minus before, over $2 (on a fresh server, so that memory kept from an
# earlier run does not hide it).
idle_kib() {
  local base=$1 n=$2 pid before idle
  pid=$(serving_pid)
  before=$(rss_kb "$pid")
  idle=$(idle_rss "${base##*:}" "$n" "$pid")
  awk -v b="$before" -v i="$idle" -v n="$n" 'BEGIN { printf "%.2f", (i - b) / n }'
}
