// JSON Schema validation of a value against one of the component schemas of the embedded OpenAPI
// document (components/schemas/<name>), with valijson. Each schema is built once per process.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentwork::harness {

struct SchemaError {
  // Where the failing value is: property names, and array indices as decimal strings. For a
  // missing required property, the path ends with that property's name.
  std::vector<std::string> path;
  std::string message;  // what is wrong, e.g. "required, missing", "wrong type"
};

// The leaf errors of validating `value` against components/schemas/<component> (errors that only
// say "a child failed" are dropped). Empty when valid. Aborts on an unknown component: that is a
// bug of the caller, not of the response.
std::vector<SchemaError> validate_against(std::string_view component, const nlohmann::json& value);

// "$.events[2].type" for {"events", "2", "type"}.
std::string json_path(const std::vector<std::string>& path);

}  // namespace agentwork::harness
