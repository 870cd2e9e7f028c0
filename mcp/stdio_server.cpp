#include "mcp/stdio_server.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "mcp/log.hpp"

namespace agentwork::mcp_server {
namespace {

std::size_t read_some(int fd, char* buf, std::size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd, buf, n);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno == EINTR) continue;
    log(LogLevel::error, std::string("read stdin: ") + std::strerror(errno));
    return 0;
  }
}

// False when the client is gone (EPIPE) or the write failed.
bool write_all(int fd, std::string text) {
  text += '\n';
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log(LogLevel::warn, std::string("write stdout: ") + std::strerror(errno));
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string brief(const std::string& line) {
  return line.size() <= 200 ? line : line.substr(0, 200) + "...";
}

}  // namespace

int claim_stdout() {
  std::fflush(stdout);
  const int out = ::dup(STDOUT_FILENO);
  if (out < 0) return -1;
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    ::close(out);
    return -1;
  }
  return out;
}

int serve_stdio(McpSession& session, int in_fd, int out_fd, std::size_t max_line) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that left is a failed write, not a signal
  LineReader reader([in_fd](char* buf, std::size_t n) { return read_some(in_fd, buf, n); },
                    max_line);
  for (auto next = reader.next(); next.status != LineReader::Status::end; next = reader.next()) {
    std::vector<std::string> answer;
    if (next.status == LineReader::Status::too_long) {
      log(LogLevel::warn, "line " + std::to_string(next.number) + " over " +
                              std::to_string(max_line) + " bytes: skipped");
      answer = session.oversized_line(max_line, next.number);
    } else {
      log(LogLevel::debug, "<- " + brief(next.line));
      answer = session.handle_line(next.line);
    }
    for (const auto& line : answer) {
      log(LogLevel::debug, "-> " + brief(line));
      if (!write_all(out_fd, line)) return 0;
    }
  }
  log(LogLevel::info, "stdin closed: exiting");
  return 0;
}

}  // namespace agentwork::mcp_server
