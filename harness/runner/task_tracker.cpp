#include "harness/runner/task_tracker.hpp"

namespace agentwork::harness {

namespace {

// The state an accepted action leaves the task in.
TaskState state_after(ClientAction action) {
  switch (action) {
    case ClientAction::confirm:
      return TaskState::completed;
    case ClientAction::cancel:
      return TaskState::cancelled;
    case ClientAction::reply:
    case ClientAction::reject:
      break;
  }
  return TaskState::processing;
}

}  // namespace

TaskTracker::TaskTracker(std::int64_t created_us, bool trace)
    : tracing_(trace), stall_since_us_(created_us) {}

bool TaskTracker::observe(const PolledStatus& s) {
  if (s.activity_us) activity_us_ = *s.activity_us;
  if (tracing_) {
    Observation o;
    o.state = s.state;
    o.last_activity_us = activity_us_;  // an unparsable value: the last good one
    o.message_id.assign(s.message_id);
    // A value without a fraction is a whole-second timestamp (see Observation).
    o.whole_seconds = s.last_activity_at.find('.') == std::string_view::npos;
    o.polled_us = s.polled_us;
    trace_.observe(o);
  }
  // The stall clock restarts whenever the task is not processing, was not, or shows activity.
  if (s.state != TaskState::processing || last_state_ != TaskState::processing ||
      s.last_activity_at != stall_activity_) {
    stall_activity_.assign(s.last_activity_at);
    stall_since_us_ = s.polled_us;
  }
  last_state_ = s.state;

  const bool activity_moved =
      known_activity_us_ >= 0 && s.activity_us && *s.activity_us != known_activity_us_;
  const bool changed =
      s.state != known_state_ || activity_moved || s.message_id != known_message_id_;
  known_state_ = s.state;
  if (s.activity_us) known_activity_us_ = *s.activity_us;
  known_message_id_.assign(s.message_id);
  return changed;
}

void TaskTracker::act(ClientAction action, bool accepted) {
  if (tracing_) trace_.act(action, accepted);
  if (!accepted) return;
  // The client moved the task itself: the state it caused is no transition to detect.
  known_state_ = state_after(action);
  known_activity_us_ = -1;
  known_message_id_.clear();
}

std::span<const Violation> TaskTracker::new_violations() {
  const auto& all = trace_.violations();
  const std::span<const Violation> fresh(all.data() + violations_returned_,
                                         all.size() - violations_returned_);
  violations_returned_ = all.size();
  return fresh;
}

std::int64_t TaskTracker::stalled_us(std::int64_t now_us) const {
  if (last_state_ != TaskState::processing) return 0;
  return now_us - stall_since_us_;
}

}  // namespace agentwork::harness
