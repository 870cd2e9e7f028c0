// The value formats the contract names: UUIDs and ISO-8601 timestamps, as the checks read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace agentwork::harness {

bool is_digit(char c);
bool is_hex(char c);
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex digits of either case.
bool is_uuid(std::string_view s);
// Microseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]" (a valid
// calendar date and time), or nullopt.
std::optional<std::int64_t> iso8601_micros(std::string_view s);
// The mock's form: exactly six fraction digits and UTC "Z" ("2026-02-22T14:30:00.123456Z").
bool has_mock_precision(std::string_view s);

}  // namespace agentwork::harness
