// McpProcess (--via mcp's child process) against small shell servers: an answer matched by id,
// other lines kept, a hang cut by the timeout, an overlong line, a death with its stderr kept,
// a command that does not exist; and split_command's quoting rules.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "harness/net/mcp_process.hpp"

namespace agentwork::harness {
namespace {

using namespace std::chrono_literals;
using F = McpExchange::Failure;

// Runs `io` until the request is answered: the child may outlive it (a hang, a flood), and the
// stderr reader's work with it.
McpExchange finish(boost::asio::io_context& io, std::future<McpExchange>& fut) {
  while (fut.wait_for(0s) != std::future_status::ready) io.run_one_for(50ms);
  return fut.get();
}

McpExchange ask(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                std::vector<std::string>* stderr_tail = nullptr, std::size_t max_line = 1 << 20) {
  boost::asio::io_context io;
  McpLaunch launch;
  launch.argv = argv;
  launch.max_line_bytes = max_line;
  McpProcess p(io.get_executor(), launch);
  std::string error;
  EXPECT_TRUE(p.start(error)) << error;
  auto fut = boost::asio::co_spawn(io, p.request("ping", nlohmann::json::object(), timeout),
                                   boost::asio::use_future);
  auto x = finish(io, fut);
  if (stderr_tail) {
    for (int i = 0; i < 40 && p.stderr_tail().empty(); ++i) io.run_one_for(50ms);
    *stderr_tail = p.stderr_tail();
  }
  p.stop();
  EXPECT_FALSE(p.running());
  return x;
}

std::vector<std::string> sh(const std::string& script) {
  return {"sh", "-c", script};
}

TEST(SplitCommand, WordsQuotesAndEscapes) {
  std::string error;
  const auto argv = split_command(R"(node  'a b'  "c \"d\" \\e" f\ g)", error);
  ASSERT_TRUE(argv) << error;
  EXPECT_EQ(*argv, (std::vector<std::string>{"node", "a b", R"(c "d" \e)", "f g"}));
  EXPECT_FALSE(split_command("x 'open", error));
  EXPECT_EQ(error, "unterminated single quote in the command");
  EXPECT_FALSE(split_command("x \"open", error));
  EXPECT_EQ(error, "unterminated double quote in the command");
  EXPECT_FALSE(split_command("   ", error));
  EXPECT_EQ(error, "the command is empty");
}

TEST(McpProcess, MatchesTheAnswerByIdAndKeepsTheOtherLines) {
  const auto x = ask(sh(R"(read l; echo 'log line'; echo '{"jsonrpc":"2.0","method":"n"}';)"
                        R"( echo '{"jsonrpc":"2.0","id":1,"result":{"ok":true}}'; sleep 5)"),
                     5s);
  ASSERT_TRUE(x.ok()) << to_string(x.failure);
  EXPECT_EQ(x.response["result"]["ok"], true);
  EXPECT_EQ(x.lines.size(), 3u);
  EXPECT_EQ(x.lines[0], "log line");
  EXPECT_NE(x.request_line.find("\"method\":\"ping\""), std::string::npos);
}

TEST(McpProcess, AHangIsCutByTheTimeout) {
  const auto began = std::chrono::steady_clock::now();
  const auto x = ask(sh("sleep 30"), 300ms);
  EXPECT_EQ(x.failure, F::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
}

TEST(McpProcess, AnOverlongLineIsAFailureNotABuffer) {
  const auto x = ask(sh("head -c 300000 /dev/zero | tr '\\0' x; sleep 5"), 5s, nullptr, 1000);
  EXPECT_EQ(x.failure, F::too_long);
}

TEST(McpProcess, ADeathIsReportedWithItsStderr) {
  std::vector<std::string> tail;
  const auto x = ask(sh("echo 'fatal: no key' >&2; exit 3"), 5s, &tail);
  // Gone before the request was written (EPIPE) or while it waited for the answer (EOF).
  EXPECT_TRUE(x.failure == F::died || x.failure == F::write) << to_string(x.failure);
  ASSERT_FALSE(tail.empty());
  EXPECT_EQ(tail.back(), "fatal: no key");
}

TEST(McpProcess, AMissingCommandIsAClearError) {
  boost::asio::io_context io;
  McpLaunch launch;
  launch.argv = {"/nonexistent/mcp-server"};
  McpProcess p(io.get_executor(), launch);
  std::string error;
  EXPECT_FALSE(p.start(error));
  EXPECT_EQ(error, "cannot run /nonexistent/mcp-server: No such file or directory");
  EXPECT_FALSE(p.running());
}

TEST(McpProcess, TheEnvironmentIsSetAndUnset) {
  boost::asio::io_context io;
  McpLaunch launch;
  launch.argv = sh(R"(read l; echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"u\":\"$AW_URL\",)"
                   R"(\"k\":\"${AW_KEY-unset}\"}}")");
  launch.env = {{"AW_URL", "http://127.0.0.1:9"}, {"AW_KEY", ""}};
  setenv("AW_KEY", "inherited", 1);
  McpProcess p(io.get_executor(), launch);
  std::string error;
  ASSERT_TRUE(p.start(error)) << error;
  auto fut = boost::asio::co_spawn(io, p.request("x", nlohmann::json::object(), 5s),
                                   boost::asio::use_future);
  const auto x = finish(io, fut);
  ASSERT_TRUE(x.ok()) << to_string(x.failure);
  EXPECT_EQ(x.response["result"]["u"], "http://127.0.0.1:9");
  EXPECT_EQ(x.response["result"]["k"], "unset");
}

}  // namespace
}  // namespace agentwork::harness
