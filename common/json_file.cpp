#include "common/json_file.hpp"

#include "common/json_depth.hpp"

#include <fstream>
#include <sstream>

namespace agentwork {

std::optional<nlohmann::json> read_json_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read the file";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (json_too_deep(text.str(), kMaxJsonDepth, /*comments=*/true)) {
    error = "not valid JSON here: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text.str(), nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag;
    // a number beyond a double ("1e309") is out_of_range.406, not a parse_error (found by
    // fuzz_harness_files and fuzz_mock_files: it ended both loaders with std::terminate).
    std::string what = e.what();
    if (auto close = what.find("] "); close != std::string::npos) what = what.substr(close + 2);
    error = "not valid JSON: " + what;
    return std::nullopt;
  }
}

}  // namespace agentwork
