#!/usr/bin/env bash
# 50,000 virtual clients polling every 5 s (about 10,000 status polls/s) against the bundled
# mock: does the harness keep its poll schedule, and in how much memory?
#   usage: bench/load_50k.sh [build-dir]        (build it first: ninja -C build agentwork)
# The mock runs as its own process (`agentwork mock --threads 1`, pinned to core 0) so the
# peak RSS measured (/usr/bin/time -v, else VmHWM sampled from /proc) is the harness's alone;
# the harness runs with one worker pinned to core 1.
# Clients: the closed executor with CLIENTS policy clients, started evenly over RAMP_UP
# seconds; each creates its own task and polls it every POLL_INTERVAL s (jitter 10 %). The mock
# runs at --time-scale 1000, so a task's first agent step outlasts the run and every task stays
# `processing`: after one create per client the load is status polls only, and each poll still
# reads a distinct task and goes through the harness's per-task state (trace checks, policy),
# as a real fleet of clients would. (The poll client on one shared task would poll a single
# hot object and skip the per-task state, flattering both the memory and the mock.)
# The ramp-up is inside the measured phase (WARMUP 0): the 50,000 creates and the first polls
# are part of what the schedule must hold.
# Goals (issue 5): ~10,000 requests/s held on schedule (late and dropped polls reported),
# harness peak RSS < 1 GiB, 0 contract failures; the p99 of status latency measured from the
# intended send time (corrected) and from the actual send (uncorrected) is printed.
# Environment: DURATION (60) seconds measured, CLIENTS (50000), POLL_INTERVAL (5), RAMP_UP (5),
# WARMUP (0), WORKERS (1; above 1 the harness is not pinned), MOCK_THREADS (1), REPORT_JSON (a
# file to keep the harness's JSON report in: per-second rate series, all percentiles), SUMMARY (a
# file for the figures as one JSON object, for bench/perf_report.sh).
# Exits 0 whether or not the goals are met (a missed goal prints MISSED); non-zero only when
# the benchmark could not be set up or the harness crashed or could not reach the mock.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
agentwork=$build/harness/agentwork
duration=${DURATION:-60}
clients=${CLIENTS:-50000}
interval=${POLL_INTERVAL:-5}
ramp_up=${RAMP_UP:-5}
warmup=${WARMUP:-0}
workers=${WORKERS:-1}
mock_threads=${MOCK_THREADS:-1}

die() { echo "load_50k: $*" >&2; exit 2; }
[ -x "$agentwork" ] || die "no $agentwork: build it first (ninja -C $build agentwork)"
for v in duration clients interval workers mock_threads; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer; got '${!v}'"
done
for v in ramp_up warmup; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "${v^^} must be an integer >= 0; got '${!v}'"
done
for tool in curl jq; do command -v $tool >/dev/null || die "$tool is missing"; done

# The mock holds one socket per harness connection (at most 1024 per worker by default) and the
# harness as many; raise the soft limit as far as allowed, and say what it is.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
[ "$nofile" = unlimited ] || ((nofile >= 2 * workers * 1024 + 256)) ||
  echo "warning: open-file limit $nofile may be too low for $workers x 1024 connections" >&2

server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0)
  if ((workers == 1)); then client_cpu=(taskset -c 1); fi
fi
work=$(mktemp -d)
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$work/time.txt")
mock_pid='' harness_pid='' sampler_pid=''
stop() { # stop <pid>: TERM, then wait
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# Stops a harness run early: TERM is its Ctrl-C and a second one gives up the cancels of the
# cleanup (the mock is stopped next anyway); KILL if it has not ended within 5 s. The harness
# may run under /usr/bin/time, which does not pass signals on, so its child is signalled.
stop_harness() {
  local target
  target=$(pgrep -P "$harness_pid" -n 2>/dev/null) || target=$harness_pid
  kill -TERM "$target" 2>/dev/null || return 0
  sleep 0.2
  kill -TERM "$target" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$target" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$target" 2>/dev/null || true
  wait "$harness_pid" 2>/dev/null || true
}
cleanup() {
  stop "$sampler_pid"
  if [ -n "$harness_pid" ]; then stop_harness; fi
  stop "$mock_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${server_cpu[@]}" "$agentwork" mock --port 0 --port-file "$work/port" --threads "$mock_threads" \
  --time-scale 1000 --max-connections 100000 >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { cat "$work/mock.log" >&2; echo "load_50k: the mock did not start" >&2; exit 1; }
base=http://127.0.0.1:$(cat "$work/port")
key=$(curl -sS -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"email": "load50k@example.com", "name": "load_50k"}' | jq -er .api_key) ||
  { echo "load_50k: could not register an account on the mock" >&2; exit 1; }

cat >"$work/profile.json" <<EOF
{
  "name": "poll-${clients}",
  "description": "$clients policy clients, each polling its own task every $interval s",
  "client": {"policy": {}, "title": "load_50k", "description": "A task polled by bench/load_50k.sh."},
  "executor": {"closed": {"clients": $clients, "ramp_up_s": $ramp_up}},
  "duration_s": $duration,
  "warmup_s": $warmup,
  "poll_interval_s": $interval,
  "jitter": 0.1,
  "workers": $workers
}
EOF

echo "load_50k: $clients clients, poll every ${interval}s, ramp-up ${ramp_up}s, warm-up ${warmup}s," \
  "${duration}s measured, $workers worker(s)$([ ${#client_cpu[@]} -gt 0 ] && echo ' on core 1'), mock" \
  "($mock_threads thread(s)) on core 0; open files $nofile; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU seconds (user + system) the mock has used so far.
mock_cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$mock_pid/stat"; }
mock_cpu_before=$(mock_cpu_s)
"${timer[@]}" "${client_cpu[@]}" "$agentwork" load "$work/profile.json" \
  --target "$base" --api-key "$key" --progress lines --progress-every 10 --color never \
  --report-json "$work/report.json" >"$work/harness.out" 2>&1 &
harness_pid=$!
# VmHWM sampled once a second (a fallback for /usr/bin/time, and the mock's figure).
(
  while sleep 1; do
    target=$(pgrep -P "$harness_pid" -n 2>/dev/null || echo "$harness_pid")
    awk '/VmHWM/ { print $2 }' "/proc/$target/status" 2>/dev/null >>"$work/hwm" || true
    awk '/VmHWM/ { print $2 }' "/proc/$mock_pid/status" 2>/dev/null >"$work/mock_hwm" || true
  done
) &
sampler_pid=$!
rc=0
wait "$harness_pid" || rc=$?
harness_pid=
mock_cpu=$(awk -v a="$mock_cpu_before" -v b="$(mock_cpu_s)" 'BEGIN { printf "%.1f", b - a }')
stop "$sampler_pid"
sampler_pid=
grep '^\[' "$work/harness.out" || true # the harness's progress lines

if [ "$rc" -gt 1 ] || [ ! -s "$work/report.json" ]; then
  echo "load_50k: the harness run failed (exit code $rc):" >&2
  tail -n 40 "$work/harness.out" >&2
  exit 1
fi

if [ -s "$work/time.txt" ]; then
  rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
  rss_how="/usr/bin/time -v"
else
  rss_kib=$(sort -n "$work/hwm" 2>/dev/null | tail -1)
  rss_how="VmHWM sampled each second"
fi
mock_rss_kib=$(cat "$work/mock_hwm" 2>/dev/null || echo 0)
cpu=n/a
[ -s "$work/time.txt" ] && cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
  /Elapsed/ { n = split($2, t, ":"); e = 0; for (i = 1; i <= n; i++) e = e * 60 + t[i] }
  END { printf "%.1f s user + %.1f s system over %.1f s (%.0f %% of one core)", u, s, e, (u + s) * 100 / e }' \
  "$work/time.txt")
[ -n "${REPORT_JSON:-}" ] && cp "$work/report.json" "$REPORT_JSON"

jq -r --arg clients "$clients" --arg interval "$interval" --arg ramp "$ramp_up" \
  --arg warmup "$warmup" --arg rss "${rss_kib:-0}" --arg rss_how "$rss_how" \
  --arg mock_rss "${mock_rss_kib:-0}" --arg rc "$rc" --arg cpu "$cpu" --arg mock_cpu "$mock_cpu" '
  def ms: (. / 10 | round) / 100 | tostring + " ms";
  def pct(a; b): if b > 0 then (a * 1000 / b | round) / 10 | tostring + " %" else "n/a" end;
  .load as $l | $l.summary as $s
  | ($s.endpoints[] | select(.endpoint == "status")) as $st
  | (($clients | tonumber) / ($interval | tonumber)) as $target
  # Steady state: the per-second slots from one interval after the ramp-up ends (every client
  # polling) to the last full second of the measured phase.
  | ([($ramp | tonumber) + ($interval | tonumber) - ($warmup | tonumber), 0] | max | ceil) as $from
  | ($s.rate_series[$from:($s.duration_s | floor)]) as $steady
  | (if ($steady | length) > 0 then ($steady | add) / ($steady | length) / $s.rate_slot_width_s
     else null end) as $steady_rate
  | ([$l.check_failures[].count] | add // 0) as $failures
  | ($rss | tonumber / 1024) as $rss_mib
  | "",
    "figures (measured phase, \($s.duration_s) s; stop reason \($l.stop_reason), exit code \($rc))",
    "  requests               \($s.requests) (\($s.requests_per_s | round)/s over the whole phase)",
    "  status polls           \($st.requests) (\($st.requests_per_s | round)/s); creates \($s.tasks_created)",
    "  steady-state rate      \(if $steady_rate then ($steady_rate | round | tostring) else "n/a (run too short)" end) requests/s (seconds \($from)–\($s.duration_s | floor)) vs target \($target | round) (clients / interval)",
    "  late polls             \($s.late_polls) (\(pct($s.late_polls; $s.polls)) of \($s.polls) polls)",
    "  dropped polls          \($s.dropped_polls)",
    "  status p50 / p99 / p99.9 / max corrected    \($st.latency.p50_us | ms) / \($st.latency.p99_us | ms) / \($st.latency.p99_9_us | ms) / \($st.latency.max_us | ms)",
    "  status p50 / p99 / p99.9 / max uncorrected  \($st.latency_uncorrected.p50_us | ms) / \($st.latency_uncorrected.p99_us | ms) / \($st.latency_uncorrected.p99_9_us | ms) / \($st.latency_uncorrected.max_us | ms)",
    "  errors                 \($s.errors) (transport + 5xx); status classes \($s.status_classes | tostring)",
    "  contract failures      \($failures) (\($l.responses_checked) responses checked)",
    "  tasks ended            \($s.tasks_ended | tostring)",
    "  connections opened     \($l.connections_opened); rate-capped waits \($l.rate_capped_waits)",
    "  cleanup                \($l.cleanup.cancelled) tasks cancelled, \($l.cleanup.failed) failed",
    "  harness peak RSS       \($rss_mib * 10 | round / 10) MiB (\($rss_how)); the mock: \($mock_rss | tonumber / 1024 | round) MiB",
    "  harness CPU            \($cpu)",
    "  mock CPU               \($mock_cpu) s user + system over the same run",
    "",
    "goals",
    "  rate >= 95 % of \($target | round)/s:  \(if $steady_rate == null then "n/a (DURATION too short for a steady state)" elif $steady_rate >= 0.95 * $target then "met" else "MISSED" end)",
    "  on schedule (0 late, 0 dropped polls): \(if $s.late_polls == 0 and $s.dropped_polls == 0 then "met" else "MISSED (the harness did not keep its schedule on this machine: \($s.late_polls) late, \($s.dropped_polls) dropped)" end)",
    "  peak RSS < 1024 MiB:  \(if $rss_mib > 0 and $rss_mib < 1024 then "met" else "MISSED" end)",
    "  0 contract failures:  \(if $failures == 0 then "met" else "MISSED" end)"
' "$work/report.json"
# SUMMARY: the figures as one JSON object (for bench/perf_report.sh).
if [ -n "${SUMMARY:-}" ]; then
  jq -c --arg clients "$clients" --arg interval "$interval" --arg ramp "$ramp_up" \
    --arg warmup "$warmup" --arg rss "${rss_kib:-0}" --arg mock_rss "${mock_rss_kib:-0}" \
    --arg cpu "$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$work/time.txt" 2>/dev/null || echo 0)" \
    --arg mock_cpu "$mock_cpu" --arg rc "$rc" '
    .load as $l | $l.summary as $s
    | ($s.endpoints[] | select(.endpoint == "status")) as $st
    | ([($ramp | tonumber) + ($interval | tonumber) - ($warmup | tonumber), 0] | max | ceil) as $from
    | ($s.rate_series[$from:($s.duration_s | floor)]) as $steady
    | {clients: ($clients | tonumber), interval_s: ($interval | tonumber),
       target_rate: (($clients | tonumber) / ($interval | tonumber)),
       steady_rate: (if ($steady | length) > 0 then ($steady | add) / ($steady | length) / $s.rate_slot_width_s else null end),
       requests: $s.requests, polls: $s.polls, late_polls: $s.late_polls, dropped_polls: $s.dropped_polls,
       status_p99_ms: ($st.latency.p99_us / 1000), errors: $s.errors,
       contract_failures: ([$l.check_failures[].count] | add // 0),
       harness_rss_kib: ($rss | tonumber), mock_rss_kib: ($mock_rss | tonumber),
       harness_cpu_s: ($cpu | tonumber), mock_cpu_s: ($mock_cpu | tonumber),
       exit_code: ($rc | tonumber)}' "$work/report.json" >"$SUMMARY"
fi
if [ "$(jq '[.load.check_failures[].count] | add // 0' "$work/report.json")" -gt 0 ]; then
  echo "contract failures:"
  jq -r '.load.check_failures[] | "  \(.rule_id) x\(.count): \(.detail)"' "$work/report.json"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
