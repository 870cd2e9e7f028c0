// The OpenAPI 3.1 document of the Agentwork API (harness/checks/openapi.json), embedded in the library at
// build time so that the harness binary is self-contained.
#pragma once

#include <string_view>

namespace agentwork::harness {

// The JSON text of harness/checks/openapi.json, verbatim.
std::string_view openapi_document();

}  // namespace agentwork::harness
