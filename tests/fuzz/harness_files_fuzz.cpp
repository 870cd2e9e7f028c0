// Fuzz target: the files the harness loads - a scenario (agentwork run), a load profile
// (agentwork load), the shard and start-time flags of a sharded load run - read as the harness
// reads them. The first byte of the input picks the loader, the rest is the file (or the flag).
// Checks: nothing throws; a refusal names the file and says why; a profile that loads survives
// what a run does with it before it starts (a description, the split into shards, the safety
// rule); a scenario that loads counts towards rule coverage.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "harness/load/profile.hpp"
#include "harness/load/shard.hpp"
#include "harness/runner/coverage.hpp"
#include "harness/runner/scenario.hpp"
#include "tests/fuzz/mock_world.hpp"
#include "tests/fuzz/temp_file.hpp"

namespace {

using agentwork::fuzz::fail;

template <class Error>
void check_error(const Error& error, const std::string& path) {
  if (error.message.empty()) fail("a refusal without a reason", path);
  if (error.to_string().find(path) == std::string::npos) {
    fail("an error that does not name the file", error.to_string());
  }
}

void scenario(const std::string& path) {
  auto loaded = agentwork::harness::load_scenario_file(path);
  if (const auto* error = std::get_if<agentwork::harness::LoadError>(&loaded)) {
    return check_error(*error, path);
  }
  const auto& s = std::get<agentwork::harness::Scenario>(loaded);
  if (s.steps.empty()) fail("a scenario without steps loaded", path);
  const std::array<agentwork::harness::Scenario, 1> one{s};
  (void)agentwork::harness::format_coverage(agentwork::harness::compute_coverage(one));
}

void profile(const std::string& path) {
  auto loaded = agentwork::load::load_profile_file(path);
  if (const auto* error = std::get_if<agentwork::load::ProfileError>(&loaded)) {
    return check_error(*error, path);
  }
  const auto& p = std::get<agentwork::load::LoadProfile>(loaded);
  (void)agentwork::load::describe_executor(p);
  (void)agentwork::load::safety_error(p, "staging.example.com");
  for (int count : {1, 3}) {
    for (int index = 0; index < count; ++index) {
      const auto part = agentwork::load::shard_profile(p, agentwork::load::Shard{index, count});
      (void)agentwork::load::describe_executor(part);
    }
  }
}

void flags(std::string_view text) {
  (void)agentwork::load::parse_shard(text);
  (void)agentwork::load::shard_from_index(text, 4);
  (void)agentwork::load::parse_start_at(text, 1'700'000'000'000'000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: scenario(agentwork::fuzz::write_temp("scenario.json", file)); break;
    case 1: profile(agentwork::fuzz::write_temp("profile.json", file)); break;
    default: flags(file); break;
  }
  return 0;
}
