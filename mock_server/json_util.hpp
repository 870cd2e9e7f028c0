// Small JSON helpers for the hot paths: appending escaped strings to a response body without
// building a DOM. Everything else uses nlohmann::json.
#pragma once

#include <string>
#include <string_view>

namespace agentwork::mock {

// Appends text as a JSON string literal (with the quotes), escaping as RFC 8259 requires; bytes
// that are not well-formed UTF-8 become U+FFFD, one for each such byte.
void append_json_string(std::string& out, std::string_view text);

// {"detail": text}
std::string error_body(std::string_view detail);

}  // namespace agentwork::mock
