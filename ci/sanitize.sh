#!/usr/bin/env bash
# The sanitizer and fuzzing jobs (docs/fuzzing.md), run by ci/test.sh after the normal tests
# (AGENTWORK_SANITIZERS=0 skips them). Each job builds into a directory of its own:
#   build-asan  GCC, AddressSanitizer + UndefinedBehaviorSanitizer: the tests of pure logic, the
#               mock's App and server, the runner and the load engine, the fuzz corpora replayed
#   build-tsan  GCC, ThreadSanitizer: what runs on several threads (the mock's server with
#               --threads, the store under racing requests, the load engine's workers, the
#               in-process mock the harness starts)
#   build-fuzz  clang + libFuzzer (with ASan and UBSan): each fuzz target for FUZZ_SECONDS
#               (default 60), two at a time, from a copy of its committed corpus
# A sanitizer report, a crash or a fuzzer finding fails the job; the fuzzers' findings are left
# in build-fuzz/findings/<target>/ for tests/fuzz/corpus (docs/fuzzing.md says how).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
source ci/job_pool.sh

jobs=${BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
fuzz_seconds=${FUZZ_SECONDS:-60}
only=${SANITIZE_ONLY:-"asan tsan fuzz"}
started=$SECONDS

say() { printf '\n== ci/sanitize.sh: %s (%d s so far)\n' "$*" $((SECONDS - started)); }

configure() {  # DIR, then cmake -D flags
  local dir=$1
  shift
  mkdir -p "$dir"
  # -O0 and line tables only: half the compile time of -O1 (17 s against 33 s for a Beast
  # translation unit under ASan), and stacks still name files and lines; asserts stay on.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O0 -g1" \
    -DAGENTWORK_BUILD_BENCH=OFF "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log" >&2
    exit 1
  }
}

# The suites of each job: test executables (under build-*/tests), each with a gtest filter.
# Under ASan: everything but the two sweeps (each a whole conformance suite per rule, minutes
# at native speed; the conformance suite itself runs in runner_tests) and the MCP process tests.
asan_suites=(
  "common_unit_tests *" "mock_unit_tests *" "harness_unit_tests *" "reports/report_tests *"
  "harness/load/load_unit_tests *" "harness/load/load_merge_tests *" "mcp/mcp_unit_tests *"
  "http_server_tests *" "mock_integration_tests *" "http_client_tests *" "runner_tests *"
  "harness/load/load_engine_tests *"
)
# Under TSan: what runs on several threads (not the rate-cap test: it needs the server faster
# than the cap, which a 5-15x slower TSan build is not).
tsan_suites=(
  "http_server_tests *" "mock_integration_tests *"
  "harness/load/load_engine_tests *-LoadEngine.RateCapHoldsUnderAFastServer"
  "mock_unit_tests StoreTest.*:FaultSet*:*Concurrent*"
  "runner_tests Runner.ExampleScenarios*:Runner.FullLifecycle*:Runner.Interrupt*:Runner.TheCoverStep*:Runner.TheSameSeed*"
)
fuzz_replays=(http_request api_body mock_files harness_files response_checks result_files)

suite_targets() {  # the CMake targets of suites given as "path/name filter"
  local s
  for s in "$@"; do basename "${s%% *}"; done
}

# Runs the suites two at a time; each one's output goes to DIR/logs/NAME.log, shown on failure.
run_suite() {  # "path/name filter", with $suite_dir set
  local exe=${1%% *} filter=${1#* } name start=$SECONDS
  name=$(basename "$exe")
  if "$suite_dir/tests/$exe" --gtest_filter="$filter" --gtest_brief=1 \
    >"$suite_dir/logs/$name.log" 2>&1; then
    echo "  ok    $name ($((SECONDS - start)) s)"
  else
    echo "  FAIL  $name ($((SECONDS - start)) s): $suite_dir/logs/$name.log"
    tail -n 60 "$suite_dir/logs/$name.log"
    return 1
  fi
}
run_suites() {  # DIR, suites...
  suite_dir=$1
  shift
  mkdir -p "$suite_dir/logs"
  run_pooled "${TEST_JOBS:-2}" run_suite "$@"
}

run_replays() {  # DIR
  local dir=$1 t
  for t in "${fuzz_replays[@]}"; do
    if "$dir/tests/fuzz/fuzz_replay_$t" tests/fuzz/corpus/$t >"$dir/logs/replay_$t.log" 2>&1; then
      echo "  ok    fuzz_replay_$t ($(tail -n 1 "$dir/logs/replay_$t.log"))"
    else
      echo "  FAIL  fuzz_replay_$t: $dir/logs/replay_$t.log"
      tail -n 60 "$dir/logs/replay_$t.log"
      return 1
    fi
  done
}

# Sanitizer output: stop at the first report, with a stack; TSan's history a bit longer.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$PWD/ci/tsan.supp}

status=0
if [[ " $only " == *" asan "* ]]; then
  say "AddressSanitizer + UndefinedBehaviorSanitizer: build"
  configure build-asan -DAGENTWORK_SANITIZE=address,undefined
  cmake --build build-asan -j "$jobs" --target $(suite_targets "${asan_suites[@]}") \
    $(printf 'fuzz_replay_%s ' "${fuzz_replays[@]}")
  say "AddressSanitizer + UndefinedBehaviorSanitizer: tests"
  run_suites build-asan "${asan_suites[@]}" || status=1
  run_replays build-asan || status=1
fi

if [[ " $only " == *" tsan "* ]]; then
  say "ThreadSanitizer: build"
  configure build-tsan -DAGENTWORK_SANITIZE=thread
  cmake --build build-tsan -j "$jobs" --target $(suite_targets "${tsan_suites[@]}")
  say "ThreadSanitizer: tests"
  run_suites build-tsan "${tsan_suites[@]}" || status=1
fi

if [[ " $only " == *" fuzz "* ]]; then
  say "libFuzzer: build"
  configure build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DAGENTWORK_FUZZ=ON \
    -DAGENTWORK_BUILD_TESTS=OFF
  cmake --build build-fuzz -j "$jobs" --target agentwork_fuzzers
  say "libFuzzer: ${fuzz_seconds} s per target"
  bash tests/fuzz/run_fuzzers.sh build-fuzz "$fuzz_seconds" || status=1
fi
say "done: $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
