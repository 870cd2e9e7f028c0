#!/usr/bin/env bash
# `agentwork load` end to end, one case per CTest: --help, usage and profile errors (2), the
# safety rule (2), an unreachable target (3), a passing run with its report files (0), a failed
# threshold (4) and an early abort on it, an https target (trusted by --ca-file or -k, or not),
# Ctrl-C cleanup against a separate mock (130, every task
# the run created cancelled), and a poll client that never changes the task it polls.
# Usage: load_cli_test.sh AGENTWORK CASE
set -euo pipefail
agentwork=$1
case_name=$2
work=$(mktemp -d)
mock_pid=
load_pid=
cleanup() {
  for p in $load_pid $mock_pid; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {  # fail MESSAGE: prints it and the last command's output
  echo "FAIL ($case_name): $*"
  for f in "$work/out" "$work/err"; do
    if [ -s "$f" ]; then echo "--- $(basename "$f")"; cat "$f"; fi
  done
  exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# expect_exit CODE SECONDS DESCRIPTION -- command...: runs it under `timeout`, stdout and stderr
# to $work/out and $work/err; how long it took in $elapsed_ms.
elapsed_ms=0
expect_exit() {
  local want=$1 limit=$2 what=$3; shift 4
  local rc=0 start
  start=$(now_ms)
  timeout -s KILL "$limit" "$@" >"$work/out" 2>"$work/err" || rc=$?
  elapsed_ms=$(($(now_ms) - start))
  [ "$rc" = 137 ] && fail "$what: still running after ${limit}s"
  [ "$rc" = "$want" ] || fail "$what: exit code $rc, expected $want (after ${elapsed_ms} ms)"
}
expect_in() {  # expect_in FILE REGEX DESCRIPTION (grep -E)
  grep -qE -- "$2" "$1" || fail "$3: /$2/ not in $(basename "$1")"
}
faster_than() {  # faster_than SECONDS DESCRIPTION
  [ "$elapsed_ms" -lt $(($1 * 1000)) ] || fail "$2: took ${elapsed_ms} ms, expected under $1 s"
}

# A closed profile of policy clients; extra top-level fields merged in with jq.
profile() {  # profile FILE [JSON-OBJECT]
  local extra=${2:-}
  jq -n --argjson extra "${extra:-"{}"}" '{
    name: "cli-test",
    client: {policy: {}},
    executor: {closed: {clients: 20}},
    duration_s: 3,
    poll_interval_s: 0.2,
    workers: 2
  } * $extra' >"$1"
}

# A separate `agentwork mock` on 127.0.0.1; its base URL in $base.
start_mock() {  # start_mock [MOCK FLAGS...]
  "$agentwork" mock --host 127.0.0.1 --port 0 --port-file "$work/port" --control "$@" \
    >"$work/mock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/mock.log"; fail "the mock did not start"; }
  base="http://127.0.0.1:$(cat "$work/port")"
}
# Calls the mock has answered, without the control API's: {"GET /api/v1/tasks/{id}": n, ...}.
api_calls() {
  curl -sf "$base/_mock/calls" | jq -c '.calls | with_entries(select(.key | test("/_mock/") | not))
    | map_values(.total)'
}

profile "$work/p.json"
case "$case_name" in

help)
  expect_exit 0 10 "load --help" -- "$agentwork" load --help
  for flag in --target --clients --rate --duration --poll-interval --workers --rate-cap \
    --max-tasks --threshold --abort-on-fail --poll-task --api-key --mock-time-scale \
    --connections --request-timeout --cleanup-timeout --report-json --junit --progress; do
    expect_in "$work/out" "(^|[ ,])$flag([ =]|$)" "--help lists $flag"
  done
  expect_in "$work/out" "Exit codes: 0 " "--help lists the exit codes"
  for code in "1 a response broke" "2 bad usage" "3 target unreachable" "4 a threshold failed" \
    "5 the circuit breaker" "130 interrupted"; do
    expect_in "$work/out" "$code" "--help explains exit code ${code%% *}"
  done
  ;;

usage)
  expect_exit 2 10 "no profile" -- "$agentwork" load
  expect_in "$work/err" "profile" "the missing argument is named"
  expect_exit 2 10 "unknown flag" -- "$agentwork" load "$work/p.json" --no-such-flag
  expect_in "$work/err" "--no-such-flag" "the unknown flag is named"
  expect_exit 2 10 "non-numeric flag" -- "$agentwork" load "$work/p.json" --clients many
  expect_in "$work/err" "--clients" "the flag is named"
  expect_exit 2 10 "override out of range" -- "$agentwork" load "$work/p.json" --clients 0
  expect_in "$work/err" \
    "^agentwork load: --clients: expected an integer from 1 to 10000000; got 0$" \
    "the override's error"
  expect_exit 2 10 "--rate on a closed profile" -- "$agentwork" load "$work/p.json" --rate 5
  expect_in "$work/err" "--rate: expected an open executor" "the flag is named"
  expect_exit 2 10 "bad target" -- "$agentwork" load "$work/p.json" --target ftp://x
  expect_in "$work/err" 'target "ftp://x"' "the target is named"

  expect_exit 2 10 "missing profile" -- "$agentwork" load "$work/nonexistent.json"
  expect_in "$work/err" "nonexistent.json: cannot read the file" "the file is named"
  printf '{\n  "name": "x",\n  "client": ,\n}\n' >"$work/syntax.json"
  expect_exit 2 10 "JSON syntax error" -- "$agentwork" load "$work/syntax.json"
  expect_in "$work/err" "syntax.json: not valid JSON: .*line 3, column 13" "line and column"
  profile "$work/unknown.json" '{"executor": {"closed": {"clients": 20, "ramp": 1}}}'
  expect_exit 2 10 "unknown field" -- "$agentwork" load "$work/unknown.json"
  expect_in "$work/err" 'unknown.json: \$\.executor\.closed\.ramp: unknown field; expected one of' \
    "the file and JSON path"
  profile "$work/range.json" '{"poll_interval_s": -1}'
  expect_exit 2 10 "value out of range" -- "$agentwork" load "$work/range.json"
  expect_in "$work/err" 'range.json: \$\.poll_interval_s: expected a number of seconds from 0' \
    "the file and JSON path"
  expect_exit 2 10 "unwritable report" -- "$agentwork" load "$work/p.json" --target mock \
    --report-json /proc/nonexistent/load.json
  expect_in "$work/err" "/proc/nonexistent/load.json" "the report path is named"
  ;;

unknown_metric)
  # Exit 2 before any request: the mock has answered no API call, registered no one.
  start_mock
  expect_exit 2 20 "unknown metric" -- "$agentwork" load "$work/p.json" --target "$base" \
    --threshold 'latency{endpoint=status}.p99 < 200ms' --threshold 'throughput.p99 < 5ms'
  expect_in "$work/err" "throughput" "the unknown metric is named"
  # Not even the probe of the target (GET /_mock/clock): the mock has answered no call at all.
  calls=$(curl -sf "$base/_mock/calls" | jq -c .calls)
  [ "$calls" = "{}" ] || fail "requests were sent before the error: $calls"
  # The same in the profile, with its path.
  profile "$work/bad-metric.json" \
    '{"thresholds": ["errors.rate < 1%", "latency{endpoint=nope}.p99 < 1s"]}'
  expect_exit 2 20 "unknown label value" -- "$agentwork" load "$work/bad-metric.json" --target mock
  expect_in "$work/err" "bad-metric.json: .*nope" "the file and the label value"
  ;;

safety)
  # 127.1 is 127.0.0.1 written short: it reaches the separate mock, but it is none of the names the
  # safety rule takes for loopback (127.0.0.1, ::1, localhost). Without a rate cap the run is
  # refused at once, before any request: no connection attempt to a remote target (which could
  # take the whole connect timeout, or reach a production server).
  start_mock
  port=$(cat "$work/port")
  expect_exit 2 30 "non-loopback target without a rate cap" -- "$agentwork" load "$work/p.json" \
    --target "http://127.1:$port" --api-key k
  expect_in "$work/err" "the target 127.1 is not loopback.*needs a rate cap .*--rate-cap" \
    "the rate cap is named"
  faster_than 2 "the safety check"
  calls=$(curl -sf "$base/_mock/calls" | jq -c .calls)
  [ "$calls" = "{}" ] || fail "requests reached the target before the refusal: $calls"
  # With a cap the same target is accepted.
  expect_exit 0 30 "the same target with a rate cap" -- "$agentwork" load "$work/p.json" \
    --target "http://127.1:$port" --rate-cap 200 --clients 2 --duration 1
  ;;

https)
  # A real deployment is https: against a separate mock serving TLS with the test certificate
  # (for 127.0.0.1), the run trusts it only through --ca-file (or -k); one TLS context serves
  # every worker.
  data=$(cd "$(dirname "$0")/../../data" && pwd)
  start_mock --tls-cert "$data/test-cert.pem" --tls-key "$data/test-key.pem"
  base="https://127.0.0.1:$(cat "$work/port")"
  expect_exit 3 30 "an untrusted certificate" -- "$agentwork" load "$work/p.json" \
    --target "$base" --api-key k --duration 1
  expect_in "$work/err" "unreachable: tls" "the TLS failure is named"
  expect_exit 2 30 "a CA file that does not exist" -- "$agentwork" load "$work/p.json" \
    --target "$base" --api-key k --ca-file "$work/nonexistent.pem"
  expect_in "$work/err" "nonexistent.pem" "the file is named"
  # No --api-key: the probe finds the bundled mock behind TLS and registers an account.
  for trust in "--ca-file $data/test-cert.pem" "-k"; do
    # shellcheck disable=SC2086 # the trust flags are two words
    expect_exit 0 60 "a run trusting the mock with $trust" -- "$agentwork" load "$work/p.json" \
      --target "$base" $trust --duration 2 --report-json "$work/tls.json"
    [ "$(jq '.load.summary.requests > 20' "$work/tls.json")" = true ] || fail "few requests ($trust)"
    [ "$(jq '.load.check_failures | length' "$work/tls.json")" = 0 ] || fail "contract failures"
  done
  ;;

unreachable)
  expect_exit 3 30 "unreachable target" -- "$agentwork" load "$work/p.json" \
    --target http://127.0.0.1:1 --request-timeout 2
  expect_in "$work/err" "127.0.0.1:1 unreachable: connect" "the target and the error class"
  ;;

pass)
  expect_exit 0 60 "a short run on the mock" -- "$agentwork" load "$work/p.json" --target mock \
    --mock-time-scale 0.02 --report-json "$work/r/load.json" --junit "$work/r/junit.xml"
  json="$work/r/load.json"
  [ "$(jq '.load.summary.requests > 0' "$json")" = true ] || fail "no requests"
  [ "$(jq '.load.summary.tasks_created > 0' "$json")" = true ] || fail "no task created"
  [ "$(jq '.load.summary.tasks_ended.completed > 0' "$json")" = true ] ||
    fail "no task completed: $(jq -c .load.summary.tasks_ended "$json")"
  [ "$(jq '.load.check_failures | length' "$json")" = 0 ] || fail "contract failures"
  [ "$(jq -r '.load.stop_reason' "$json")" = duration_elapsed ] ||
    fail "stop reason $(jq .load.stop_reason "$json")"
  [ "$(jq '.load.exit_code' "$json")" = 0 ] || fail "JSON exit code"
  python3 - "$work/r/junit.xml" <<'EOF' || fail "bad JUnit"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag in ("testsuites", "testsuite"), root.tag
cases = root.findall(".//testcase")
assert cases, "no testcase"
assert not root.findall(".//failure") and not root.findall(".//error"), "a failure in a passing run"
EOF
  expect_in "$work/out" "PASSED .*exit code 0" "the verdict line"
  expect_in "$work/out" "wrote $work/r/load.json" "the report is announced"
  ;;

threshold_fail)
  expect_exit 4 60 "a threshold that must fail" -- "$agentwork" load "$work/p.json" \
    --target mock --mock-time-scale 0.02 --color never --report-json "$work/load.json" \
    --junit "$work/junit.xml" --threshold 'latency{endpoint=status}.p99 < 1us'
  expect_in "$work/out" 'latency\{endpoint=status\}\.p99 < 1us: .* ✗' "the ✗ line"
  expect_in "$work/out" "FAILED: thresholds .*exit code 4" "the verdict line"
  [ "$(jq -r '.load.thresholds[0].verdict' "$work/load.json")" = failed ] || fail "JSON verdict"
  [ "$(jq -r '.load.stop_reason' "$work/load.json")" = duration_elapsed ] || fail "stopped early"
  python3 -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot();
assert r.findall(".//failure"), "no failure"' "$work/junit.xml" || fail "JUnit has no failure"
  ;;

abort_on_fail)
  expect_exit 4 30 "--abort-on-fail on a 30 s run" -- "$agentwork" load "$work/p.json" \
    --target mock --mock-time-scale 0.02 --duration 30 --abort-on-fail \
    --report-json "$work/load.json" --threshold 'latency{endpoint=status}.p99 < 1us'
  faster_than 10 "the abort"
  [ "$(jq -r '.load.stop_reason' "$work/load.json")" = threshold_failed ] ||
    fail "stop reason $(jq .load.stop_reason "$work/load.json")"
  expect_in "$work/out" "aborted early" "the verdict line says so"
  ;;

interrupt)
  # Agents 100 times slower: every task stays open until the run's cleanup cancels it.
  start_mock --time-scale 100
  profile "$work/p50.json" '{"executor": {"closed": {"clients": 50}}, "duration_s": 60,
    "poll_interval_s": 0.5}'
  "$agentwork" load "$work/p50.json" --target "$base" --cleanup-timeout 10 --progress none \
    --report-json "$work/load.json" >"$work/out" 2>"$work/err" &
  load_pid=$!
  created=0
  for _ in $(seq 100); do
    created=$(curl -sf "$base/_mock/tasks" | jq .total)
    [ "$created" -ge 10 ] && break
    sleep 0.1
  done
  [ "$created" -ge 10 ] || fail "no tasks created after 10 s: $created"
  start=$(now_ms)
  kill -INT "$load_pid"
  rc=0
  for _ in $(seq 150); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$load_pid" 2>/dev/null; then fail "still running 15 s after SIGINT"; fi
  wait "$load_pid" || rc=$?
  load_pid=
  elapsed_ms=$(($(now_ms) - start))
  [ "$rc" = 130 ] || fail "exit code $rc after SIGINT, expected 130"
  counts=$(curl -sf "$base/_mock/tasks")
  open=$(echo "$counts" | jq '.by_status.processing + .by_status.awaiting_reply
    + .by_status.awaiting_solution_approval')
  [ "$open" = 0 ] || fail "tasks left open after Ctrl-C: $counts"
  [ "$(echo "$counts" | jq '.by_status.cancelled == .total')" = true ] ||
    fail "not every task cancelled: $counts"
  json="$work/load.json"
  [ "$(jq -r .load.stop_reason "$json")" = interrupted ] || fail "stop reason"
  [ "$(jq .load.cleanup.failed "$json")" = 0 ] ||
    fail "cleanup failures: $(jq -c .load.cleanup "$json")"
  [ "$(jq .load.cleanup.cancelled "$json")" = "$(echo "$counts" | jq .total)" ] ||
    fail "cleanup cancelled $(jq .load.cleanup.cancelled "$json") of $(echo "$counts" | jq .total)"
  [ "$(jq .interrupted "$json")" = true ] || fail "report not marked interrupted"
  expect_in "$work/out" "INTERRUPTED" "the verdict line"
  echo "interrupt: $(echo "$counts" | jq -c .) cancelled, exit 130 ${elapsed_ms} ms after SIGINT"
  ;;

poll_client)
  start_mock --time-scale 100
  key=$(curl -sf -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"poll@example.com","name":"Poll"}' | jq -r .api_key)
  id=$(curl -sf -X POST "$base/api/v1/tasks/" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d '{"title":"Polled","description":"Polled by the load harness."}' | jq -r .task_id)
  if [ -z "$id" ] || [ "$id" = null ]; then fail "could not create the task"; fi
  # What a change of the task would move: its status, activity time, script step, revisions
  # and events.
  task_state() {
    curl -sf "$base/_mock/tasks/$id" |
      jq -c '{status, last_activity_at, script_step, revisions, events: (.events | length)}'
  }
  before=$(task_state)
  calls_before=$(api_calls)
  expect_exit 0 30 "a poll client" -- "$agentwork" load "$work/p.json" --target "$base" \
    --poll-task "$id" --api-key "$key" --clients 5 --duration 2 --poll-interval 0.1 \
    --report-json "$work/load.json"
  json="$work/load.json"
  [ "$(jq '.load.summary.requests > 0' "$json")" = true ] || fail "no requests"
  [ "$(jq '.load.check_failures | length' "$json")" = 0 ] ||
    fail "contract failures: $(jq -c .load.check_failures "$json")"
  [ "$(jq '.load.summary.tasks_created' "$json")" = 0 ] || fail "the poll client created tasks"
  after=$(task_state)
  [ "$(echo "$after" | jq -r .status)" = processing ] || fail "the task changed: $after"
  [ "$before" = "$after" ] || fail "the task changed: $before -> $after"
  [ "$(curl -sf "$base/_mock/tasks" | jq .total)" = 1 ] || fail "tasks were created"
  # Only status polls were added to the mock's call counts.
  added=$(jq -nc --argjson a "$calls_before" --argjson b "$(api_calls)" \
    '$b | with_entries(.value -= ($a[.key] // 0)) | with_entries(select(.value > 0))')
  [ "$(echo "$added" | jq -r 'keys | join(",")')" = "GET /api/v1/tasks/{id}" ] ||
    fail "calls other than status polls: $added"
  # The run counts the polls intended in the measured phase; a few more may go out before the
  # stop reaches every client.
  counted=$(jq .load.summary.requests "$json")
  [ "$(echo "$added" | jq '.["GET /api/v1/tasks/{id}"]')" -ge "$counted" ] ||
    fail "the mock answered $added, the run counted $counted"
  ;;

shard_usage)
  # The shard flags' errors, each before any request (exit 2).
  expect_exit 2 10 "bad --shard" -- "$agentwork" load "$work/p.json" --shard 4/4 --run-id r
  expect_in "$work/err" "^agentwork load: --shard: the shard index 4 is not below the shard count 4" \
    "the index is named"
  expect_exit 2 10 "--shard without --run-id" -- env -u AGENTWORK_RUN_ID \
    "$agentwork" load "$work/p.json" --shard 0/2
  expect_in "$work/err" "--run-id \(or AGENTWORK_RUN_ID\) is needed" "the run id is asked for"
  expect_exit 2 10 "--shards without the Job's index" -- env -u JOB_COMPLETION_INDEX \
    "$agentwork" load "$work/p.json" --shards 3 --run-id r
  expect_in "$work/err" "JOB_COMPLETION_INDEX, which is not set" "the variable is named"
  expect_exit 2 10 "a Job index out of range" -- env JOB_COMPLETION_INDEX=3 \
    "$agentwork" load "$work/p.json" --shards 3 --run-id r
  expect_in "$work/err" "^agentwork load: JOB_COMPLETION_INDEX: the shard index 3 is not below" \
    "the variable is named"
  expect_exit 2 10 "--shard and --shards" -- "$agentwork" load "$work/p.json" --shard 0/2 \
    --shards 2 --run-id r
  expect_exit 2 10 "bad --start-at" -- "$agentwork" load "$work/p.json" --start-at tomorrow
  expect_in "$work/err" "^agentwork load: --start-at: expected a UTC time" "the flag is named"
  expect_exit 2 10 "--start-at too far" -- "$agentwork" load "$work/p.json" --start-at +100000
  expect_in "$work/err" "at most 24 h" "the limit is named"
  ;;

merge)
  # Two shards of one run (each against its own in-process mock), started together, merged;
  # then the merge refusing what is not one run's complete set.
  profile "$work/m.json" '{"executor": {"closed": {"clients": 40}}, "rate_cap": 400, "max_tasks": 40,
    "thresholds": ["requests.count > 10", "latency{endpoint=status}.p99 < 5s"]}'
  start=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
  for i in 0 1; do
    expect_exit 0 60 "shard $i" -- "$agentwork" load "$work/m.json" --target mock --shard "$i/2" \
      --run-id cli-run --start-at "$start" --progress none --report-json "$work/s$i.json"
    expect_in "$work/out" "shard $i of 2 of run cli-run: clients and arrivals $i, $((i + 2)), " \
      "the start line names the shard"
    expect_in "$work/out" "^on this shard alone: .*; the run's verdict is agentwork merge's · exit code 0$" \
      "the shard's verdict line defers to the merge"
    [ "$(jq .load.shard.index "$work/s$i.json")" = "$i" ] || fail "shard $i: its index"
    [ "$(jq .load.rate_cap "$work/s$i.json")" = 200 ] || fail "shard $i: rate cap not halved"
  done
  # Shard 1 ran after shard 0 (one at a time here): its start time had passed.
  expect_in "$work/err" "passed .* s ago; starting at once" "a late start is warned of"
  # Each took every other client of the 40.
  [ "$(jq .load.summary.tasks_created "$work/s0.json")" = 20 ] || fail "shard 0 created $(jq .load.summary.tasks_created "$work/s0.json") tasks, not 20"
  expect_exit 0 30 "merge" -- "$agentwork" merge "$work/s0.json" "$work/s1.json" \
    -o "$work/merged.json" --junit "$work/merged.xml" --color never
  expect_in "$work/out" "merged +2 shards, each ran to its end" "the summary names the shards"
  expect_in "$work/out" "^PASSED" "the verdict"
  m=$work/merged.json
  [ "$(jq .load.summary.requests "$m")" = \
    "$(jq -s 'map(.load.summary.requests) | add' "$work/s0.json" "$work/s1.json")" ] ||
    fail "merged requests are not the shards' sum"
  [ "$(jq .load.summary.tasks_created "$m")" = 40 ] || fail "merged tasks created"
  [ "$(jq .load.rate_cap "$m")" = 400 ] || fail "the merged result's rate cap is the run's"
  [ "$(jq .load.shard "$m")" = null ] || fail "a merged result is not a shard"
  xmllint --noout "$work/merged.xml" || fail "merged JUnit is not XML"
  # Every report format and compare read it.
  for format in console json junit markdown openmetrics html; do
    expect_exit 0 20 "report --format $format of the merged result" -- \
      "$agentwork" report "$m" --format "$format" --color never
    [ -s "$work/out" ] || fail "report --format $format printed nothing"
  done
  expect_exit 0 20 "compare the merged result with itself" -- "$agentwork" compare "$m" "$m"
  expect_in "$work/out" "latency\{endpoint=status\}.p99" "the comparison lists the status p99"

  expect_exit 2 10 "a missing shard" -- "$agentwork" merge "$work/s0.json"
  expect_in "$work/err" "^agentwork merge: shard 1 of 2 of run cli-run missing" "the missing shard"
  expect_exit 2 10 "a duplicate" -- "$agentwork" merge "$work/s0.json" "$work/s1.json" "$work/s1.json"
  expect_in "$work/err" "are both shard 1 of 2 of run cli-run" "the duplicate"
  jq '.load.shard.run_id = "other-run"' "$work/s1.json" >"$work/other.json"
  expect_exit 2 10 "mixed runs" -- "$agentwork" merge "$work/s0.json" "$work/other.json"
  expect_in "$work/err" "shards of different runs" "the runs"
  head -c 200 "$work/s1.json" >"$work/corrupt.json"
  expect_exit 2 10 "a corrupt file" -- "$agentwork" merge "$work/s0.json" "$work/corrupt.json"
  expect_in "$work/err" "^agentwork merge: .*corrupt.json: not valid JSON" "the file is named"
  expect_exit 2 10 "a merged result" -- "$agentwork" merge "$m" "$work/s1.json"
  expect_in "$work/err" "merged.json: not a shard's result .*it is a merged result" "named"
  expect_exit 2 10 "no such file" -- "$agentwork" merge "$work/nope.json"
  expect_in "$work/err" "nope.json" "the file is named"
  ;;

*)
  fail "unknown case"
  ;;
esac
echo "load CLI $case_name: passed"
