#!/usr/bin/env bash
# The HTML report of real runs, opened in headless Chromium (Debian's `chromium`): a conformance
# run against the bundled mock (one scenario failing) and a short load run. Asserts on the page
# as Chromium parsed it (--dump-dom) and saves a screenshot of each as an artifact of the test
# run: $ARTIFACT_DIR/report-conformance.png and report-load.png.
# Usage: html_chromium_test.sh AGENTWORK SOURCE_DIR ARTIFACT_DIR
set -euo pipefail
agentwork=$1
root=$2
artifacts=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

fail() { echo "FAIL (html in chromium): $*"; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed (bash ci/setup.sh installs it)"

# chromium URL [extra flags...]: headless, no sandbox (root in CI), its own profile directory.
browse() {
  local url=$1; shift
  timeout -s KILL 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --hide-scrollbars --user-data-dir="$work/profile" "$@" "$url" 2>"$work/chromium.log"
}

# --- a conformance run, one scenario failing
"$agentwork" run "$root/scenarios/examples" "$root/tests/data/runs/wrong-expectation.json" \
  --target mock --time-scale 0.01 --report-json "$work/run.json" --html "$work/run.html" \
  >/dev/null 2>&1 || true
[ -s "$work/run.html" ] || fail "the run wrote no HTML report"
browse "file://$work/run.html" --dump-dom >"$work/run.dom" || fail "chromium could not open it: $(tail -3 "$work/chromium.log")"
grep -q '<header class="verdict fail" data-verdict="fail"><h1>Agentwork conformance: failed' \
  "$work/run.dom" || fail "no failed verdict in the page"
scenarios=$(jq '.scenarios | length' "$work/run.json")
rows=$(grep -o '<tr data-verdict=' "$work/run.dom" | wc -l)
[ "$rows" = "$scenarios" ] || fail "$rows scenario rows in the page, $scenarios in the result"
tasks=$(jq '[.scenarios[].timelines | length] | add' "$work/run.json")
svgs=$(grep -o '<svg class="timeline"' "$work/run.dom" | wc -l)
[ "$tasks" -gt 0 ] && [ "$svgs" = "$tasks" ] || fail "$svgs timelines in the page, $tasks tasks in the result"
grep -q 'data-state="awaiting_solution_approval"' "$work/run.dom" || fail "no approval state drawn"
grep -q 'data-action="approve" data-accepted="true"' "$work/run.dom" || fail "no approve marker"
grep -q '<article class="finding" data-rule="S.expect">' "$work/run.dom" ||
  fail "the failing scenario's finding is not on the page"
browse "file://$work/run.html" --window-size=1280,2400 --screenshot="$artifacts/report-conformance.png" \
  >/dev/null || fail "no screenshot: $(tail -3 "$work/chromium.log")"

# --- a short load run with transitions to detect
jq -n '{name: "html-report", client: {policy: {}}, executor: {closed: {clients: 20}},
        duration_s: 4, poll_interval_s: 0.1, workers: 1,
        thresholds: ["latency{endpoint=status}.p99 < 5s", "errors.rate < 1%"]}' >"$work/profile.json"
"$agentwork" load "$work/profile.json" --target mock --mock-time-scale 0.01 --progress none \
  --report-json "$work/load.json" --html "$work/load.html" >/dev/null 2>&1 || fail "the load run failed"
browse "file://$work/load.html" --dump-dom >"$work/load.dom" || fail "chromium could not open the load report"
grep -q '<header class="verdict pass" data-verdict="pass"><h1>Agentwork load: PASSED' "$work/load.dom" ||
  fail "no passed verdict in the load page"
for chart in requests latency errors polls-per-transition detection-delay; do
  grep -q "<figure data-chart=\"$chart\">" "$work/load.dom" || fail "no $chart chart"
done
latency=$(sed 's/<figure/\n<figure/g' "$work/load.dom" | grep '^<figure data-chart="latency"')
[ "$(grep -o '<polyline' <<<"$latency" | wc -l)" -ge 3 ] || fail "no latency lines"
delay=$(sed 's/<figure/\n<figure/g' "$work/load.dom" | grep '^<figure data-chart="detection-delay"')
grep -q '<rect class="bin"' <<<"$delay" || fail "no detection-delay bins (no transition seen?)"
[ "$(grep -o '<tr data-verdict="passed"' "$work/load.dom" | wc -l)" = 2 ] || fail "thresholds"
browse "file://$work/load.html" --window-size=1280,1900 --screenshot="$artifacts/report-load.png" \
  >/dev/null || fail "no load screenshot"

for png in "$artifacts/report-conformance.png" "$artifacts/report-load.png"; do
  [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
  [ "$(stat -c %s "$png")" -gt 20000 ] || fail "$png is too small to show the page"
done
echo "html in chromium: passed ($scenarios scenarios, $tasks timelines; screenshots in $artifacts)"
