#include "harness/runner/fuzz_cases.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <random>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

namespace agentwork::harness {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kFuzzFamilies> kNames = {
    "register_body", "create_body", "message_body", "solution_body", "not_json",
    "unknown_path",  "task_id",     "method",       "auth"};

// A value of each JSON type but string, with its name: what a string field must not hold.
std::vector<std::pair<json, std::string>> non_strings() {
  return {{json(42), "a number"},
          {json(true), "a boolean"},
          {json(nullptr), "null"},
          {json::array({"x"}), "an array"},
          {json::object({{"x", "y"}}), "an object"}};
}

// Generates the cases of one family into `out`.
class Generator {
 public:
  Generator(const FuzzInput& in, std::vector<FuzzCase>& out)
      : in_(in), out_(out), rng_(in.seed), task_("{" + in.task + "}") {}

  void family(FuzzFamily f) {
    switch (f) {
      case FuzzFamily::register_body: return register_body();
      case FuzzFamily::create_body: return create_body();
      case FuzzFamily::message_body: return message_body();
      case FuzzFamily::solution_body: return solution_body();
      case FuzzFamily::not_json: return not_json();
      case FuzzFamily::unknown_path: return unknown_path();
      case FuzzFamily::task_id: return task_id();
      case FuzzFamily::method: return wrong_methods();
      case FuzzFamily::auth: return bad_keys();
    }
  }

 private:
  FuzzCase& add(FuzzFamily f, std::string method, std::string path, std::optional<std::string> body,
                std::vector<int> expect, std::string rule, std::string what) {
    FuzzCase c;
    c.family = f;
    c.method = std::move(method);
    c.uses_task = path.find(task_) != std::string::npos;
    c.path = std::move(path);
    c.body = std::move(body);
    c.expect = std::move(expect);
    c.rule = std::move(rule);
    c.what = std::move(what);
    out_.push_back(std::move(c));
    return out_.back();
  }
  std::uint64_t draw(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  // A register body the server would accept: an e-mail unique to the run ("{run}"), the seed
  // and the case.
  json valid_registration() {
    return {{"email", "fuzz-{run}-" + std::to_string(in_.seed) + "-" + std::to_string(++emails_) +
                          "@example.com"},
            {"name", "Fuzz Probe"}};
  }
  static json valid_task() {
    return {{"title", "Fuzz probe"},
            {"description", "A generated request that the server must refuse."}};
  }

  // One string field of `base` dropped, of each wrong type, and empty.
  void field_cases(FuzzFamily f, const std::string& path, const std::string& rule,
                   const std::vector<std::string>& fields, const std::function<json()>& base) {
    for (const auto& field : fields) {
      json b = base();
      b.erase(field);
      add(f, "POST", path, b.dump(), {422}, rule, field + ": missing");
      for (const auto& [value, name] : non_strings()) {
        b = base();
        b[field] = value;
        add(f, "POST", path, b.dump(), {422}, rule, field + ": " + name + " instead of a string");
      }
      b = base();
      b[field] = "";
      add(f, "POST", path, b.dump(), {422}, rule, field + ": empty");
    }
  }

  void register_body() {
    const auto f = FuzzFamily::register_body;
    field_cases(f, "/auth/register", "M.register.invalid", {"email", "name"},
                [this] { return valid_registration(); });
    for (const char* email :
         {"plain-{run}", "fuzz-{run}@", "@example.com", "two@@example.com", "sp ace-{run}@example.com"}) {
      json b = valid_registration();
      b["email"] = email;
      add(f, "POST", "/auth/register", b.dump(), {422}, "M.register.invalid",
          std::string("email: not an address (\"") + email + "\")");
    }
    // A valid JSON text too deep for any reasonable parser's stack, where a string belongs.
    const std::size_t depth = 10000;
    json b = valid_registration();
    std::string text = b.dump();
    const std::string name_value = "\"Fuzz Probe\"";
    text.replace(text.find(name_value), name_value.size(),
                 std::string(depth, '[') + std::string(depth, ']'));
    add(f, "POST", "/auth/register", text, {400, 413, 422}, "M.register.invalid",
        "name: arrays nested 10,000 deep instead of a string");
  }

  void create_body() {
    field_cases(FuzzFamily::create_body, "/tasks/", "M.create.invalid", {"title", "description"},
                [] { return valid_task(); });
  }

  void message_body() {
    const auto f = FuzzFamily::message_body;
    const std::string path = "/tasks/" + task_ + "/message";
    const std::string rule = "M.message.invalid";
    add(f, "POST", path, "{}", {422}, rule, "none of message, content and answers");
    add(f, "POST", path, json{{"note", "hello"}}.dump(), {422}, rule,
        "an unknown field instead of message, content or answers");
    for (const auto& [value, name] : std::vector<std::pair<json, std::string>>{
             {json("yes"), "a string"}, {json(0), "a number"}, {json::object(), "an object"}}) {
      add(f, "POST", path, json{{"answers", value}}.dump(), {422}, rule,
          "answers: " + name + " instead of a list");
    }
    if (!in_.questions.empty()) structured_answers(path, rule);
    // Last: a server that coerces a number or a boolean to a string (pydantic 1 does) accepts
    // these, and the task moves on (the step sends no more of this family then).
    for (const char* field : {"message", "content"}) {
      for (const auto& [value, name] : non_strings()) {
        if (value.is_null()) continue;  // null may read as "not given": covered by {}
        add(f, "POST", path, json{{field, value}}.dump(), {422}, rule,
            std::string(field) + ": " + name + " instead of a string");
      }
    }
  }
  void structured_answers(const std::string& path, const std::string& rule) {
    const auto f = FuzzFamily::message_body;
    const auto n = static_cast<long long>(in_.questions.size());
    const json one = in_.questions[0].type == agentwork::QuestionType::multi_select
                         ? json::array({first_option(0)})
                         : json(first_option(0));
    for (long long index : {n, -1LL, n + 1 + static_cast<long long>(draw(1000)), 2147483648LL}) {
      add(f, "POST", path,
          json{{"answers", json::array({{{"question_index", index}, {"selected", one}}})}}.dump(),
          {422}, rule,
          "answers[0].question_index: " + std::to_string(index) + ", out of range (" +
              std::to_string(n) + " questions)");
    }
    for (std::size_t i = 0; i < in_.questions.size(); ++i) {
      const auto type = in_.questions[i].type;
      const bool multi = type == agentwork::QuestionType::multi_select;
      const json wrong = multi ? json(first_option(i)) : json::array({first_option(i)});
      add(f, "POST", path,
          json{{"answers", json::array({{{"question_index", i}, {"selected", wrong}}})}}.dump(),
          {422}, rule,
          "answers[0].selected: " + std::string(multi ? "a string" : "a list") + " for question " +
              std::to_string(i) + " (" + agentwork::to_string(type) + ")");
    }
  }
  std::string first_option(std::size_t question) const {
    const auto& q = in_.questions[question];
    return q.options.empty() ? std::string("An answer.") : q.options.front();
  }

  void solution_body() {
    const auto f = FuzzFamily::solution_body;
    const std::string path = "/tasks/" + task_ + "/solution-status";
    const std::string rule = "M.solution.invalid";
    add(f, "POST", path, "{}", {422}, rule, "status: missing");
    // Near misses of the two values, and a seeded case-mix of CONFIRMED.
    std::string mixed = "CONFIRMED";
    for (auto& ch : mixed) {
      if (draw(2)) ch = static_cast<char>(ch - 'A' + 'a');
    }
    if (mixed == "CONFIRMED") mixed = "CONFIRMEd";
    for (const std::string& v :
         {std::string("confirmed"), std::string("rejected"), std::string("APPROVED"),
          std::string(""), std::string(" CONFIRMED"), std::string("CONFIRMED\0", 10), mixed}) {
      json shown = v;
      add(f, "POST", path, json{{"status", v}}.dump(), {422}, rule,
          "status: " + shown.dump() + ", not CONFIRMED or REJECTED");
    }
    for (const auto& [value, name] : non_strings()) {
      add(f, "POST", path, json{{"status", value}}.dump(), {422}, rule,
          "status: " + name + " instead of a string");
    }
  }

  // Bodies that are not JSON (RFC 8259), made from a body the endpoint would accept.
  void not_json() {
    const auto f = FuzzFamily::not_json;
    std::vector<std::pair<std::string, json>> posts = {
        {"/auth/register", valid_registration()},
        {"/auth/api-key", json{{"email", "fuzz-{run}@example.com"}, {"password", "fuzz-password"}}},
        {"/tasks/", valid_task()}};
    if (in_.state == TaskState::awaiting_reply) {
      posts.emplace_back("/tasks/" + task_ + "/message", json{{"message", "A reply."}});
    }
    if (in_.state == TaskState::awaiting_solution_approval) {
      posts.emplace_back("/tasks/" + task_ + "/solution-status", json{{"status", "CONFIRMED"}});
    }
    for (const auto& [path, valid] : posts) {
      const std::string text = valid.dump();
      const auto cut = 1 + draw(text.size() - 1);  // a proper prefix of an object is never JSON
      const std::string first_key = valid.begin().key();
      std::string single_quoted = text;
      std::replace(single_quoted.begin(), single_quoted.end(), '"', '\'');
      std::string bad_utf8 = text;
      bad_utf8.insert(bad_utf8.rfind('"'), "\xff\xfe");  // inside the last string
      json others = valid;
      others.erase(first_key);
      const std::string rest = others.dump();  // "{...}"
      const std::string nan = "{" + json(first_key).dump() + ":NaN" +
                              (rest == "{}" ? "}" : "," + rest.substr(1));
      const std::vector<std::pair<std::string, std::string>> bodies = {
          {"", "an empty body"},
          {text.substr(0, cut), "cut after " + std::to_string(cut) + " of " +
                                    std::to_string(text.size()) + " bytes"},
          {text + "}", "a stray } after the object"},
          {single_quoted, "single quotes"},
          {bad_utf8, "bytes FF FE (not UTF-8) in a string"},
          {nan, first_key + ": NaN (not a JSON number)"},
          {"/* comment */ " + text, "a comment before the object"},
      };
      for (const auto& [body, what] : bodies) {
        add(f, "POST", path, body, {422}, "M.http.unparseable", what);
      }
    }
  }

  void unknown_path() {
    const auto f = FuzzFamily::unknown_path;
    for (const std::string& p :
         {std::string("/nothing-here"), std::string("/auth/nothing-here"),
          "/tasks/" + task_ + "/nothing-here", "/tasks/" + task_ + "/message/extra"}) {
      add(f, "GET", p, std::nullopt, {404}, "M.http.unknown_path", "an unknown path");
    }
  }

  std::string random_uuid() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) id += '-';
      int v = static_cast<int>(draw(16));
      if (i == 12) v = 4;                // version 4
      if (i == 16) v = 8 | (v & 3);      // the RFC 4122 variant
      id += kHex[v];
    }
    return id;
  }

  void task_id() {
    const auto f = FuzzFamily::task_id;
    const std::string rule = "G.isolation.not_found";
    const std::string unknown = random_uuid();
    const std::vector<std::tuple<std::string, std::string, std::optional<std::string>>> calls = {
        {"GET", "", std::nullopt},
        {"GET", "/events", std::nullopt},
        {"GET", "/result", std::nullopt},
        {"POST", "/message", json{{"message", "A reply."}}.dump()},
        {"POST", "/solution-status", json{{"status", "CONFIRMED"}}.dump()},
        {"POST", "/cancel", std::nullopt}};
    for (const auto& [m, suffix, body] : calls) {
      add(f, m, "/tasks/" + unknown + suffix, body, {404}, rule, "a task id nobody has");
    }
    // Malformed ids: a deployment that types the id as a UUID may refuse with 422 instead, and a
    // front may refuse the URI before the API sees it (nginx answers 400 to an encoded NUL).
    for (const auto& [id, what] : std::vector<std::pair<std::string, std::string>>{
             {"not-a-uuid", "not a UUID"},
             {unknown.substr(0, 35) + "g", "a UUID with a non-hex digit"},
             {std::string(1000, 'a'), "1,000 characters"},
             {"%00", "a percent-encoded NUL"},
             {"..%2F..%2Fauth%2Fregister", "an encoded path traversal"}}) {
      add(f, "GET", "/tasks/" + id, std::nullopt, {400, 404, 422}, rule, "task id: " + what);
    }
  }

  void wrong_methods() {
    const auto f = FuzzFamily::method;
    const std::string t = "/tasks/" + task_;
    for (const auto& [m, p] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/auth/register"},
             {"GET", "/auth/api-key"},
             {"PUT", "/tasks/"},
             {"GET", t + "/message"},
             {"GET", t + "/solution-status"},
             {"GET", t + "/cancel"},
             {"POST", t + "/events"},
             {"POST", t + "/result"},
             {"POST", t},
             {"PATCH", t},
             {"DELETE", "/tasks/"},
             {"DELETE", t}}) {
      add(f, m, p, std::nullopt, {405}, "M.http.method", m + " is not a method of this path");
    }
  }

  void bad_keys() {
    const auto f = FuzzFamily::auth;
    const std::string t = "/tasks/" + task_;
    const std::vector<std::tuple<std::string, std::string, std::optional<std::string>>> calls = {
        {"GET", "/tasks/", std::nullopt},
        {"POST", "/tasks/", valid_task().dump()},
        {"GET", t, std::nullopt},
        {"GET", t + "/events", std::nullopt},
        {"GET", t + "/result", std::nullopt},
        {"POST", t + "/message", json{{"message", "A reply."}}.dump()},
        {"POST", t + "/solution-status", json{{"status", "CONFIRMED"}}.dump()},
        {"POST", t + "/cancel", std::nullopt}};
    for (const auto& [m, p, body] : calls) {
      for (const auto key : {FuzzCase::Key::none, FuzzCase::Key::invalid}) {
        add(f, m, p, body, {401}, "G.auth.required",
            key == FuzzCase::Key::none ? "no Authorization header" : "an invalid key")
            .key = key;
      }
    }
  }

  const FuzzInput& in_;
  std::vector<FuzzCase>& out_;
  std::mt19937_64 rng_;
  std::string task_;  // "{TASK}"
  int emails_ = 0;
};

}  // namespace

std::string_view to_string(FuzzFamily f) { return kNames[static_cast<std::size_t>(f)]; }

std::optional<FuzzFamily> parse_fuzz_family(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<FuzzFamily>(i);
  }
  return std::nullopt;
}

std::string fuzz_family_names() {
  std::string out;
  for (auto n : kNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool fuzz_family_applies(FuzzFamily family, TaskState state) {
  if (family == FuzzFamily::message_body) return state == TaskState::awaiting_reply;
  if (family == FuzzFamily::solution_body) return state == TaskState::awaiting_solution_approval;
  return true;
}

std::vector<FuzzCase> fuzz_cases(const FuzzInput& in) {
  std::vector<FuzzCase> all;
  Generator gen(in, all);
  for (std::size_t i = 0; i < kFuzzFamilies; ++i) {
    const auto f = static_cast<FuzzFamily>(i);
    const bool wanted =
        in.families.empty() || std::find(in.families.begin(), in.families.end(), f) !=
                                   in.families.end();
    if (wanted && fuzz_family_applies(f, in.state)) gen.family(f);
  }
  if (in.max_cases == 0 || in.max_cases >= all.size()) return all;

  // A seeded sample: each family's cases shuffled, then the families take turns.
  std::mt19937_64 rng(in.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<std::vector<std::size_t>> by_family(kFuzzFamilies);
  for (std::size_t i = 0; i < all.size(); ++i) {
    by_family[static_cast<std::size_t>(all[i].family)].push_back(i);
  }
  for (auto& v : by_family) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
  }
  std::vector<std::size_t> chosen;
  for (std::size_t round = 0; chosen.size() < in.max_cases; ++round) {
    for (const auto& v : by_family) {
      if (round < v.size() && chosen.size() < in.max_cases) chosen.push_back(v[round]);
    }
  }
  std::sort(chosen.begin(), chosen.end());  // back in sending order
  std::vector<FuzzCase> sample;
  sample.reserve(chosen.size());
  for (auto i : chosen) sample.push_back(std::move(all[i]));
  return sample;
}

}  // namespace agentwork::harness
