// The harness's HTTP client against real servers on 127.0.0.1: the mock's generic server with
// test handlers, and a raw socket server that answers garbage.
#include "harness/net/http_client.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>

#include "mock_server/server.hpp"
#include "tests/support/http_client.hpp"

namespace agentwork::harness {
namespace {

using namespace std::chrono_literals;
using mock::HttpResponse;
using mock::Server;
using mock::ServerOptions;
using Clock = std::chrono::steady_clock;

// Runs one exchange to completion on a private io_context.
HttpExchange run(HttpClientOptions options, HttpRequest request, HttpClient* shared = nullptr,
                 boost::asio::io_context* ioc = nullptr) {
  boost::asio::io_context own;
  auto& context = ioc ? *ioc : own;
  std::unique_ptr<HttpClient> client;
  if (!shared) client = std::make_unique<HttpClient>(context.get_executor(), std::move(options));
  HttpClient& c = shared ? *shared : *client;
  std::optional<HttpExchange> result;
  boost::asio::co_spawn(context.get_executor(), c.send(std::move(request)),
                        [&](std::exception_ptr error, HttpExchange exchange) {
                          if (error) std::rethrow_exception(error);
                          result = std::move(exchange);
                        });
  context.restart();
  context.run();
  return std::move(*result);
}

struct TestServer {
  std::atomic<int> calls{0};
  std::unique_ptr<Server> server;
  std::string base;

  explicit TestServer(std::function<HttpResponse(const mock::HttpRequest&, int)> handler,
                      ServerOptions options = {}) {
    server = std::make_unique<Server>(
        std::move(options),
        [this, handler](const mock::HttpRequest& r) { return handler(r, ++calls); });
    const auto port = server->start();
    base = std::string(server->tls() ? "https://localhost:" : "http://127.0.0.1:") +
           std::to_string(port);
  }
};

HttpResponse echo(const mock::HttpRequest& r) {
  HttpResponse out;
  out.body = r.method + " " + r.target + " " + r.body;
  out.content_type = "text/plain";
  return out;
}

HttpResponse with_status(int status,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse out;
  out.status = status;
  out.headers = std::move(headers);
  out.body = "{}";
  return out;
}

HttpClientOptions fast() {
  HttpClientOptions o;
  o.backoff_base = 10ms;
  o.backoff_max = 50ms;
  return o;
}

TEST(ParseUrl, AcceptsHttpAndHttpsWithDefaults) {
  std::string error;
  auto u = parse_url("https://example.com", error);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->origin.tls);
  EXPECT_EQ(u->origin.host, "example.com");
  EXPECT_EQ(u->origin.port, 443);
  EXPECT_EQ(u->target, "/");
  u = parse_url("http://127.0.0.1:8080/api/v1/tasks/?a=1", error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->origin.port, 8080);
  EXPECT_EQ(u->target, "/api/v1/tasks/?a=1");
  u = parse_url("http://[::1]:9000/x", error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->origin.host, "::1");
  EXPECT_EQ(u->origin.key(), "http://::1:9000");
}

TEST(ParseUrl, RejectsWhatItCannotUse) {
  std::string error;
  EXPECT_FALSE(parse_url("ftp://x", error));
  EXPECT_NE(error.find("expected an http:// or https:// URL"), std::string::npos);
  EXPECT_FALSE(parse_url("http://", error));
  EXPECT_FALSE(parse_url("http://host:99999/", error));
  EXPECT_NE(error.find("bad port"), std::string::npos);
  EXPECT_FALSE(parse_url("http://user:pw@host/", error));
  EXPECT_FALSE(parse_url("http://[::1/", error));
}

TEST(HttpClient, KeepsConnectionsAlive) {
  TestServer s([](const mock::HttpRequest& r, int) { return echo(r); });
  boost::asio::io_context ioc;
  HttpClient client(ioc.get_executor(), fast());
  for (int i = 0; i < 5; ++i) {
    auto x =
        run({}, {"POST", s.base + "/t" + std::to_string(i), {{"Content-Type", "text/plain"}}, "b"},
            &client, &ioc);
    ASSERT_TRUE(x.ok()) << x.error_message;
    EXPECT_EQ(x.status, 200);
    EXPECT_EQ(x.body, "POST /t" + std::to_string(i) + " b");
    EXPECT_EQ(x.reused_connection, i > 0);
  }
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpClient, ReconnectsWhenThePooledConnectionWasClosed) {
  ServerOptions options;
  options.idle_timeout = 100ms;
  TestServer s([](const mock::HttpRequest& r, int) { return echo(r); }, options);
  boost::asio::io_context ioc;
  HttpClient client(ioc.get_executor(), fast());
  EXPECT_EQ(run({}, {"GET", s.base + "/a", {}, ""}, &client, &ioc).status, 200);
  std::this_thread::sleep_for(300ms);  // the server closes the idle connection
  auto x = run({}, {"POST", s.base + "/b", {}, "again"}, &client, &ioc);
  EXPECT_EQ(x.status, 200) << x.error_message;
  EXPECT_EQ(x.body, "POST /b again");
  EXPECT_EQ(client.connections_opened(), 2u);
  EXPECT_EQ(s.calls.load(), 2);  // the POST was not sent twice
}

TEST(HttpClient, Redirect307ResendsTheBody) {
  TestServer s([](const mock::HttpRequest& r, int) {
    if (r.target == "/api/v1/tasks") return with_status(307, {{"Location", "/api/v1/tasks/"}});
    return echo(r);
  });
  auto x = run(fast(), {"POST", s.base + "/api/v1/tasks", {}, R"({"title":"t"})"});
  ASSERT_TRUE(x.ok()) << x.error_message;
  EXPECT_EQ(x.body, R"(POST /api/v1/tasks/ {"title":"t"})");
  EXPECT_EQ(x.redirects, 1);
  EXPECT_EQ(x.attempts, 2);
  EXPECT_EQ(x.url, s.base.substr(0, s.base.find("://") + 3) +
                       "127.0.0.1:" + s.base.substr(s.base.rfind(':') + 1) + "/api/v1/tasks/");
}

TEST(HttpClient, Redirect303ContinuesWithGetAndLoopsStop) {
  TestServer s([](const mock::HttpRequest& r, int) {
    if (r.target == "/see-other") return with_status(303, {{"Location", "/final"}});
    if (r.target == "/loop") return with_status(308, {{"Location", "/loop"}});
    return echo(r);
  });
  auto x = run(fast(), {"POST", s.base + "/see-other", {}, "body"});
  EXPECT_EQ(x.body, "GET /final ");
  auto loop = run(fast(), {"GET", s.base + "/loop", {}, ""});
  EXPECT_EQ(loop.error, ErrorClass::redirects);
  EXPECT_EQ(loop.redirects, 5);
}

TEST(HttpClient, HonoursRetryAfterOn429) {
  TestServer s([](const mock::HttpRequest& r, int call) {
    if (call == 1) return with_status(429, {{"Retry-After", "1"}});
    return echo(r);
  });
  const auto t0 = Clock::now();
  auto x = run(fast(), {"GET", s.base + "/x", {}, ""});
  EXPECT_EQ(x.status, 200);
  EXPECT_EQ(x.attempts, 2);
  EXPECT_GE(Clock::now() - t0, 1s);
}

TEST(HttpClient, Retries503OnlyForIdempotentRequestsAnd429ForAll) {
  TestServer s([](const mock::HttpRequest& r, int) {
    if (r.target == "/far") return with_status(503, {{"Retry-After", "120"}});
    if (r.target == "/limited" && r.body == "first")
      return with_status(429, {{"Retry-After", "0"}});
    return with_status(503, {{"Retry-After", "0"}});
  });
  auto get = run(fast(), {"GET", s.base + "/x", {}, ""});
  EXPECT_EQ(get.status, 503);
  EXPECT_EQ(get.attempts, 3);
  auto post = run(fast(), {"POST", s.base + "/x", {}, "b"});
  EXPECT_EQ(post.status, 503);
  EXPECT_EQ(post.attempts, 1);
  // A Retry-After beyond max_retry_after (60 s) is not waited for.
  const auto t0 = Clock::now();
  auto far = run(fast(), {"GET", s.base + "/far", {}, ""});
  EXPECT_EQ(far.status, 503);
  EXPECT_EQ(far.attempts, 1);
  EXPECT_LT(Clock::now() - t0, 5s);
  // 429 means "not processed": a POST is sent again (and its second answer is final here).
  auto limited = run(fast(), {"POST", s.base + "/limited", {}, "first"});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.attempts, 3);
}

TEST(HttpClient, RetriesIdempotentRequestsOnDroppedConnections) {
  TestServer s([](const mock::HttpRequest& r, int call) {
    auto out = echo(r);
    if (call <= 2) out.fault = mock::FaultAction::drop;
    return out;
  });
  auto get = run(fast(), {"GET", s.base + "/x", {}, ""});
  EXPECT_EQ(get.status, 200) << get.error_message;
  EXPECT_EQ(get.attempts, 3);
  s.calls = 0;
  auto post = run(fast(), {"POST", s.base + "/x", {}, "b"});
  EXPECT_EQ(post.error, ErrorClass::read) << to_string(post.error);
  EXPECT_EQ(post.attempts, 1);
  EXPECT_EQ(s.calls.load(), 1);
}

TEST(HttpClient, KeepsEveryRetriedFailureForTheCallerToReport) {
  TestServer s([](const mock::HttpRequest& r, int call) {
    if (r.target == "/flaky" && call == 1) {
      auto out = with_status(503, {{"Retry-After", "0"}});
      out.body = "busy";
      return out;
    }
    auto out = echo(r);
    if (r.target == "/dropped" && call <= 2) out.fault = mock::FaultAction::drop;
    return out;
  });
  auto flaky = run(fast(), {"GET", s.base + "/flaky", {}, ""});
  EXPECT_EQ(flaky.status, 200);
  ASSERT_EQ(flaky.retried.size(), 1u);  // the 503 a retry hid
  EXPECT_EQ(flaky.retried[0].status, 503);
  EXPECT_EQ(flaky.retried[0].error, ErrorClass::none);
  EXPECT_EQ(flaky.retried[0].body, "busy");
  s.calls = 0;
  auto dropped = run(fast(), {"GET", s.base + "/dropped", {}, ""});
  EXPECT_EQ(dropped.status, 200);
  ASSERT_EQ(dropped.retried.size(), 2u);
  for (const auto& a : dropped.retried) {
    EXPECT_EQ(a.status, 0);
    EXPECT_NE(a.error, ErrorClass::none);
    EXPECT_FALSE(a.error_message.empty());
  }
  s.calls = 0;
  auto clean = run(fast(), {"GET", s.base + "/clean", {}, ""});
  EXPECT_TRUE(clean.retried.empty());
}

TEST(HttpClient, ReadTimeoutIsClassified) {
  TestServer s([](const mock::HttpRequest& r, int) {
    auto out = echo(r);
    out.delay = 2s;
    return out;
  });
  auto o = fast();
  o.read_timeout = 200ms;
  o.max_attempts = 1;
  const auto t0 = Clock::now();
  auto x = run(o, {"GET", s.base + "/slow", {}, ""});
  EXPECT_EQ(x.error, ErrorClass::timeout) << x.error_message;
  EXPECT_LT(Clock::now() - t0, 1500ms);
}

TEST(HttpClient, BoundsTheResponseSize) {
  TestServer s([](const mock::HttpRequest&, int) {
    HttpResponse out;
    out.body = std::string(100000, 'x');
    return out;
  });
  auto o = fast();
  o.max_response_bytes = 1000;
  auto x = run(o, {"GET", s.base + "/big", {}, ""});
  EXPECT_EQ(x.error, ErrorClass::too_large) << x.error_message;
  EXPECT_EQ(x.attempts, 1);
}

TEST(HttpClient, ConnectionRefusedAndBadUrl) {
  // A port that was free a moment ago: nothing listens there.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  auto o = fast();
  o.max_attempts = 2;
  auto x =
      run(o, {"GET", "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/", {}, ""});
  EXPECT_EQ(x.error, ErrorClass::connect) << x.error_message;
  EXPECT_EQ(x.attempts, 2);
  EXPECT_EQ(x.error_message.rfind("connect: ", 0), 0u) << x.error_message;
  auto bad = run(o, {"GET", "localhost:80", {}, ""});
  EXPECT_EQ(bad.error, ErrorClass::bad_url);
}

TEST(HttpClient, GarbageFromTheServerIsAProtocolError) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::listen(listener, 4);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread server([listener] {
    const int c = ::accept(listener, nullptr, nullptr);
    char buf[1024];
    (void)::read(c, buf, sizeof buf);
    const char garbage[] = "SMTP READY\r\n\r\nthis is not http\r\n";
    (void)::write(c, garbage, sizeof garbage - 1);
    ::close(c);
  });
  auto o = fast();
  o.max_attempts = 1;
  auto x =
      run(o, {"GET", "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/", {}, ""});
  server.join();
  ::close(listener);
  EXPECT_EQ(x.status, 0);
  EXPECT_TRUE(x.error == ErrorClass::protocol || x.error == ErrorClass::read) << to_string(x.error);
  EXPECT_FALSE(x.error_message.empty());
}

TEST(HttpClient, TlsVerifiesAgainstTheCaFileOrIsInsecure) {
  ServerOptions options;
  options.tls_cert_file = testing::test_data("test-cert.pem");
  options.tls_key_file = testing::test_data("test-key.pem");
  TestServer s([](const mock::HttpRequest& r, int) { return echo(r); }, options);
  auto o = fast();
  o.max_attempts = 1;
  auto untrusted = run(o, {"GET", s.base + "/x", {}, ""});
  EXPECT_EQ(untrusted.error, ErrorClass::tls) << untrusted.error_message;
  o.ca_file = testing::test_data("test-cert.pem");
  auto trusted = run(o, {"GET", s.base + "/x", {}, ""});
  EXPECT_EQ(trusted.status, 200) << trusted.error_message;
  o.ca_file.clear();
  o.insecure = true;
  auto insecure = run(o, {"GET", s.base + "/x", {}, ""});
  EXPECT_EQ(insecure.status, 200) << insecure.error_message;
  EXPECT_THROW(HttpClient(boost::asio::io_context().get_executor(),
                          [] {
                            HttpClientOptions bad;
                            bad.ca_file = "/nonexistent/ca.pem";
                            return bad;
                          }()),
               std::runtime_error);
}

}  // namespace
}  // namespace agentwork::harness
