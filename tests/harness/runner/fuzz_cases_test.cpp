// The `fuzz` step's generated requests (harness/runner/fuzz_cases.hpp): seeded and repeatable,
// the families a task's state allows, a sample that keeps every family; every JSON body the
// OpenAPI schemas can judge is invalid by valijson (a validator we did not write), every
// "not JSON" body is refused by nlohmann's strict parser; and the bundled mock (App::handle(),
// no sockets) answers each case with a status the case allows, leaving the task where it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"
#include "harness/checks/schema_validator.hpp"
#include "harness/runner/fuzz_cases.hpp"
#include "mock_server/app.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

FuzzInput input(TaskState state, std::uint64_t seed = 7) {
  FuzzInput in;
  in.task = "t1";
  in.state = state;
  in.seed = seed;
  if (state == TaskState::awaiting_reply) {
    in.questions = {{agentwork::QuestionType::text, {}},
                    {agentwork::QuestionType::single_select, {"A", "B"}},
                    {agentwork::QuestionType::multi_select, {"X", "Y", "Z"}}};
  }
  return in;
}

std::string describe(const FuzzCase& c) {
  return std::string(to_string(c.family)) + " " + c.method + " " + c.path + " (" + c.what + ")";
}

std::set<FuzzFamily> families_of(const std::vector<FuzzCase>& cases) {
  std::set<FuzzFamily> out;
  for (const auto& c : cases) out.insert(c.family);
  return out;
}

TEST(FuzzCases, TheSameInputGivesTheSameCasesAndAnotherSeedOthers) {
  const auto a = fuzz_cases(input(TaskState::awaiting_reply, 7));
  const auto b = fuzz_cases(input(TaskState::awaiting_reply, 7));
  const auto c = fuzz_cases(input(TaskState::awaiting_reply, 8));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), c.size());  // the seed draws values, not which cases there are
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].body, b[i].body);
    differ += a[i].path != c[i].path || a[i].body != c[i].body;
  }
  EXPECT_GT(differ, 3u) << "the seed should change the cut points, ids and case mixes";
}

TEST(FuzzCases, TheTaskStateDecidesTheBodyFamilies) {
  const auto processing = families_of(fuzz_cases(input(TaskState::processing)));
  EXPECT_FALSE(processing.count(FuzzFamily::message_body));
  EXPECT_FALSE(processing.count(FuzzFamily::solution_body));
  EXPECT_EQ(processing.size(), kFuzzFamilies - 2);

  const auto replying = families_of(fuzz_cases(input(TaskState::awaiting_reply)));
  EXPECT_TRUE(replying.count(FuzzFamily::message_body));
  EXPECT_FALSE(replying.count(FuzzFamily::solution_body));

  const auto approving = families_of(fuzz_cases(input(TaskState::awaiting_solution_approval)));
  EXPECT_FALSE(approving.count(FuzzFamily::message_body));
  EXPECT_TRUE(approving.count(FuzzFamily::solution_body));
}

TEST(FuzzCases, StructuredQuestionsGetOutOfRangeIndicesAndWrongShapes) {
  std::vector<std::string> whats;
  for (const auto& c : fuzz_cases(input(TaskState::awaiting_reply))) {
    if (c.family == FuzzFamily::message_body) whats.push_back(c.what);
  }
  auto has = [&](const std::string& part) {
    return std::any_of(whats.begin(), whats.end(),
                       [&](const std::string& w) { return w.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has("question_index: 3, out of range (3 questions)"));
  EXPECT_TRUE(has("question_index: -1"));
  EXPECT_TRUE(has("a list for question 0 (text)"));
  EXPECT_TRUE(has("a list for question 1 (single_select)"));
  EXPECT_TRUE(has("a string for question 2 (multi_select)"));
}

TEST(FuzzCases, ASampleKeepsEveryFamilyAndTheSendingOrder) {
  const auto all = fuzz_cases(input(TaskState::awaiting_reply));
  FuzzInput in = input(TaskState::awaiting_reply);
  in.max_cases = kFuzzFamilies - 1;  // the families that apply here
  const auto few = fuzz_cases(in);
  ASSERT_EQ(few.size(), kFuzzFamilies - 1);
  EXPECT_EQ(families_of(few), families_of(all));

  in.max_cases = 40;
  const auto sample = fuzz_cases(in);
  ASSERT_EQ(sample.size(), 40u);
  std::size_t at = 0;  // each sampled case is one of all's, in all's order
  for (const auto& c : sample) {
    while (at < all.size() && !(all[at].path == c.path && all[at].body == c.body &&
                                all[at].method == c.method && all[at].key == c.key)) {
      ++at;
    }
    ASSERT_LT(at, all.size()) << describe(c) << " is not a case of the whole set, in order";
    ++at;
  }
  in.seed = 8;
  EXPECT_NE(describe(fuzz_cases(in)[5]) + describe(fuzz_cases(in)[20]),
            describe(sample[5]) + describe(sample[20]));

  in.families = {FuzzFamily::auth};
  in.max_cases = 0;
  const auto auth = fuzz_cases(in);
  EXPECT_EQ(auth.size(), 16u);  // 8 calls, each without a key and with an invalid one
  EXPECT_EQ(families_of(auth), std::set<FuzzFamily>{FuzzFamily::auth});
}

TEST(FuzzCases, FamilyNamesReadBack) {
  for (std::size_t i = 0; i < kFuzzFamilies; ++i) {
    const auto f = static_cast<FuzzFamily>(i);
    EXPECT_EQ(parse_fuzz_family(to_string(f)), f);
  }
  EXPECT_FALSE(parse_fuzz_family("bodies"));
}

// The schema each body family's JSON bodies are judged by.
const std::map<FuzzFamily, std::string> kSchemaOf = {
    {FuzzFamily::register_body, "RegisterRequest"},
    {FuzzFamily::create_body, "CreateTaskRequest"},
    {FuzzFamily::message_body, "MessageRequest"},
    {FuzzFamily::solution_body, "SolutionDecision"}};

// What the contract's prose forbids but a JSON Schema of the body cannot say: an empty name or
// e-mail (RegisterRequest has no minLength), an address that is not one, an index past the
// questions the task asked, a selection of the wrong shape for its question's type.
bool beyond_the_schema(const FuzzCase& c) {
  for (const char* part : {"email: empty", "name: empty", "email: not an address",
                           "out of range (", "answers[0].selected:"}) {
    if (c.what.find(part) != std::string::npos && c.what.find("-1") == std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(FuzzCases, EveryBodyCaseIsInvalidByValijsonOrNamedAsBeyondTheSchema) {
  std::size_t judged = 0, beyond = 0;
  for (const auto state : {TaskState::awaiting_reply, TaskState::awaiting_solution_approval}) {
    for (const auto& c : fuzz_cases(input(state))) {
      const auto schema = kSchemaOf.find(c.family);
      if (schema == kSchemaOf.end() || !c.body) continue;
      const json body = json::parse(*c.body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << describe(c) << ": a body case must be JSON";
      const bool invalid = !validate_against(schema->second, body).empty();
      if (beyond_the_schema(c)) {
        EXPECT_FALSE(invalid) << describe(c) << " is judged by the schema: not beyond it";
        ++beyond;
      } else {
        EXPECT_TRUE(invalid) << describe(c) << ": valijson finds this body valid";
        ++judged;
      }
    }
  }
  // In each of the two states - judged: register 2 missing + 10 wrong types + 1 deep; create
  // 2 + 10 + 2 empty; beyond: register 2 empty + 5 addresses. Then message: judged {} + an
  // unknown field + 3 answers not a list + index -1 + 8 wrong types; beyond 3 indices + 3
  // shapes. Solution: judged 1 missing + 7 values + 5 types.
  EXPECT_EQ(judged, 2 * (13u + 14u) + 14u + 13u);
  EXPECT_EQ(beyond, 2 * 7u + 3u + 3u);
}

TEST(FuzzCases, EveryNotJsonBodyIsRefusedByAStrictParser) {
  std::size_t n = 0;
  for (const auto& c : fuzz_cases(input(TaskState::awaiting_reply))) {
    if (c.family != FuzzFamily::not_json) continue;
    ASSERT_TRUE(c.body);
    EXPECT_TRUE(json::parse(*c.body, nullptr, false).is_discarded())
        << describe(c) << ": nlohmann parses this body";
    EXPECT_EQ(c.expect, std::vector<int>{422});
    ++n;
  }
  EXPECT_EQ(n, 4u * 7u);  // register, api-key, create and message; 7 bodies each
}

// Every case through the bundled mock's App::handle(): a status the case allows, an error body
// the contract checks accept, and a task still waiting for the client afterwards.
class FuzzCasesOnTheMock : public testing::Test {
 protected:
  FuzzCasesOnTheMock() {
    mock::MockConfig config;
    config.start_frozen = true;
    app_ = std::make_unique<mock::App>(config);
    key_ = json::parse(send("POST", "/api/v1/auth/register",
                            R"({"email":"owner@example.com","name":"Owner"})", true)
                           .body)
               .value("api_key", "");
  }

  mock::HttpResponse send(const std::string& method, const std::string& target,
                          std::optional<std::string> body, bool with_key,
                          const std::string& key = {}) {
    mock::HttpRequest req;
    req.method = method;
    req.target = target;
    req.host = "mock.test:8080";
    if (with_key) req.authorization = "Bearer " + (key.empty() ? key_ : key);
    if (body) {
      req.body = *body;
      req.content_type = "application/json";
    }
    return app_->handle(req);
  }

  std::string create(const json& script) {
    const auto r = send("POST", "/api/v1/tasks/",
                        json{{"title", "T"}, {"description", "D"}, {"mock_script", script}}.dump(),
                        true);
    return json::parse(r.body).value("task_id", "");
  }
  std::string status(const std::string& id) {
    return json::parse(send("GET", "/api/v1/tasks/" + id, std::nullopt, true).body)
        .value("status", "");
  }

  // Sends every case of `in` for task `id`; each must get a status it allows. Returns how many.
  std::size_t send_all(const FuzzInput& in, const std::string& id) {
    int run = 0;
    std::size_t sent = 0;
    for (const auto& c : fuzz_cases(in)) {
      std::string path = c.path;
      if (const auto at = path.find("{t1}"); at != std::string::npos) path.replace(at, 4, id);
      std::optional<std::string> body = c.body;
      if (body) {
        for (auto at = body->find("{run}"); at != std::string::npos; at = body->find("{run}")) {
          body->replace(at, 5, "r" + std::to_string(++run));
        }
      }
      const auto r = send(c.method, "/api/v1" + path, body, c.key != FuzzCase::Key::none,
                          c.key == FuzzCase::Key::invalid ? "aw_live_not_a_key_at_all" : "");
      ++sent;
      EXPECT_TRUE(std::find(c.expect.begin(), c.expect.end(), r.status) != c.expect.end())
          << describe(c) << " -> " << r.status << " " << r.body;
      const Exchange ex{c.method, path, r.status, r.headers, r.body};
      for (const auto& f : check_response(Endpoint::task_status, ex, {})) {
        ADD_FAILURE() << describe(c) << " -> " << r.status << ": " << f.rule_id << ": " << f.detail;
      }
    }
    return sent;
  }

  std::unique_ptr<mock::App> app_;
  std::string key_;
};

TEST_F(FuzzCasesOnTheMock, AWaitingReplyTaskRefusesEveryCaseAndStillWaits) {
  const std::string id = create(json::parse(R"({"steps":[
      {"do":"ask","questions":[{"type":"text","question":"Why?"},
        {"type":"single_select","question":"Which?","options":["A","B"]},
        {"type":"multi_select","question":"What?","options":["X","Y","Z"]}]},
      {"do":"propose","content":"Done"}]})"));
  ASSERT_EQ(status(id), "awaiting_reply");
  EXPECT_EQ(send_all(input(TaskState::awaiting_reply), id),
            fuzz_cases(input(TaskState::awaiting_reply)).size());
  EXPECT_GT(fuzz_cases(input(TaskState::awaiting_reply)).size(), 120u);
  EXPECT_EQ(status(id), "awaiting_reply");
}

TEST_F(FuzzCasesOnTheMock, ATaskAwaitingApprovalRefusesEveryCaseAndStillWaits) {
  const std::string id = create(json::parse(R"({"steps":[{"do":"propose","content":"Done"}]})"));
  ASSERT_EQ(status(id), "awaiting_solution_approval");
  EXPECT_GT(send_all(input(TaskState::awaiting_solution_approval), id), 100u);
  EXPECT_EQ(status(id), "awaiting_solution_approval");
}

}  // namespace
}  // namespace agentwork::harness
