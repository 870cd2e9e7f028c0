// Newline-delimited input with a bound: a line longer than the limit is reported and skipped
// while it is read, never buffered whole. Pure: reads through a callback (stdin's read(2) in
// the server, a string in tests).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace agentwork::mcp_server {

class LineReader {
 public:
  // Reads up to n bytes into buf; 0 at the end of the input.
  using Source = std::function<std::size_t(char* buf, std::size_t n)>;
  static constexpr std::size_t kDefaultMaxLine = 4 * 1024 * 1024;  // bytes, newline excluded

  LineReader(Source source, std::size_t max_line = kDefaultMaxLine);

  enum class Status { line, too_long, end };
  struct Next {
    Status status = Status::end;
    std::string line;        // for Status::line, without its '\n'
    std::size_t number = 0;  // 1-based line number (line and too_long)
  };
  // The next line, or too_long (the line was consumed up to its newline), or end. A last line
  // without a newline is still a line.
  Next next();

 private:
  bool fill();  // false at the end of the input
  Next skip_rest();

  Source source_;
  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;  // where the unread part of buffer_ begins
  std::size_t number_ = 0;
  bool end_ = false;
};

}  // namespace agentwork::mcp_server
