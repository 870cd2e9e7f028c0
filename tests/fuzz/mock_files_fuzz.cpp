// Fuzz target: the files agentwork-mock loads at start - an agent script (--script), fault rules
// (--faults) and password users (--users) - read from disk as the mock reads them. The first
// byte of the input picks the loader, the rest is the file.
// Checks: nothing throws; an error names the file; what loads writes out (to_json) as JSON that
// loads again to the same thing (scripts and fault rules).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mock_server/config_files.hpp"
#include "mock_server/faults.hpp"
#include "tests/fuzz/mock_world.hpp"
#include "tests/fuzz/temp_file.hpp"

namespace {

using agentwork::fuzz::fail;
using nlohmann::json;

void check_error(const std::string& error, const std::string& path) {
  if (error.empty()) fail("a refusal without a reason", path);
  if (error.find(path) == std::string::npos) fail("an error that does not name the file", error);
}

void script(const std::string& path) {
  std::string error;
  const auto loaded = agentwork::mock::load_script_file(path, error);
  if (!loaded) return check_error(error, path);
  const json written = agentwork::to_json(*loaded);
  std::string again_error;
  const auto again = agentwork::parse_agent_script(written, again_error);
  if (!again) fail("a loaded script that does not load again", again_error + " " + written.dump());
  if (agentwork::to_json(*again) != written) fail("a script that changes when reloaded", written.dump());
}

void faults(const std::string& path) {
  std::string error;
  const auto loaded = agentwork::mock::load_faults_file(path, error);
  if (!loaded) return check_error(error, path);
  for (const auto& rule : *loaded) {
    json written = agentwork::mock::to_json(rule);
    // What the control API lists besides the rule: its id and counters, not rule fields.
    for (const char* runtime : {"id", "matched", "hits"}) written.erase(runtime);
    std::string again_error;
    const auto again = agentwork::mock::parse_fault_rule(written, "$", again_error);
    if (!again) fail("a loaded fault rule that does not load again", again_error + " " + written.dump());
    json rewritten = agentwork::mock::to_json(*again);
    for (const char* runtime : {"id", "matched", "hits"}) rewritten.erase(runtime);
    if (rewritten != written) {
      fail("a fault rule that changes when reloaded", written.dump());
    }
  }
}

void users(const std::string& path) {
  std::string error;
  const auto loaded = agentwork::mock::load_users_file(path, error);
  if (!loaded) return check_error(error, path);
  for (const auto& user : *loaded) {
    if (user.email.empty()) fail("a user without an email", path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string& path = agentwork::fuzz::write_temp("mock-file.json", file);
  switch (data[0] % 3) {
    case 0: script(path); break;
    case 1: faults(path); break;
    default: users(path); break;
  }
  return 0;
}
