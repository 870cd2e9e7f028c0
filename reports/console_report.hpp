// The console rendering of a run: one line per scenario as it finishes, the failures with their
// evidence, and a totals line. ANSI colour only when asked (the caller knows whether stdout is a
// terminal and whether NO_COLOR is set).
#pragma once

#include <string>

#include "harness/result/run_result.hpp"

namespace agentwork::reports {

// "PASS  name  1.23 s · 2 tasks · 14 requests (10 polls)\n"; skipped, errored and interrupted
// scenarios add their reason, any scenario with findings its failure and observation counts, one
// with rules it could not check "2 not seen".
std::string scenario_line(const harness::ScenarioResult& s, bool color);

// Every failure finding of every scenario that did not pass, with its rule, detail and evidence;
// then the observations of all scenarios (any tag, with their evidence) under their own header;
// then "Not seen (N):", the rules each scenario never had the chance to check and why. Empty
// when there are none of these.
std::string failure_details(const harness::RunResult& r, bool color);

// The latency per endpoint (a table in ms) and the thresholds with their marks (✓ ✗) when the
// run has them, then the totals line ("12 scenarios: 10 passed, ... · profile strict · target
// ...\n"), followed by an INTERRUPTED line when the run was stopped.
std::string summary(const harness::RunResult& r, bool color);

}  // namespace agentwork::reports
