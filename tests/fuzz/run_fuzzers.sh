#!/usr/bin/env bash
# Runs each libFuzzer target of a build (cmake -DAGENTWORK_FUZZ=ON, target agentwork_fuzzers) for
# SECONDS, two at a time, each from a scratch copy of its committed corpus (what it adds stays
# out of the tree), with the JSON and HTTP dictionaries. Prints each target's executions and
# coverage; a crash, leak, timeout or out-of-memory fails, and its input is kept in
# BUILD/findings/<target>/ (docs/fuzzing.md: add it to tests/fuzz/corpus/<target>/ as crash-*
# once fixed).
# Usage: bash tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS] [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../ci/job_pool.sh"
build=$(cd "${1:?usage: run_fuzzers.sh BUILD_DIR [SECONDS] [TARGET...]}" && pwd)
seconds=${2:-60}
shift $(($# >= 2 ? 2 : 1))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(http_request api_body mock_files harness_files response_checks result_files)
fi
parallel=${FUZZ_JOBS:-2}

dict="$build/fuzz-dict.txt"
cat "$here/dict/json.dict" "$here/dict/http.dict" >"$dict"

fuzz_one() {  # TARGET
  local t=$1 exe="$build/tests/fuzz/fuzz_$1"
  local work="$build/fuzz-work/$t" findings="$build/findings/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$findings"
  cp "$here/corpus/$t"/* "$work/corpus/"
  # -rss_limit_mb: the mock's limits keep one input far below; -timeout: one input's seconds.
  # LeakSanitizer runs at exit (detect_leaks=1).
  if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$exe" "$work/corpus" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$dict" -artifact_prefix="$findings/" -print_final_stats=1 \
    >"$work/log.txt" 2>&1; then
    local runs cov
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log.txt" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$work/log.txt" | tail -n 1 | grep -o '[0-9]*')
    printf '  ok    fuzz_%-16s %9s executions in %s s, coverage %s edges, corpus %s -> %s inputs\n' \
      "$t" "$runs" "$seconds" "$cov" "$(ls "$here/corpus/$t" | wc -l)" "$(ls "$work/corpus" | wc -l)"
  else
    echo "  FAIL  fuzz_$t: a finding in $findings/ (log: $work/log.txt)"
    grep -E 'ERROR|SUMMARY|fuzz check failed|runtime error|Test unit written' "$work/log.txt" |
      head -n 20
    return 1
  fi
}

run_pooled "$parallel" fuzz_one "${targets[@]}"
