// The typed Agentwork client against the bundled mock over real sockets (HTTP and HTTPS).
#include "harness/net/agentwork_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>

#include "mock_server/mock_server.hpp"
#include "tests/support/http_client.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

// Runs a coroutine body to completion on a fresh io_context.
template <class Body>
void run(Body body) {
  boost::asio::io_context ioc;
  std::exception_ptr failure;
  boost::asio::co_spawn(ioc.get_executor(), body(ioc.get_executor()),
                        [&](std::exception_ptr e) { failure = e; });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
}

mock::MockConfig frozen_mock() {
  mock::MockConfig config;
  config.control_api = true;
  config.start_frozen = true;
  return config;
}

const json kScript = json::parse(R"({"steps":[
  {"do":"ask","questions":[{"type":"single_select","question":"Which?","options":["A","B"]}]},
  {"do":"propose","content":"v1","result_text":"done","files":[{"name":"a.txt","content":"AAA"}]}]})");

Awaitable<void> lifecycle(Executor ex, std::string base, HttpClientOptions options) {
  HttpClient http(ex, options);
  AgentworkClient api(http, base + "/");
  const std::optional<std::string> organization = std::string("Org");
  auto reg = co_await api.register_user("typed@example.com", "Typed", organization);
  EXPECT_EQ(reg.status(), 201) << reg.exchange.error_message;
  api.set_api_key(reg.json["api_key"].get<std::string>());

  auto created = co_await api.create_task("T", "D", kScript);
  EXPECT_EQ(created.status(), 201);
  const auto id = created.json["task_id"].get<std::string>();
  EXPECT_EQ(created.path, "/tasks/");

  auto polled = co_await api.task_status(id);
  auto view = status_view(polled.json);
  EXPECT_TRUE(view.has_value());
  EXPECT_EQ(view->status, "awaiting_reply");
  EXPECT_EQ(view->question->type, "CLARIFYING_QUESTIONS");
  EXPECT_EQ(view->question->questions.size(), 1u);
  EXPECT_EQ(view->question->questions[0]["options"], json::array({"A", "B"}));

  // Named, not braced in the co_await: GCC 12 miscompiles initializer lists there.
  const json answers = {{"answers", {{{"question_index", 0}, {"selected", "B"}}}}};
  auto replied = co_await api.send_message(id, answers);
  EXPECT_EQ(replied.status(), 200);
  view = status_view((co_await api.task_status(id)).json);
  EXPECT_EQ(view->status, "awaiting_solution_approval");
  EXPECT_EQ(view->solution_content, "v1");
  EXPECT_FALSE(view->solution_message_id->empty());

  EXPECT_EQ((co_await api.reject(id, "again")).status(), 200);
  EXPECT_EQ((co_await api.result(id)).status(), 409);
  EXPECT_EQ((co_await api.approve(id)).status(), 409);  // still revising (10 s on a frozen clock)

  auto list = co_await api.list_tasks();
  EXPECT_EQ(list.json["tasks"].size(), 1u);
  auto events = co_await api.events(id);
  EXPECT_GE(events.json["events"].size(), 5u);
  auto unauthenticated = co_await api.raw("GET", "/tasks/", std::nullopt, Auth::none);
  EXPECT_EQ(unauthenticated.status(), 401);
  EXPECT_EQ(unauthenticated.exchange.header("www-authenticate"), "Bearer");
  auto invalid = co_await api.raw("GET", "/tasks/", std::nullopt, Auth::invalid);
  EXPECT_EQ(invalid.status(), 401);
  const std::optional<std::string> not_json = std::string("{not json");
  auto garbage = co_await api.raw("POST", "/tasks/", not_json, Auth::key);
  EXPECT_EQ(garbage.status(), 422);
  EXPECT_TRUE(garbage.is_json());
  auto cancelled = co_await api.cancel(id);
  EXPECT_EQ(cancelled.status(), 200);
  EXPECT_EQ(cancelled.json["status"], "cancelled");
  EXPECT_EQ(http.connections_opened(), 1u);  // one keep-alive connection throughout
}

TEST(AgentworkClient, DrivesTheMockOverHttp) {
  mock::MockServer mock(frozen_mock());
  mock.start();
  run([&](Executor ex) { return lifecycle(ex, mock.base_url(), HttpClientOptions{}); });
}

TEST(AgentworkClient, DrivesTheMockOverHttps) {
  mock::ServerOptions tls;
  tls.tls_cert_file = testing::test_data("test-cert.pem");
  tls.tls_key_file = testing::test_data("test-key.pem");
  mock::MockServer mock(frozen_mock(), tls);
  const auto port = mock.start();
  HttpClientOptions options;
  options.ca_file = testing::test_data("test-cert.pem");
  run([&](Executor ex) {
    return lifecycle(ex, "https://localhost:" + std::to_string(port), options);
  });
}

TEST(AgentworkClient, CompletedTaskResultAndDownload) {
  mock::MockServer mock(frozen_mock());
  mock.start();
  run([&](Executor ex) -> Awaitable<void> {
    HttpClient http(ex, {});
    AgentworkClient api(http, mock.base_url());
    auto reg = co_await api.register_user("dl@example.com", "D");
    api.set_api_key(reg.json["api_key"].get<std::string>());
    const json script = json::parse(R"({"steps":[
        {"do":"propose","content":"v","files":[{"name":"dir/f.txt","content":"file body"}]}]})");
    auto created = co_await api.create_task("T", "D", script);
    const auto id = created.json["task_id"].get<std::string>();
    EXPECT_EQ((co_await api.approve(id)).status(), 200);
    auto result = co_await api.result(id);
    EXPECT_EQ(result.status(), 200);
    const auto url = result.json["files"][0]["download_url"].get<std::string>();
    auto file = co_await api.download(url);
    EXPECT_EQ(file.status(), 200);
    EXPECT_EQ(file.exchange.body, "file body");
    EXPECT_FALSE(file.is_json());
  });
}

TEST(StatusView, NeedsTaskIdAndStatus) {
  EXPECT_FALSE(status_view(json::parse(R"({"status":"processing"})")));
  EXPECT_FALSE(status_view(json::parse(R"([1,2])")));
  auto v = status_view(json::parse(
      R"({"task_id":"t","status":"awaiting_reply","question":{"message_id":"m","type":"TO_CUSTOMER","content":"hi"}})"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->question->content, "hi");
  EXPECT_TRUE(v->question->questions.empty());
  EXPECT_FALSE(v->solution_message_id);
}

}  // namespace
}  // namespace agentwork::harness
