// Timestamps of the API: microseconds since the Unix epoch (UTC), written and read as ISO 8601.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agentwork {

using Micros = std::int64_t;  // microseconds since the Unix epoch, UTC

inline constexpr Micros kMicrosPerSecond = 1'000'000;

// "2026-02-22T14:30:00.123456Z"
std::string format_timestamp(Micros t);
// Accepts "YYYY-MM-DDTHH:MM:SS", an optional fraction, and an optional "Z" or +HH:MM offset.
// Returns false when the text is not such a timestamp.
bool parse_timestamp(std::string_view text, Micros& out);

}  // namespace agentwork
