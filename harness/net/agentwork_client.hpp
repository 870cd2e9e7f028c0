// A typed client for every endpoint of spec/CONTRACT.md over the harness's HttpClient. Each
// call returns the raw exchange (for evidence and contract checks) with the body parsed as
// JSON when it is JSON; typed views of the bodies the runner reads are parsed on demand.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/net/http_client.hpp"

namespace agentwork::harness {

struct ApiCall {
  HttpExchange exchange;
  std::string path;     // as asked, under the base URL ("/api/v1/tasks/ID")
  std::string request_body;  // as sent; empty without a body
  nlohmann::json json;  // the parsed body; discarded when the body is not JSON
  bool is_json() const { return !json.is_discarded(); }
  int status() const { return exchange.status; }
};

// How a raw request authenticates.
enum class Auth { key, none, invalid };

class AgentworkClient {
 public:
  // base_url: "https://host[:port]" (paths are appended under /api/v1).
  AgentworkClient(HttpClient& http, std::string base_url, std::string api_key = "");

  void set_api_key(std::string key) { api_key_ = std::move(key); }
  const std::string& api_key() const { return api_key_; }
  const std::string& base_url() const { return base_url_; }

  Awaitable<ApiCall> register_user(const std::string& email, const std::string& name,
                                   const std::optional<std::string>& organization_name = {});
  Awaitable<ApiCall> exchange_password(const std::string& email, const std::string& password,
                                       const std::optional<std::string>& key_name = {});
  // `mock_script`: the bundled mock's agent script for this task (null: none is sent).
  Awaitable<ApiCall> create_task(const std::string& title, const std::string& description,
                                 const nlohmann::json& mock_script = nullptr);
  Awaitable<ApiCall> list_tasks();
  Awaitable<ApiCall> task_status(const std::string& task_id);
  // body: {"message": ...}, {"content": ...} and/or {"answers": [...]}
  Awaitable<ApiCall> send_message(const std::string& task_id, const nlohmann::json& body);
  Awaitable<ApiCall> approve(const std::string& task_id);
  Awaitable<ApiCall> reject(const std::string& task_id, const std::string& reason);
  Awaitable<ApiCall> events(const std::string& task_id);
  Awaitable<ApiCall> cancel(const std::string& task_id);
  Awaitable<ApiCall> result(const std::string& task_id);
  // GET of an absolute download_url (no key: the URL is the credential).
  Awaitable<ApiCall> download(const std::string& url);
  // Any request under /api/v1 (negative cases): `raw_body` is sent as is.
  Awaitable<ApiCall> raw(const std::string& method, const std::string& path,
                         const std::optional<std::string>& raw_body, Auth auth);

 private:
  Awaitable<ApiCall> call(std::string method, std::string path, std::optional<std::string> body,
                          Auth auth);

  HttpClient& http_;
  std::string base_url_;
  std::string api_key_;
};

// The fields of a status response the runner acts on; nullopt when they are not there
// (the contract checks say why).
struct QuestionView {
  std::string message_id;
  std::string type;                                    // CLARIFYING_QUESTIONS or TO_CUSTOMER
  std::string content;                                 // the raw content string
  nlohmann::json questions = nlohmann::json::array();  // parsed, for CLARIFYING_QUESTIONS
};
struct StatusView {
  std::string task_id;
  std::string status;
  std::string last_activity_at;
  std::optional<QuestionView> question;
  std::optional<std::string> solution_message_id;
  std::string solution_content;
};
std::optional<StatusView> status_view(const nlohmann::json& body);

// Structured answers to the view's clarifying questions, one per question: the first option of
// a single_select, a list of the first option for a multi_select, `text` for anything else.
nlohmann::json auto_answers(const StatusView& v, const std::string& text);

}  // namespace agentwork::harness
