#!/usr/bin/env bash
# `agentwork run` against hostile targets (hostile_target.py): a deployment that registers and
# creates a task normally, then answers the status poll with headers that never end, an endless
# chunked body, a 1 GB Content-Length, a redirect loop or 10,000 headers; and a target whose TLS
# handshake never completes. For each case the run must
#   (a) end by itself well within the request deadlines (a `timeout` guard must not fire), with a
#       documented exit code (1: the scenario ended in error; 3: target unreachable), not a crash;
#   (b) name the failure with the client's class (timeout, too_large, redirects) in its JSON
#       result (or, for exit 3, on stderr);
#   (c) keep its peak RSS under a bound while the server offers a gigabyte or more;
#   (d) still run its cleanup: the server saw POST /api/v1/tasks/{id}/cancel for the task it
#       created, and the result counts it cancelled (not for stalled-tls: nothing is created).
# One line per case: elapsed seconds, peak RSS, exit code, classification, cleanup.
# Usage: hostile_target_test.sh AGENTWORK SOURCE_DIR [PYTHON3] [CASE...]
# (HOSTILE_RSS_LIMIT_MB overrides the RSS bound, 200.)
set -euo pipefail
agentwork=$1
source_dir=$2
python=${3:-python3}
shift $(( $# >= 3 ? 3 : $# ))
server="$source_dir/tests/harness/cli/hostile_target.py"
scenario="$source_dir/scenarios/examples/cancel.json"  # create, then poll: the hostile endpoint
request_timeout=2          # --request-timeout: read timeout 2 s, connect 2 s, 3 attempts in 6 s
bound_s=$(( 2 * 3 * request_timeout + 6 ))  # the poll and the cleanup's poll, each at most 6 s
guard_s=60                 # the `timeout` guard: firing is a failure (a hang)
rss_limit_mb=${HOSTILE_RSS_LIMIT_MB:-200}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$work"' EXIT
[ -n "${KEEP_WORK:-}" ] && trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; echo "kept $work"' EXIT

# NAME MODE PACE CLASS WORDS: the server's mode and pace, the class the harness must name, and
# words its message must hold.
cases_table='
endless-headers       endless-headers  0.05 timeout   read:
endless-headers-fast  endless-headers  0    too_large header.limit
endless-chunked       endless-chunked  0    too_large body.limit
huge-length           huge-length      0    too_large body.limit
redirect-loop         redirect-loop    0    redirects more.than.5
many-headers          many-headers     0    too_large header.limit
stalled-tls           stalled-tls      0    timeout   tls:
'
wanted=("$@")

fail() { echo "FAIL $name: $*"; for f in out err; do echo "--- $f"; cat "$dir/$f" 2>/dev/null | head -40; done
         echo "--- server log"; head -20 "$dir/server.log" 2>/dev/null; exit 1; }

# run_measured OUT ERR -- COMMAND...: runs COMMAND under the guard; prints "rc elapsed_s rss_kb",
# the peak RSS of the process tree (ru_maxrss of the waited-for children: timeout and agentwork).
run_measured() {
  "$python" - "$guard_s" "$@" <<'EOF'
import resource, subprocess, sys, time
guard, out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5:]
started = time.monotonic()
with open(out, "wb") as o, open(err, "wb") as e:
    rc = subprocess.call(["timeout", "-k", "5", guard] + cmd, stdout=o, stderr=e)
elapsed = time.monotonic() - started
if rc < 0:
    rc = 128 - rc  # killed by a signal
print(rc, "%.2f" % elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}

ran=0
while read -r -u 3 name mode pace class words; do
  [ -n "$name" ] || continue
  if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $name "* ]]; then continue; fi
  dir="$work/$name"
  mkdir -p "$dir"
  "$python" "$server" "$mode" --pace "$pace" --port-file "$dir/port" --log "$dir/server.log" \
    >"$dir/server.out" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
  [ -s "$dir/port" ] || fail "the hostile server did not start: $(cat "$dir/server.out")"
  port=$(cat "$dir/port")
  scheme=http; want_rc=1
  if [ "$mode" = stalled-tls ]; then scheme=https; want_rc=3; fi

  read -r rc elapsed rss_kb < <(run_measured "$dir/out" "$dir/err" -- "$agentwork" run "$scenario" \
    --target "$scheme://127.0.0.1:$port" --request-timeout "$request_timeout" --timeout 20 \
    --color never --report-json "$dir/run.json")
  [ -n "${rc:-}" ] || fail "could not run and measure the harness"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=

  # (a) it ended by itself, in time, with the documented code.
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then fail "hung: the ${guard_s} s guard fired"; fi
  if [ "$rc" -ge 128 ]; then fail "crashed: exit $rc (signal $((rc - 128)))"; fi
  [ "$rc" = "$want_rc" ] || fail "exit code $rc, expected $want_rc"
  awk -v e="$elapsed" -v b="$bound_s" 'BEGIN { exit !(e <= b) }' ||
    fail "took $elapsed s, more than $bound_s s"

  # (b) the failure is classified: the class and the words of its message.
  if [ "$want_rc" = 3 ]; then
    text=$(cat "$dir/err")
    grep -q "unreachable: $class: " "$dir/err" || fail "stderr does not say \"unreachable: $class: \""
    [ ! -e "$dir/run.json" ] || fail "a JSON result for a run that never started"
  else
    [ "$(jq -r .exit_code "$dir/run.json")" = 1 ] || fail "JSON exit_code is not 1"
    [ "$(jq -r '.scenarios[0].verdict' "$dir/run.json")" = error ] || fail "verdict is not error"
    text=$(jq -r '.scenarios[0].findings[] | select(.rule_id == "S.transport") | .detail' \
      "$dir/run.json")
    grep -q ": $class: " <<<"$text" || fail "no S.transport finding of class $class: $text"
    jq -r '.scenarios[0].reason' "$dir/run.json" |
      grep -q "^the target failed on the wire: $class: " || fail "the reason does not name $class"
  fi
  grep -Eq "$words" <<<"$text" || fail "the message does not say /$words/: $text"

  # (c) bounded memory.
  rss_mb=$(( rss_kb / 1024 ))
  [ "$rss_mb" -lt "$rss_limit_mb" ] || fail "peak RSS $rss_mb MB, bound $rss_limit_mb MB"

  # (d) the cleanup ran: the created task's status was asked (hostile), then it was cancelled.
  if [ "$mode" = stalled-tls ]; then
    grep -q '^ACCEPT' "$dir/server.log" || fail "the harness never connected"
    cleanup="n/a (nothing created)"
  else
    [ "$(grep -c '^created ' "$dir/server.log")" = 1 ] || fail "expected one created task"
    id=$(sed -n 's/^created //p' "$dir/server.log")
    get=$(grep -n "^GET /api/v1/tasks/$id\$" "$dir/server.log" | head -1 | cut -d: -f1)
    cancel=$(grep -n "^POST /api/v1/tasks/$id/cancel\$" "$dir/server.log" | head -1 | cut -d: -f1)
    [ -n "$get" ] || fail "the status poll never reached the hostile endpoint"
    [ -n "$cancel" ] || fail "cleanup skipped: no POST /api/v1/tasks/$id/cancel"
    [ "$cancel" -gt "$get" ] || fail "the cancel came before the hostile poll"
    [ "$(jq '.scenarios[0].tasks_cancelled' "$dir/run.json")" = 1 ] ||
      fail "the result does not count the task cancelled"
    cleanup="cancel seen"
  fi
  printf '%-21s %6.2f s  max RSS %4d MB  exit %d  %-9s  cleanup: %s\n' \
    "$name" "$elapsed" "$rss_mb" "$rc" "$class" "$cleanup"
  ran=$((ran + 1))
done 3<<<"$cases_table"
[ "$ran" -gt 0 ] || { echo "no case matches: ${wanted[*]}"; exit 1; }
echo "$ran hostile cases passed"
