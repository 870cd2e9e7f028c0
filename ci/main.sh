#!/usr/bin/env bash
# The README's main command: install what is missing, build, and run the bundled scenarios
# against the bundled mock (started in-process by `agentwork run --target mock`), printing one
# line per scenario, every failure with its rule id and evidence, and a summary; the JSON result,
# JUnit XML, a Markdown summary, OpenMetrics text and the HTML report land in results/
# (RESULTS_DIR). Extra arguments go to `agentwork run`, e.g. `bash ci/main.sh --tag cancel` or
# `bash ci/main.sh --profile guide`.
# Exit code: agentwork run's (0 passed, 1 conformance failure, 2 bad usage, 3 unreachable).
set -euo pipefail
cd "$(dirname "$0")/.."
results=${RESULTS_DIR:-results}
mkdir -p "$results"
echo "== building agentwork (log: $results/build.log)"
bash ci/build.sh --target agentwork >"$results/build.log" 2>&1 || {
  tail -50 "$results/build.log" >&2
  exit 2
}
exec "${BUILD_DIR:-build}"/harness/agentwork run scenarios/examples scenarios/conformance --target mock \
  --report-json "$results/run.json" --junit "$results/junit.xml" \
  --markdown "$results/summary.md" --openmetrics "$results/metrics.prom" \
  --html "$results/report.html" "$@"
