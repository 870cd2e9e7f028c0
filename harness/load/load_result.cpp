#include "harness/load/load_result.hpp"

#include <array>
#include <utility>

namespace agentwork::load {
namespace {

constexpr std::array<std::pair<StopReason, std::string_view>, 6> kStopReasons{{
    {StopReason::duration_elapsed, "duration_elapsed"},
    {StopReason::iterations_done, "iterations_done"},
    {StopReason::max_tasks, "max_tasks"},
    {StopReason::interrupted, "interrupted"},
    {StopReason::circuit_breaker, "circuit_breaker"},
    {StopReason::threshold_failed, "threshold_failed"},
}};

}  // namespace

std::string_view to_string(StopReason r) {
  for (const auto& [reason, name] : kStopReasons) {
    if (reason == r) return name;
  }
  return "unknown";
}

std::optional<StopReason> stop_reason_from_name(std::string_view name) {
  for (const auto& [reason, n] : kStopReasons) {
    if (n == name) return reason;
  }
  return std::nullopt;
}

bool LoadResult::thresholds_passed() const {
  return all_passed(thresholds);
}

int exit_code(const LoadResult& r) {
  if (r.stop_reason == StopReason::interrupted) return 130;
  if (r.stop_reason == StopReason::circuit_breaker) return kExitCircuitBreaker;
  if (!r.thresholds_passed() || r.stop_reason == StopReason::threshold_failed) {
    return kExitThresholdsFailed;
  }
  if (!r.checks_passed()) return 1;
  return 0;
}

int shard_exit_code(const LoadResult& r) {
  const int code = exit_code(r);
  return code == kExitThresholdsFailed || code == 1 ? 0 : code;
}

}  // namespace agentwork::load
