#!/usr/bin/env bash
# Many keep-alive connections at once: the mock (--threads 1) next to nginx (1 worker, a fixed
# status body) under `wrk -t1 -cN --timeout T`, N from CONNECTIONS (default "10000"), each server
# pinned to core 0 and wrk to core 1. Per server and N it prints requests/s, wrk's timeouts and
# other socket errors, p99 and max latency, the server's CPU per request, and its memory per
# connection: RSS with N idle connections open (no request sent) minus RSS before, over N.
#   usage: bench/connections.sh [build-dir]      (build it first: ninja -C build agentwork-mock)
# Goal (issue 15): 0 timeouts at 10,000 connections, the mock's max latency <= 2 x nginx's.
# Environment: CONNECTIONS ("10000"; e.g. "10000 50000"), DURATION s (10), TIMEOUT s (2).
# Limits that apply and are printed: the file limit (raised to the hard limit, or to what N
# needs when running as root), and the local port range: one client address to one server port
# has at most (range size) connections, so N above it is skipped with the reason.
# Exits 0 whether or not the goal is met; non-zero when it could not be set up.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mock=$build/mock_server/agentwork-mock
duration=${DURATION:-10}
timeout_s=${TIMEOUT:-2}
read -r -a counts <<<"${CONNECTIONS:-10000}"
die() { echo "connections: $*" >&2; exit 2; }
[ -x "$mock" ] || die "no $mock: build it first (ninja -C $build agentwork-mock)"
for v in duration timeout_s; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer"; done
for n in "${counts[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS: '$n' is not a positive integer"; done
PATH=$PATH:/usr/sbin
for tool in wrk curl jq python3; do command -v $tool >/dev/null || die "$tool is missing (bash ci/setup.sh)"; done
have_nginx=1
command -v nginx >/dev/null || have_nginx=0

server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi
largest=$(printf '%s\n' "${counts[@]}" | sort -n | tail -1)
want_files=$((largest + 1024))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want_files" ] && [ "$(id -u)" -eq 0 ]; then
  ulimit -Hn "$want_files" 2>/dev/null || true
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
files=$(ulimit -n)
read -r port_low port_high </proc/sys/net/ipv4/ip_local_port_range
ports=$((port_high - port_low + 1))

work=$(mktemp -d)
chmod 755 "$work" # nginx's worker may run as nobody
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system, clock ticks
# The process serving the port: nginx's worker (the child), the mock itself.
serving_pid() { pgrep -P "$server_pid" nginx 2>/dev/null | head -1 || true; }

# Opens $2 idle connections to 127.0.0.1:$1, then prints the server's RSS (kB) while they are
# open; closes them.
idle_rss() {
  python3 - "$1" "$2" "$3" <<'EOF'
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
EOF
}

# The serving process's RSS (kB) with N idle connections open minus before, per connection, in
# KiB: on a fresh server, so that memory kept from an earlier run does not hide it.
idle_kib() {
  local base=$1 n=$2 pid before idle
  pid=$(serving_pid)
  [ -n "$pid" ] || pid=$server_pid
  before=$(rss_kb "$pid")
  idle=$(idle_rss "${base##*:}" "$n" "$pid")
  awk -v b="$before" -v i="$idle" -v n="$n" 'BEGIN { printf "%.2f", (i - b) / n }'
}

# wrk with N connections against one server (name $1, base $2, path $3, key $4, N $5, the idle
# figure $6); prints the table row.
measure() {
  local name=$1 base=$2 path=$3 key=$4 n=$5 idle=$6 pid out=$work/wrk.out ticks0 ticks1 hz
  pid=$(serving_pid)
  [ -n "$pid" ] || pid=$server_pid
  hz=$(getconf CLK_TCK)
  ticks0=$(cpu_ticks "$pid")
  "${client_cpu[@]}" wrk -t1 -c"$n" -d"${duration}s" --timeout "${timeout_s}s" --latency \
    -H "Authorization: Bearer $key" "$base$path" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
  ticks1=$(cpu_ticks "$pid")
  awk -v name="$name" -v n="$n" -v idle="$idle" -v ticks=$((ticks1 - ticks0)) -v hz="$hz" '
    function ms(v) { x = v + 0; if (v ~ /us$/) return x / 1000; if (v ~ /ms$/) return x; return x * 1000 }
    / requests in / { total = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Latency" && max == "" { max = ms($4) }
    /Socket errors/ { gsub(/,/, ""); connect = $4; readerr = $6; writeerr = $8; timeouts = $10 }
    /Non-2xx/ { non2xx = $NF }
    END {
      printf "%-6s %7d %10.0f %9d %13d %9d %9.1f %9.1f %11.1f %14s\n", name, n, rps, timeouts + 0,
        connect + readerr + writeerr, non2xx + 0, p99, max,
        (total > 0 ? ticks / hz * 1e6 / total : 0), idle
    }' "$out" | tee -a "$work/table"
}

start_mock() {
  rm -f "$work/port"
  "${server_cpu[@]}" "$mock" --port 0 --port-file "$work/port" --threads 1 --control \
    --max-connections 1000000 >"$work/mock.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/mock.log" >&2; die "the mock did not start"; }
  mock_base="http://127.0.0.1:$(cat "$work/port")"
  local populate
  populate=$(curl -sS -X POST "$mock_base/_mock/populate" -H 'Content-Type: application/json' \
    -d '{"count": 1, "outcome": "completed", "return_ids": 1}')
  mock_key=$(jq -r .api_key <<<"$populate")
  mock_path=/api/v1/tasks/$(jq -r '.task_ids[0]' <<<"$populate")
}

status_id=3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b
start_nginx() {
  local n=$1 port
  mkdir -p "$work/nginx"
  port=$((20000 + RANDOM % 10000))
  cat >"$work/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile $((n + 1024));
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections $((n + 1024)); }
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
      return 200 '{"task_id":"$status_id","status":"processing","last_activity_at":"2026-01-01T00:00:00.000000Z"}';
    }
  }
}
EOF
  "${server_cpu[@]}" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx.conf" \
    >"$work/nginx/stdout" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/api/v1/tasks/$status_id" && break
    sleep 0.05
  done
  nginx_base="http://127.0.0.1:$port"
}

: >"$work/table"
echo "connections: wrk -t1 -cN -d${duration}s --timeout ${timeout_s}s; server on core 0, wrk on core 1"
echo "  limits: open files $files; local ports $port_low-$port_high ($ports per client address);" \
  "somaxconn $(cat /proc/sys/net/core/somaxconn); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-6s %7s %10s %9s %13s %9s %9s %9s %11s %14s\n" server conns req/s timeouts "other errors" \
  non-2xx p99_ms max_ms "CPU us/req" "KiB/idle conn"
for n in "${counts[@]}"; do
  if [ "$files" != unlimited ] && [ "$((n + 64))" -gt "$files" ]; then
    echo "  $n connections: SKIPPED (open-file limit $files per process, and not root with CAP_SYS_RESOURCE to raise it)"; continue
  fi
  if [ "$n" -gt "$((ports - 1000))" ]; then
    echo "  $n connections: SKIPPED (only $ports local ports towards one server address)"; continue
  fi
  start_mock
  idle=$(idle_kib "$mock_base" "$n")
  stop_server
  start_mock
  measure mock "$mock_base" "$mock_path" "$mock_key" "$n" "$idle" || die "wrk failed against the mock"
  stop_server
  if ((have_nginx)); then
    start_nginx "$n"
    idle=$(idle_kib "$nginx_base" "$n")
    stop_server
    start_nginx "$n"
    measure nginx "$nginx_base" "/api/v1/tasks/$status_id" unused "$n" "$idle" ||
      die "wrk failed against nginx"
    stop_server
  fi
done
awk '
  $1 == "mock" { t[$2] = $4; m[$2] = $8 } $1 == "nginx" { nm[$2] = $8 }
  END {
    for (n in t) printf "goal at %d connections: 0 timeouts (%s): %s; max <= 2 x nginx (%.1f vs %.1f ms): %s\n",
      n, t[n], (t[n] == 0 ? "met" : "NOT met"), m[n], nm[n],
      (n in nm ? (m[n] <= 2 * nm[n] ? "met" : "NOT met") : "no nginx")
  }' "$work/table"
