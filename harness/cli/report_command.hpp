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

// `agentwork merge`: the shards' result files of one sharded load run, merged into one result
// (harness/load/merge.hpp), written with -o and any report file, its summary printed.
struct MergeOptions {
  std::vector<std::string> shards;  // the shards' run result JSON files
  std::string output;               // the merged run result JSON ("" : not written)
  ReportFiles files;                // --junit, --markdown, --openmetrics, --html as well
  std::string color = "auto";
};
void add_merge_options(CLI::App& cmd, MergeOptions& o);
// The merged run's exit code as `agentwork load`'s (0, 1, 4, 5, 130); 2 when the files are not
// one run's complete set of shards, cannot be read, or an output cannot be written.
int merge_command(const MergeOptions& o);

}  // namespace agentwork::harness
