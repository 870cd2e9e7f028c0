// `agentwork report` (re-render a run result JSON in any format, re-running nothing) and
// `agentwork compare` (a baseline result against a current one, exit 1 on a regression).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/cli/report_files.hpp"

namespace agentwork::harness {

struct ReportOptions {
  std::string result;              // the run result JSON (agentwork run/load --report-json)
  std::string format = "console";  // to stdout (or --output): a format of reports/formats.cpp
  std::string output;              // "" or "-": stdout
  ReportFiles files;               // --junit, --markdown, --openmetrics, --json, --html as well
  std::string color = "auto";
};
void add_report_options(CLI::App& cmd, ReportOptions& o);
// 0 rendered; 2 bad usage, an unreadable or invalid result file, or an unwritable output.
int report_command(const ReportOptions& o);

struct CompareOptions {
  std::string baseline, current;
  std::vector<std::string> tolerances;  // "latency=15%", ...
  std::string format = "text";          // text or markdown: a format rendering comparisons
  std::string output;                   // "" or "-": stdout
  ReportFiles files;                    // --markdown as well
  std::string color = "auto";
};
void add_compare_options(CLI::App& cmd, CompareOptions& o);
// 0 no regression; 1 a regression; 2 bad usage or an unreadable or invalid result file.
int compare_command(const CompareOptions& o);

}  // namespace agentwork::harness
