#include "mcp/line_reader.hpp"

#include <utility>

namespace agentwork::mcp_server {
namespace {
constexpr std::size_t kChunk = 64 * 1024;
}

LineReader::LineReader(Source source, std::size_t max_line)
    : source_(std::move(source)), max_line_(max_line) {}

bool LineReader::fill() {
  if (end_) return false;
  buffer_.erase(0, start_);
  start_ = 0;
  const std::size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  const std::size_t n = source_(buffer_.data() + old, kChunk);
  buffer_.resize(old + n);
  if (n == 0) end_ = true;
  return n != 0;
}

LineReader::Next LineReader::next() {
  for (;;) {
    const auto nl = buffer_.find('\n', start_);
    if (nl != std::string::npos) {
      Next out{Status::line, {}, ++number_};
      if (nl - start_ > max_line_) {
        out.status = Status::too_long;
      } else {
        out.line.assign(buffer_, start_, nl - start_);
      }
      start_ = nl + 1;
      return out;
    }
    if (buffer_.size() - start_ > max_line_) return skip_rest();
    if (!fill()) {
      if (start_ == buffer_.size()) return {};
      Next out{Status::line, buffer_.substr(start_), ++number_};
      start_ = buffer_.size();
      return out;
    }
  }
}

// The current line is over the limit: drops what is buffered and reads on to its newline.
LineReader::Next LineReader::skip_rest() {
  Next out{Status::too_long, {}, ++number_};
  for (;;) {
    const auto nl = buffer_.find('\n', start_);
    if (nl != std::string::npos) {
      start_ = nl + 1;
      return out;
    }
    start_ = buffer_.size();
    if (!fill()) return out;
  }
}

}  // namespace agentwork::mcp_server
