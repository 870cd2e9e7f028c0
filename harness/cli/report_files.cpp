#include "harness/cli/report_files.hpp"

#include <iostream>

#include "harness/cli/cli_util.hpp"

namespace agentwork::harness {

ReportFiles::ReportFiles() : paths_(reports::formats().size()) {}

const std::string& ReportFiles::path(const reports::Format& format) const {
  return paths_[static_cast<std::size_t>(&format - reports::formats().data())];
}

std::vector<const reports::Format*> ReportFiles::asked() const {
  std::vector<const reports::Format*> out;
  for (const auto& format : reports::formats()) {
    if (!path(format).empty()) out.push_back(&format);
  }
  return out;
}

void ReportFiles::add_options(CLI::App& cmd, reports::FileCommand command) {
  const auto all = reports::formats();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& flag = all[i].file_flag(command);
    if (!flag.name.empty())
      cmd.add_option(std::string(flag.name), paths_[i], std::string(flag.help));
  }
}

bool check_report_files(const ReportFiles& files, std::string_view command) {
  for (const auto* format : files.asked()) {
    std::string error;
    if (!writable(files.path(*format), error)) {
      std::cerr << "agentwork " << command << ": " << error << "\n";
      return false;
    }
  }
  return true;
}

bool write_report_files(const ReportFiles& files, std::string_view command, const RunResult& run,
                        const load::LoadResult* load) {
  bool ok = true;
  for (const auto* format : files.asked()) {
    const std::string& path = files.path(*format);
    if (write_file(path, format->render(run, load, {}))) {
      std::cout << "wrote " << path << "\n";
    } else {
      std::cerr << "agentwork " << command << ": could not write " << path << "\n";
      ok = false;
    }
  }
  return ok;
}

}  // namespace agentwork::harness
