#include "mcp/line_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace agentwork::mcp_server {
namespace {

// A source that hands out `text` in pieces of at most `piece` bytes, counting the bytes read.
struct StringSource {
  std::string text;
  std::size_t piece = 7;
  std::size_t pos = 0;
  std::size_t operator()(char* buf, std::size_t n) {
    const std::size_t k = std::min({n, piece, text.size() - pos});
    std::memcpy(buf, text.data() + pos, k);
    pos += k;
    return k;
  }
};

TEST(LineReader, SplitsLinesAcrossReadsAndKeepsALastLineWithoutNewline) {
  LineReader reader(StringSource{"one\ntwo two two\n\nlast"});
  EXPECT_EQ(reader.next().line, "one");
  const auto two = reader.next();
  EXPECT_EQ(two.line, "two two two");
  EXPECT_EQ(two.number, 2u);
  EXPECT_EQ(reader.next().line, "");
  EXPECT_EQ(reader.next().line, "last");
  EXPECT_EQ(reader.next().status, LineReader::Status::end);
  EXPECT_EQ(reader.next().status, LineReader::Status::end);
}

TEST(LineReader, ALineOverTheLimitIsSkippedWithoutBufferingIt) {
  const std::string huge(1 << 20, 'x');
  auto source = std::make_shared<StringSource>(StringSource{"a\n" + huge + "\nb\n", 1 << 16});
  std::size_t largest_buffer = 0;
  LineReader reader(
      [source, &largest_buffer](char* buf, std::size_t n) {
        largest_buffer = std::max(largest_buffer, n);
        return (*source)(buf, n);
      },
      1024);
  EXPECT_EQ(reader.next().line, "a");
  const auto skipped = reader.next();
  EXPECT_EQ(skipped.status, LineReader::Status::too_long);
  EXPECT_EQ(skipped.number, 2u);
  EXPECT_TRUE(skipped.line.empty());
  const auto b = reader.next();
  EXPECT_EQ(b.line, "b");
  EXPECT_EQ(b.number, 3u);
  EXPECT_LE(largest_buffer, 64u * 1024);  // read in chunks, never the whole line at once
}

TEST(LineReader, AnOverlongLastLineWithoutNewlineEndsTheInput) {
  LineReader reader(StringSource{std::string(5000, 'y'), 4096}, 1024);
  EXPECT_EQ(reader.next().status, LineReader::Status::too_long);
  EXPECT_EQ(reader.next().status, LineReader::Status::end);
}

TEST(LineReader, ALineOfExactlyTheLimitIsALine) {
  LineReader reader(StringSource{std::string(1024, 'z') + "\n", 100}, 1024);
  EXPECT_EQ(reader.next().line.size(), 1024u);
}

}  // namespace
}  // namespace agentwork::mcp_server
