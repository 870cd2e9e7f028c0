// Fuzz target: a result file as `agentwork report` reads it back (reports/json_report.hpp, and
// its "load" object with reports/load_report.hpp), then rendered in every format that renders
// runs (console, JSON, JUnit, Markdown, OpenMetrics, HTML, ...).
// Checks: nothing throws; a refusal says where and why; what reads writes out as JSON that reads
// again to the same JSON (the reader and the writer agree).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/json_depth.hpp"
#include "reports/format.hpp"
#include "reports/json_report.hpp"
#include "reports/load_report.hpp"
#include "tests/fuzz/mock_world.hpp"

namespace {

using agentwork::fuzz::fail;
using nlohmann::json;
namespace r = agentwork::reports;

void check_round_trip(const agentwork::harness::RunResult& run) {
  const json written = r::to_json(run);
  std::string error;
  const auto again = r::from_json(written, error);
  if (!again) fail("a written run result that does not read", error);
  if (r::to_json(*again) != written) fail("a run result that changes when read again", written.dump());
}

void check_round_trip(const agentwork::load::LoadResult& load) {
  const json written = r::load_to_json(load);
  std::string error;
  const auto again = r::load_from_json(written, error);
  if (!again) fail("a written load result that does not read", error);
  if (r::load_to_json(*again) != written) {
    fail("a load result that changes when read again", written.dump());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json document =
      agentwork::parse_json_bounded(std::string_view(reinterpret_cast<const char*>(data), size));
  if (document.is_discarded()) return 0;
  std::string error;
  const auto run = r::from_json(document, error);
  if (!run) {
    if (error.empty()) fail("a run result refused without a reason", document.dump());
    return 0;
  }
  check_round_trip(*run);
  std::optional<agentwork::load::LoadResult> load;
  if (const auto it = document.find("load"); it != document.end()) {
    load = r::load_from_json(*it, error);
    if (!load) {
      if (error.empty()) fail("a load result refused without a reason", it->dump());
      return 0;
    }
    check_round_trip(*load);
  }
  for (const auto& format : r::formats()) {
    if (load ? format.load == nullptr : format.conformance == nullptr) continue;
    (void)format.render(*run, load ? &*load : nullptr, {false, &document});
    (void)format.render(*run, load ? &*load : nullptr, {true, nullptr});
  }
  return 0;
}
