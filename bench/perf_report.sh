#!/usr/bin/env bash
# Every performance goal of issue 15 measured in one run and printed as one table (goal,
# measured, met), with the machine, the date and the command; the README's performance section
# is this table.
#   usage: bench/perf_report.sh [build-dir]
#          (build first: ninja -C build agentwork agentwork-mock contract_checks_bench)
# Rows (ONLY="checks client mock conns clients million tasks" picks some; all by default):
#   checks   contract_checks_bench: CPU per checked status answer, `processing` and
#            `awaiting_reply` with three structured questions, on the load engine's path
#            (the fast path) and the reference path (nlohmann + valijson)
#   client   the harness's poll client (`agentwork load`, 1 worker) vs `wrk -t1`, CONNS
#            connections, against nginx (1 worker, a fixed TaskStatus body): --check-every-answer
#            and the default (identical answers reuse their verdict)
#   mock     the mock's status polls vs nginx's fixed body under `wrk -t1 -cCONNS`: --threads 1
#            vs 1 worker (servers on core 0, wrk on core 1), and --threads 2 vs 2 workers
#            (nothing pinned: servers and wrk share both cores)
#   conns    MANY_CONNECTIONS keep-alive connections (wrk, 2 s timeout): the mock vs nginx,
#            timeouts, max latency, memory per idle connection
#   clients  CLIENTS (100,000) policy clients polling every 5 s (bench/load_50k.sh)
#   million  MILLION (1,000,000) policy clients polling every 30 s (bench/load_50k.sh)
#   tasks    the mock holding MILLION processing tasks (POST /_mock/populate), its RSS
# Ratios come from ROUNDS alternating rounds (the order rotates; each ratio is the median of
# the per-round ratios, both runs of a round back to back). Before every measured run the
# machine's idle check (bench/lib.sh idle_check) waits for it to be idle; its figure is kept
# and a row measured on a busy machine says so. CPU per request is printed next to every rate,
# and for every ratio whether the anchor (nginx) or the client (wrk) was saturated. Goals on
# ratios are judged by CPU per request (what the rate ratio would be with each side held back
# by its own core alone): on a machine where wrk or nginx saturates its core first, the rate
# ratio measures them, not the thing compared; both are printed.
# Environment: ROUNDS (3), DURATION s per rate run (5), CONNS (64), MANY_CONNECTIONS
# ("10000 50000"), CLIENTS (100000), MILLION (1000000), ONLY (all rows), TABLE (also write the
# Markdown table to this file).
# Exits 0 whether or not goals are met (a missed goal says "no"); non-zero when it could not
# set up (no binary, no wrk or nginx, a server that does not start, a crashed run).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
agentwork=$build/harness/agentwork
mock_bin=$build/mock_server/agentwork-mock
checks_bench=$build/bench/contract_checks_bench
rounds=${ROUNDS:-3}
duration=${DURATION:-5}
conns=${CONNS:-64}
read -r -a many <<<"${MANY_CONNECTIONS:-10000 50000}"
clients=${CLIENTS:-100000}
million=${MILLION:-1000000}
read -r -a only <<<"${ONLY:-checks client mock conns clients million tasks}"

die() { echo "perf_report: $*" >&2; exit 2; }
for v in rounds duration conns clients million; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer; got '${!v}'"
done
for n in "${many[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "MANY_CONNECTIONS: '$n' is not a positive integer"; done
for r in "${only[@]}"; do
  [[ " checks client mock conns clients million tasks " == *" $r "* ]] ||
    die "ONLY: unknown row '$r' (checks client mock conns clients million tasks)"
done
wants() { [[ " ${only[*]} " == *" $1 "* ]]; }
[ -x "$agentwork" ] || die "no $agentwork: build it first (ninja -C $build agentwork)"
[ -x "$mock_bin" ] || die "no $mock_bin: build it first (ninja -C $build agentwork-mock)"
if wants checks; then [ -x "$checks_bench" ] || die "no $checks_bench (ninja -C $build contract_checks_bench)"; fi
for tool in wrk nginx curl jq python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null ||
    die "$tool is missing (bash ci/setup.sh installs it)"
done

work=$(mktemp -d)
source bench/lib.sh
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# The file limit: as high as this process may raise it (the connection rows need it); root
# tries to raise the hard limit too, which needs CAP_SYS_RESOURCE.
largest=$(printf '%s\n' "${many[@]}" | sort -n | tail -1)
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((largest + 1024)) ] && [ "$(id -u)" -eq 0 ]; then
  ulimit -Hn $((largest + 1024)) 2>/dev/null || true
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
files=$(ulimit -n)
read -r port_low port_high </proc/sys/net/ipv4/ip_local_port_range

rows=$work/rows # "figure<TAB>goal<TAB>measured<TAB>met" per line
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$rows"; }
: >"$rows"
met() { awk "BEGIN { exit !($1) }" && echo yes || echo no; }
# "busy" notes of the runs of a row (empty when every run found the machine idle).
busy_note() { grep -c BUSY "$1" >/dev/null 2>&1 && echo " (machine busy in $(grep -c BUSY "$1") run(s))" || true; }

cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "perf_report: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($cpu_model), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);"
echo "  $(uname -sr); open files $files; local ports $port_low-$port_high; rounds $rounds x ${duration}s; $conns connections"
echo "  command: bash bench/perf_report.sh $build$(for v in ROUNDS DURATION CONNS MANY_CONNECTIONS CLIENTS MILLION ONLY; do [ -n "${!v:-}" ] && printf ' %s="%s"' "$v" "${!v}"; done)"

# ---- checks ------------------------------------------------------------------------------------
if wants checks; then
  echo "== checks: contract_checks_bench (idle check: $(idle_check))"
  "${client_cpu[@]}" "$checks_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$work/checks.json" 2>"$work/checks.err" ||
    { cat "$work/checks.err" >&2; die "contract_checks_bench failed"; }
  ns() { jq -r --arg n "BM_$1_median" '.benchmarks[] | select(.name == $n) | .cpu_time | round' "$work/checks.json"; }
  fp=$(ns FastCleanProcessing) fa=$(ns FastCleanAwaitingReply)
  rp=$(ns CheckStatusProcessing) ra=$(ns CheckStatusAwaitingReply)
  echo "  processing: fast path $fp ns, reference $rp ns; awaiting_reply (3 questions): fast path $fa ns, reference $ra ns"
  row "CPU per checked \`processing\` status answer (load path; reference path)" "≤ 1.5 µs" \
    "$(awk -v a="$fp" -v b="$rp" 'BEGIN { printf "%.2f µs (%.2f µs)", a / 1000, b / 1000 }')" "$(met "$fp <= 1500")"
  row "CPU per checked \`awaiting_reply\`, 3 structured questions (load path; reference path)" "≤ 5 µs" \
    "$(awk -v a="$fa" -v b="$ra" 'BEGIN { printf "%.2f µs (%.2f µs)", a / 1000, b / 1000 }')" "$(met "$fa <= 5000")"
fi

# ---- client: the harness vs wrk on nginx ---------------------------------------------------------
if wants client; then
  start_nginx 1 "$conns"
  url=$nginx_base/api/v1/tasks/$status_id
  echo "== client: harness poll client vs wrk -t1 -c$conns on nginx ($url)"
  "${client_cpu[@]}" wrk -t1 -c"$conns" -d2s "$url" >/dev/null 2>&1 || true # warm-up
  : >"$work/client"
  for i in $(seq "$rounds"); do
    order=(wrk reuse every)
    case $((i % 3)) in 2) order=(reuse every wrk) ;; 0) order=(every wrk reuse) ;; esac
    declare -A got=()
    for who in "${order[@]}"; do
      idle=$(idle_check)
      if [ "$who" = wrk ]; then
        got[wrk]=$(wrk_run "$url" unused "$conns" "$duration") || die "wrk failed on nginx"
      else
        got[$who]=$(harness_poll "$nginx_base" unused "$status_id" "$who" "$conns" "$duration") ||
          die "the harness failed on nginx"
      fi
      echo "$who $idle" >>"$work/client.idle"
    done
    read -r w_rps _ _ w_tmo w_err w_non w_cpu n_cpu _ <<<"${got[wrk]}"
    for mode in reuse every; do
      read -r h_rps h_p99 h_fail h_err _ h_cpu _ <<<"${got[$mode]}"
      echo "$mode $w_rps $h_rps $w_cpu $h_cpu $n_cpu $h_fail $((h_err + w_tmo + w_err + w_non))" >>"$work/client"
      printf '  round %d %-5s: wrk %7.0f req/s %.2f µs/req (nginx %.2f µs/req, %.0f %% of its core) | harness %7.0f req/s %.2f µs/req, %d contract failures | ratio %.3f, by CPU %.3f\n' \
        "$i" "$mode" "$w_rps" "$w_cpu" "$n_cpu" "$(awk -v r="$w_rps" -v c="$n_cpu" 'BEGIN { print r * c / 1e4 }')" \
        "$h_rps" "$h_cpu" "$h_fail" "$(awk -v h="$h_rps" -v w="$w_rps" 'BEGIN { print h / w }')" \
        "$(awk -v h="$h_cpu" -v w="$w_cpu" 'BEGIN { print w / h }')"
    done
    unset got
  done
  stop_server
  for mode in every reuse; do
    ratio=$(awk -v m=$mode '$1 == m { print $3 / $2 }' "$work/client" | median)
    cpu_ratio=$(awk -v m=$mode '$1 == m { print $4 / $5 }' "$work/client" | median)
    wm=$(awk -v m=$mode '$1 == m { print $2 }' "$work/client" | median)
    hm=$(awk -v m=$mode '$1 == m { print $3 }' "$work/client" | median)
    wc=$(awk -v m=$mode '$1 == m { print $4 }' "$work/client" | median)
    hc=$(awk -v m=$mode '$1 == m { print $5 }' "$work/client" | median)
    nc=$(awk -v m=$mode '$1 == m { print $6 }' "$work/client" | median)
    fails=$(awk -v m=$mode '$1 == m { s += $7 } END { print s + 0 }' "$work/client")
    nginx_busy=$(awk -v r="$wm" -v c="$nc" 'BEGIN { printf "%.0f", r * c / 1e4 }')
    if [ $mode = every ]; then
      label="harness \`load\` with \`--check-every-answer\` / \`wrk -t1 -c$conns\`, nginx fixed body (by client CPU per request)"
      goal="≥ 0.8×" cond="$cpu_ratio >= 0.8 && $fails == 0"
    else
      label="the same, default mode (identical answers reuse their verdict)"
      goal="keep (≥ 0.9×)" cond="$cpu_ratio >= 0.9 && $fails == 0"
    fi
    row "$label" "$goal" "$(printf '%.2f× (CPU/req %.1f vs %.1f µs; %.0f vs %.0f req/s, rate ratio %.2f× with nginx'"'"'s core %s %% busy; %d contract failures)' \
      "$cpu_ratio" "$hc" "$wc" "$hm" "$wm" "$ratio" "$nginx_busy" "$fails")$(busy_note "$work/client.idle")" "$(met "$cond")"
  done
fi

# ---- mock: status polls vs nginx ----------------------------------------------------------------
# One server of the pair: sets url and key.
serve() {
  local who=$1 threads=$2
  if [ "$who" = nginx ]; then
    start_nginx "$threads" "$conns"
    url=$nginx_base/api/v1/tasks/$status_id key=unused
  else
    MOCK_UNPINNED=$((threads > 1 ? 1 : 0)) start_mock --threads "$threads" --control \
      --time-scale 1000
    mock_status_task
    url=$mock_base$mock_path key=$mock_key
  fi
}
if wants mock; then
  for threads in 1 2; do
    unpinned=$((threads > 1 ? 1 : 0))
    echo "== mock: agentwork-mock --threads $threads vs nginx ($threads worker(s)); wrk -t1 -c$conns$( ((unpinned)) && echo ', nothing pinned')"
    : >"$work/mock.$threads"
    for i in $(seq "$rounds"); do
      order=(mock nginx)
      ((i % 2 == 0)) && order=(nginx mock)
      declare -A got=()
      for who in "${order[@]}"; do
        serve "$who" "$threads"
        WRK_UNPINNED=$unpinned wrk_run "$url" "$key" "$conns" 1 >/dev/null || true # warm-up
        idle=$(idle_check)
        echo "$idle" >>"$work/mock.$threads.idle"
        got[$who]=$(WRK_UNPINNED=$unpinned wrk_run "$url" "$key" "$conns" "$duration") ||
          die "wrk failed on the $who"
        stop_server
      done
      read -r m_rps _ _ _ m_err m_non m_wcpu m_cpu _ <<<"${got[mock]}"
      read -r n_rps _ _ _ n_err n_non n_wcpu n_cpu _ <<<"${got[nginx]}"
      echo "$m_rps $n_rps $m_cpu $n_cpu $m_wcpu $n_wcpu $((m_err + m_non + n_err + n_non))" >>"$work/mock.$threads"
      printf '  round %d: mock %7.0f req/s, %.2f µs CPU/req (wrk %.2f) | nginx %7.0f req/s, %.2f µs CPU/req (wrk %.2f) | ratio %.3f, by CPU %.3f\n' \
        "$i" "$m_rps" "$m_cpu" "$m_wcpu" "$n_rps" "$n_cpu" "$n_wcpu" \
        "$(awk -v m="$m_rps" -v n="$n_rps" 'BEGIN { print m / n }')" \
        "$(awk -v m="$m_cpu" -v n="$n_cpu" 'BEGIN { print n / m }')"
      unset got
    done
    f=$work/mock.$threads
    ratio=$(awk '{ print $1 / $2 }' "$f" | median)
    cpu_ratio=$(awk '{ print $4 / $3 }' "$f" | median)
    mm=$(awk '{ print $1 }' "$f" | median) nm=$(awk '{ print $2 }' "$f" | median)
    mc=$(awk '{ print $3 }' "$f" | median) nc=$(awk '{ print $4 }' "$f" | median)
    wrk_busy=$(awk '{ print $2 * $6 / 1e4 }' "$f" | median)
    errs=$(awk '{ s += $7 } END { print s + 0 }' "$f")
    row "mock status polls / nginx fixed body, \`--threads $threads\` vs $threads worker(s), \`wrk -t1 -c$conns\` (by server CPU per request)" "≥ 1.0×" \
      "$(printf '%.2f× (CPU/req %.1f vs %.1f µs; %.0f vs %.0f req/s, rate ratio %.2f× with wrk'"'"'s core %.0f %% busy; %d errors)' \
        "$cpu_ratio" "$mc" "$nc" "$mm" "$nm" "$ratio" "$wrk_busy" "$errs")$(busy_note "$work/mock.$threads.idle")" \
      "$(met "$cpu_ratio >= 1.0 && $errs == 0")"
  done
fi

# ---- conns: many connections ----------------------------------------------------------------------
if wants conns; then
  for n in "${many[@]}"; do
    if [ "$files" != unlimited ] && [ "$((n + 64))" -gt "$files" ]; then
      echo "== conns: $n connections SKIPPED: the open-file limit is $files (hard limit; raising it needs CAP_SYS_RESOURCE)"
      row "$n keep-alive connections (wrk, 2 s timeout): mock timeouts; max latency vs nginx" "0; ≤ 2×" \
        "not measured: open-file hard limit $files on this machine" "n/a"
      continue
    fi
    if [ "$n" -gt "$((port_high - port_low - 1000))" ]; then
      echo "== conns: $n connections SKIPPED: only $((port_high - port_low + 1)) local ports towards one server address"
      row "$n keep-alive connections: mock timeouts; max latency vs nginx" "0; ≤ 2×" \
        "not measured: $((port_high - port_low + 1)) local ports" "n/a"
      continue
    fi
    echo "== conns: $n keep-alive connections, wrk -t1 -c$n -d10s --timeout 2s"
    declare -A got=() kib=()
    for who in mock nginx; do
      conns_saved=$conns conns=$n
      serve "$who" 1
      kib[$who]=$(idle_kib "${url%/api/*}" "$n")
      stop_server
      serve "$who" 1
      conns=$conns_saved
      idle=$(idle_check)
      got[$who]=$(wrk_run "$url" "$key" "$n" 10 2) || die "wrk failed on the $who at $n connections"
      stop_server
      read -r rps p99 max tmo other non cpu_w cpu_s _ <<<"${got[$who]}"
      printf '  %-5s %7.0f req/s, %d timeouts, %d other errors, %d non-2xx, p99 %.0f ms, max %.0f ms, %.1f µs CPU/req, %s KiB per idle connection (%s)\n' \
        "$who" "$rps" "$tmo" "$other" "$non" "$p99" "$max" "$cpu_s" "${kib[$who]}" "$idle"
    done
    read -r m_rps m_p99 m_max m_tmo m_other m_non _ m_cpu _ <<<"${got[mock]}"
    read -r n_rps n_p99 n_max n_tmo n_other n_non _ n_cpu _ <<<"${got[nginx]}"
    row "$n keep-alive connections (wrk -t1, 2 s timeout), mock vs nginx: timeouts; max latency" "0; ≤ 2× nginx's" \
      "$(printf '%d timeouts (nginx %d); max %.0f vs %.0f ms, p99 %.0f vs %.0f ms; %.0f vs %.0f req/s; CPU/req %.1f vs %.1f µs; %s vs %s KiB per idle connection' \
        "$m_tmo" "$n_tmo" "$m_max" "$n_max" "$m_p99" "$n_p99" "$m_rps" "$n_rps" "$m_cpu" "$n_cpu" "${kib[mock]}" "${kib[nginx]}")" \
      "$(met "$m_tmo == 0 && $m_other == 0 && $m_max <= 2 * $n_max")"
    unset got kib
  done
fi

# ---- clients: many virtual clients (bench/load_50k.sh) ------------------------------------------------
# fleet CLIENTS INTERVAL RAMP_UP DURATION RSS_GOAL_MIB: one load_50k.sh run; appends a row.
fleet() {
  local n=$1 interval=$2 ramp=$3 secs=$4 goal_mib=$5 s=$work/fleet.$1.json
  echo "== clients: $n policy clients polling every ${interval}s (bench/load_50k.sh; $(idle_check))"
  CLIENTS=$n POLL_INTERVAL=$interval RAMP_UP=$ramp DURATION=$secs SUMMARY=$s \
    bash bench/load_50k.sh "$build" >"$work/fleet.$n.out" 2>&1 ||
    { tail -n 30 "$work/fleet.$n.out" >&2; die "bench/load_50k.sh failed with $n clients"; }
  sed 's/^/  /' "$work/fleet.$n.out" | grep -v '^  \[' || true
  jq -r --arg goal "$goal_mib" '
    def kib: . / 1024 | round;
    [ "\(.clients) policy clients polling every \(.interval_s) s, each its own task (1 harness worker, mock `--threads 1`)",
      "rate held, 0 late or dropped polls, 0 failures; harness < \($goal) MiB",
      "\(.steady_rate // 0 | round) of \(.target_rate | round) req/s held; \(.late_polls) late, \(.dropped_polls) dropped of \(.polls) polls; \(.contract_failures) contract failures, \(.errors) errors; status p99 \(.status_p99_ms * 100 | round / 100) ms; harness \(.harness_rss_kib | kib) MiB (\(.harness_rss_kib / .clients * 100 | round / 100) KiB per client), \(.harness_cpu_s | round) s CPU; mock \(.mock_rss_kib | kib) MiB, \(.mock_cpu_s | round) s CPU",
      (if (.steady_rate // 0) >= 0.95 * .target_rate and .late_polls == 0 and .dropped_polls == 0
          and .contract_failures == 0 and .harness_rss_kib < ($goal | tonumber) * 1024 then "yes" else "no" end)
    ] | @tsv' "$s" >>"$rows"
}
if wants clients; then fleet "$clients" 5 5 30 1024; fi
# A million clients ramp up over 200 s (5,000 creates/s: one harness worker creates and polls at
# once), then poll 33,333 times a second; the steady window starts one interval after the ramp.
if wants million; then fleet "$million" 30 200 300 2048; fi

# ---- tasks: the mock holding a million processing tasks ----------------------------------------------
if wants tasks; then
  echo "== tasks: the mock holding $million processing tasks ($(idle_check))"
  start_mock --threads 1 --control --time-scale 1000
  before=$(rss_kb "$server_pid")
  left=$million
  while ((left > 0)); do
    batch=$((left > 200000 ? 200000 : left))
    curl -sS --max-time 300 -X POST "$mock_base/_mock/populate" -H 'Content-Type: application/json' \
      -d "{\"count\": $batch, \"outcome\": \"processing\", \"return_ids\": 1}" >/dev/null ||
      die "populate failed"
    left=$((left - batch))
  done
  after=$(rss_kb "$server_pid")
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status")
  cpu=$(awk -v t="$(cpu_ticks "$server_pid")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }')
  # Still answering: one status poll of the first task of a fresh account.
  mock_status_task
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $mock_key" "$mock_base$mock_path")
  stop_server
  echo "  RSS $((before / 1024)) MiB empty, $((after / 1024)) MiB with $million tasks (peak $((hwm / 1024)) MiB), $cpu s CPU; a status poll then: $code"
  row "the mock holding $million \`processing\` tasks" "< 2 GiB" \
    "$((after / 1024)) MiB RSS ($(awk -v a="$after" -v b="$before" -v n="$million" 'BEGIN { printf "%.2f", (a - b) / n }') KiB per task), peak $((hwm / 1024)) MiB; status poll afterwards $code" \
    "$(met "$after < 2 * 1048576 && $code == 200")"
fi

echo
echo "| figure | goal | measured | met |"
echo "|---|---|---|---|"
awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$rows" | tee "$work/table.md"
[ -n "${TABLE:-}" ] && cp "$work/table.md" "$TABLE"
echo "goals met: $(grep -c $'\tyes$' "$rows" || true) of $(wc -l <"$rows")"
