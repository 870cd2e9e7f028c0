// The generic HTTP(S) server over real sockets on 127.0.0.1, with a small echo handler whose
// special targets inject delay, drop, truncate, close and exceptions.
#include "mock_server/server.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"

namespace agentwork::mock {
namespace {

using agentwork::testing::HttpClient;
using agentwork::testing::raw_exchange;
using agentwork::testing::Reply;
using agentwork::testing::test_data;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::size_t kTruncateBodyBytes = 1000;

// Echoes the request as JSON; "/delay/<ms>", "/drop", "/truncate", "/close", "/throw" inject.
HttpResponse echo_handler(const HttpRequest& request) {
  const std::string& target = request.target;
  HttpResponse response;
  if (target == "/throw") throw std::runtime_error("handler failure");
  if (target.starts_with("/delay/")) response.delay = milliseconds(std::stoi(target.substr(7)));
  if (target == "/drop") response.fault = FaultAction::drop;
  if (target == "/close") response.close = true;
  if (target == "/truncate") {
    response.fault = FaultAction::truncate;
    response.content_type = "text/plain";
    response.body = std::string(kTruncateBodyBytes, 'x');
    return response;
  }
  response.headers.emplace_back("X-Echo", "1");
  response.body = nlohmann::json{
      {"method", request.method},
      {"target", request.target},
      {"body", request.body},
      {"authorization", request.authorization},
      {"content_type", request.content_type},
      {"host", request.host},
      {"tls",
       request.tls}}.dump();
  return response;
}

ServerOptions test_options() {
  ServerOptions options;
  options.shutdown_grace = 2s;
  return options;
}

std::unique_ptr<Server> start_server(ServerOptions options = test_options()) {
  auto server = std::make_unique<Server>(std::move(options), echo_handler);
  server->start();
  return server;
}

template <class Predicate>
bool wait_until(Predicate predicate, milliseconds timeout = 2s) {
  const auto deadline = Clock::now() + timeout;
  while (!predicate()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// Status code of the first response in raw bytes; 0 when there is none.
int status_of(const std::string& raw) {
  if (raw.size() < 12 || !raw.starts_with("HTTP/1.")) return 0;
  return std::stoi(raw.substr(9, 3));
}

std::string body_of(const std::string& raw) {
  const auto end_of_head = raw.find("\r\n\r\n");
  return end_of_head == std::string::npos ? "" : raw.substr(end_of_head + 4);
}

TEST(ServerBasics, EchoesRequestFields) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.post("/api/v1/tasks?x=1", {{"k", "v"}}, "secret");
  ASSERT_EQ(reply.error, "");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("server"), "agentwork-mock");
  EXPECT_EQ(reply.headers.at("content-type"), "application/json");
  EXPECT_EQ(reply.headers.at("x-echo"), "1");
  const auto json = reply.json();
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["target"], "/api/v1/tasks?x=1");
  EXPECT_EQ(json["body"], R"({"k":"v"})");
  EXPECT_EQ(json["authorization"], "Bearer secret");
  EXPECT_EQ(json["content_type"], "application/json");
  EXPECT_EQ(json["host"], "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(json["tls"], false);
  EXPECT_FALSE(server->tls());
}

TEST(ServerKeepAlive, ManyRequestsShareOneConnection) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  for (int i = 0; i < 50; ++i) {
    const Reply reply = client.get("/n/" + std::to_string(i));
    ASSERT_EQ(reply.error, "") << i;
    ASSERT_EQ(reply.json()["target"], "/n/" + std::to_string(i));
  }
  EXPECT_EQ(client.connects(), 1);
  EXPECT_EQ(server->open_connections(), 1u);
}

TEST(ServerKeepAlive, ConnectionCloseFromClientHonored) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.request("GET", "/", "", {{"Connection", "close"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_EQ(client.get("/").status, 200);
  EXPECT_EQ(client.connects(), 2);

  // The server closes its side: a raw read ends long before its timeout.
  const auto start = Clock::now();
  const std::string raw =
      raw_exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 4s);
  EXPECT_EQ(status_of(raw), 200);
  EXPECT_LT(since(start), 2s);
}

TEST(ServerKeepAlive, HandlerCloseFlagClosesConnection) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.get("/close");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_EQ(client.get("/").status, 200);
  EXPECT_EQ(client.connects(), 2);
}

TEST(ServerKeepAlive, Http10ClosesByDefault) {
  auto server = start_server();
  const auto start = Clock::now();
  const std::string raw = raw_exchange(server->port(), "GET /old HTTP/1.0\r\n\r\n", 4s);
  EXPECT_TRUE(raw.starts_with("HTTP/1.0 200")) << raw;
  EXPECT_LT(since(start), 2s);
}

TEST(ServerKeepAlive, PipelinedRequestsAnsweredInOrder) {
  auto server = start_server();
  const std::string raw =
      raw_exchange(server->port(),
                   "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                   "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                   4s);
  const auto first = raw.find("/first");
  const auto second = raw.find("/second");
  ASSERT_NE(first, std::string::npos) << raw;
  ASSERT_NE(second, std::string::npos) << raw;
  EXPECT_LT(first, second);
}

TEST(ServerProtocol, AChunkedBodyIsReadWhole) {
  auto server = start_server();
  const std::string raw = raw_exchange(server->port(),
                                       "POST /c HTTP/1.1\r\nHost: x\r\n"
                                       "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                                       4s);
  EXPECT_NE(raw.find("HTTP/1.1 200 OK"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("body":"hello world")"), std::string::npos) << raw;
}

TEST(ServerProtocol, ARepeatedHeaderCountsByItsFirstValue) {
  auto server = start_server();
  const std::string raw = raw_exchange(server->port(),
                                       "GET /r HTTP/1.1\r\nHost: first\r\nHost: second\r\n"
                                       "Authorization: Bearer one\r\nAuthorization: Bearer two\r\n"
                                       "Connection: close\r\n\r\n",
                                       4s);
  EXPECT_NE(raw.find(R"("authorization":"Bearer one")"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("host":"first")"), std::string::npos) << raw;
}

// The connection reuses one request object: nothing of a request may show in the next one.
TEST(ServerKeepAlive, NothingOfARequestLeaksIntoTheNextOnTheConnection) {
  auto server = start_server();
  const std::string raw = raw_exchange(
      server->port(),
      "POST /one HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
      "GET /two HTTP/1.1\r\nConnection: close\r\n\r\n",
      4s);
  const auto second = raw.find(R"("target":"/two")");
  ASSERT_NE(second, std::string::npos) << raw;
  const auto body_start = raw.rfind('{', second);
  const std::string two = raw.substr(body_start);
  EXPECT_NE(two.find(R"("authorization":"")"), std::string::npos) << two;
  EXPECT_NE(two.find(R"("content_type":"")"), std::string::npos) << two;
  EXPECT_NE(two.find(R"("host":"")"), std::string::npos) << two;
  EXPECT_NE(two.find(R"("body":"")"), std::string::npos) << two;
  EXPECT_NE(two.find(R"("method":"GET")"), std::string::npos) << two;
}

TEST(ServerProtocol, Expect100ContinueGetsInterimResponse) {
  auto server = start_server();
  const std::string raw = raw_exchange(server->port(),
                                       "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                       "Expect: 100-continue\r\nConnection: close\r\n\r\nhello",
                                       4s);
  // The body came with the head, so the interim 100 is optional (RFC 9110 10.1.1).
  EXPECT_NE(raw.find("HTTP/1.1 200 OK"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("body":"hello")"), std::string::npos) << raw;
}

TEST(ServerProtocol, Expect100ContinueSentWhileTheBodyIsAwaited) {
  auto options = test_options();
  options.request_timeout = 300ms;
  auto server = start_server(options);
  const std::string raw = raw_exchange(server->port(),
                                       "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                       "Expect: 100-continue\r\n\r\n",
                                       4s);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 100 Continue\r\n\r\n")) << raw;
  // The body never came: the request timed out without a final response.
  EXPECT_EQ(raw.find("HTTP/1.1 200"), std::string::npos) << raw;
}

TEST(ServerProtocol, HeadGetsHeadersWithoutBody) {
  auto server = start_server();
  const std::string raw =
      raw_exchange(server->port(), "HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 4s);
  EXPECT_EQ(status_of(raw), 200) << raw;
  EXPECT_NE(raw.find("Content-Length: "), std::string::npos) << raw;
  EXPECT_EQ(body_of(raw), "");
}

TEST(ServerLimits, BodyTooLargeGets413AndClose) {
  auto options = test_options();
  options.max_body_bytes = 1024;
  auto server = start_server(options);
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.request("POST", "/big", std::string(64 * 1024, 'b'));
  EXPECT_EQ(reply.status, 413) << reply.error;
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_NE(reply.json()["detail"].get<std::string>().find("too large"), std::string::npos);
  EXPECT_EQ(client.get("/").status, 200);
  EXPECT_EQ(client.connects(), 2);

  const auto start = Clock::now();
  const std::string raw = raw_exchange(
      server->port(),
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'b'), 4s);
  EXPECT_EQ(status_of(raw), 413) << raw;
  EXPECT_LT(since(start), 2s);
}

TEST(ServerLimits, HeaderTooLargeGets431AndClose) {
  auto server = start_server();  // max_header_bytes: 16 KiB
  const auto start = Clock::now();
  const std::string raw = raw_exchange(
      server->port(),
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'h') + "\r\n\r\n", 4s);
  EXPECT_EQ(status_of(raw), 431) << raw.substr(0, 200);
  EXPECT_NE(body_of(raw).find("detail"), std::string::npos);
  EXPECT_LT(since(start), 2s);
  HttpClient client("127.0.0.1", server->port());
  EXPECT_EQ(client.get("/").status, 200);
}

TEST(ServerLimits, MaxConnectionsGets503WhenNoConnectionWaitedLongEnough) {
  auto options = test_options();
  options.max_connections = 2;
  options.evict_after = 60s;  // the two idle connections are too fresh to give way
  auto server = start_server(options);
  auto first = std::make_unique<HttpClient>("127.0.0.1", server->port());
  HttpClient second("127.0.0.1", server->port());
  ASSERT_EQ(first->get("/").status, 200);
  ASSERT_EQ(second.get("/").status, 200);
  EXPECT_EQ(server->open_connections(), 2u);

  HttpClient third("127.0.0.1", server->port());
  const Reply rejected = third.get("/");
  EXPECT_EQ(rejected.status, 503) << rejected.error;
  EXPECT_EQ(rejected.headers.at("connection"), "close");
  EXPECT_FALSE(rejected.json()["detail"].get<std::string>().empty());
  EXPECT_EQ(server->open_connections(), 2u);

  first.reset();
  ASSERT_TRUE(wait_until([&] { return server->open_connections() == 1; }));
  EXPECT_EQ(third.get("/").status, 200);
  EXPECT_EQ(server->evicted_connections(), 0u);
}

// A full server makes room: the keep-alive connection idle the longest is closed (its client
// reconnects on its next request), not the one used since.
TEST(ServerLimits, FullServerEvictsTheLongestIdleConnection) {
  auto options = test_options();
  options.max_connections = 2;
  options.evict_after = 100ms;
  auto server = start_server(options);
  HttpClient first("127.0.0.1", server->port());
  HttpClient second("127.0.0.1", server->port());
  ASSERT_EQ(first.get("/").status, 200);
  std::this_thread::sleep_for(150ms);
  ASSERT_EQ(second.get("/").status, 200);
  std::this_thread::sleep_for(150ms);  // both idle past evict_after, first the longer

  HttpClient third("127.0.0.1", server->port());
  EXPECT_EQ(third.get("/").status, 200);
  EXPECT_TRUE(wait_until([&] { return server->evicted_connections() == 1; }));
  EXPECT_TRUE(wait_until([&] { return server->open_connections() == 2; }));
  EXPECT_EQ(second.get("/").status, 200);
  EXPECT_EQ(second.connects(), 1);  // kept
  std::this_thread::sleep_for(150ms);  // third idles past evict_after, and longer than second
  EXPECT_EQ(first.get("/").status, 200);
  EXPECT_EQ(first.connects(), 2);  // evicted, reconnected in third's place
  EXPECT_EQ(server->evicted_connections(), 2u);
}

// Clients that send a head a byte at a time cannot keep a normal client out: at capacity the
// unfinished head that started longest ago gives way, and a busy connection never does.
TEST(ServerLimits, FullServerEvictsTheOldestUnfinishedHead) {
  auto options = test_options();
  options.max_connections = 2;
  options.evict_after = 100ms;
  auto server = start_server(options);
  std::string slow_first, slow_second;
  std::thread first([&] {
    slow_first = raw_exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a", 3s);
  });
  std::this_thread::sleep_for(150ms);
  std::thread second([&] {
    slow_second = raw_exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: b", 3s);
  });
  ASSERT_TRUE(wait_until([&] { return server->open_connections() == 2; }));
  std::this_thread::sleep_for(150ms);

  const auto start = Clock::now();
  HttpClient normal("127.0.0.1", server->port());
  EXPECT_EQ(normal.get("/").status, 200);
  EXPECT_LT(since(start), 1s);
  first.join();  // closed by the eviction, long before its 3 s
  EXPECT_EQ(slow_first, "");
  EXPECT_EQ(server->evicted_connections(), 1u);
  // Full again: the normal client's connection idles, but for less than evict_after, so the
  // second slow head gives way to the next client.
  HttpClient another("127.0.0.1", server->port());
  EXPECT_EQ(another.get("/").status, 200);
  second.join();
  EXPECT_EQ(slow_second, "");
  EXPECT_EQ(server->evicted_connections(), 2u);
  EXPECT_EQ(normal.get("/").status, 200);
  EXPECT_EQ(normal.connects(), 1);
}

TEST(ServerMalformed, BadRequestLineGets400AndClose) {
  auto server = start_server();
  const auto start = Clock::now();
  const std::string raw = raw_exchange(server->port(), "THIS IS NOT HTTP\r\n\r\n", 4s);
  EXPECT_EQ(status_of(raw), 400) << raw;
  EXPECT_NE(body_of(raw).find("malformed HTTP request: "), std::string::npos) << raw;
  EXPECT_NE(raw.find("Connection: close"), std::string::npos) << raw;
  EXPECT_LT(since(start), 2s);
}

TEST(ServerMalformed, GarbageBytesThenServerStillServes) {
  auto server = start_server();
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += static_cast<char>((i * 37 + 11) % 256);
  const auto start = Clock::now();
  const std::string raw = raw_exchange(server->port(), garbage, 4s);
  EXPECT_TRUE(raw.empty() || status_of(raw) == 400) << raw;
  EXPECT_LT(since(start), 2s);
  HttpClient client("127.0.0.1", server->port());
  EXPECT_EQ(client.get("/").status, 200);
}

TEST(ServerMalformed, RequestCutOffMidBodyThenClosed) {
  auto server = start_server();  // request_timeout: 30 s, so only the peer's close ends it
  // The client gives up after 200 ms and closes with 3 of the 100 announced body bytes sent.
  const std::string raw = raw_exchange(
      server->port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 200ms);
  EXPECT_EQ(raw, "");
  EXPECT_TRUE(wait_until([&] { return server->open_connections() == 0; }));
  HttpClient client("127.0.0.1", server->port());
  EXPECT_EQ(client.get("/").status, 200);
}

TEST(ServerTimeouts, SlowlorisClosedByHeadTimeout) {
  auto options = test_options();
  options.head_timeout = 300ms;
  options.request_timeout = 5s;
  options.idle_timeout = 5s;
  auto server = start_server(options);
  const auto start = Clock::now();
  const std::string raw =
      raw_exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: never ends", 3s);
  const auto elapsed = since(start);
  EXPECT_EQ(raw, "");
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  HttpClient client("127.0.0.1", server->port());
  EXPECT_EQ(client.get("/").status, 200);
}

// Once the head is in, the body has request_timeout (longer here than head_timeout).
TEST(ServerTimeouts, BodyGetsRequestTimeoutOnceTheHeadIsIn) {
  auto options = test_options();
  options.head_timeout = 200ms;
  options.request_timeout = 800ms;
  auto server = start_server(options);
  const auto start = Clock::now();
  const std::string raw = raw_exchange(
      server->port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 3s);
  const auto elapsed = since(start);
  EXPECT_EQ(raw, "");
  EXPECT_GE(elapsed, 700ms);
  EXPECT_LT(elapsed, 2500ms);
}

TEST(ServerTimeouts, IdleKeepAliveConnectionClosed) {
  auto options = test_options();
  options.idle_timeout = 300ms;
  auto server = start_server(options);
  HttpClient client("127.0.0.1", server->port());
  ASSERT_EQ(client.get("/").status, 200);
  const auto start = Clock::now();
  ASSERT_TRUE(wait_until([&] { return server->open_connections() == 0; }));
  EXPECT_GE(since(start), 200ms);
  EXPECT_EQ(client.get("/").status, 200);
  EXPECT_EQ(client.connects(), 2);

  // A connection that never sends anything is closed by the head's deadline.
  server->stop();
  options.head_timeout = 300ms;
  server = start_server(options);
  const auto silent_start = Clock::now();
  EXPECT_EQ(raw_exchange(server->port(), "", 3s), "");
  EXPECT_LT(since(silent_start), 2s);
}

TEST(ServerFaults, DelayDoesNotBlockOtherConnections) {
  auto options = test_options();
  options.threads = 1;
  auto server = start_server(options);
  const auto start = Clock::now();
  auto slow = std::async(std::launch::async, [&] {
    HttpClient client("127.0.0.1", server->port());
    Reply reply = client.get("/delay/800");
    return std::make_pair(reply, since(start));
  });
  std::this_thread::sleep_for(100ms);
  HttpClient client("127.0.0.1", server->port());
  const Reply fast = client.get("/");
  const auto fast_done = since(start);
  const auto [slow_reply, slow_done] = slow.get();
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(slow_reply.status, 200);
  EXPECT_LT(fast_done, 500ms);
  EXPECT_GE(slow_done, 750ms);
  EXPECT_LT(fast_done, slow_done);
}

TEST(ServerFaults, DropGivesTransportError) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.get("/drop");
  EXPECT_NE(reply.error, "");
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(client.get("/").status, 200);
}

TEST(ServerFaults, TruncateGivesShortBody) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.get("/truncate");
  EXPECT_NE(reply.error, "");
  EXPECT_LT(reply.body.size(), kTruncateBodyBytes);

  const auto start = Clock::now();
  const std::string raw =
      raw_exchange(server->port(), "GET /truncate HTTP/1.1\r\nHost: x\r\n\r\n", 4s);
  EXPECT_NE(raw.find("Content-Length: 1000\r\n"), std::string::npos) << raw;
  EXPECT_EQ(body_of(raw), std::string(kTruncateBodyBytes / 2, 'x'));
  EXPECT_LT(since(start), 2s);
}

TEST(ServerFaults, HandlerExceptionGives500) {
  auto server = start_server();
  HttpClient client("127.0.0.1", server->port());
  const Reply reply = client.get("/throw");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.json()["detail"], "internal error");
  EXPECT_EQ(client.get("/").status, 200);
  EXPECT_EQ(client.connects(), 1);
}

ServerOptions tls_options() {
  auto options = test_options();
  options.tls_cert_file = test_data("test-cert.pem");
  options.tls_key_file = test_data("test-key.pem");
  return options;
}

TEST(ServerTls, VerifiedRequestsSucceed) {
  auto server = start_server(tls_options());
  EXPECT_TRUE(server->tls());
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    HttpClient client(host, server->port(), true, test_data("test-cert.pem"));
    for (int i = 0; i < 3; ++i) {
      const Reply reply = client.get("/secure");
      ASSERT_EQ(reply.error, "") << host;
      EXPECT_EQ(reply.status, 200);
      EXPECT_EQ(reply.json()["tls"], true);
    }
    EXPECT_EQ(client.connects(), 1);
  }
}

TEST(ServerTls, WrongHostNameFailsVerification) {
  auto options = tls_options();
  options.bind_address = "127.0.0.2";  // on Linux all of 127/8 is loopback
  auto server = start_server(options);
  HttpClient client("127.0.0.2", server->port(), true, test_data("test-cert.pem"));
  const Reply reply = client.get("/");
  EXPECT_TRUE(reply.error.starts_with("handshake: ")) << reply.error;
  HttpClient unverified("127.0.0.2", server->port(), true);
  EXPECT_EQ(unverified.get("/").status, 200);
}

TEST(ServerTls, PlainHttpToTlsPortFailsCleanly) {
  auto server = start_server(tls_options());
  HttpClient plain("127.0.0.1", server->port());
  const Reply reply = plain.get("/");
  EXPECT_NE(reply.error, "");
  EXPECT_EQ(reply.status, 0);
  const auto start = Clock::now();
  const std::string raw = raw_exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 4s);
  EXPECT_EQ(status_of(raw), 0);
  EXPECT_LT(since(start), 2s);
  HttpClient secure("localhost", server->port(), true, test_data("test-cert.pem"));
  EXPECT_EQ(secure.get("/").status, 200);
}

TEST(ServerTls, MissingCertificateOrKeyFileThrows) {
  for (const auto& [cert, key] :
       {std::pair{test_data("missing-cert.pem"), test_data("test-key.pem")},
        std::pair{test_data("test-cert.pem"), test_data("missing-key.pem")}}) {
    auto options = test_options();
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    Server server(options, echo_handler);
    try {
      server.start();
      ADD_FAILURE() << "start() did not throw";
    } catch (const std::runtime_error& e) {
      const std::string missing = cert.ends_with("missing-cert.pem") ? cert : key;
      EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
  }
}

TEST(ServerStop, InFlightRequestCompletesAndIdleConnectionsClose) {
  auto options = test_options();
  options.shutdown_grace = 3s;
  auto server = start_server(options);
  HttpClient idle("127.0.0.1", server->port());
  ASSERT_EQ(idle.get("/").status, 200);
  auto in_flight = std::async(std::launch::async, [&] {
    HttpClient client("127.0.0.1", server->port());
    return client.get("/delay/500");
  });
  ASSERT_TRUE(wait_until([&] { return server->open_connections() == 2; }));
  std::this_thread::sleep_for(150ms);  // the request is now in its delay

  const auto start = Clock::now();
  server->stop();
  // Not the 3 s grace: the idle connection was closed at once, the delayed one finished.
  EXPECT_LT(since(start), 2s);
  const Reply reply = in_flight.get();
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_EQ(server->open_connections(), 0u);
  EXPECT_NE(idle.get("/").error, "");  // nobody listens any more
}

TEST(ServerStop, StragglersForceClosedAfterGrace) {
  auto options = test_options();
  options.shutdown_grace = 200ms;
  auto server = start_server(options);
  auto in_flight = std::async(std::launch::async, [&] {
    HttpClient client("127.0.0.1", server->port());
    return client.get("/delay/5000");
  });
  ASSERT_TRUE(wait_until([&] { return server->open_connections() == 1; }));
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  server->stop();
  EXPECT_LT(since(start), 1500ms);
  EXPECT_NE(in_flight.get().error, "");
}

// After stop() nobody listens: a connection is refused at once instead of waiting in a backlog.
void expect_not_listening(std::uint16_t port) {
  const auto start = Clock::now();
  EXPECT_EQ(raw_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2s), "");
  EXPECT_LT(since(start), 1s);
}

TEST(ServerStop, IdempotentAndWakesRunUntilSignal) {
  auto server = start_server();
  auto waiter = std::async(std::launch::async, [&] { server->run_until_signal(); });
  std::this_thread::sleep_for(50ms);
  server->stop();
  EXPECT_EQ(waiter.wait_for(3s), std::future_status::ready);
  expect_not_listening(server->port());
  server->stop();
  server->run_until_signal();  // already stopped: returns at once
}

extern "C" void ignore_signal(int) {}

TEST(ServerStop, RunUntilSignalStopsOnSigterm) {
  // Until run_until_signal() has registered its handler, a SIGTERM must not end the test.
  std::signal(SIGTERM, ignore_signal);
  auto server = start_server();
  const auto port = server->port();
  auto waiter = std::async(std::launch::async, [&] { server->run_until_signal(); });
  std::this_thread::sleep_for(500ms);
  std::raise(SIGTERM);
  const bool stopped = waiter.wait_for(3s) == std::future_status::ready;
  if (!stopped) server->stop();
  EXPECT_TRUE(stopped);
  std::signal(SIGTERM, SIG_DFL);
  expect_not_listening(port);
}

TEST(ServerConcurrency, FourThreadsEightClients) {
  auto options = test_options();
  options.threads = 4;
  auto server = start_server(options);
  std::atomic<int> failures{0};
  std::atomic<int> extra_connects{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client("127.0.0.1", server->port());
      for (int i = 0; i < 200; ++i) {
        const std::string target = "/c/" + std::to_string(c) + "/" + std::to_string(i);
        const Reply reply = client.post(target, {{"i", i}});
        if (reply.status != 200 || reply.json()["target"] != target) ++failures;
      }
      extra_connects += client.connects() - 1;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(extra_connects.load(), 0);
}

struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::size_t size() {
    std::lock_guard lock(mutex);
    return lines.size();
  }
};

TEST(ServerLogging, OneLinePerRequestToSink) {
  auto log = std::make_shared<LogLines>();
  auto options = test_options();
  options.log_requests = true;
  options.log_sink = [log](const std::string& line) {
    std::lock_guard lock(log->mutex);
    log->lines.push_back(line);
  };
  auto server = start_server(options);
  {
    HttpClient client("127.0.0.1", server->port());
    EXPECT_EQ(client.get("/a").status, 200);
    EXPECT_EQ(client.post("/b", {{"x", 1}}).status, 200);
    EXPECT_EQ(client.get("/throw").status, 500);
  }
  ASSERT_TRUE(wait_until([&] { return log->size() >= 3; }));
  server->stop();
  std::lock_guard lock(log->mutex);
  ASSERT_EQ(log->lines.size(), 3u);
  EXPECT_TRUE(log->lines[0].starts_with("127.0.0.1:")) << log->lines[0];
  EXPECT_NE(log->lines[0].find(" GET /a 200 "), std::string::npos) << log->lines[0];
  EXPECT_NE(log->lines[1].find(" POST /b 200 "), std::string::npos) << log->lines[1];
  EXPECT_NE(log->lines[2].find(" GET /throw 500 "), std::string::npos) << log->lines[2];
  EXPECT_TRUE(log->lines[0].ends_with("ms")) << log->lines[0];
}

TEST(ServerLogging, QuietWhenDisabled) {
  auto log = std::make_shared<LogLines>();
  auto options = test_options();
  options.log_sink = [log](const std::string& line) {
    std::lock_guard lock(log->mutex);
    log->lines.push_back(line);
  };
  auto server = start_server(options);
  HttpClient client("127.0.0.1", server->port());
  EXPECT_EQ(client.get("/a").status, 200);
  EXPECT_NE(client.get("/drop").error, "");
  raw_exchange(server->port(), "NOT HTTP\r\n\r\n", 2s);
  server->stop();
  EXPECT_EQ(log->size(), 0u);
}

TEST(ServerStart, PortInUseThrowsClearMessage) {
  auto first = start_server();
  auto options = test_options();
  options.port = first->port();
  Server second(options, echo_handler);
  try {
    second.start();
    ADD_FAILURE() << "start() on a busy port did not throw";
  } catch (const std::runtime_error& e) {
    const std::string expected =
        "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": ";
    EXPECT_TRUE(std::string(e.what()).starts_with(expected)) << e.what();
  }
  HttpClient client("127.0.0.1", first->port());
  EXPECT_EQ(client.get("/").status, 200);
}

// Highest file descriptor number open in this process.
int highest_open_fd() {
  int highest = 2;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  }
  return highest;
}

// Connects a plain POSIX socket (the kernel completes it from the listen backlog even when the
// server cannot accept); -1 on failure.
// Connects `fd` (a TCP socket) to the port on 127.0.0.1; false on failure.
bool connect_fd(int fd, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

std::string exchange_posix(int fd, const std::string& request) {
  timeval timeout{.tv_sec = 3, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) return "";
  std::string received;
  char chunk[4096];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) received.append(chunk, n);
  return received;
}

TEST(ServerAccept, SurvivesFileDescriptorExhaustion) {
  auto options = test_options();
  options.threads = 1;
  auto server = start_server(options);
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit lowered = original;
  lowered.rlim_cur = static_cast<rlim_t>(highest_open_fd() + 16);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  // The client's socket is made first: once descriptors run out nothing else (a server thread
  // included) can take the one it needs, so only the server's accept() lacks one.
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  std::vector<int> fillers;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
  const bool connected = client >= 0 && connect_fd(client, server->port());
  std::this_thread::sleep_for(300ms);  // accept() fails with EMFILE, again and again

  for (const int fd : fillers) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_GE(client, 0);
  ASSERT_TRUE(connected);
  const std::string raw =
      exchange_posix(client, "GET /late HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ::close(client);
  EXPECT_EQ(status_of(raw), 200) << raw;
  HttpClient fresh("127.0.0.1", server->port());
  EXPECT_EQ(fresh.get("/").status, 200);
}

}  // namespace
}  // namespace agentwork::mock
