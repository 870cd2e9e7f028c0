// The registry of report formats (reports/format.hpp): its rows are consistent, every command
// flag names a format that renders what the command has, and rendering through a row gives the
// golden files of its renderer (found by the format's extension).
#include "reports/format.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fixtures.hpp"
#include "golden.hpp"
#include "load_fixtures.hpp"

namespace agentwork::reports {
namespace {

TEST(Formats, NamesAndFlagsAreUnique) {
  std::set<std::string> names, flags[3];
  for (const auto& f : formats()) {
    EXPECT_TRUE(names.insert(std::string(f.name)).second) << f.name;
    EXPECT_FALSE(f.extension.empty()) << f.name;
    for (const auto command : {FileCommand::run, FileCommand::report, FileCommand::compare}) {
      const auto& flag = f.file_flag(command);
      if (flag.name.empty()) continue;
      EXPECT_TRUE(flag.name.starts_with("--")) << flag.name;
      EXPECT_FALSE(flag.help.empty()) << flag.name;
      EXPECT_TRUE(flags[static_cast<int>(command)].insert(std::string(flag.name)).second)
          << flag.name;
    }
  }
}

// run, load and report write files of both kinds of run; compare writes comparisons.
TEST(Formats, EveryFileFlagRendersWhatItsCommandHas) {
  for (const auto& f : formats()) {
    if (!f.run_file.name.empty() || !f.report_file.name.empty()) {
      EXPECT_NE(f.conformance, nullptr) << f.name;
      EXPECT_NE(f.load, nullptr) << f.name;
    }
    if (!f.compare_file.name.empty()) {
      EXPECT_NE(f.comparison, nullptr) << f.name;
    }
  }
}

TEST(Formats, LookupByName) {
  ASSERT_NE(find_format("junit"), nullptr);
  EXPECT_EQ(find_format("junit")->extension, "xml");
  EXPECT_EQ(find_format("pdf"), nullptr);
  ASSERT_NE(find_comparison_format("text"), nullptr);
  EXPECT_EQ(find_comparison_format("text")->name, "console");
  EXPECT_EQ(find_comparison_format("junit"), nullptr);
  EXPECT_EQ(comparison_format_names(), (std::vector<std::string>{"text", "markdown"}));
  EXPECT_EQ(run_format_names(), (std::vector<std::string>{"console", "json", "junit", "markdown",
                                                          "openmetrics", "html"}));
}

TEST(Formats, RenderThroughTheRegistryMatchesTheGoldens) {
  const auto live = fixtures::live_run();
  golden::expect_matches("conformance-live.txt", find_format("console")->render(live, nullptr, {}));
  golden::expect_matches("conformance-live.md", find_format("markdown")->render(live, nullptr, {}));
  golden::expect_matches("conformance-live.prom",
                         find_format("openmetrics")->render(live, nullptr, {}));
  golden::expect_matches("conformance-live.junit.xml",
                         find_format("junit")->render(live, nullptr, {}));
  const auto load = fixtures::full_result();
  golden::expect_matches("load.md",
                         find_format("markdown")->render(fixtures::run_of({}), &load, {}));
  golden::expect_matches("load.prom",
                         find_format("openmetrics")->render(fixtures::run_of({}), &load, {}));
}

// The JSON of a result read back is that document, normalised, not a new rendering.
TEST(Formats, JsonWritesTheSourceDocumentBack) {
  const nlohmann::json source = {{"b", 1}, {"a", {{"kept", true}}}};
  RenderOptions o;
  o.source = &source;
  EXPECT_EQ(find_format("json")->render(fixtures::tiny_run(), nullptr, o), source.dump(2) + "\n");
}

}  // namespace
}  // namespace agentwork::reports
