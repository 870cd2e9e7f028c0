// Per-response contract checks (spec/CONTRACT.md sections 2 and 3): pure functions from one HTTP
// exchange to the findings it violates, each naming a rule of common/rules.hpp. No sockets.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/api.hpp"

namespace agentwork::harness {

// One request and its response, as seen on the wire.
struct Exchange {
  std::string method;                                        // "GET", "POST"
  std::string path;                                          // as sent, e.g. "/api/v1/tasks/<id>"
  int status = 0;                                            // the response's status code
  std::vector<std::pair<std::string, std::string>> headers;  // response headers, any case
  std::string body;                                          // response body
};

struct Finding {
  std::string_view rule_id;  // an id of all_rules(); static storage
  std::string detail;        // expected vs seen, with the JSON path
};

// What the caller knows about the request; an empty field is not checked.
struct CheckContext {
  std::string task_id;  // the id in the request path: the body's task_id must equal it
  // The status a message / solution-status / cancel response must report ("processing" after a
  // reply or a REJECTED, "completed" after CONFIRMED, "cancelled" after a cancel).
  std::string expected_status_after;
};

// The findings of one response. A 2xx response is checked against its endpoint's success shape;
// a 4xx/5xx response against the error-body and 401 rules; 1xx/3xx give none. Never throws on
// any body.
std::vector<Finding> check_response(Endpoint e, const Exchange& ex, const CheckContext& ctx);
// The same, with ex.body already parsed by the caller (json::parse(body, nullptr, false)): the
// load engine parses each response once for the checks and for itself.
std::vector<Finding> check_response(Endpoint e, const Exchange& ex, const CheckContext& ctx,
                                    const nlohmann::json& parsed_body);

// What a 200 answer to GET /tasks/{id} says, as views into its body (valid while the body is).
struct StatusFacts {
  std::string_view status;
  std::string_view last_activity_at;
  std::string_view question_message_id;  // empty without a question
  std::string_view question_type;
  std::string_view solution_message_id;  // empty without a solution
};

// The fast path of check_response(Endpoint::task_status, ...) for a 200 answer, for the load
// engine's polls: true when `body` breaks none of the rules check_response checks there (so it
// would find nothing), with `facts` filled; false when this cannot tell quickly, because the body
// breaks a rule or is JSON this path does not read (see harness/checks/json_reading.hpp) - the caller
// then runs check_response, the reference. `task_id` as CheckContext::task_id. The views in `facts`
// point into this thread's reading of `body`: valid until the next call on the same thread.
bool status_answer_clean(std::string_view body, std::string_view task_id, StatusFacts& facts);

// The rule a server error (5xx) or a transport failure of a request to `e` breaks: the rule that
// says what that endpoint answers when it works ("GET /tasks/{id} answers 200" is
// G.status.shape). For message and solution-status the request body picks it: answers ->
// G.message.reply_resumes, content alone -> G.message.content_alias, else G.message.plain_text;
// REJECTED -> G.solution.reject, else G.solution.confirm. `request_body` may be any text.
std::string_view success_rule(Endpoint e, std::string_view request_body);

// Every rule id that check_response can emit (for coverage reports and tests).
std::span<const std::string_view> contract_check_rule_ids();

}  // namespace agentwork::harness
