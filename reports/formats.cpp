// The registry of report formats: one row per format (see reports/format.hpp). A new format is
// its renderer in its own file and one row here; the commands' flags, `--format` values and
// messages follow from the rows.
#include <array>
#include <cstdlib>

#include "reports/console_report.hpp"
#include "reports/format.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/load_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/openmetrics_report.hpp"

namespace agentwork::reports {
namespace {

using harness::RunResult;
using load::LoadResult;

// As `agentwork run` prints it: the scenario lines, the failures, the totals.
std::string console_run(const RunResult& run, const RenderOptions& o) {
  std::string out;
  for (const auto& s : run.scenarios) out += scenario_line(s, o.color);
  return out + failure_details(run, o.color) + summary(run, o.color);
}

// Renderings that ignore the options or the run header; captureless, so function pointers.
std::string console_load(const RunResult&, const LoadResult& l, const RenderOptions& o) {
  return load_summary(l, o.color);
}
std::string console_comparison(const CompareResult& r, const RenderOptions& o) {
  return render_compare_text(r, o.color);
}
std::string json_run(const RunResult& r, const RenderOptions& o) {
  return o.source ? o.source->dump(2) + "\n" : render_json(r);
}
std::string json_load(const RunResult& r, const LoadResult& l, const RenderOptions& o) {
  return o.source ? o.source->dump(2) + "\n" : render_load_result_json(r, l);
}
std::string junit_run(const RunResult& r, const RenderOptions&) {
  return render_junit(r);
}
std::string junit_load(const RunResult&, const LoadResult& l, const RenderOptions&) {
  return render_load_junit(l);
}
// Markdown, OpenMetrics and HTML render both kinds with one function (`load` null or not).
template <std::string (*Render)(const RunResult&, const LoadResult*)>
std::string both_run(const RunResult& r, const RenderOptions&) {
  return Render(r, nullptr);
}
template <std::string (*Render)(const RunResult&, const LoadResult*)>
std::string both_load(const RunResult& r, const LoadResult& l, const RenderOptions&) {
  return Render(r, &l);
}
std::string markdown_comparison(const CompareResult& r, const RenderOptions&) {
  return render_compare_markdown(r);
}

// Every field of every row is spelled out: a row is read as a whole.
const std::array kFormats = {
    Format{.name = "console",
           .extension = "txt",
           .conformance = &console_run,
           .load = &console_load,
           .comparison = &console_comparison,
           .comparison_name = "text",
           .run_file = {},
           .report_file = {},
           .compare_file = {}},
    Format{.name = "json",
           .extension = "json",
           .conformance = &json_run,
           .load = &json_load,
           .comparison = nullptr,
           .comparison_name = {},
           .run_file = {"--report-json", "Write the JSON result here"},
           .report_file = {"--json", "Also write the result JSON (normalised) to FILE"},
           .compare_file = {}},
    Format{.name = "junit",
           .extension = "xml",
           .conformance = &junit_run,
           .load = &junit_load,
           .comparison = nullptr,
           .comparison_name = {},
           .run_file = {"--junit", "Write JUnit XML here"},
           .report_file = {"--junit", "Also write JUnit XML to FILE"},
           .compare_file = {}},
    Format{.name = "markdown",
           .extension = "md",
           .conformance = &both_run<&render_markdown>,
           .load = &both_load<&render_markdown>,
           .comparison = &markdown_comparison,
           .comparison_name = {},
           .run_file = {"--markdown", "Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)"},
           .report_file = {"--markdown", "Also write the Markdown summary to FILE"},
           .compare_file = {"--markdown", "Also write the Markdown table to FILE"}},
    Format{.name = "openmetrics",
           .extension = "prom",
           .conformance = &both_run<&render_openmetrics>,
           .load = &both_load<&render_openmetrics>,
           .comparison = nullptr,
           .comparison_name = {},
           .run_file = {"--openmetrics", "Write the final figures as OpenMetrics text here"},
           .report_file = {"--openmetrics", "Also write OpenMetrics text to FILE"},
           .compare_file = {}},
    Format{.name = "html",
           .extension = "html",
           .conformance = &both_run<&render_html>,
           .load = &both_load<&render_html>,
           .comparison = nullptr,
           .comparison_name = {},
           .run_file = {"--html", "Write the single-file HTML report here"},
           .report_file = {"--html", "Also write the single-file HTML report to FILE"},
           .compare_file = {}},
};

}  // namespace

const FileFlag& Format::file_flag(FileCommand command) const {
  switch (command) {
    case FileCommand::run:
      return run_file;
    case FileCommand::report:
      return report_file;
    case FileCommand::compare:
      return compare_file;
  }
  std::abort();
}

std::string Format::render(const RunResult& run, const LoadResult* l,
                           const RenderOptions& o) const {
  if (l != nullptr ? this->load == nullptr : conformance == nullptr) std::abort();
  return l != nullptr ? this->load(run, *l, o) : conformance(run, o);
}

std::span<const Format> formats() {
  return kFormats;
}

const Format* find_format(std::string_view name) {
  for (const Format& f : kFormats) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Format* find_comparison_format(std::string_view name) {
  for (const Format& f : kFormats) {
    if (f.comparison != nullptr && f.name_for_comparison() == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> run_format_names() {
  std::vector<std::string> out;
  for (const Format& f : kFormats) {
    if (f.conformance != nullptr || f.load != nullptr) out.emplace_back(f.name);
  }
  return out;
}

std::vector<std::string> comparison_format_names() {
  std::vector<std::string> out;
  for (const Format& f : kFormats) {
    if (f.comparison != nullptr) out.emplace_back(f.name_for_comparison());
  }
  return out;
}

}  // namespace agentwork::reports
