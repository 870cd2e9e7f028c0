// The JSON result file of a run (docs/run-result.md, schema_version 1): everything a CI job or a
// compare tool needs, and nothing that only a terminal wants.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/result/run_result.hpp"

namespace agentwork::reports {

nlohmann::json to_json(const harness::RunResult& r);

// to_json(r) pretty-printed (2-space indent, trailing newline). Invalid UTF-8 in a body excerpt
// or a detail becomes U+FFFD instead of an exception.
std::string render_json(const harness::RunResult& r);
// to_json(r) with the keys in the documented order (what render_json prints).
nlohmann::ordered_json to_ordered_json(const harness::RunResult& r);

// The RunResult that to_json wrote. On a missing field, a wrong type or an unknown
// schema_version: nullopt and `error` = "$.scenarios[0].verdict: expected one of ...".
// Derived fields (exit_code, totals) are not read back: RunResult computes them.
std::optional<harness::RunResult> from_json(const nlohmann::json& j, std::string& error);

}  // namespace agentwork::reports
