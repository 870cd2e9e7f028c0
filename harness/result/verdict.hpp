// How something checked ended: a scenario, a threshold, a run. One type for all of them.
#pragma once

#include <array>
#include <string_view>

namespace agentwork {

// passed: everything held. failed: a check found a breach (a failure finding, a threshold not
// met). error: it could not be decided (the target failed on the wire, a deadline passed, a
// threshold without data). skipped: not run (e.g. needs the mock against a live target).
// interrupted: stopped by Ctrl-C before it finished. Thresholds are only passed, failed or
// error.
enum class Verdict { passed, failed, error, skipped, interrupted };

inline constexpr std::array<std::string_view, 5> kVerdictNames = {"passed", "failed", "error",
                                                                  "skipped", "interrupted"};
static_assert(kVerdictNames.size() == static_cast<std::size_t>(Verdict::interrupted) + 1);

inline std::string_view to_string(Verdict v) {
  return kVerdictNames[static_cast<std::size_t>(v)];
}

}  // namespace agentwork
