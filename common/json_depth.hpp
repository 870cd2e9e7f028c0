// A nesting bound for JSON from outside (request bodies, responses, JSON-RPC lines, files).
// nlohmann's parser reads any depth without recursing, but copying, comparing, printing or
// walking a value does recurse: a 120 KB body nested 60,000 arrays deep ended the mock with
// SIGSEGV. Every reader of outside JSON checks the depth of the text first, without parsing it.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentwork {

// Deeper than this is refused: API bodies nest a few levels, scenario files a dozen.
inline constexpr std::size_t kMaxJsonDepth = 128;

// Whether `text` opens more than max_depth arrays and objects at once. Brackets in strings (with
// their escapes) and, when `comments`, in // and /* */ comments do not count. Linear, stops at
// the first level too deep; says nothing of whether the text is valid JSON.
bool json_too_deep(std::string_view text, std::size_t max_depth = kMaxJsonDepth,
                   bool comments = false);

// json::parse(text) without exceptions, but discarded when the text is nested deeper than
// max_depth (then *too_deep is set, when given, so that the caller can say why).
nlohmann::json parse_json_bounded(std::string_view text, bool* too_deep = nullptr,
                                  std::size_t max_depth = kMaxJsonDepth);

}  // namespace agentwork
