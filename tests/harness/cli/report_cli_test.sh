#!/usr/bin/env bash
# `agentwork report` and `agentwork compare` end to end on results of real runs against the
# bundled mock: every format rendered (JUnit checked by xmllint, OpenMetrics by the reference
# parser), bad result files (2), and compare passing an unchanged run (0) and catching a planted
# regression (1). One case per CTest.
# Usage: report_cli_test.sh AGENTWORK CASE
set -euo pipefail
agentwork=$1
case_name=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL ($case_name): $*"
  for f in "$work/out" "$work/err"; do
    if [ -s "$f" ]; then echo "--- $(basename "$f")"; head -c 4000 "$f"; fi
  done
  exit 1
}
expect_exit() {  # expect_exit CODE DESCRIPTION -- command...
  local want=$1 what=$2; shift 3
  local rc=0
  timeout -s KILL 120 "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || fail "$what: exit code $rc, expected $want"
}
expect_in() {  # expect_in FILE REGEX DESCRIPTION
  grep -qE -- "$2" "$1" || fail "$3: /$2/ not in $(basename "$1")"
}
python=/usr/bin/python3

conformance_result() {  # a conformance run (one scenario failing: a wrong expectation)
  "$agentwork" run "$root/scenarios/examples" "$root/tests/data/runs/wrong-expectation.json" \
    --target mock --time-scale 0.01 --report-json "$work/run.json" \
    --markdown "$work/run-direct.md" --openmetrics "$work/run-direct.prom" >/dev/null 2>&1 || true
  [ -s "$work/run.json" ] || fail "the conformance run wrote no result"
}
load_result() {  # a short load run
  jq -n '{name: "report-test", client: {policy: {}}, executor: {closed: {clients: 10}},
          duration_s: 2, poll_interval_s: 0.1, workers: 1,
          thresholds: ["latency{endpoint=status}.p99 < 5s"]}' >"$work/profile.json"
  "$agentwork" load "$work/profile.json" --target mock --mock-time-scale 0.02 --progress none \
    --report-json "$work/load.json" --markdown "$work/load-direct.md" \
    --openmetrics "$work/load-direct.prom" >/dev/null 2>&1 || fail "the load run failed"
}

case "$case_name" in

formats)
  conformance_result
  expect_exit 0 "console" -- "$agentwork" report "$work/run.json" --color never
  expect_in "$work/out" "FAIL " "the failing scenario's line"
  expect_in "$work/out" "scenarios: " "the totals line"
  expect_exit 0 "all files at once" -- "$agentwork" report "$work/run.json" -f markdown \
    -o "$work/r/summary.md" --junit "$work/r/junit.xml" --openmetrics "$work/r/metrics.prom" \
    --json "$work/r/run.json"
  expect_in "$work/r/summary.md" "^## ❌ Agentwork conformance: failed" "the Markdown verdict"
  expect_in "$work/r/summary.md" "^\| ❌ \| " "a failed row in the scenario table"
  expect_in "$work/r/summary.md" "^### Failures" "the failures section"
  # The JUnit shape the CI reporters read (tests/data/schemas/junit.xsd); the schema itself
  # refuses a case with two outcomes or a time with a comma.
  xsd=$root/tests/data/schemas/junit.xsd
  xmllint --noout --schema "$xsd" "$work/r/junit.xml" 2>"$work/err" ||
    fail "JUnit does not match the schema"
  sed 's|<failure |<error message="x"/><failure |' "$work/r/junit.xml" >"$work/two.xml"
  ! xmllint --noout --schema "$xsd" "$work/two.xml" 2>/dev/null || fail "the schema took two outcomes"
  sed 's|time="\([0-9]*\)\.|time="\1,|' "$work/r/junit.xml" >"$work/comma.xml"
  ! xmllint --noout --schema "$xsd" "$work/comma.xml" 2>/dev/null || fail "the schema took 1,234"
  expect_in "$work/r/junit.xml" "<failure " "a JUnit failure"
  "$python" "$here/../../reports/openmetrics_check.py" "$work/r/metrics.prom" >"$work/out" 2>&1 ||
    fail "OpenMetrics rejected by the reference parser"
  expect_in "$work/r/metrics.prom" '^agentwork_scenarios\{verdict="failed"\} [1-9]' "failed count"
  # What the run wrote itself is what report renders from its JSON.
  cmp -s "$work/run-direct.md" "$work/r/summary.md" || fail "run --markdown differs from report"
  cmp -s "$work/run-direct.prom" "$work/r/metrics.prom" ||
    fail "run --openmetrics differs from report"
  # The normalised JSON reads back to the same report.
  "$agentwork" report "$work/r/run.json" -f markdown >"$work/again.md"
  cmp -s "$work/again.md" "$work/r/summary.md" || fail "the JSON written back renders differently"
  # A load result: its own summary, Markdown and metrics.
  load_result
  expect_exit 0 "load markdown" -- "$agentwork" report "$work/load.json" -f markdown
  expect_in "$work/out" "^## ✅ Agentwork load: PASSED" "the load verdict"
  expect_in "$work/out" "status latency p50 / p99 / max, corrected" "the latency row"
  expect_exit 0 "load openmetrics" -- "$agentwork" report "$work/load.json" -f openmetrics \
    -o "$work/load.prom"
  "$python" "$here/../../reports/openmetrics_check.py" "$work/load.prom" >"$work/out" 2>&1 ||
    fail "load OpenMetrics rejected by the reference parser"
  cmp -s "$work/load-direct.prom" "$work/load.prom" || fail "load --openmetrics differs from report"
  "$agentwork" report "$work/load.json" -f markdown >"$work/load-again.md"
  cmp -s "$work/load-direct.md" "$work/load-again.md" || fail "load --markdown differs from report"
  expect_in "$work/load.prom" \
    '^agentwork_load_latency_seconds_bucket\{endpoint="status",measure="corrected",le="0.1"\} [1-9]' \
    "status latency buckets"
  expect_exit 0 "load junit" -- "$agentwork" report "$work/load.json" -f junit -o "$work/load.xml"
  xmllint --noout --schema "$xsd" "$work/load.xml" 2>"$work/err" ||
    fail "load JUnit does not match the schema"
  ;;

bad_input)
  expect_exit 2 "no such file" -- "$agentwork" report "$work/none.json"
  expect_in "$work/err" "none.json: cannot read the file" "the file is named"
  printf '{"schema_version": 1,\n  "tool": }' >"$work/broken.json"
  expect_exit 2 "invalid JSON" -- "$agentwork" report "$work/broken.json"
  expect_in "$work/err" "broken.json: not valid JSON: .*line 2" "the line"
  echo '{"schema_version": 1}' >"$work/partial.json"
  expect_exit 2 "not a run result" -- "$agentwork" report "$work/partial.json"
  expect_in "$work/err" 'partial.json: \$\.tool: missing' "the missing key"
  echo '{"schema_version": 99}' >"$work/future.json"
  expect_exit 2 "a future schema" -- "$agentwork" report "$work/future.json"
  expect_in "$work/err" "schema_version" "the version is named"
  conformance_result
  jq '.load = {"profile_name": 5}' "$work/run.json" >"$work/badload.json"
  expect_exit 2 "a bad load object" -- "$agentwork" report "$work/badload.json"
  expect_in "$work/err" 'badload.json: \$\.load\.profile_name: expected a string' "the load path"
  expect_exit 2 "unknown format" -- "$agentwork" report "$work/run.json" -f pdf
  expect_in "$work/err" "pdf" "the format is named"
  expect_exit 2 "unwritable output" -- "$agentwork" report "$work/run.json" -o /proc/none/x.md
  expect_in "$work/err" "cannot write /proc/none/x.md" "the path is named"
  expect_exit 2 "bad tolerance" -- "$agentwork" compare "$work/run.json" "$work/run.json" \
    --tolerance latency=fast
  expect_in "$work/err" '--tolerance "fast": expected a number' "the tolerance is named"
  ;;

compare)
  load_result
  expect_exit 0 "an unchanged run" -- "$agentwork" compare "$work/load.json" "$work/load.json" \
    --color never
  expect_in "$work/out" "^OK: no regression" "the verdict"
  # Planted: the status p99 three times as high, and a contract rule broken.
  jq '.load.summary.endpoints |= map(if .endpoint == "status" then .latency.p99_us *= 3 else . end)
      | .load.check_failures += [{"rule_id": "G.status.enum", "count": 2, "detail": "x",
          "evidence": {"method": "GET", "path": "/p", "status": 200, "body_excerpt": "",
                       "error": "", "duration_ms": 1}}]' \
    "$work/load.json" >"$work/slower.json"
  expect_exit 1 "a planted regression" -- "$agentwork" compare "$work/load.json" \
    "$work/slower.json" --color never --markdown "$work/compare.md"
  expect_in "$work/out" 'latency\{endpoint=status\}\.p99 .*\+200\.0% .*REGRESSION' "the p99 row"
  expect_in "$work/out" 'contract G\.status\.enum .*newly broken.*REGRESSION' "the rule row"
  expect_in "$work/out" "^REGRESSION: 2 of " "the verdict"
  expect_in "$work/compare.md" '^\| `latency\{endpoint=status\}\.p99` .*❌' "the Markdown row"
  # A tolerance that covers it leaves only the rule.
  expect_exit 1 "a loose latency tolerance" -- "$agentwork" compare "$work/load.json" \
    "$work/slower.json" --tolerance latency=250% --color never
  expect_in "$work/out" "^REGRESSION: 1 of " "only the rule is left"
  # Conformance: the same run twice passes; a scenario that passed and now fails does not.
  conformance_result
  expect_exit 0 "the same conformance run" -- "$agentwork" compare "$work/run.json" "$work/run.json"
  jq '(.scenarios[0].verdict) = "failed"' "$work/run.json" >"$work/worse.json"
  expect_exit 1 "a scenario now failing" -- "$agentwork" compare "$work/run.json" "$work/worse.json"
  expect_in "$work/out" "passed -> failed .*REGRESSION" "the scenario row"
  expect_exit 1 "load against conformance" -- "$agentwork" compare "$work/run.json" \
    "$work/load.json"
  expect_in "$work/out" "nothing to compare" "the note"
  ;;

*)
  echo "unknown case $case_name"
  exit 2
  ;;
esac
echo "report CLI $case_name: passed"
