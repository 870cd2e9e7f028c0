#include "harness/checks/trace_checker.hpp"

#include "common/timestamp.hpp"

#include <array>
#include <chrono>
#include <cstdio>

namespace agentwork::harness {
namespace {

constexpr std::array<std::string_view, kTaskStateCount> kStateNames = {
    "processing", "awaiting_reply", "awaiting_solution_approval", "completed", "cancelled"};

using StateSet = std::uint8_t;

constexpr StateSet bit(TaskState s) {
  return static_cast<StateSet>(1u << static_cast<unsigned>(s));
}

constexpr StateSet kTerminal = bit(TaskState::completed) | bit(TaskState::cancelled);
constexpr StateSet kNonTerminal = bit(TaskState::processing) | bit(TaskState::awaiting_reply) |
                                  bit(TaskState::awaiting_solution_approval);

// The states reachable from `s` by agent and system edges alone: from processing the agent asks,
// proposes, or the platform cancels; no other state moves without the client.
constexpr StateSet closure(StateSet s) {
  if (s & bit(TaskState::processing)) {
    s |= bit(TaskState::awaiting_reply) | bit(TaskState::awaiting_solution_approval) |
         bit(TaskState::cancelled);
  }
  return s;
}

// The states after the client edge of `a` from any state of `s`; 0 when `a` is impossible.
constexpr StateSet apply(ClientAction a, StateSet s) {
  switch (a) {
    case ClientAction::reply:
      return (s & bit(TaskState::awaiting_reply)) ? bit(TaskState::processing) : 0;
    case ClientAction::confirm:
      return (s & bit(TaskState::awaiting_solution_approval)) ? bit(TaskState::completed) : 0;
    case ClientAction::reject:
      return (s & bit(TaskState::awaiting_solution_approval)) ? bit(TaskState::processing) : 0;
    case ClientAction::cancel:
      return (s & kNonTerminal) ? bit(TaskState::cancelled) : 0;
  }
  return 0;
}

constexpr TaskState target(ClientAction a) {
  switch (a) {
    case ClientAction::reply:
    case ClientAction::reject:
      return TaskState::processing;
    case ClientAction::confirm:
      return TaskState::completed;
    case ClientAction::cancel:
      return TaskState::cancelled;
  }
  return TaskState::processing;
}

constexpr std::string_view needs(ClientAction a) {
  switch (a) {
    case ClientAction::reply:
      return "awaiting_reply";
    case ClientAction::confirm:
    case ClientAction::reject:
      return "awaiting_solution_approval";
    case ClientAction::cancel:
      return "a non-terminal state";
  }
  return "";
}

// "awaiting_reply or completed"
std::string describe(StateSet s) {
  std::string out;
  for (std::size_t i = 0; i < kTaskStateCount; ++i) {
    if (!(s & (1u << i))) continue;
    if (!out.empty()) out += " or ";
    out += kStateNames[i];
  }
  return out;
}

int waiting_index(TaskState s) {
  if (s == TaskState::awaiting_reply) return 0;
  if (s == TaskState::awaiting_solution_approval) return 1;
  return -1;
}

}  // namespace

std::optional<TaskState> parse_task_state(std::string_view text) {
  for (std::size_t i = 0; i < kTaskStateCount; ++i) {
    if (kStateNames[i] == text) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

std::string_view to_string(TaskState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::string_view to_string(ClientAction action) {
  switch (action) {
    case ClientAction::reply:
      return "reply";
    case ClientAction::confirm:
      return "CONFIRMED";
    case ClientAction::reject:
      return "REJECTED";
    case ClientAction::cancel:
      return "cancel";
  }
  return "";
}

TraceChecker::TraceChecker() : possible_(bit(TaskState::processing)) {}

std::vector<TaskState> TraceChecker::possible_states() const {
  std::vector<TaskState> out;
  const StateSet now = closure(possible_);
  for (std::size_t i = 0; i < kTaskStateCount; ++i) {
    if (now & (1u << i)) out.push_back(static_cast<TaskState>(i));
  }
  return out;
}

// "saw completed after awaiting_solution_approval then REJECTED"
std::string TraceChecker::seen_after(TaskState seen) const {
  std::string out = "saw ";
  out += to_string(seen);
  out += " after ";
  out += last_state_ ? to_string(*last_state_) : std::string_view("create");
  if (!actions_since_.empty()) {
    out += " then ";
    out += std::string_view(actions_since_).substr(2);  // without the leading ", "
  }
  return out;
}

void TraceChecker::act(ClientAction action, bool accepted) {
  const std::size_t step = next_step_++;
  if (!accepted) return;  // a refused action changes nothing
  actions_since_ += ", ";
  actions_since_ += to_string(action);
  const StateSet now = closure(possible_);
  const StateSet after = apply(action, now);
  if (after != 0) {
    possible_ = after;
    acted_since_ = true;
    last_effective_ = action;
    return;
  }
  std::string detail(to_string(action));
  detail += " was accepted while the task could only be ";
  detail += describe(now);
  detail += " (";
  detail += to_string(action);
  detail += " needs ";
  detail += needs(action);
  detail += ")";
  violations_.push_back({"G.lifecycle.edges", step, std::move(detail)});
  // Resynchronise on both readings: the server ignored the action, or it took effect.
  possible_ = now | bit(target(action));
  last_effective_.reset();
}

void TraceChecker::check_state(const Observation& o, std::size_t step) {
  const StateSet now = closure(possible_);
  if (now & bit(o.state)) return;
  std::string detail = seen_after(o.state);
  std::string_view rule;
  // The most specific rule first: the effect of the client's last accepted action was not seen.
  if (last_effective_ == ClientAction::confirm) {
    rule = "G.solution.confirm";
    detail += ": an accepted CONFIRMED completes the task";
  } else if (last_effective_ == ClientAction::cancel) {
    rule = "G.cancel.cancels";
    detail += ": an accepted cancel makes the task cancelled";
  } else if ((now & ~kTerminal) == 0) {
    rule = "G.lifecycle.terminal";
    detail += ": ";
    detail += describe(now);
    detail += " is terminal";
  } else if (o.state == TaskState::completed) {
    rule = "G.lifecycle.completion_needs_confirm";
    detail += " with no accepted CONFIRMED";
  } else {
    rule = "G.lifecycle.edges";
    detail += "; the edge table allows only ";
    detail += describe(now);
  }
  violations_.push_back({rule, step, std::move(detail)});
}

namespace {
// Polls that saw one whole-second value within this span may all lie inside that second (1 s,
// plus what differences in network delay can add).
constexpr std::int64_t kOneSecondSpanUs = 1'500'000;
}  // namespace

void TraceChecker::check_last_activity(const Observation& o, std::size_t step, bool moved) {
  if (!last_state_) return;
  if (o.last_activity_us < last_activity_us_) {
    violations_.push_back(
        {"G.status.last_activity_at.monotonic", step,
         "last_activity_at went back by " + std::to_string(last_activity_us_ - o.last_activity_us) +
             " us, from " + format_timestamp(last_activity_us_) + " at step " +
             std::to_string(last_step_) + " to " + format_timestamp(o.last_activity_us)});
  } else if (moved && o.last_activity_us == last_activity_us_ &&
             !(o.whole_seconds && last_whole_seconds_ &&
               last_polled_us_ - value_first_polled_us_ < kOneSecondSpanUs)) {
    violations_.push_back({"G.status.last_activity_at.changes", step,
                           "last_activity_at stayed " + format_timestamp(o.last_activity_us) +
                               " since step " + std::to_string(last_step_) +
                               " although the task must have moved: " + seen_after(o.state)});
  }
}

void TraceChecker::check_message_id(const Observation& o, std::size_t step, bool moved) {
  for (auto& m : messages_) m.moved_since = m.moved_since || moved;
  const int w = waiting_index(o.state);
  if (w < 0 || o.message_id.empty()) return;
  LastMessage& last = messages_[w];
  const std::string_view what = w == 0 ? "question" : "proposal";
  if (last.seen && last.moved_since && last.id == o.message_id) {
    violations_.push_back({"M.status.message_id.new", step,
                           std::string(to_string(o.state)) + " with message_id " + o.message_id +
                               ", as at step " + std::to_string(last.step) +
                               ", although the task moved in between: a new " + std::string(what) +
                               " needs a new message_id"});
  } else if (last.seen && !last.moved_since && last.id != o.message_id) {
    violations_.push_back({"M.status.message_id.new", step,
                           std::string(to_string(o.state)) + ": message_id changed from " +
                               last.id + " (step " + std::to_string(last.step) + ") to " +
                               o.message_id + " without a new " + std::string(what) +
                               " (no transition possible in between)"});
  }
  last.id = o.message_id;
  last.step = step;
  last.seen = true;
  last.moved_since = false;
}

void TraceChecker::observe(const Observation& o) {
  const std::size_t step = next_step_++;
  // A transition must have happened since the last poll: the state differs, or the server
  // accepted a client action that was possible (every client edge changes the state).
  const bool moved = last_state_ ? (*last_state_ != o.state || acted_since_)
                                 : (o.state != TaskState::processing || acted_since_);
  check_state(o, step);
  check_last_activity(o, step, moved);
  check_message_id(o, step, moved);
  possible_ = bit(o.state);
  if (!last_state_ || o.last_activity_us != last_activity_us_) value_first_polled_us_ = o.polled_us;
  last_state_ = o.state;
  last_activity_us_ = o.last_activity_us;
  last_whole_seconds_ = o.whole_seconds;
  last_polled_us_ = o.polled_us;
  last_step_ = step;
  actions_since_.clear();
  acted_since_ = false;
  last_effective_.reset();
}

std::vector<Violation> check_trace(std::span<const TraceEntry> trace) {
  TraceChecker checker;
  for (const auto& entry : trace) {
    if (const auto* o = std::get_if<Observation>(&entry)) {
      checker.observe(*o);
    } else {
      const auto& a = std::get<Action>(entry);
      checker.act(a.action, a.accepted);
    }
  }
  return checker.violations();
}

}  // namespace agentwork::harness
