#include "mcp/log.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <string>

namespace agentwork::mcp_server {
namespace {

constexpr std::array<std::string_view, 5> kNames = {"quiet", "error", "warn", "info", "debug"};
std::atomic<LogLevel> g_level{LogLevel::info};

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

void set_log_level(LogLevel level) {
  g_level = level;
}

void log(LogLevel level, std::string_view text) {
  if (level == LogLevel::quiet || level > g_level.load()) return;
  std::string line = "agentwork-mcp: ";
  line += kNames[static_cast<std::size_t>(level)];
  line += ": ";
  line += text;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace agentwork::mcp_server
