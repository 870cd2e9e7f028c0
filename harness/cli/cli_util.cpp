#include "harness/cli/cli_util.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace agentwork::harness {

std::string new_run_id() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex
      << ((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(::getpid()));
  return out.str().substr(0, 10);
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr &&
         !(term && std::string(term) == "dumb");
}

bool writable(const std::string& path, std::string& error) {
  if (path.empty()) return true;
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  const bool existed = std::filesystem::exists(path, ec);
  {
    std::ofstream probe(path, std::ios::app);
    if (!probe) {
      error = path + ": cannot write this file";
      return false;
    }
  }
  // A run that never starts (an unreachable target) must not leave an empty report behind for
  // the next CI step to choke on.
  if (!existed) std::filesystem::remove(path, ec);
  return true;
}

bool write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

std::string installed_data_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path data = exe.parent_path().parent_path() / "share" / "agentwork";
  return fs::is_directory(data / "scenarios", ec) ? data.string() : std::string();
}

std::string resolve_data_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path, ec)) return path;
  const std::string data = installed_data_dir();
  if (data.empty()) return path;
  const fs::path installed = fs::path(data) / path;
  return fs::exists(installed, ec) ? installed.string() : path;
}

}  // namespace agentwork::harness
