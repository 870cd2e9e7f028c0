// The version of the programs (agentwork, agentwork-mock, agentwork-mcp) and how they were built,
// as `--version` prints it. The values come from CMake at configure time (version.cpp.in).
#pragma once

#include <string>
#include <string_view>

namespace agentwork {

// "0.1.0": the project's version (CMakeLists.txt), also the .deb's.
std::string_view version();

// "agentwork 0.1.0\nbuilt: commit 4a5fcc0, RelWithDebInfo, GNU 12.2.0, Boost 1.81.0, allocator
// jemalloc\n": the program's name and version, then how it was built. The commit is the source
// tree's at configure time ("unknown" outside a git checkout).
std::string version_text(std::string_view program);

}  // namespace agentwork
