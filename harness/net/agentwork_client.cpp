#include "harness/net/agentwork_client.hpp"
#include "common/json_depth.hpp"

namespace agentwork::harness {

using nlohmann::json;

AgentworkClient::AgentworkClient(HttpClient& http, std::string base_url, std::string api_key)
    : http_(http), base_url_(std::move(base_url)), api_key_(std::move(api_key)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Awaitable<ApiCall> AgentworkClient::call(std::string method, std::string path,
                                         std::optional<std::string> body, Auth auth) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = path.starts_with("http://") || path.starts_with("https://")
                    ? path
                    : base_url_ + "/api/v1" + path;
  request.headers.emplace_back("Accept", "application/json");
  if (auth == Auth::key && !api_key_.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + api_key_);
  } else if (auth == Auth::invalid) {
    request.headers.emplace_back("Authorization", "Bearer aw_live_not_a_valid_key_000000000000");
  }
  ApiCall out;
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    out.request_body = *body;
    request.body = std::move(*body);
  }
  out.path = std::move(path);
  out.exchange = co_await http_.send(std::move(request));
  out.json = parse_json_bounded(out.exchange.body);
  co_return out;
}

Awaitable<ApiCall> AgentworkClient::routed(std::string tool, json arguments, std::string method,
                                           std::string path, std::optional<std::string> body,
                                           Auth auth, int success_status) {
  if (!route_) co_return co_await call(std::move(method), std::move(path), std::move(body), auth);
  auto via_tool = co_await route_->call_tool(tool, std::move(arguments), method, path,
                                             success_status);
  if (via_tool) co_return std::move(*via_tool);
  ApiCall c = co_await call(std::move(method), std::move(path), std::move(body), auth);
  c.via = "rest";
  c.via_reason = "the MCP server does not list " + tool;
  c.notes = route_->take_notes();
  co_return c;
}

Awaitable<void> AgentworkClient::start_route() {
  if (route_) co_await route_->start();
}

Awaitable<ApiCall> AgentworkClient::rest(std::string reason, std::string method, std::string path,
                                         std::optional<std::string> body, Auth auth) {
  ApiCall c = co_await call(std::move(method), std::move(path), std::move(body), auth);
  if (route_) {
    c.via = "rest";
    c.via_reason = std::move(reason);
  }
  co_return c;
}

Awaitable<ApiCall> AgentworkClient::register_user(const std::string& email, const std::string& name,
                                                  const std::optional<std::string>& organization) {
  json body = {{"email", email}, {"name", name}};
  if (organization) body["organization_name"] = *organization;
  return routed("agentwork_register", body, "POST", "/auth/register", body.dump(), Auth::none,
                201);
}

Awaitable<ApiCall> AgentworkClient::exchange_password(const std::string& email,
                                                      const std::string& password,
                                                      const std::optional<std::string>& key_name) {
  json body = {{"email", email}, {"password", password}};
  if (key_name) body["key_name"] = *key_name;
  return rest("no tool for the api-key exchange", "POST", "/auth/api-key", body.dump(),
              Auth::none);
}

Awaitable<ApiCall> AgentworkClient::create_task(const std::string& title,
                                                const std::string& description,
                                                const json& mock_script) {
  json body = {{"title", title}, {"description", description}};
  if (mock_script.is_null()) {
    return routed("agentwork_create_task", body, "POST", "/tasks/", body.dump(), Auth::key, 201);
  }
  body["mock_script"] = mock_script;
  return rest("the mock's agent script has no tool parameter", "POST", "/tasks/", body.dump(),
              Auth::key);
}

Awaitable<ApiCall> AgentworkClient::list_tasks() {
  return rest("no tool lists tasks", "GET", "/tasks/", {}, Auth::key);
}

Awaitable<ApiCall> AgentworkClient::task_status(const std::string& id) {
  return routed("agentwork_get_task_status", json{{"task_id", id}}, "GET", "/tasks/" + id, {},
                Auth::key, 200);
}

Awaitable<ApiCall> AgentworkClient::send_message(const std::string& id, const json& body) {
  const std::string path = "/tasks/" + id + "/message";
  if (body.is_object() && body.size() == 1 && body.contains("message") &&
      body["message"].is_string()) {
    return routed("agentwork_send_message", json{{"task_id", id}, {"message", body["message"]}},
                  "POST", path, body.dump(), Auth::key, 200);
  }
  const bool answers = body.is_object() && body.contains("answers");
  return rest(answers ? "no tool for structured answers"
                      : "the tool sends `message` only (no `content` alias)",
              "POST", path, body.dump(), Auth::key);
}

Awaitable<ApiCall> AgentworkClient::approve(const std::string& id) {
  return routed("agentwork_approve_solution", json{{"task_id", id}, {"approved", true}}, "POST",
                "/tasks/" + id + "/solution-status", json{{"status", "CONFIRMED"}}.dump(),
                Auth::key, 200);
}

Awaitable<ApiCall> AgentworkClient::reject(const std::string& id, const std::string& reason) {
  return routed("agentwork_approve_solution",
                json{{"task_id", id}, {"approved", false}, {"rejection_reason", reason}}, "POST",
                "/tasks/" + id + "/solution-status",
                json{{"status", "REJECTED"}, {"rejection_reason", reason}}.dump(), Auth::key, 200);
}

Awaitable<ApiCall> AgentworkClient::events(const std::string& id) {
  return routed("agentwork_get_task_events", json{{"task_id", id}}, "GET",
                "/tasks/" + id + "/events", {}, Auth::key, 200);
}

Awaitable<ApiCall> AgentworkClient::cancel(const std::string& id) {
  return routed("agentwork_cancel_task", json{{"task_id", id}}, "POST", "/tasks/" + id + "/cancel",
                std::string("{}"), Auth::key, 200);
}

Awaitable<ApiCall> AgentworkClient::result(const std::string& id) {
  return routed("agentwork_get_task_result", json{{"task_id", id}}, "GET",
                "/tasks/" + id + "/result", {}, Auth::key, 200);
}

Awaitable<ApiCall> AgentworkClient::download(const std::string& url) {
  return rest("file downloads are plain HTTP (the URL is the credential)", "GET", url, {},
              Auth::none);
}

Awaitable<ApiCall> AgentworkClient::raw(const std::string& method, const std::string& path,
                                        const std::optional<std::string>& raw_body, Auth auth) {
  return rest("a raw request (a negative case) has no tool", method, path, raw_body, auth);
}

std::optional<StatusView> status_view(const json& body) {
  if (!body.is_object()) return std::nullopt;
  auto text = [&](const json& o, const char* key) -> std::optional<std::string> {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  StatusView v;
  auto id = text(body, "task_id");
  auto status = text(body, "status");
  if (!id || !status) return std::nullopt;
  v.task_id = *id;
  v.status = *status;
  v.last_activity_at = text(body, "last_activity_at").value_or("");
  if (auto q = body.find("question"); q != body.end() && q->is_object()) {
    QuestionView question;
    question.message_id = text(*q, "message_id").value_or("");
    question.type = text(*q, "type").value_or("");
    question.content = text(*q, "content").value_or("");
    if (question.type == "CLARIFYING_QUESTIONS") {
      const auto parsed = parse_json_bounded(question.content);
      if (parsed.is_object() && parsed.contains("questions") && parsed["questions"].is_array()) {
        question.questions = parsed["questions"];
      }
    }
    v.question = std::move(question);
  }
  if (auto s = body.find("solution"); s != body.end() && s->is_object()) {
    v.solution_message_id = text(*s, "message_id").value_or("");
    v.solution_content = text(*s, "content").value_or("");
  }
  return v;
}

json auto_answers(const StatusView& v, const std::string& text) {
  json answers = json::array();
  if (!v.question) return answers;
  const auto& qs = v.question->questions;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const auto& q = qs[i];
    const auto type_it = q.is_object() ? q.find("type") : q.end();
    const bool typed = q.is_object() && type_it != q.end() && type_it->is_string();
    const std::string type = typed ? type_it->get<std::string>() : "";
    const auto options = q.is_object() ? q.value("options", json()) : json();
    const bool has_option = options.is_array() && !options.empty() && options[0].is_string();
    json a = {{"question_index", i}};
    if (type == "single_select" && has_option) {
      a["selected"] = options[0];
    } else if (type == "multi_select" && has_option) {
      a["selected"] = json::array({options[0]});
    } else {
      a["selected"] = text;
    }
    answers.push_back(std::move(a));
  }
  return answers;
}

}  // namespace agentwork::harness
