// The report files `agentwork run` and `agentwork load` write at the end of a run: the flags
// (--report-json, --junit, --markdown, --openmetrics, --html), the check that each path is
// writable before the run starts, and the writing, rendered by reports/.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::harness {

struct ReportFiles {
  std::string json;         // the run result JSON (docs/run-result.md)
  std::string junit;
  std::string markdown;     // the Markdown summary ($GITHUB_STEP_SUMMARY, merge requests)
  std::string openmetrics;  // OpenMetrics text of the final figures
  std::string html;         // the single-file HTML report
};

void add_report_file_options(CLI::App& cmd, ReportFiles& files);

// Checked before the run, so that an hour of load is not lost to a typo in a path (parent folders
// are created); false after printing "agentwork COMMAND: ..." to stderr.
bool check_report_files(const ReportFiles& files, std::string_view command);

// Writes every file asked for, from the run (and its load object for a load run), printing
// "wrote PATH" for each; false when one could not be written (said on stderr).
bool write_report_files(const ReportFiles& files, std::string_view command,
                        const RunResult& run, const load::LoadResult* load);

}  // namespace agentwork::harness
