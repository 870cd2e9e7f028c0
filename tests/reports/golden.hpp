// Golden files of the report tests (tests/data/golden/): the expected output of a renderer on a
// fixed input, compared byte for byte. AGENTWORK_UPDATE_GOLDEN=1 in the environment rewrites them
// from the current output instead (then review the diff before committing).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace agentwork::reports::golden {

inline std::string path_of(const std::string& name) {
  return std::string(AGENTWORK_GOLDEN_DIR) + "/" + name;
}

// Expects `actual` to equal the golden file `name`; on a difference the actual output is
// written beside the build's test binary as `name`.actual for a diff.
inline void expect_matches(const std::string& name, const std::string& actual) {
  const std::string path = path_of(name);
  if (const char* update = std::getenv("AGENTWORK_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "no golden file " << path
                  << " (AGENTWORK_UPDATE_GOLDEN=1 writes it from the current output)";
  std::stringstream expected;
  expected << in.rdbuf();
  if (expected.str() != actual) {
    std::ofstream(name + ".actual", std::ios::binary) << actual;
    ADD_FAILURE() << "output differs from " << path << "; the actual output is in " << name
                  << ".actual (diff them; AGENTWORK_UPDATE_GOLDEN=1 accepts it)";
  }
}

}  // namespace agentwork::reports::golden
