#!/usr/bin/env bash
# `agentwork run` end to end, as a CI job uses it: exit codes 0/1/2/3/130, the report files, and
# Ctrl-C in the middle of a run against a separate mock leaving no created task non-terminal.
set -euo pipefail
agentwork=$1
source_dir=$2
data="$source_dir/tests/data"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && { kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; }; rm -rf "$work"' EXIT
expect_exit() {  # expect_exit CODE DESCRIPTION -- command...
  local want=$1 what=$2; shift 3
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "$what: exit code $rc, expected $want"; cat "$work/out" "$work/err"; exit 1
  fi
}

# 0: the examples pass against the in-process mock; both report files are written.
expect_exit 0 "examples on the mock" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --target mock --report-json "$work/reports/run.json" --junit "$work/reports/junit.xml"
grep -q "^PASS .*cancel a task awaiting a reply" "$work/out" || { cat "$work/out"; exit 1; }
[ "$(jq -r .schema_version "$work/reports/run.json")" = 1 ] || { echo "bad JSON result"; exit 1; }
[ "$(jq -r .exit_code "$work/reports/run.json")" = 0 ] || exit 1
[ "$(jq -r '.totals.passed' "$work/reports/run.json")" -ge 5 ] || exit 1
grep -q '<testsuites' "$work/reports/junit.xml" || { echo "no JUnit"; exit 1; }
grep -q 'failures="0"' "$work/reports/junit.xml" || { cat "$work/reports/junit.xml"; exit 1; }
if grep -q $'\e\[' "$work/out"; then echo "colour codes in piped output"; exit 1; fi

# Tag filters: only the scenario tagged "cancel".
expect_exit 0 "tag filter" -- "$agentwork" run "$source_dir/scenarios/examples" --tag cancel
[ "$(grep -c '^PASS' "$work/out")" = 1 ] || { cat "$work/out"; exit 1; }

# 1: a conformance failure, with the rule id, the step and the evidence on the console.
expect_exit 1 "failing scenario" -- "$agentwork" run "$data/runs/wrong-expectation.json" \
  --junit "$work/fail.xml"
grep -q "^FAIL .*wrong expectation" "$work/out" || { cat "$work/out"; exit 1; }
grep -q "S.expect" "$work/out" || { cat "$work/out"; exit 1; }
grep -q "1 questions, expected 2" "$work/out" || { cat "$work/out"; exit 1; }
grep -q '<failure' "$work/fail.xml" || { cat "$work/fail.xml"; exit 1; }

# 2: bad usage and bad files, each named.
expect_exit 2 "bad scenario file" -- "$agentwork" run "$data/bad/scenario-bad-status.json"
grep -q 'scenario-bad-status.json: \$.steps\[1\].status' "$work/err" || { cat "$work/err"; exit 1; }
expect_exit 2 "bad target" -- "$agentwork" run "$source_dir/scenarios/examples" --target ftp://x
grep -q 'target "ftp://x"' "$work/err" || { cat "$work/err"; exit 1; }
expect_exit 2 "bad flag" -- "$agentwork" run --parallel 0
expect_exit 2 "no scenario matches" -- "$agentwork" run "$source_dir/scenarios/examples" --tag nope
expect_exit 2 "unwritable report" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --report-json /proc/nonexistent/run.json
grep -q '/proc/nonexistent/run.json' "$work/err" || { cat "$work/err"; exit 1; }

# Thresholds on the run's figures (agentwork load's language): a bad one is bad usage (2), a
# failed one exit 4 with the judged line; --account must be EMAIL:PASSWORD.
expect_exit 2 "unknown threshold metric" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --threshold 'polls_per_task.mean < 3'
grep -q 'unknown metric polls_per_task' "$work/err" || { cat "$work/err"; exit 1; }
expect_exit 2 "threshold syntax" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --threshold 'latency{endpoint=status}.p50 <'
grep -q 'column' "$work/err" || { cat "$work/err"; exit 1; }
expect_exit 2 "bad --account" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --account nobody-at-all
grep -q 'expected EMAIL:PASSWORD' "$work/err" || { cat "$work/err"; exit 1; }
expect_exit 4 "failed threshold" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --tag cancel --threshold 'latency{endpoint=status}.p50 < 1us' --threshold 'errors.count == 0' \
  --report-json "$work/thr.json"
grep -q 'latency{endpoint=status}.p50 < 1us' "$work/out" || { cat "$work/out"; exit 1; }
[ "$(jq '[.thresholds[] | select(.passed)] | length' "$work/thr.json")" = 1 ] || exit 1
[ "$(jq '.latency | map(.endpoint) | index("status") != null' "$work/thr.json")" = true ] || exit 1

# The live view of the coverage: every rule a deployment can show, the rest listed with a reason.
expect_exit 0 "live coverage" -- "$agentwork" list --coverage --tag live \
  "$source_dir/scenarios/conformance" "$source_dir/scenarios/mcp"
grep -q 'M.credits.exhausted .*NEEDS CONTROL: ' "$work/out" || { cat "$work/out"; exit 1; }
grep -q 'rules covered by live scenarios' "$work/out" || { cat "$work/out"; exit 1; }
if grep -q 'UNCOVERED' "$work/out"; then cat "$work/out"; exit 1; fi

# 3: nothing listens there.
expect_exit 3 "unreachable target" -- "$agentwork" run "$source_dir/scenarios/examples" \
  --target http://127.0.0.1:1 --request-timeout 2
grep -q "unreachable: connect" "$work/err" || { cat "$work/err"; exit 1; }

# 130: Ctrl-C while tasks work on a separate mock; every task the run created ends terminal.
"$agentwork" mock --port 0 --port-file "$work/port" --control >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$work/port")"
"$agentwork" run "$data/runs/long-running.json" "$data/runs/wrong-expectation.json" \
  --target "$base" --parallel 2 --report-json "$work/interrupted.json" >"$work/run-out" 2>&1 &
run_pid=$!
for _ in $(seq 200); do
  total=$(curl -s "$base/_mock/tasks" | jq -r .total)
  [ "$total" -ge 2 ] && break; sleep 0.05
done
kill -INT $run_pid
rc=0; wait $run_pid || rc=$?
[ $rc = 130 ] || { echo "interrupted run exited $rc, expected 130"; cat "$work/run-out"; exit 1; }
counts=$(curl -s "$base/_mock/tasks")
open=$(echo "$counts" | jq '.by_status.processing + .by_status.awaiting_reply + .by_status.awaiting_solution_approval')
[ "$(echo "$counts" | jq .total)" -ge 2 ] || { echo "no task created: $counts"; exit 1; }
[ "$open" = 0 ] || { echo "tasks left open after Ctrl-C: $counts"; cat "$work/run-out"; exit 1; }
[ "$(jq -r .interrupted "$work/interrupted.json")" = true ] || { echo "report not marked"; exit 1; }
grep -q "INTR" "$work/run-out" || { cat "$work/run-out"; exit 1; }

# --api-key from the environment: the scenario's task belongs to that account, none is registered.
key=$(curl -s -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"ci-key@example.com","name":"CI"}' | jq -r .api_key)
export AGENTWORK_API_KEY=$key
expect_exit 0 "api key from the environment" -- "$agentwork" run "$data/runs/quick.json" \
  --target "$base"
unset AGENTWORK_API_KEY
listed=$(curl -s "$base/api/v1/tasks/" -H "Authorization: Bearer $key" | jq '.tasks | length')
[ "$listed" = 1 ] || { echo "the keyed account has $listed tasks, expected 1"; exit 1; }
echo "run CLI: all checks passed"
