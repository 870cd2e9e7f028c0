// Agent scripts: parsing every step kind and field, every error with its JSON path, the
// to_json round trip, the clarifying-questions content.
#include "common/agent_script.hpp"

#include <algorithm>
#include <ostream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace agentwork {
namespace {

using nlohmann::json;

AgentScript parse_ok(const json& j) {
  std::string error;
  auto script = parse_agent_script(j, error);
  EXPECT_TRUE(script.has_value()) << error;
  EXPECT_EQ(error, "");
  return script ? *script : AgentScript{};
}

// The error message of a script that must not parse.
std::string parse_error(const json& j) {
  std::string error;
  auto script = parse_agent_script(j, error);
  EXPECT_FALSE(script.has_value()) << j.dump();
  return error;
}

json one_step(json step) {
  return json{{"steps", json::array({std::move(step)})}};
}

TEST(ParseAgentScript, WorkStepWithAllFields) {
  const auto s = parse_ok(
      json::parse(R"({"name":"n","steps":[{"do":"work","seconds":12.5,"note":"Thinking"}]})"));
  EXPECT_EQ(s.name, "n");
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].kind, Step::Kind::work);
  EXPECT_DOUBLE_EQ(s.steps[0].seconds, 12.5);
  EXPECT_EQ(s.steps[0].text, "Thinking");
}

TEST(ParseAgentScript, WorkStepDefaults) {
  const auto s = parse_ok(one_step({{"do", "work"}, {"seconds", 0}}));
  EXPECT_EQ(s.name, "");
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_DOUBLE_EQ(s.steps[0].seconds, 0);
  EXPECT_EQ(s.steps[0].text, "Working on the task...");
}

TEST(ParseAgentScript, AskStepWithEveryQuestionType) {
  const auto s = parse_ok(json::parse(R"({"steps":[{"do":"ask","questions":[
      {"type":"text","question":"Why?","options":null},
      {"type":"text","question":"Who?"},
      {"type":"single_select","question":"Which?","options":["A"]},
      {"type":"multi_select","question":"What?","options":["1","2","3","4","5"]}]}]})"));
  ASSERT_EQ(s.steps.size(), 1u);
  const auto& step = s.steps[0];
  EXPECT_EQ(step.kind, Step::Kind::ask);
  ASSERT_EQ(step.questions.size(), 4u);
  EXPECT_EQ(step.questions[0].type, QuestionType::text);
  EXPECT_EQ(step.questions[0].question, "Why?");
  EXPECT_TRUE(step.questions[0].options.empty());
  EXPECT_EQ(step.questions[1].type, QuestionType::text);
  EXPECT_EQ(step.questions[1].question, "Who?");
  EXPECT_EQ(step.questions[2].type, QuestionType::single_select);
  EXPECT_EQ(step.questions[2].options, std::vector<std::string>{"A"});
  EXPECT_EQ(step.questions[3].type, QuestionType::multi_select);
  EXPECT_EQ(step.questions[3].options, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST(ParseAgentScript, MessageStep) {
  const auto s = parse_ok(one_step({{"do", "message"}, {"content", "Add tests?"}}));
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].kind, Step::Kind::message);
  EXPECT_EQ(s.steps[0].text, "Add tests?");
}

TEST(ParseAgentScript, ProposeStepWithAllFields) {
  const auto s = parse_ok(json::parse(R"({"steps":[{"do":"propose","content":"Solution",
      "result_text":"Done","files":[{"name":"a.txt","content":"A"},{"name":"dir/b.md"}],
      "on_reject":{"revise":2,"seconds":7.5,"then":"cancel"}}]})"));
  ASSERT_EQ(s.steps.size(), 1u);
  const auto& p = s.steps[0];
  EXPECT_EQ(p.kind, Step::Kind::propose);
  EXPECT_EQ(p.text, "Solution");
  EXPECT_EQ(p.result_text, "Done");
  ASSERT_EQ(p.files.size(), 2u);
  EXPECT_EQ(p.files[0].name, "a.txt");
  EXPECT_EQ(p.files[0].content, "A");
  EXPECT_EQ(p.files[1].name, "dir/b.md");
  EXPECT_EQ(p.files[1].content, "");
  EXPECT_EQ(p.on_reject.revise, 2);
  EXPECT_DOUBLE_EQ(p.on_reject.seconds, 7.5);
  EXPECT_EQ(p.on_reject.then, OnReject::Then::cancel);
}

TEST(ParseAgentScript, ProposeStepDefaults) {
  const auto s = parse_ok(one_step({{"do", "propose"}}));
  const auto& p = s.steps[0];
  EXPECT_EQ(p.text, "Here is my proposed solution.");
  EXPECT_EQ(p.result_text, "The task is complete.");
  EXPECT_TRUE(p.files.empty());
  EXPECT_EQ(p.on_reject.revise, -1);
  EXPECT_DOUBLE_EQ(p.on_reject.seconds, 10);
  EXPECT_EQ(p.on_reject.then, OnReject::Then::continue_script);
}

TEST(ParseAgentScript, OnRejectThenValuesAndDefaults) {
  auto then_of = [](const char* then) {
    return parse_ok(one_step({{"do", "propose"}, {"on_reject", {{"then", then}}}}))
        .steps[0]
        .on_reject.then;
  };
  EXPECT_EQ(then_of("continue"), OnReject::Then::continue_script);
  EXPECT_EQ(then_of("cancel"), OnReject::Then::cancel);
  EXPECT_EQ(then_of("stall"), OnReject::Then::stall);
  const auto empty = parse_ok(one_step({{"do", "propose"}, {"on_reject", json::object()}}));
  EXPECT_EQ(empty.steps[0].on_reject.revise, -1);
  EXPECT_DOUBLE_EQ(empty.steps[0].on_reject.seconds, 10);
  EXPECT_EQ(empty.steps[0].on_reject.then, OnReject::Then::continue_script);
  const auto zero = parse_ok(one_step({{"do", "propose"}, {"on_reject", {{"revise", 0}}}}));
  EXPECT_EQ(zero.steps[0].on_reject.revise, 0);
}

TEST(ParseAgentScript, StallAndCancelSteps) {
  const auto s = parse_ok(json::parse(
      R"({"steps":[{"do":"stall"},{"do":"cancel","reason":"Out of budget"},{"do":"cancel"}]})"));
  ASSERT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0].kind, Step::Kind::stall);
  EXPECT_EQ(s.steps[1].kind, Step::Kind::cancel);
  EXPECT_EQ(s.steps[1].text, "Out of budget");
  EXPECT_EQ(s.steps[2].kind, Step::Kind::cancel);
  EXPECT_EQ(s.steps[2].text, "The platform gave up on this task.");
}

TEST(ParseAgentScript, EmptyStepListIsAllowed) {
  const auto s = parse_ok(json::parse(R"({"steps":[]})"));
  EXPECT_TRUE(s.steps.empty());
}

TEST(ParseAgentScript, NullNameMeansNoName) {
  EXPECT_EQ(parse_ok(json::parse(R"({"name":null,"steps":[]})")).name, "");
}

// Every error names the JSON path and says what was expected there.
struct ErrorCase {
  const char* script;
  const char* message;
};

// A one-line name for test listings and failure messages (the default prints raw bytes).
void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.message;
}

class ParseAgentScriptError : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseAgentScriptError, NamesThePathAndTheReason) {
  EXPECT_EQ(parse_error(json::parse(GetParam().script)), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    AllErrors, ParseAgentScriptError,
    testing::Values(
        ErrorCase{R"([])", R"($: expected an object {"name"?, "steps": [...]})"},
        ErrorCase{R"("work")", R"($: expected an object {"name"?, "steps": [...]})"},
        ErrorCase{R"({"steps":[],"extra":1})",
                  "$.extra: unknown field (expected one of: name, steps)"},
        ErrorCase{R"({"name":5,"steps":[]})", "$.name: expected a string"},
        ErrorCase{R"({})", "$.steps: expected an array of steps"},
        ErrorCase{R"({"steps":{}})", "$.steps: expected an array of steps"},
        ErrorCase{R"({"steps":[5]})", R"($.steps[0]: expected a step object with a "do" field)"},
        ErrorCase{R"({"steps":[{}]})", "$.steps[0].do: required string is missing"},
        ErrorCase{R"({"steps":[{"do":7}]})", "$.steps[0].do: expected a string"},
        ErrorCase{
            R"({"steps":[{"do":"work","seconds":1},{"do":"dance"}]})",
            R"($.steps[1].do: expected one of work, ask, message, propose, stall, cancel; got "dance")"},
        ErrorCase{R"({"steps":[{"do":"work"}]})",
                  "$.steps[0].seconds: required number of seconds is missing"},
        ErrorCase{R"({"steps":[{"do":"work","seconds":"5"}]})",
                  "$.steps[0].seconds: expected a number of seconds"},
        ErrorCase{R"({"steps":[{"do":"work","seconds":-1}]})",
                  "$.steps[0].seconds: expected seconds between 0 and 10000000"},
        ErrorCase{R"({"steps":[{"do":"work","seconds":10000001}]})",
                  "$.steps[0].seconds: expected seconds between 0 and 10000000"},
        ErrorCase{R"({"steps":[{"do":"work","seconds":1,"note":3}]})",
                  "$.steps[0].note: expected a string"},
        ErrorCase{R"({"steps":[{"do":"work","seconds":1,"content":"x"}]})",
                  "$.steps[0].content: unknown field (expected one of: do, seconds, note)"},
        ErrorCase{R"({"steps":[{"do":"ask"}]})",
                  "$.steps[0].questions: expected a non-empty array of questions"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[]}]})",
                  "$.steps[0].questions: expected a non-empty array of questions"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":"why"}]})",
                  "$.steps[0].questions: expected a non-empty array of questions"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[1]}]})",
                  "$.steps[0].questions[0]: expected a question object"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[{"type":"text","question":"q","x":1}]}]})",
                  "$.steps[0].questions[0].x: unknown field (expected one of: type, question, "
                  "options)"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[{"question":"q"}]}]})",
                  "$.steps[0].questions[0].type: required string is missing"},
        ErrorCase{
            R"({"steps":[{"do":"ask","questions":[{"type":"essay","question":"q"}]}]})",
            R"($.steps[0].questions[0].type: expected "text", "single_select" or "multi_select", got "essay")"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[{"type":"text"}]}]})",
                  "$.steps[0].questions[0].question: required string is missing"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[{"type":"text","question":1}]}]})",
                  "$.steps[0].questions[0].question: expected a string"},
        ErrorCase{
            R"({"steps":[{"do":"ask","questions":[{"type":"text","question":"q","options":["a"]}]}]})",
            "$.steps[0].questions[0].options: must be null for a text question"},
        ErrorCase{
            R"({"steps":[{"do":"ask","questions":[{"type":"single_select","question":"q"}]}]})",
            "$.steps[0].questions[0].options: expected an array of 1 to 5 strings"},
        ErrorCase{
            R"({"steps":[{"do":"ask","questions":[{"type":"single_select","question":"q","options":"a"}]}]})",
            "$.steps[0].questions[0].options: expected an array of 1 to 5 strings"},
        ErrorCase{R"({"steps":[{"do":"work","seconds":1},{"do":"ask","questions":[
                      {"type":"multi_select","question":"q","options":[]}]}]})",
                  "$.steps[1].questions[0].options: a select question needs 1 to 5 options"},
        ErrorCase{R"({"steps":[{"do":"ask","questions":[{"type":"text","question":"q"},
                      {"type":"multi_select","question":"q","options":["1","2","3","4","5","6"]}]}]})",
                  "$.steps[0].questions[1].options: a select question needs 1 to 5 options"},
        ErrorCase{
            R"({"steps":[{"do":"ask","questions":[{"type":"single_select","question":"q","options":["a",2]}]}]})",
            "$.steps[0].questions[0].options[1]: expected a string"},
        ErrorCase{R"({"steps":[{"do":"message"}]})",
                  "$.steps[0].content: required string is missing"},
        ErrorCase{R"({"steps":[{"do":"message","content":"x","seconds":1}]})",
                  "$.steps[0].seconds: unknown field (expected one of: do, content)"},
        ErrorCase{R"({"steps":[{"do":"propose","content":1}]})",
                  "$.steps[0].content: expected a string"},
        ErrorCase{R"({"steps":[{"do":"propose","result_text":[]}]})",
                  "$.steps[0].result_text: expected a string"},
        ErrorCase{R"({"steps":[{"do":"propose","files":{}}]})",
                  "$.steps[0].files: expected an array of {name, content}"},
        ErrorCase{R"({"steps":[{"do":"propose","files":["a.txt"]}]})",
                  "$.steps[0].files[0]: expected an object {name, content}"},
        ErrorCase{
            R"({"steps":[{"do":"propose","files":[{"name":"a","content":"b"},{"content":"c"}]}]})",
            "$.steps[0].files[1].name: required string is missing"},
        ErrorCase{R"({"steps":[{"do":"propose","files":[{"name":""}]}]})",
                  "$.steps[0].files[0].name: must not be empty"},
        ErrorCase{R"({"steps":[{"do":"propose","files":[{"name":"a","content":5}]}]})",
                  "$.steps[0].files[0].content: expected a string"},
        ErrorCase{R"({"steps":[{"do":"propose","files":[{"name":"a","size":5}]}]})",
                  "$.steps[0].files[0].size: unknown field (expected one of: name, content)"},
        ErrorCase{R"({"steps":[{"do":"propose","on_reject":"retry"}]})",
                  "$.steps[0].on_reject: expected an object {revise, seconds, then}"},
        ErrorCase{R"({"steps":[{"do":"propose","on_reject":{"revise":1.5}}]})",
                  "$.steps[0].on_reject.revise: expected an integer from 0 to 1000000 (or -1: "
                  "no limit)"},
        ErrorCase{R"({"steps":[{"do":"propose","on_reject":{"revise":-2}}]})",
                  "$.steps[0].on_reject.revise: expected an integer from 0 to 1000000 (or -1: "
                  "no limit)"},
        ErrorCase{R"({"steps":[{"do":"propose","on_reject":{"revise":1000001}}]})",
                  "$.steps[0].on_reject.revise: expected an integer from 0 to 1000000 (or -1: "
                  "no limit)"},
        ErrorCase{R"({"steps":[{"do":"propose","on_reject":{"seconds":-0.5}}]})",
                  "$.steps[0].on_reject.seconds: expected seconds between 0 and 10000000"},
        ErrorCase{
            R"({"steps":[{"do":"propose","on_reject":{"then":"retry"}}]})",
            R"($.steps[0].on_reject.then: expected "continue", "cancel" or "stall", got "retry")"},
        ErrorCase{R"({"steps":[{"do":"propose","on_reject":{"after":1}}]})",
                  "$.steps[0].on_reject.after: unknown field (expected one of: revise, seconds, "
                  "then)"},
        ErrorCase{R"({"steps":[{"do":"propose","text":"x"}]})",
                  "$.steps[0].text: unknown field (expected one of: do, content, result_text, "
                  "files, on_reject)"},
        ErrorCase{R"({"steps":[{"do":"stall","seconds":5}]})",
                  "$.steps[0].seconds: unknown field (expected one of: do)"},
        ErrorCase{R"({"steps":[{"do":"cancel","reason":false}]})",
                  "$.steps[0].reason: expected a string"},
        ErrorCase{R"({"steps":[{"do":"cancel","content":"x"}]})",
                  "$.steps[0].content: unknown field (expected one of: do, reason)"}));

TEST(ParseAgentScript, RejectsMoreThanAThousandSteps) {
  json steps = json::array();
  for (int i = 0; i < 1001; ++i) steps.push_back({{"do", "stall"}});
  EXPECT_EQ(parse_error({{"steps", steps}}), "$.steps: at most 1000 steps");
  steps.erase(steps.begin());
  EXPECT_EQ(parse_ok({{"steps", steps}}).steps.size(), 1000u);
}

TEST(ParseAgentScript, ErrorLeavesNoPartialResultAndErrorIsOverwritten) {
  std::string error = "stale";
  EXPECT_FALSE(parse_agent_script(json::parse(R"({"steps":[{"do":"nap"}]})"), error));
  EXPECT_EQ(error.rfind("$.steps[0].do: ", 0), 0u) << error;
}

TEST(AgentScriptToJson, RoundTripsEveryStepKind) {
  const json original = json::parse(R"({"name":"all","steps":[
      {"do":"work","seconds":3,"note":"N"},
      {"do":"ask","questions":[{"type":"text","question":"T","options":null},
                               {"type":"single_select","question":"S","options":["a","b"]},
                               {"type":"multi_select","question":"M","options":["x"]}]},
      {"do":"message","content":"Hello"},
      {"do":"propose","content":"P","result_text":"R","files":[{"name":"f","content":"c"}],
       "on_reject":{"revise":3,"seconds":4.5,"then":"stall"}},
      {"do":"stall"},
      {"do":"cancel","reason":"why"}]})");
  const auto script = parse_ok(original);
  EXPECT_EQ(to_json(script), original);
  const auto again = parse_ok(to_json(script));
  EXPECT_EQ(to_json(again), original);
}

TEST(AgentScriptToJson, FillsInDefaultsAndOmitsAnEmptyName) {
  const auto script = parse_ok(json::parse(R"({"steps":[{"do":"propose"},{"do":"cancel"}]})"));
  const json expected = json::parse(R"({"steps":[
      {"do":"propose","content":"Here is my proposed solution.",
       "result_text":"The task is complete.","files":[],
       "on_reject":{"revise":-1,"seconds":10.0,"then":"continue"}},
      {"do":"cancel","reason":"The platform gave up on this task."}]})");
  EXPECT_EQ(to_json(script), expected);
  EXPECT_FALSE(to_json(script).contains("name"));
}

TEST(QuestionTypeNames, AreTheWireNames) {
  EXPECT_STREQ(to_string(QuestionType::text), "text");
  EXPECT_STREQ(to_string(QuestionType::single_select), "single_select");
  EXPECT_STREQ(to_string(QuestionType::multi_select), "multi_select");
}

TEST(ClarifyingQuestionsContent, HasTheGuideShape) {
  const std::vector<Question> questions = {
      {QuestionType::text, "What is it for?", {}},
      {QuestionType::single_select, "Which one?", {"A", "B"}},
      {QuestionType::multi_select, "Which ones?", {"X"}},
  };
  const auto content = clarifying_questions_content(questions);
  const json expected = json::parse(R"({"type":"clarifying_questions","questions":[
      {"type":"text","question":"What is it for?","options":null},
      {"type":"single_select","question":"Which one?","options":["A","B"]},
      {"type":"multi_select","question":"Which ones?","options":["X"]}]})");
  EXPECT_EQ(json::parse(content), expected);
}

TEST(ClarifyingQuestionsContent, EscapesText) {
  const auto content =
      clarifying_questions_content({{QuestionType::text, "Say \"hi\"\n\\ please", {}}});
  EXPECT_EQ(json::parse(content)["questions"][0]["question"], "Say \"hi\"\n\\ please");
}

}  // namespace
}  // namespace agentwork
