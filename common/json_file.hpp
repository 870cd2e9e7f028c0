// Reads a JSON file with comments allowed, for the harness's file loaders (scenarios, load
// profiles). Pure apart from reading the file.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace agentwork {

// The parsed file, or nullopt with `error` set to "cannot read the file" or "not valid JSON:
// parse error at line L, column C: ..." (without the file name: callers attach it).
std::optional<nlohmann::json> read_json_file(const std::string& path, std::string& error);

}  // namespace agentwork
