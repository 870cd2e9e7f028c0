// The fuzz targets of file loaders write each input to a file of their own (per process, reused
// across inputs) and load it as the program would: the loader's reading, comment handling and
// error paths included.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace agentwork::fuzz {

// Writes `bytes` to /tmp/agentwork-fuzz-<pid>-<name> (replacing what the last input left) and
// returns its path; the file is removed when the process exits.
inline const std::string& write_temp(std::string_view name, std::string_view bytes) {
  static const std::string path = [&] {
    std::string p = "/tmp/agentwork-fuzz-" + std::to_string(::getpid()) + "-" + std::string(name);
    static std::string to_remove;
    to_remove = p;
    std::atexit([] { std::remove(to_remove.c_str()); });
    return p;
  }();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace agentwork::fuzz
