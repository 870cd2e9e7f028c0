// The `fuzz` step: generated requests the contract says a server must refuse
// (harness/runner/fuzz_cases.hpp), each sent and checked as a `request` step, then a look at the
// task: refused requests must not have moved it.
#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include "harness/runner/fuzz_cases.hpp"
#include "harness/runner/scenario_interpreter.hpp"

namespace agentwork::harness::detail {
namespace {

// The clarifying questions of a status view, as the generator wants them; empty when the view
// has none (a TO_CUSTOMER message, or questions the contract checks already refuse).
std::vector<FuzzQuestion> fuzz_questions(const StatusView& v) {
  std::vector<FuzzQuestion> out;
  if (!v.question || v.question->type != "CLARIFYING_QUESTIONS") return out;
  for (const auto& q : v.question->questions) {
    if (!q.is_object()) return {};
    FuzzQuestion f;
    const auto type = q.value("type", std::string());
    if (type == "single_select") f.type = agentwork::QuestionType::single_select;
    if (type == "multi_select") f.type = agentwork::QuestionType::multi_select;
    if (const auto it = q.find("options"); it != q.end() && it->is_array()) {
      for (const auto& o : *it) {
        if (o.is_string()) f.options.push_back(o.get<std::string>());
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

// A message or a decision about the task: its answer depends on the task's waiting state.
bool needs_waiting_state(const FuzzCase& c) {
  return c.uses_task && c.method == "POST" &&
         (c.path.ends_with("/message") || c.path.ends_with("/solution-status"));
}

bool waits_for_client(TaskState s) {
  return s == TaskState::awaiting_reply || s == TaskState::awaiting_solution_approval;
}

// The step's seed: the file's, else one from the run's seed, the scenario's number and the
// step's index - the same whatever the timing before it was, and one a file can give back.
std::uint64_t fuzz_seed(const steps::Fuzz& s, std::uint64_t run_seed, std::size_t ordinal,
                        std::size_t step_index) {
  if (s.seed) return *s.seed;
  std::seed_seq seq{run_seed, static_cast<std::uint64_t>(ordinal),
                    static_cast<std::uint64_t>(step_index)};
  std::uint32_t v = 0;
  seq.generate(&v, &v + 1);
  return v % 2147483648U;
}

// A generated case as the request step that sends and checks it.
steps::Request fuzz_request(const FuzzCase& fc, const std::string& task,
                            const std::string& account, std::string what) {
  steps::Request r;
  r.method = fc.method;
  r.path = fc.path;
  if (fc.uses_task) r.tasks = {task};
  // A JSON body goes as `body`, so that an accepted one tells the task's checks what it did;
  // the re-serialized text is the generator's own (both are nlohmann's compact dump).
  if (fc.body) {
    json parsed = json::parse(*fc.body, nullptr, false);
    if (!parsed.is_discarded() && parsed.dump() == *fc.body) {
      r.body = std::move(parsed);
    } else {
      r.raw_body = fc.body;
    }
  }
  r.auth.kind = fc.key == FuzzCase::Key::none      ? steps::RequestAuth::Kind::none
                : fc.key == FuzzCase::Key::invalid ? steps::RequestAuth::Kind::invalid
                                                   : steps::RequestAuth::Kind::account;
  r.auth.account = fc.key == FuzzCase::Key::account ? account : std::string();
  r.expect_status = fc.expect;
  r.rule = fc.rule;
  r.rate_limit_not_judged = true;
  r.what = std::move(what);
  return r;
}

// The pause between requests: at most `rate` per wall second (0: unpaced). A 429 doubles it
// (at least 50 ms, at most 2 s); each other answer halves it back towards the rate's.
class Pacer {
 public:
  explicit Pacer(double rate) {
    if (rate > 0) {
      base_ = std::chrono::duration_cast<SteadyClock::duration>(
          std::chrono::duration<double>(1.0 / rate));
    }
    interval_ = base_;
  }
  SteadyClock::duration after(int status) {
    using std::chrono::milliseconds;
    interval_ = status == 429 ? std::clamp<SteadyClock::duration>(2 * interval_, milliseconds(50),
                                                                   milliseconds(2000))
                              : std::max(base_, interval_ / 2);
    return interval_;
  }

 private:
  SteadyClock::duration base_{}, interval_{};
};

// What the step's requests got, for its note.
struct FuzzTally {
  std::map<int, std::size_t> statuses;
  std::size_t sent = 0, as_said = 0, not_sent = 0, paced = 0;

  std::string note(std::uint64_t seed, const std::string& skipped, TaskState state) const {
    std::string seen;
    for (const auto& [status, n] : statuses) {
      seen += (seen.empty() ? "" : ", ") + std::to_string(n) + "x" + std::to_string(status);
    }
    std::string out = std::to_string(sent) + " generated requests (seed " + std::to_string(seed) +
                      "), " + std::to_string(as_said) + " answered as the contract says; " + seen;
    if (paced) out += "; " + std::to_string(paced) + " rate-limited (429, not judged)";
    if (not_sent) {
      out += "; " + std::to_string(not_sent) + " not sent after an accepted one moved the task";
    }
    if (!skipped.empty()) {
      out += "; " + skipped + " not sent (task " + std::string(to_string(state)) + ")";
    }
    return out;
  }
};

// The body families the step wanted that the task's state did not allow: "message_body, ...".
std::string skipped_families(const steps::Fuzz& s, TaskState state) {
  std::string skipped;
  for (auto f : {FuzzFamily::message_body, FuzzFamily::solution_body}) {
    const bool wanted = s.families.empty() ||
                        std::find(s.families.begin(), s.families.end(), f) != s.families.end();
    if (wanted && !fuzz_family_applies(f, state)) {
      skipped += (skipped.empty() ? "" : ", ") + std::string(to_string(f));
    }
  }
  return skipped;
}

// "fuzz create_body case 22 of 125, seed 7: title: a number instead of a string"
std::string case_label(const FuzzCase& fc, std::size_t i, std::size_t n, std::uint64_t seed) {
  return "fuzz " + std::string(to_string(fc.family)) + " case " + std::to_string(i + 1) + " of " +
         std::to_string(n) + ", seed " + std::to_string(seed) + ": " + fc.what;
}

// Refused requests change nothing: a task that waited for the client (`before`) must wait
// still (`now`), unless an accepted request moved it or the deployment cancelled it by itself.
// The finding's rule, or nullptr.
const char* moved_by_refusals(TaskState before, TaskState now, bool moved_by_accepted) {
  if (!waits_for_client(before) || moved_by_accepted || now == before ||
      now == TaskState::cancelled) {
    return nullptr;
  }
  return before == TaskState::awaiting_reply ? "M.message.invalid" : "M.solution.invalid";
}

}  // namespace

Awaitable<int> ScenarioRun::send_fuzz_case(const FuzzCase& fc, const steps::Request& r,
                                           const std::string& task) {
  try {
    co_return co_await send_request(r);
  } catch (const Stop& stop) {
    // No answer at all (a reset, a timeout): the scenario ends, and the request that did it is
    // named under its own rule too, so that it can be sent again. (Not for an interrupt.)
    if (stop.verdict == Verdict::error) {
      add_finding(fc.rule,
                  fc.method + " " + fc.path + " (" + r.what +
                      "): no answer; the server dropped or never answered this request",
                  nullptr, task);
    }
    throw;
  }
}

Awaitable<void> ScenarioRun::step(const steps::Fuzz& s) {
  TaskRec& t = task(s.task);
  const StatusView before = co_await poll(t);
  const TaskState state = *parse_task_state(before.status);  // poll() fails the step otherwise

  FuzzInput in;
  in.task = s.task;
  in.state = state;
  if (state == TaskState::awaiting_reply) in.questions = fuzz_questions(before);
  in.seed = fuzz_seed(s, ctx_.config.seed, ordinal_, step_index_);
  in.max_cases = s.max_cases;
  in.families = s.families;
  const std::vector<FuzzCase> cases = fuzz_cases(in);

  FuzzTally tally;
  Pacer pacer(ctx_.config.mock ? 0 : s.rate);  // the rate protects a deployment, not the mock
  auto next_at = SteadyClock::now();
  bool task_moved_by_us = false;  // a case on the task was accepted: its own finding
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const FuzzCase& fc = cases[i];
    // Once an accepted message or decision moved the task, the rest of the requests that need
    // its state would only be refused for the state (409): not sent.
    if (task_moved_by_us && needs_waiting_state(fc)) {
      ++tally.not_sent;
      continue;
    }
    const steps::Request r =
        fuzz_request(fc, s.task, t.account, case_label(fc, i, cases.size(), in.seed));
    if (const auto now = SteadyClock::now(); next_at > now) co_await pause(next_at - now);
    const int status = co_await send_fuzz_case(fc, r, t.name);
    next_at = SteadyClock::now() + pacer.after(status);
    ++tally.sent;
    ++tally.statuses[status];
    if (status == 429) {  // the server pacing the client, after the client's own retries
      ++tally.paced;
      continue;
    }
    if (std::find(fc.expect.begin(), fc.expect.end(), status) != fc.expect.end()) ++tally.as_said;
    if (needs_waiting_state(fc) && status >= 200 && status < 300) task_moved_by_us = true;
  }

  const TaskState now = *parse_task_state((co_await poll(t)).status);
  if (const char* rule = moved_by_refusals(state, now, task_moved_by_us)) {
    add_finding(rule,
                "task " + t.id + " moved from " + std::string(to_string(state)) + " to " +
                    std::string(to_string(now)) + " although every fuzz request (" +
                    std::to_string(cases.size()) + ", seed " + std::to_string(in.seed) +
                    ") that named it was refused",
                t.last_poll ? &*t.last_poll : nullptr, t.name);
  }
  step_note_ = tally.note(in.seed, skipped_families(s, state), state);
}

}  // namespace agentwork::harness::detail
