// Reading the mock's start-up inputs: --user specs and the users, faults and script files.
// Every failure names the file (or flag) and the JSON path, and what was expected there.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/agent_script.hpp"
#include "mock_server/faults.hpp"
#include "mock_server/store.hpp"

namespace agentwork::mock {

// "email:password[:name[:organization]]"
std::optional<PasswordUser> parse_user_spec(const std::string& spec, std::string& error);
// A JSON array of {"email", "password", "name"?, "organization_name"?}.
std::optional<std::vector<PasswordUser>> load_users_file(const std::string& path,
                                                         std::string& error);
// A JSON array of fault rules (or one rule).
std::optional<std::vector<FaultRule>> load_faults_file(const std::string& path, std::string& error);
// One agent script.
std::optional<AgentScript> load_script_file(const std::string& path, std::string& error);

}  // namespace agentwork::mock
