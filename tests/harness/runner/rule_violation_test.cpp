// Every rule of the catalogue can fail. The per-response checks have their own table of violating
// responses (contract_checks_test.cpp); every other rule (lifecycle, timestamps and message ids
// across polls, negative requests, the event log against the client's actions, stalls) is
// proved here end to end: a scenario runs against the real mock with one answer deliberately
// broken, and the run must report that rule. A last test checks that the two tables together
// cover the whole catalogue.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "harness/checks/contract_checks.hpp"
#include "common/rules.hpp"
#include "tests/harness/runner/runner_fixture.hpp"

namespace agentwork::harness {
namespace {

using Edit = BrokenMock::Edit;

struct Violation {
  static constexpr const char* kAsk = R"({"steps": [
    {"do": "work", "seconds": 1},
    {"do": "ask", "questions": [{"type": "single_select", "question": "Which?", "options": ["A", "B"]}]},
    {"do": "work", "seconds": 1},
    {"do": "propose", "files": [{"name": "a.txt", "content": "A"}], "on_reject": {"revise": 1}}]})";

  Violation(std::string r, std::string s, Edit e, std::string a = kAsk,
            std::function<void(mock::MockConfig&)> c = {})
      : rule(std::move(r)),
        steps(std::move(s)),
        edit(std::move(e)),
        agent(std::move(a)),
        configure(std::move(c)) {}

  std::string rule;
  std::string steps;  // the scenario's steps (JSON array body)
  Edit edit;          // what the broken mock gets wrong
  std::string agent;  // the agent script (JSON object)
  std::function<void(mock::MockConfig&)> configure;
  std::string policy;  // the scenario's policy (JSON object); empty: none
  // The scenario passes on the real mock (false: it fails there too, for another reason).
  bool passes_unbroken = true;
};

// The status of matching responses changed from `from` to `to` (any when from is 0).
Edit restatus(std::string method, std::function<bool(const std::string&)> path, int from, int to,
              std::string body = "") {
  return [=](const mock::HttpRequest& r, mock::HttpResponse& response) {
    if (r.method != method || !path(r.target) || (from && response.status != from)) return;
    response.status = to;
    if (!body.empty()) response.body = body;
  };
}
auto ends_with(std::string suffix) {
  return [suffix](const std::string& t) { return t.ends_with(suffix); };
}
auto equals(std::string path) {
  return [path](const std::string& t) { return t == path; };
}

// Keeps answering status polls with the body seen before the client's first accepted `action`
// (a POST whose path ends with it): the action seems to have had no effect.
Edit frozen_after(std::string action) {
  struct State {
    std::string last_body;
    bool acted = false;
  };
  auto state = std::make_shared<State>();
  return [state, action](const mock::HttpRequest& r, mock::HttpResponse& response) {
    if (r.method == "POST" && r.target.ends_with(action) && response.status == 200) {
      state->acted = true;
    } else if (is_status_poll(r) && response.status == 200) {
      if (state->acted) {
        response.body = state->last_body;
      } else {
        state->last_body = response.body;
      }
    }
  };
}

const std::string kCreate = R"({"do": "create", "task": "t1", "title": "T", "description": "D"})";
const std::string kToQuestion = kCreate + R"(, {"do": "await", "status": "awaiting_reply"})";
const std::string kToProposal = kToQuestion + R"(, {"do": "reply", "answers": "auto"},
    {"do": "await", "status": "awaiting_solution_approval"})";
const std::string kToCompleted = kToProposal + R"(, {"do": "approve"},
    {"do": "await", "status": "completed"})";

std::string request(const std::string& method, const std::string& path, int status,
                    const std::string& rule, const std::string& extra = "") {
  return R"({"do": "request", "method": ")" + method + R"(", "path": ")" + path +
         R"(", "expect_status": )" + std::to_string(status) + R"(, "rule": ")" + rule + "\"" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

std::vector<Violation> violations() {
  std::vector<Violation> v;
  // --- Lifecycle, across polls (the trace checker, fed by the runner) ---
  v.push_back({"G.lifecycle.edges",
               kToQuestion + R"(, {"do": "expect", "status": "awaiting_reply"})",
               [n = std::make_shared<int>(0)](const mock::HttpRequest& r, mock::HttpResponse& x) {
                 // The second awaiting_reply poll shows a proposal nobody asked for.
                 if (!is_status_poll(r) || x.body.find("awaiting_reply") == std::string::npos) {
                   return;
                 }
                 if (++*n < 2) return;
                 auto j = json::parse(x.body);
                 j["status"] = "awaiting_solution_approval";
                 j.erase("question");
                 j["solution"] = {{"message_id", "5f0e8400-e29b-41d4-a716-446655440000"},
                                  {"content", "done"}};
                 x.body = j.dump();
               }});
  v.push_back({"G.lifecycle.terminal",
               kToCompleted + R"(, {"do": "expect", "status": "completed"})",
               [n = std::make_shared<int>(0)](const mock::HttpRequest& r, mock::HttpResponse& x) {
                 if (!is_status_poll(r) || x.body.find("\"completed\"") == std::string::npos) {
                   return;
                 }
                 if (++*n < 2) return;
                 auto j = json::parse(x.body);
                 j["status"] = "processing";
                 x.body = j.dump();
               }});
  v.push_back({"G.lifecycle.completion_needs_confirm",
               kCreate + R"(, {"do": "await", "status": ["awaiting_reply", "completed"]})",
               edit_json(is_status_poll, [](json& j) {
                 if (j["status"] != "awaiting_reply") return;
                 j["status"] = "completed";
                 j.erase("question");
               })});
  v.push_back({"M.lifecycle.system_cancel",
               kCreate + R"(, {"do": "await", "status": ["processing", "cancelled"]})",
               edit_json(is_status_poll, [](json& j) { j["status"] = "cancelled"; }),
               R"({"steps": [{"do": "stall"}]})"});
  v.push_back({"G.status.last_activity_at.changes", kToProposal,
               edit_json(is_status_poll,
                         [](json& j) { j["last_activity_at"] = "2026-01-01T00:00:00.000000Z"; })});
  v.push_back({"G.status.last_activity_at.monotonic", kToProposal,
               [n = std::make_shared<int>(50)](const mock::HttpRequest& r, mock::HttpResponse& x) {
                 if (!is_status_poll(r) || *n <= 10) return;
                 auto j = json::parse(x.body);
                 j["last_activity_at"] = "2026-01-01T00:00:" + std::to_string(--*n) + ".000000Z";
                 x.body = j.dump();
               }});
  v.push_back({"M.status.message_id.new", kToProposal + R"(, {"do": "reject", "reason": "no"},
                 {"do": "await", "status": "awaiting_solution_approval"})",
               edit_json(is_status_poll, [](json& j) {
                 if (j.contains("solution")) {
                   j["solution"]["message_id"] = "6f0e8400-e29b-41d4-a716-446655440000";
                 }
               })});
  v.push_back({"G.solution.confirm", kToProposal + R"(, {"do": "approve"},
                 {"do": "await", "status": "completed", "timeout_seconds": 20})",
               frozen_after("/solution-status")});
  v.push_back({"G.cancel.cancels", kToQuestion + R"(, {"do": "cancel"},
                 {"do": "await", "status": "cancelled", "timeout_seconds": 20})",
               frozen_after("/cancel")});
  v.push_back({"G.message.reply_resumes", kToQuestion + R"(, {"do": "reply", "answers": "auto"},
                 {"do": "await", "status": "awaiting_solution_approval", "timeout_seconds": 20})",
               frozen_after("/message")});
  v.push_back({"G.solution.reject", kToProposal + R"(, {"do": "reject", "reason": "no"},
                 {"do": "await", "status": "processing", "timeout_seconds": 20})",
               frozen_after("/solution-status")});
  {
    // Cancelling the stalled task is refused. (On the real mock the re-created task stalls
    // too, with the same script, and the policy then fails it: S.stall, not this rule.)
    Violation stall{"G.stall.last_activity", kCreate + R"(, {"do": "await", "status": "processing"},
                      {"do": "advance_clock", "seconds": 400}, {"do": "run_policy"})",
                    restatus("POST", ends_with("/cancel"), 200, 409, R"({"detail":"no"})"),
                    R"({"steps": [{"do": "stall"}]})"};
    stall.policy = R"({"on_stall": {"after_seconds": 300, "action": "cancel_and_recreate"}})";
    stall.passes_unbroken = false;
    v.push_back(stall);
  }

  // --- Registration and keys ---
  const std::string reg = R"({"do": "register", "email": "taken-{run}@example.com"})";
  v.push_back({"G.register.email_taken",
               reg + ", " +
                   request("POST", "/auth/register", 409, "G.register.email_taken",
                           R"("body": {"email": "taken-{run}@example.com", "name": "N"})"),
               restatus("POST", equals("/api/v1/auth/register"), 409, 201)});
  v.push_back({"M.register.email_case",
               reg + ", " +
                   request("POST", "/auth/register", 409, "M.register.email_case",
                           R"("body": {"email": "TAKEN-{run}@EXAMPLE.COM", "name": "N"})"),
               restatus("POST", equals("/api/v1/auth/register"), 409, 201)});
  v.push_back({"M.register.invalid",
               request("POST", "/auth/register", 422, "M.register.invalid",
                       R"("body": {"email": "x@example.com"})"),
               restatus("POST", equals("/api/v1/auth/register"), 422, 201)});
  v.push_back({"G.register.organization_optional",
               request("POST", "/auth/register", 201, "G.register.organization_optional",
                       R"("body": {"email": "no-org@example.com", "name": "N"})"),
               [](const mock::HttpRequest& r, mock::HttpResponse& x) {
                 if (r.target == "/api/v1/auth/register" &&
                     r.body.find("organization_name") == std::string::npos &&
                     r.body.find("no-org") != std::string::npos) {
                   x.status = 422;
                   x.body = R"({"detail":"organization_name: required"})";
                 }
               }});
  v.push_back(
      {"M.api_key.bad_credentials",
       request("POST", "/auth/api-key", 401, "M.api_key.bad_credentials",
               R"("body": {"email": "nobody@example.com", "password": "wrong"}, "auth": "none")"),
       restatus("POST", equals("/api/v1/auth/api-key"), 401, 201)});
  v.push_back({"G.auth.required",
               request("GET", "/tasks/", 401, "G.auth.required", R"("auth": "none")"),
               restatus("GET", equals("/api/v1/tasks/"), 401, 200, R"({"tasks":[]})")});

  // --- Tasks: create, isolation ---
  v.push_back({"M.create.invalid",
               request("POST", "/tasks/", 422, "M.create.invalid",
                       R"("body": {"title": "", "description": "D"})"),
               restatus("POST", equals("/api/v1/tasks/"), 422, 201)});
  v.push_back({"M.credits.exhausted",
               kCreate + ", " +
                   request("POST", "/tasks/", 402, "M.credits.exhausted",
                           R"("body": {"title": "T", "description": "D"})"),
               restatus("POST", equals("/api/v1/tasks/"), 402, 201), Violation::kAsk,
               [](mock::MockConfig& c) {
                 c.credits.enabled = true;
                 c.credits.per_day = 10;
                 c.credits.task_cost = 10;
               }});
  v.push_back(
      {"G.isolation.not_found",
       R"({"do": "register", "account": "other"}, {"do": "use_account", "account": "main"},)" +
           kCreate + ", " +
           request("GET", "/tasks/{t1}", 404, "G.isolation.not_found", R"("auth": "other")"),
       restatus(
           "GET", [](const std::string& t) { return t.starts_with("/api/v1/tasks/"); }, 404, 200)});
  v.push_back(
      {"G.isolation.list",
       R"({"do": "register", "account": "other"}, {"do": "use_account", "account": "main"},)" +
           kCreate + R"(, {"do": "use_account", "account": "other"},
                     {"do": "list", "absent": ["t1"]})",
       [ids = std::make_shared<std::vector<std::string>>()](const mock::HttpRequest& r,
                                                            mock::HttpResponse& x) {
         if (r.method == "POST" && r.target == "/api/v1/tasks/" && x.status == 201) {
           ids->push_back(json::parse(x.body)["task_id"]);
         } else if (r.method == "GET" && r.target == "/api/v1/tasks/" && x.status == 200) {
           auto j = json::parse(x.body);
           for (const auto& id : *ids) {
             j["tasks"].push_back({{"task_id", id},
                                   {"title", "T"},
                                   {"status", "processing"},
                                   {"created_at", "2026-01-01T00:00:00Z"},
                                   {"last_activity_at", "2026-01-01T00:00:00Z"}});
           }
           x.body = j.dump();
         }
       }});

  // --- Messages ---
  const auto message_400 = [](const char* needle) {
    return [needle](const mock::HttpRequest& r, mock::HttpResponse& x) {
      if (r.target.ends_with("/message") && r.body.find(needle) != std::string::npos) {
        x.status = 422;
        x.body = R"({"detail":"refused"})";
      }
    };
  };
  v.push_back({"G.message.content_alias",
               kToQuestion + ", " +
                   request("POST", "/tasks/{t1}/message", 200, "G.message.content_alias",
                           R"("body": {"content": "Use A."})"),
               message_400("\"content\"")});
  v.push_back({"G.message.plain_text",
               kToQuestion + ", " +
                   request("POST", "/tasks/{t1}/message", 200, "G.message.plain_text",
                           R"("body": {"message": "Use A."})"),
               message_400("\"message\"")});
  v.push_back({"M.message.wrong_state",
               kCreate + ", " +
                   request("POST", "/tasks/{t1}/message", 409, "M.message.wrong_state",
                           R"("body": {"message": "hi"})"),
               restatus("POST", ends_with("/message"), 409, 200),
               R"({"steps": [{"do": "stall"}]})"});
  v.push_back(
      {"M.message.invalid",
       kToQuestion + ", " +
           request("POST", "/tasks/{t1}/message", 422, "M.message.invalid", R"("body": {})"),
       restatus("POST", ends_with("/message"), 422, 200)});
  const auto replace_reply_events = [](std::string content) {
    return edit_json([](const mock::HttpRequest& r) { return r.target.ends_with("/events"); },
                     [content](json& j) {
                       for (auto& e : j["events"]) {
                         if (e["type"] == "reply") e["content"] = content;
                       }
                     });
  };
  v.push_back({"G.message.answers_win", kToQuestion + R"(, {"do": "reply", "message": "Just do it.",
                  "answers": [{"question_index": 0, "selected": "B"}]},
                 {"do": "events"})",
               replace_reply_events("Just do it.")});
  v.push_back(
      {"M.events.answers_shown",
       kToQuestion + R"(, {"do": "reply", "answers": [{"question_index": 0, "selected": "B"}]},
                 {"do": "events"})",
       replace_reply_events("(answered)")});
  v.push_back({"M.events.client_actions", kToProposal + R"(, {"do": "events"})",
               edit_json([](const mock::HttpRequest& r) { return r.target.ends_with("/events"); },
                         [](json& j) {
                           json kept = json::array();
                           for (auto& e : j["events"]) {
                             if (e["type"] != "reply") kept.push_back(e);
                           }
                           j["events"] = kept;
                         })});

  // --- Solutions, cancel, result ---
  v.push_back({"M.solution.wrong_state",
               kToQuestion + ", " +
                   request("POST", "/tasks/{t1}/solution-status", 409, "M.solution.wrong_state",
                           R"("body": {"status": "CONFIRMED"})"),
               restatus("POST", ends_with("/solution-status"), 409, 200)});
  v.push_back({"M.solution.invalid",
               kToProposal + ", " +
                   request("POST", "/tasks/{t1}/solution-status", 422, "M.solution.invalid",
                           R"("body": {"status": "MAYBE"})"),
               restatus("POST", ends_with("/solution-status"), 422, 200)});
  v.push_back({"M.cancel.terminal",
               kCreate + R"(, {"do": "cancel"}, )" +
                   request("POST", "/tasks/{t1}/cancel", 409, "M.cancel.terminal"),
               restatus("POST", ends_with("/cancel"), 409, 200)});
  v.push_back({"M.result.not_completed",
               kCreate + ", " + request("GET", "/tasks/{t1}/result", 409, "M.result.not_completed"),
               restatus("GET", ends_with("/result"), 409, 200)});

  // --- HTTP ---
  v.push_back({"M.http.unparseable",
               request("POST", "/tasks/", 422, "M.http.unparseable", R"("raw_body": "{not json")"),
               restatus("POST", equals("/api/v1/tasks/"), 422, 400)});
  v.push_back({"M.http.method", request("DELETE", "/tasks/", 405, "M.http.method"),
               restatus("DELETE", equals("/api/v1/tasks/"), 405, 404)});
  v.push_back({"M.http.unknown_path", request("GET", "/no-such-thing", 404, "M.http.unknown_path"),
               restatus("GET", equals("/api/v1/no-such-thing"), 404, 200, "{}")});
  v.push_back({"M.http.tasks_slash", request("GET", "/tasks", 200, "M.http.tasks_slash"),
               restatus("GET", equals("/api/v1/tasks"), 200, 404, R"({"detail":"Not Found"})")});
  return v;
}

void PrintTo(const Violation& v, std::ostream* os) {
  *os << v.rule;
}

class RuleViolations : public testing::TestWithParam<Violation> {};

TEST_P(RuleViolations, TheBrokenAnswerIsReportedUnderItsRule) {
  const auto& v = GetParam();
  auto config = mock_config();
  if (v.configure) v.configure(config);
  // The request steps' own rule ids are the ones under test: without the edit they pass.
  for (const bool broken : {false, true}) {
    BrokenMock server(broken ? v.edit : Edit{}, config);
    Runner runner(config_for(server.base));
    const std::string text = R"({"name": ")" + v.rule + R"(", "timeout_seconds": 300,
        "agent": )" + v.agent +
                             (v.policy.empty() ? "" : R"(, "policy": )" + v.policy) +
                             R"(, "steps": [)" + v.steps + "]}";
    const auto result = runner.run({scenario(text)});
    ASSERT_EQ(result.scenarios.size(), 1u);
    const auto& s = result.scenarios[0];
    if (broken) {
      EXPECT_TRUE(has_finding(s, v.rule, Severity::failure)) << describe(s);
      EXPECT_NE(s.verdict, Verdict::passed);
    } else {
      EXPECT_FALSE(has_finding(s, v.rule, Severity::failure)) << describe(s);
      if (v.passes_unbroken) {
        EXPECT_EQ(s.verdict, Verdict::passed)
            << "the scenario must pass on the real mock: " << describe(s);
      }
    }
  }
}

std::string case_name(const testing::TestParamInfo<Violation>& info) {
  std::string name = info.param.rule;
  for (auto& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(EveryRule, RuleViolations, testing::ValuesIn(violations()), case_name);

TEST(RuleViolations, TogetherWithTheResponseChecksEveryCatalogueRuleCanFail) {
  std::set<std::string_view> proved;
  for (const auto id : contract_check_rule_ids()) proved.insert(id);  // contract_checks_test
  const auto cases = violations();
  for (const auto& v : cases) proved.insert(v.rule);
  for (const auto& rule : all_rules()) {
    // The MCP rules are proved by the MCP sweeps: tests/mcp/mcp_sweep_test.cpp (the checks) and
    // CTest mcp.harness_sweep (agentwork run --via mcp against agentwork-mcp --violate RULE).
    if (is_mcp_rule(rule)) continue;
    EXPECT_TRUE(proved.contains(rule.id)) << rule.id;
  }
}

}  // namespace
}  // namespace agentwork::harness
