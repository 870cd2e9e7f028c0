// The JUnit XML rendering of a run, for CI test reporters (GitLab, Jenkins, GitHub actions that
// read JUnit): one <testcase> per scenario, a skipped one per rule it did not see, and a suite
// "thresholds" with one per --threshold. The mapping is documented in docs/run-result.md.
#pragma once

#include <string>
#include <string_view>

#include "harness/result/run_result.hpp"

namespace agentwork::reports {

std::string render_junit(const harness::RunResult& r);

// `s` escaped for XML 1.0 text (attribute = false) or a double- or single-quoted attribute value:
// & < > " ' as entities; characters XML 1.0 does not allow (C0 controls other than tab, newline
// and carriage return, DEL, C1 controls, U+FFFE/U+FFFF) and invalid UTF-8 bytes become U+FFFD.
// In attributes tab, newline and carriage return are character references so that they survive
// attribute-value normalisation; in text only carriage return is.
std::string xml_escape(std::string_view s, bool attribute);

// "scenarios/examples/cancel.json" -> "scenarios.examples.cancel": the JUnit classname of a
// scenario file (directories become packages; ".json" dropped; other dots become '_').
std::string junit_classname(std::string_view file);

}  // namespace agentwork::reports
