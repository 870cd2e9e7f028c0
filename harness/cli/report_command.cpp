#include "harness/cli/report_command.hpp"

#include <iostream>
#include <optional>
#include <utility>

#include "harness/cli/cli_util.hpp"
#include "common/json_file.hpp"
#include "reports/compare.hpp"
#include "reports/html_report.hpp"
#include "reports/console_report.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/load_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/openmetrics_report.hpp"

namespace agentwork::harness {
namespace {

const std::vector<std::string> kFormats = {"console", "markdown", "junit", "openmetrics", "json",
                                           "html"};

// A run result file read back: the run, and its load object when it has one.
struct ReadResult {
  RunResult run;
  std::optional<load::LoadResult> load;
  nlohmann::json document;
};

std::optional<ReadResult> read_result(const std::string& command, const std::string& path) {
  std::string error;
  auto document = read_json_file(path, error);
  if (!document) {
    std::cerr << "agentwork " << command << ": " << path << ": " << error << "\n";
    return std::nullopt;
  }
  auto run = reports::from_json(*document, error);
  if (!run) {
    std::cerr << "agentwork " << command << ": " << path << ": " << error << "\n";
    return std::nullopt;
  }
  ReadResult out{std::move(*run), std::nullopt, std::move(*document)};
  if (const auto it = out.document.find("load"); it != out.document.end()) {
    auto load = reports::load_from_json(*it, error);
    if (!load) {
      std::cerr << "agentwork " << command << ": " << path << ": " << error << "\n";
      return std::nullopt;
    }
    out.load = std::move(*load);
  }
  return out;
}

std::string render(const std::string& format, const ReadResult& r, bool color) {
  const load::LoadResult* load = r.load ? &*r.load : nullptr;
  if (format == "markdown") return reports::render_markdown(r.run, load);
  if (format == "openmetrics") return reports::render_openmetrics(r.run, load);
  if (format == "junit")
    return load ? reports::render_load_junit(*load) : reports::render_junit(r.run);
  if (format == "json") return r.document.dump(2) + "\n";
  if (format == "html") return reports::render_html(r.run, load);
  if (load) return reports::load_summary(*load, color);
  std::string out;  // as `agentwork run` prints it: the scenario lines, failures, the totals
  for (const auto& s : r.run.scenarios) out += reports::scenario_line(s, color);
  return out + reports::failure_details(r.run, color) + reports::summary(r.run, color);
}

// Writes `text` to `path` ("" or "-": stdout); false after saying why.
bool emit(const std::string& command, const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return true;
  }
  std::string error;
  if (!writable(path, error) || !write_file(path, text)) {
    std::cerr << "agentwork " << command << ": cannot write " << path
              << (error.empty() ? "" : ": " + error) << "\n";
    return false;
  }
  std::cerr << "wrote " << path << "\n";
  return true;
}

}  // namespace

void add_report_options(CLI::App& cmd, ReportOptions& o) {
  cmd.add_option("result", o.result, "A run result JSON (agentwork run/load --report-json)")
      ->required();
  cmd.add_option("-f,--format", o.format,
                 "What to print: console, markdown, junit, openmetrics, json, html")
      ->check(CLI::IsMember(kFormats))
      ->capture_default_str();
  cmd.add_option("-o,--output", o.output, "Write it to FILE instead of stdout");
  cmd.add_option("--junit", o.junit, "Also write JUnit XML to FILE");
  cmd.add_option("--markdown", o.markdown, "Also write the Markdown summary to FILE");
  cmd.add_option("--openmetrics", o.openmetrics, "Also write OpenMetrics text to FILE");
  cmd.add_option("--json", o.json, "Also write the result JSON (normalised) to FILE");
  cmd.add_option("--html", o.html, "Also write the single-file HTML report to FILE");
  cmd.add_option("--color", o.color, "Colour the console format: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd.footer(
      "\nRe-renders a run result; nothing is run again. Reads conformance results and load\n"
      "results (the \"load\" object) alike.\n"
      "Exit codes: 0 rendered; 2 bad usage, a result file that cannot be read or is not a run\n"
      "result, or an output that cannot be written.");
}

int report_command(const ReportOptions& o) {
  const auto r = read_result("report", o.result);
  if (!r) return 2;
  const std::pair<const std::string*, const char*> files[] = {
      {&o.junit, "junit"}, {&o.markdown, "markdown"}, {&o.openmetrics, "openmetrics"},
      {&o.json, "json"}, {&o.html, "html"}};
  for (const auto& [path, format] : files) {
    if (!path->empty() && !emit("report", *path, render(format, *r, false))) return 2;
  }
  const bool color = (o.output.empty() || o.output == "-") && use_color(o.color);
  return emit("report", o.output, render(o.format, *r, color)) ? 0 : 2;
}

void add_compare_options(CLI::App& cmd, CompareOptions& o) {
  cmd.add_option("baseline", o.baseline, "The baseline run result JSON")->required();
  cmd.add_option("current", o.current, "The current run result JSON")->required();
  cmd.add_option("-t,--tolerance", o.tolerances,
                 "How much worse a figure may get: NAME=10%, NAME=5ms, NAME=0.002 or both "
                 "(NAME=10%,1ms); NAME may be a prefix (latency); repeatable");
  cmd.add_option("-f,--format", o.format, "text or markdown")
      ->check(CLI::IsMember({"text", "markdown"}))
      ->capture_default_str();
  cmd.add_option("-o,--output", o.output, "Write it to FILE instead of stdout");
  cmd.add_option("--markdown", o.markdown, "Also write the Markdown table to FILE");
  cmd.add_option("--color", o.color, "auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd.footer(
      "\nLoad runs: request rate, error rate, latency p50/p90/p99 per endpoint, polls per\n"
      "transition, detection delay, wasted, late and dropped polls (default tolerance 10%;\n"
      "latencies 10% or 1 ms; error rate 0.001; counts 10% or 10), thresholds, contract rules.\n"
      "Conformance runs: each scenario's verdict and the failures of each rule.\n"
      "Exit codes: 0 no regression; 1 a regression; 2 bad usage or a result file that cannot be\n"
      "read.");
}

int compare_command(const CompareOptions& o) {
  std::vector<reports::Tolerance> tolerances;
  for (const auto& text : o.tolerances) {
    std::string error;
    auto t = reports::parse_tolerance(text, error);
    if (!t) {
      std::cerr << "agentwork compare: --tolerance " << error << "\n";
      return 2;
    }
    tolerances.push_back(std::move(*t));
  }
  const auto base = read_result("compare", o.baseline);
  if (!base) return 2;
  const auto cur = read_result("compare", o.current);
  if (!cur) return 2;
  const auto result = reports::compare_runs({&base->run, base->load ? &*base->load : nullptr},
                                            {&cur->run, cur->load ? &*cur->load : nullptr},
                                            tolerances);
  if (!o.markdown.empty() &&
      !emit("compare", o.markdown, reports::render_compare_markdown(result))) {
    return 2;
  }
  const bool color = (o.output.empty() || o.output == "-") && use_color(o.color);
  const std::string text = o.format == "markdown" ? reports::render_compare_markdown(result)
                                                  : reports::render_compare_text(result, color);
  if (!emit("compare", o.output, text)) return 2;
  return result.regressions() > 0 ? 1 : 0;
}

}  // namespace agentwork::harness
