// The rule a server error of each endpoint breaks (declared in contract_checks.hpp). Pure.
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"

namespace agentwork::harness {

using nlohmann::json;

std::string_view success_rule(Endpoint e, std::string_view request_body) {
  const json body = json::parse(request_body, nullptr, /*allow_exceptions=*/false);
  const auto has = [&body](const char* key) { return body.is_object() && body.contains(key); };
  switch (e) {
    case Endpoint::register_user:
      return "G.register.created";
    case Endpoint::api_key:
      return "G.api_key.exchange";
    case Endpoint::create_task:
      return "G.create.created";
    case Endpoint::list_tasks:
      return "G.list.tasks";
    case Endpoint::task_status:
      return "G.status.shape";
    case Endpoint::message:
      if (has("answers")) return "G.message.reply_resumes";
      return has("content") && !has("message") ? "G.message.content_alias"
                                               : "G.message.plain_text";
    case Endpoint::solution_status:
      return has("status") && body["status"] == "REJECTED" ? "G.solution.reject"
                                                           : "G.solution.confirm";
    case Endpoint::events:
      return "G.events.shape";
    case Endpoint::cancel:
      return "G.cancel.cancels";
    case Endpoint::result:
      return "G.result.shape";
    case Endpoint::file_download:
      return "M.result.download";
    case Endpoint::other:
      break;
  }
  return "G.status.shape";
}

}  // namespace agentwork::harness
