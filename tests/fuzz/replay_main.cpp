// The main of a fuzz target outside libFuzzer: runs LLVMFuzzerTestOneInput once on each input
// file named on the command line, and on every file under each directory named (sorted, so runs
// repeat). The normal test suite replays the committed seeds and regression inputs this way
// (ctest fuzz_regression.*), with GCC and under the sanitizer builds: a crash, an uncaught
// exception or a sanitizer report fails the test and names the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> out;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
  } else {
    out.push_back(path);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " FILE_OR_DIRECTORY...\n";
    return 2;
  }
  std::size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::exists(argv[i])) {
      std::cerr << argv[i] << ": no such file or directory\n";
      return 2;
    }
    for (const auto& path : inputs_of(argv[i])) {
      std::ifstream in(path, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (!in.good() && !in.eof()) {
        std::cerr << path.string() << ": cannot read\n";
        return 2;
      }
      // Named first, so that a crash's output says which input it was.
      std::cerr << "input " << path.string() << " (" << bytes.size() << " bytes)\n";
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++ran;
    }
  }
  // An empty corpus would make a test that cannot fail.
  if (ran == 0) {
    std::cerr << "no inputs found\n";
    return 2;
  }
  std::cout << ran << " inputs ran\n";
  return 0;
}
