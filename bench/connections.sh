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
for tool in wrk curl jq python3; do PATH=$PATH:/usr/sbin command -v $tool >/dev/null || die "$tool is missing (bash ci/setup.sh)"; done
have_nginx=1
PATH=$PATH:/usr/sbin command -v nginx >/dev/null || have_nginx=0

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
mock_bin=$mock
source bench/lib.sh
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# wrk with N connections against one server (name $1, base $2, path $3, key $4, N $5, the idle
# figure $6); prints the table row.
measure() {
  local name=$1 base=$2 path=$3 key=$4 n=$5 idle=$6 rps p99 max tmo other non cpu_s
  read -r rps p99 max tmo other non _ cpu_s _ < <(wrk_run "$base$path" "$key" "$n" "$duration" "$timeout_s") ||
    return 1
  [ -n "$rps" ] || return 1
  printf "%-6s %7d %10.0f %9d %13d %9d %9.1f %9.1f %11.1f %14s\n" "$name" "$n" "$rps" "$tmo" \
    "$other" "$non" "$p99" "$max" "$cpu_s" "$idle" | tee -a "$work/table"
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
  start_mock --threads 1 --control --max-connections 1000000
  mock_status_task
  idle=$(idle_kib "$mock_base" "$n")
  stop_server
  start_mock --threads 1 --control --max-connections 1000000
  mock_status_task
  measure mock "$mock_base" "$mock_path" "$mock_key" "$n" "$idle" || die "wrk failed against the mock"
  stop_server
  if ((have_nginx)); then
    start_nginx 1 "$n"
    idle=$(idle_kib "$nginx_base" "$n")
    stop_server
    start_nginx 1 "$n"
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
