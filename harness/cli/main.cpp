// agentwork: the conformance and load-test harness's command line. `main` only wires the
// subcommands to the code that does the work.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "common/rules.hpp"
#include "common/version.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/load_command.hpp"
#include "harness/cli/mcp_command.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/cli/run_command.hpp"
#include "harness/cli/target.hpp"
#include "harness/runner/coverage.hpp"
#include "harness/runner/scenario.hpp"

namespace {

using namespace agentwork;

// Loads scenario files and folders; prints every error to stderr. False when there was any.
bool load(const std::vector<std::string>& paths, harness::ScenarioSet& out) {
  out = harness::load_scenarios(paths);
  for (const auto& e : out.errors) std::cerr << e.to_string() << "\n";
  return out.errors.empty();
}

int validate(const std::vector<std::string>& paths) {
  harness::ScenarioSet loaded;
  const bool ok = load(paths, loaded);
  if (!ok) {
    std::cerr << loaded.errors.size() << " error" << (loaded.errors.size() == 1 ? "" : "s")
              << " in the scenario files\n";
    return 2;
  }
  std::size_t steps = 0;
  for (const auto& s : loaded.scenarios) steps += s.steps.size();
  std::cout << loaded.scenarios.size() << " scenario" << (loaded.scenarios.size() == 1 ? "" : "s")
            << " valid (" << steps << " steps)\n";
  return 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out.empty() ? "-" : out;
}

// Every catalogue rule with the scenarios covering it; 1 when a rule is uncovered.
// With tags, only the scenarios having one of them; "live" among them gives the live view.
int coverage(const std::vector<std::string>& paths, const std::vector<std::string>& tags) {
  harness::ScenarioSet loaded;
  if (!load(paths, loaded)) return 2;
  std::vector<harness::Scenario> chosen;
  for (auto& s : loaded.scenarios) {
    const bool match = tags.empty() || std::any_of(tags.begin(), tags.end(), [&](const auto& t) {
                         return std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end();
                       });
    if (match) chosen.push_back(std::move(s));
  }
  const bool live = std::find(tags.begin(), tags.end(), "live") != tags.end();
  const auto report = harness::compute_coverage(chosen, live);
  std::cout << harness::format_coverage(report);
  return report.complete() ? 0 : 1;
}

int list(const std::vector<std::string>& paths, bool rules) {
  harness::ScenarioSet loaded;
  if (!load(paths, loaded)) return 2;
  std::size_t width = 8;
  for (const auto& s : loaded.scenarios) width = std::max(width, s.name.size());
  std::cout << std::left << std::setw(static_cast<int>(width) + 2) << "SCENARIO" << std::setw(24)
            << "TAGS" << std::setw(7) << "RULES"
            << "FILE\n";
  for (const auto& s : loaded.scenarios) {
    std::cout << std::setw(static_cast<int>(width) + 2) << s.name << std::setw(24) << join(s.tags)
              << std::setw(7) << s.covers.size() << s.file << "\n";
    if (rules) {
      for (const auto& id : s.covers) {
        const auto rule = agentwork::find_rule(id);
        std::cout << "    " << std::setw(40) << id << (rule ? rule->summary : "") << "\n";
      }
    }
  }
  return 0;
}

struct ListOptions {
  std::vector<std::string> paths{"scenarios/examples", "scenarios/conformance"};
  bool rules = false;
  bool coverage = false;
  std::vector<std::string> tags;
};

CLI::App* add_list_command(CLI::App& cli, ListOptions& o) {
  auto* cmd = cli.add_subcommand("list", "List scenarios with their tags and the rules they cover");
  cmd->add_option("paths", o.paths, "Scenario files or folders")->capture_default_str();
  cmd->add_flag("--rules", o.rules, "Also print each covered rule id and its summary");
  cmd->add_option("--tag", o.tags,
                  "With --coverage: only scenarios with one of these tags (--tag live: what "
                  "a run against a deployment covers, and what needs control)")
      ->allow_extra_args(false);
  cmd->add_flag("--coverage", o.coverage,
                "Instead, print every catalogue rule with its tag and the scenarios covering "
                "it (UNCOVERED when none), then \"N of M rules covered\"");
  cmd->footer(
      "\nExit codes: 0 listed (with --coverage: every rule covered); 1 with --coverage: a rule\n"
      "is uncovered; 2 bad usage or bad scenario files.");
  return cmd;
}

// Every subcommand's options, filled by the parse.
struct Commands {
  harness::RunOptions run;
  harness::LoadOptions load;
  harness::ReportOptions report;
  harness::CompareOptions compare;
  harness::MergeOptions merge;
  std::vector<std::string> validate_paths;
  ListOptions list;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "agentwork: conformance and load-test harness for the Agentwork API.\n"
      "Replays scripted task lifecycles against the bundled mock or a real deployment and checks "
      "every response and status transition against the contract (spec/CONTRACT.md)."};
  std::string version = version_text("agentwork");
  version.pop_back();  // CLI11 ends the line
  cli.set_version_flag("--version", version);
  cli.require_subcommand(1);
  cli.get_formatter()->column_width(34);
  Commands c;
  auto* run_cmd = cli.add_subcommand(
      "run", "Run scenarios against the bundled mock or a deployment and check the contract");
  harness::add_run_options(*run_cmd, c.run);
  auto* load_cmd = cli.add_subcommand(
      "load", "Run a load profile: many virtual clients polling tasks, with thresholds");
  harness::add_load_options(*load_cmd, c.load);
  auto* report_cmd = cli.add_subcommand(
      "report", "Re-render a run result JSON: console, Markdown, JUnit, OpenMetrics");
  harness::add_report_options(*report_cmd, c.report);
  auto* compare_cmd =
      cli.add_subcommand("compare", "Compare a run result with a baseline; exit 1 on a regression");
  harness::add_compare_options(*compare_cmd, c.compare);
  auto* merge_cmd = cli.add_subcommand(
      "merge", "Merge the results of a sharded load run's shards into one exact result");
  harness::add_merge_options(*merge_cmd, c.merge);
  auto* validate_cmd = cli.add_subcommand("validate", "Check scenario files without running them");
  validate_cmd->add_option("paths", c.validate_paths, "Scenario files or folders")->required();
  auto* list_cmd = add_list_command(cli, c.list);
  auto* mock_cmd = cli.add_subcommand("mock", "Run the bundled mock Agentwork server");
  const auto run_mock = harness::add_mock_command(*mock_cmd);
  auto* mcp_cmd = cli.add_subcommand("mcp-server", "Serve the Agentwork API as MCP tools on stdio");
  const auto run_mcp = harness::add_mcp_server_command(*mcp_cmd);
  cli.footer(
      "\nExit codes: 0 success; 1 a conformance failure (run), a regression (compare) or the mock\n"
      "could not start (mock);\n"
      "2 bad usage or bad scenario files; 3 target unreachable (run, load); 4 a load threshold\n"
      "failed; 5 the load circuit breaker tripped; 130 interrupted (run, load).");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return 2;
  }
  // Scenario and profile paths not found from here are looked up in the installed data folder
  // (<prefix>/share/agentwork), so that the defaults work from any folder once installed.
  for (auto* paths : {&c.run.paths, &c.list.paths, &c.validate_paths}) {
    for (auto& p : *paths) p = harness::resolve_data_path(p);
  }
  c.load.profile = harness::resolve_data_path(c.load.profile);
  if (*run_cmd) return harness::run_command(c.run);
  if (*load_cmd) return harness::load_command(c.load);
  if (*report_cmd) return harness::report_command(c.report);
  if (*compare_cmd) return harness::compare_command(c.compare);
  if (*merge_cmd) return harness::merge_command(c.merge);
  if (*validate_cmd) return validate(c.validate_paths);
  if (*list_cmd)
    return c.list.coverage ? coverage(c.list.paths, c.list.tags) : list(c.list.paths, c.list.rules);
  if (*mock_cmd) return run_mock();
  if (*mcp_cmd) return run_mcp();
  return 2;
}
