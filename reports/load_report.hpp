// The renderings of a finished `load` run (harness/load/load_result.hpp): the end-of-run console
// summary, the "load" object of the run result JSON (docs/run-result.md, "The load object") and
// JUnit XML. Pure: they read a LoadResult and write text. The JSON half is load_report_json.cpp,
// the console and JUnit half load_report.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports {

// The "load" object: every field of `r`, latencies as integer microseconds (`*_us`), enums by
// name, plus the derived exit_code (not read back). The command puts it under the key "load" of
// the run result JSON.
nlohmann::json load_to_json(const load::LoadResult& r);

// The run result document of a load run: render_json(run) with the "load" object added last
// (pretty-printed, invalid UTF-8 replaced), as `agentwork load --report-json` writes it.
std::string render_load_result_json(const harness::RunResult& run, const load::LoadResult& r);

// The LoadResult that load_to_json wrote. On a missing field or a wrong type: nullopt and `error`
// = "$.summary.endpoints[1].latency.p99_us: expected an integer". Keys not known are ignored.
std::optional<load::LoadResult> load_from_json(const nlohmann::json& j, std::string& error);

// The end-of-run summary: what ran, how it ended, requests, a per-endpoint latency table (ms),
// polling, tasks, contract checks, cleanup, the harness's own limits, thresholds, and a last
// line with the verdict matching load::exit_code ("PASSED", "FAILED: thresholds ...",
// "FAILED: contract ...", "STOPPED: circuit breaker ...", "INTERRUPTED ..."). ANSI colour only
// when `color`.
std::string load_summary(const load::LoadResult& r, bool color);

// The verdict of load::exit_code in words, as the summary's last line has it without the code:
// "PASSED (2 thresholds passed, 1200 responses met the contract)", "FAILED: thresholds (1 of 2
// not passed)", ...
std::string load_verdict(const load::LoadResult& r);

// A threshold result's parts, from its line "TEXT: OBSERVED ✓|✗" or "TEXT: error: WHY": the
// threshold as written ("latency{endpoint=status}.p99 < 200ms"), and what was observed ("183.2ms")
// or "error: WHY". (A threshold's text cannot hold ": error: " and an observed value has no ": ".)
std::string threshold_text(const load::ThresholdResult& t);
std::string threshold_observed(const load::ThresholdResult& t);

// The console line of a threshold result: its line with the mark (✓ passed, ✗ failed) in colour
// when `color`; an error line all in red.
std::string threshold_line(const load::ThresholdResult& t, bool color);

// A threshold of `agentwork run` (harness::ThresholdOutcome) as the load result it was judged
// like, so that both kinds of run show their thresholds alike: the verdict from `passed` and the
// line (a line "TEXT: error: WHY" is an error); the observed figure is unknown.
load::ThresholdResult as_threshold_result(const harness::ThresholdOutcome& t);
std::vector<load::ThresholdResult> as_threshold_results(
    const std::vector<harness::ThresholdOutcome>& thresholds);

// JUnit XML: one <testsuite name="load"> with a testcase per threshold, one "contract", one
// "cleanup", and an error testcase "circuit_breaker" or "interrupted" when the run stopped so;
// the stop reason and what ran as properties, the console summary as <system-out>.
std::string render_load_junit(const load::LoadResult& r);

}  // namespace agentwork::reports
