// The task timelines of the HTML report (reports/html_report.hpp): one inline SVG per task of a
// conformance run, with swimlanes processing / awaiting_reply / awaiting_solution_approval /
// terminal, the state segments the polls saw and the client's actions marked. Pure; every
// string from the run is HTML-escaped.
#pragma once

#include <string>

#include "harness/result/run_result.hpp"

namespace agentwork::reports {

// The "timelines" section of every task of every scenario; "" when the run has none.
std::string timelines_section(const harness::RunResult& r);

}  // namespace agentwork::reports
