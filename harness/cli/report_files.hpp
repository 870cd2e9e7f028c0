// The report files a command writes besides what it prints: one path per format of the registry
// (reports/format.hpp), each filled by that format's flag for the command (--report-json,
// --junit, --markdown, --openmetrics, --html for `run` and `load`), checked writable before a run
// starts, and written at the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"
#include "reports/format.hpp"

namespace agentwork::harness {

class ReportFiles {
 public:
  ReportFiles();  // no file asked for
  // The path asked for `format` ("" : none).
  const std::string& path(const reports::Format& format) const;
  // The formats with a path, in the registry's order.
  std::vector<const reports::Format*> asked() const;
  // One option per format that has a flag in `command`, bound to that format's path.
  void add_options(CLI::App& cmd, reports::FileCommand command);

 private:
  std::vector<std::string> paths_;  // by the format's index in reports::formats()
};

// Checked before the run, so that an hour of load is not lost to a typo in a path (parent folders
// are created); false after printing "agentwork COMMAND: ..." to stderr.
bool check_report_files(const ReportFiles& files, std::string_view command);

// Writes every file asked for, from the run (and its load object for a load run), printing
// "wrote PATH" for each; false when one could not be written (said on stderr).
bool write_report_files(const ReportFiles& files, std::string_view command, const RunResult& run,
                        const load::LoadResult* load);

}  // namespace agentwork::harness
