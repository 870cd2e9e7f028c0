#include "harness/cli/report_files.hpp"

#include <iostream>
#include <utility>

#include "harness/cli/cli_util.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/load_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/openmetrics_report.hpp"

namespace agentwork::harness {

void add_report_file_options(CLI::App& cmd, ReportFiles& f) {
  cmd.add_option("--report-json", f.json, "Write the JSON result here");
  cmd.add_option("--junit", f.junit, "Write JUnit XML here");
  cmd.add_option("--markdown", f.markdown,
                 "Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)");
  cmd.add_option("--openmetrics", f.openmetrics,
                 "Write the final figures as OpenMetrics text here");
  cmd.add_option("--html", f.html, "Write the single-file HTML report here");
}

bool check_report_files(const ReportFiles& f, std::string_view command) {
  for (const auto* path : {&f.json, &f.junit, &f.markdown, &f.openmetrics, &f.html}) {
    std::string error;
    if (!writable(*path, error)) {
      std::cerr << "agentwork " << command << ": " << error << "\n";
      return false;
    }
  }
  return true;
}

bool write_report_files(const ReportFiles& f, std::string_view command, const RunResult& run,
                        const load::LoadResult* load) {
  using Render = std::string (*)(const RunResult&, const load::LoadResult*);
  const std::pair<const std::string*, Render> files[] = {
      {&f.json,
       [](const RunResult& r, const load::LoadResult* l) {
         return l ? reports::render_load_result_json(r, *l) : reports::render_json(r);
       }},
      {&f.junit,
       [](const RunResult& r, const load::LoadResult* l) {
         return l ? reports::render_load_junit(*l) : reports::render_junit(r);
       }},
      {&f.markdown, &reports::render_markdown},
      {&f.openmetrics, &reports::render_openmetrics},
      {&f.html, &reports::render_html},
  };
  bool ok = true;
  for (const auto& [path, render] : files) {
    if (path->empty()) continue;
    if (write_file(*path, render(run, load))) {
      std::cout << "wrote " << *path << "\n";
    } else {
      std::cerr << "agentwork " << command << ": could not write " << *path << "\n";
      ok = false;
    }
  }
  return ok;
}

}  // namespace agentwork::harness
