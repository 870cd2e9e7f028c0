#include "harness/cli/report_command.hpp"

#include <array>
#include <ctime>
#include <iostream>
#include <optional>
#include <utility>

#include "common/json_file.hpp"
#include "harness/cli/cli_util.hpp"
#include "reports/compare.hpp"
#include "reports/format.hpp"
#include "reports/json_report.hpp"
#include "harness/load/merge.hpp"
#include "reports/load_report.hpp"

namespace agentwork::harness {
namespace {

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

// `format` of the result read back; the JSON format writes the document back.
std::string render(const reports::Format& format, const ReadResult& r, bool color) {
  return format.render(r.run, r.load ? &*r.load : nullptr, {color, &r.document});
}

// Joins names: "a, b, c" (or "a or b" with " or ").
std::string join(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : std::string(separator)) + n;
  return out;
}

// "2026-12-06T05:00:00Z" of microseconds since the epoch.
std::string iso_utc(std::int64_t unix_us) {
  const auto t = static_cast<std::time_t>(unix_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

// Whether `path` can be written (parent folders made); false after saying why.
bool writable_or_say(const std::string& command, const std::string& path) {
  std::string error;
  if (writable(path, error)) return true;
  std::cerr << "agentwork " << command << ": cannot write " << path
            << (error.empty() ? "" : ": " + error) << "\n";
  return false;
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
  const auto names = reports::run_format_names();
  cmd.add_option("-f,--format", o.format, "What to print: " + join(names, ", "))
      ->check(CLI::IsMember(names))
      ->capture_default_str();
  cmd.add_option("-o,--output", o.output, "Write it to FILE instead of stdout");
  o.files.add_options(cmd, reports::FileCommand::report);
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
  for (const auto* format : o.files.asked()) {
    if (!emit("report", o.files.path(*format), render(*format, *r, false))) return 2;
  }
  const bool color = (o.output.empty() || o.output == "-") && use_color(o.color);
  return emit("report", o.output, render(*reports::find_format(o.format), *r, color)) ? 0 : 2;
}

void add_compare_options(CLI::App& cmd, CompareOptions& o) {
  cmd.add_option("baseline", o.baseline, "The baseline run result JSON")->required();
  cmd.add_option("current", o.current, "The current run result JSON")->required();
  cmd.add_option("-t,--tolerance", o.tolerances,
                 "How much worse a figure may get: NAME=10%, NAME=5ms, NAME=0.002 or both "
                 "(NAME=10%,1ms); NAME may be a prefix (latency); repeatable");
  const auto names = reports::comparison_format_names();
  cmd.add_option("-f,--format", o.format, join(names, " or "))
      ->check(CLI::IsMember(names))
      ->capture_default_str();
  cmd.add_option("-o,--output", o.output, "Write it to FILE instead of stdout");
  o.files.add_options(cmd, reports::FileCommand::compare);
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
  const auto result =
      reports::compare_runs({&base->run, base->load ? &*base->load : nullptr},
                            {&cur->run, cur->load ? &*cur->load : nullptr}, tolerances);
  for (const auto* format : o.files.asked()) {
    if (!emit("compare", o.files.path(*format), format->comparison(result, {}))) return 2;
  }
  const bool color = (o.output.empty() || o.output == "-") && use_color(o.color);
  const auto* format = reports::find_comparison_format(o.format);
  if (!emit("compare", o.output, format->comparison(result, {color, nullptr}))) return 2;
  return result.regressions() > 0 ? 1 : 0;
}

void add_merge_options(CLI::App& cmd, MergeOptions& o) {
  cmd.add_option("shards", o.shards,
                 "The shards' run result JSON files (agentwork load --shard ... --report-json)")
      ->required();
  cmd.add_option("-o,--output", o.output, "Write the merged run result JSON to FILE");
  o.files.add_options(cmd, reports::FileCommand::report);
  cmd.add_option("--color", o.color, "Colour the summary: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd.footer(
      "\nMerges exactly: counts summed, histograms slot by slot (percentiles of the merged\n"
      "histogram), per-second series aligned on wall-clock seconds; the thresholds judged again\n"
      "on the merged figures. Refuses files of different runs or profiles, a shard given twice\n"
      "and a missing shard.\n"
      "Exit codes: as agentwork load's for the merged run (0 passed, 1 contract, 4 threshold, 5\n"
      "circuit breaker, 130 a shard was interrupted); 2 bad usage, a file that cannot be read,\n"
      "a set of files that is not one run's shards, or an output that cannot be written.");
}

int merge_command(const MergeOptions& o) {
  std::vector<load::ShardFile> shards;
  std::optional<ReadResult> first;
  for (const auto& path : o.shards) {
    auto r = read_result("merge", path);
    if (!r) return 2;
    if (!r->load) {
      std::cerr << "agentwork merge: " << path
                << ": a conformance run's result, not a load shard's (it has no \"load\")\n";
      return 2;
    }
    shards.push_back({path, std::move(*r->load)});
    if (!first) first = std::move(*r);
  }
  if (!o.output.empty() && !writable_or_say("merge", o.output)) return 2;
  auto merged = load::merge_shards(shards);
  if (const auto* e = std::get_if<std::string>(&merged)) {
    std::cerr << "agentwork merge: " << *e << "\n";
    return 2;
  }
  auto& result = std::get<load::LoadResult>(merged);
  RunResult run = first->run;  // the tool, target and rules of the run's first shard
  run.run_id = shards.front().result.shard->run_id;
  run.started_at = iso_utc(result.started_unix_us);
  run.duration_ms = result.summary.duration_s * 1000.0;
  run.interrupted = result.stop_reason == load::StopReason::interrupted;
  std::cout << reports::load_summary(result, use_color(o.color)) << std::flush;
  int code = load::exit_code(result);
  if (!o.output.empty() &&
      !emit("merge", o.output, reports::render_load_result_json(run, result))) {
    code = 2;
  }
  if (!write_report_files(o.files, "merge", run, &result)) code = 2;
  return code;
}

}  // namespace agentwork::harness
