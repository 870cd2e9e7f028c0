// The one interface of the report formats and their registry. A format (console, JSON, JUnit,
// Markdown, OpenMetrics, HTML, ...) is one row of reports/formats.cpp: its name, its file
// extension, the results it renders (a conformance run, a load run, a comparison of two runs)
// with a pure function for each, and the flags that write it to a file in each command. The
// commands (harness/cli) find formats here by name and build their flags and messages from the
// rows, so adding a format is one renderer file and one row.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"
#include "reports/compare.hpp"

namespace agentwork::reports {

// How to render, besides the result itself.
struct RenderOptions {
  bool color = false;  // ANSI colour: only the console formats use it
  // The result JSON the run was read back from (`agentwork report`), or null. The JSON format
  // writes that document back (normalised: keys sorted, two-space indent) instead of rendering the
  // structs, so that fields the structs do not read back are kept.
  const nlohmann::json* source = nullptr;
};

// A flag of a command that writes the format to a file, with its --help text.
struct FileFlag {
  std::string_view name;  // "--junit"; empty: the command has no such flag
  std::string_view help;
};

// The commands that write report files, each with its own flags (their names and texts predate
// the registry, hence one FileFlag per command).
enum class FileCommand {
  run,      // `agentwork run` and `agentwork load`: written at the end of the run
  report,   // `agentwork report`: written besides what it prints
  compare,  // `agentwork compare`: written besides what it prints
};

struct Format {
  using RenderRun = std::string (*)(const harness::RunResult& run, const RenderOptions& o);
  using RenderLoad = std::string (*)(const harness::RunResult& run, const load::LoadResult& load,
                                     const RenderOptions& o);
  using RenderComparison = std::string (*)(const CompareResult& result, const RenderOptions& o);

  std::string_view name;       // `agentwork report --format NAME`
  std::string_view extension;  // of its files, without the dot: "xml"
  // What it renders; null: not this kind of result.
  RenderRun conformance = nullptr;  // a conformance run (`agentwork run`)
  RenderLoad load = nullptr;        // a load run (`agentwork load`), with its run header
  RenderComparison comparison = nullptr;
  // The name `agentwork compare --format` takes it by; empty: `name`.
  std::string_view comparison_name;
  FileFlag run_file, report_file, compare_file;

  const FileFlag& file_flag(FileCommand command) const;
  std::string_view name_for_comparison() const {
    return comparison_name.empty() ? name : comparison_name;
  }
  // Renders a finished run: a load run when `load` is set. The format must render that kind.
  std::string render(const harness::RunResult& run, const load::LoadResult* load,
                     const RenderOptions& o) const;
};

// Every format, in the order their flags are listed and their files written.
std::span<const Format> formats();
// The format called `name` (for comparisons: by name_for_comparison()), or null.
const Format* find_format(std::string_view name);
const Format* find_comparison_format(std::string_view name);
// The names of the formats that render runs (conformance and load alike), and of those that
// render comparisons: the values of `report --format` and `compare --format`.
std::vector<std::string> run_format_names();
std::vector<std::string> comparison_format_names();

}  // namespace agentwork::reports
