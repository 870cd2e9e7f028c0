// A single-file HTML report of a run: no script, no network, inline CSS and SVG, so it opens from
// a CI artifact as it is. The verdict and findings with their evidence; for a conformance run the
// rules not seen, the latency per endpoint, the thresholds and a timeline of every task
// (swimlanes processing / awaiting_reply / awaiting_solution_approval / terminal, the client's
// actions marked); for a load run the key figures and charts: requests/s, latency percentiles and
// errors over time, polls per transition, the detection-delay histogram. Pure; every string from
// the run is HTML-escaped. Elements tests and tools can find are documented in docs/reports.md
// (data-* attributes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports {

std::string render_html(const harness::RunResult& run, const load::LoadResult* load);

// `s` escaped for HTML text and double-quoted attributes (& < > " '); invalid UTF-8 and control
// characters other than tab and newline become U+FFFD.
std::string html_escape(std::string_view s);

// A "nice" axis maximum at or above `v` (1, 2 or 5 times a power of ten; 1 for v <= 0).
double nice_ceiling(double v);

}  // namespace agentwork::reports
