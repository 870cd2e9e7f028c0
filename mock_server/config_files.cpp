#include "mock_server/config_files.hpp"

#include "common/json_file.hpp"

#include <nlohmann/json.hpp>

namespace agentwork::mock {
namespace {

using nlohmann::json;

// Reads and parses a JSON file (comments allowed, depth bounded); on failure `error` says which
// file and why.
std::optional<json> read_json(const std::string& path, std::string& error) {
  auto parsed = read_json_file(path, error);
  if (!parsed) error = path + ": " + error;
  return parsed;
}

}  // namespace

std::optional<PasswordUser> parse_user_spec(const std::string& spec, std::string& error) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  while (parts.size() < 3) {
    const auto colon = spec.find(':', from);
    if (colon == std::string::npos) break;
    parts.push_back(spec.substr(from, colon - from));
    from = colon + 1;
  }
  parts.push_back(spec.substr(from));
  if (parts.size() < 2 || parts[0].find('@') == std::string::npos || parts[1].empty()) {
    error = "--user \"" + spec + "\": expected email:password[:name[:organization]]";
    return std::nullopt;
  }
  PasswordUser u{parts[0], parts[1], parts.size() > 2 ? parts[2] : "",
                 parts.size() > 3 ? parts[3] : ""};
  return u;
}

std::optional<std::vector<PasswordUser>> load_users_file(const std::string& path,
                                                         std::string& error) {
  auto j = read_json(path, error);
  if (!j) return std::nullopt;
  if (!j->is_array()) {
    error = path + ": $: expected an array of {email, password, name?, organization_name?}";
    return std::nullopt;
  }
  std::vector<PasswordUser> users;
  for (std::size_t i = 0; i < j->size(); ++i) {
    const auto& o = (*j)[i];
    const auto where = path + ": $[" + std::to_string(i) + "]";
    if (!o.is_object()) {
      error = where + ": expected an object";
      return std::nullopt;
    }
    PasswordUser u;
    for (auto [key, out, required] :
         {std::tuple{"email", &u.email, true}, std::tuple{"password", &u.password, true},
          std::tuple{"name", &u.name, false},
          std::tuple{"organization_name", &u.organization_name, false}}) {
      auto it = o.find(key);
      if (it == o.end() || it->is_null()) {
        if (!required) continue;
        error = where + "." + key + ": required string is missing";
        return std::nullopt;
      }
      if (!it->is_string() || (required && it->get<std::string>().empty())) {
        error = where + "." + key + ": expected a non-empty string";
        return std::nullopt;
      }
      *out = it->get<std::string>();
    }
    users.push_back(std::move(u));
  }
  return users;
}

std::optional<std::vector<FaultRule>> load_faults_file(const std::string& path,
                                                       std::string& error) {
  auto j = read_json(path, error);
  if (!j) return std::nullopt;
  const json rules = j->is_array() ? *j : json::array({*j});
  std::vector<FaultRule> out;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::string problem;
    auto rule = parse_fault_rule(rules[i], "$[" + std::to_string(i) + "]", problem);
    if (!rule) {
      error = path + ": " + problem;
      return std::nullopt;
    }
    out.push_back(std::move(*rule));
  }
  return out;
}

std::optional<AgentScript> load_script_file(const std::string& path, std::string& error) {
  auto j = read_json(path, error);
  if (!j) return std::nullopt;
  std::string problem;
  auto script = parse_agent_script(*j, problem);
  if (!script) {
    error = path + ": " + problem;
    return std::nullopt;
  }
  return script;
}

}  // namespace agentwork::mock
