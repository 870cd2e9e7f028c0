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

}  // namespace

Awaitable<void> ScenarioRun::step(const steps::Fuzz& s) {
  TaskRec& t = task(s.task);
  const StatusView before = co_await poll(t);
  const TaskState state = *parse_task_state(before.status);  // poll() fails the step otherwise

  FuzzInput in;
  in.task = s.task;
  in.state = state;
  if (state == TaskState::awaiting_reply) in.questions = fuzz_questions(before);
  if (s.seed) {
    in.seed = *s.seed;
  } else {  // from the run's seed, the scenario and the step: the same whatever the timing was
    std::seed_seq seq{ctx_.config.seed, static_cast<std::uint64_t>(ordinal_),
                      static_cast<std::uint64_t>(step_index_)};
    std::uint32_t v = 0;
    seq.generate(&v, &v + 1);
    in.seed = v % 2147483648U;  // a seed a scenario file can give back
  }
  in.max_cases = s.max_cases;
  in.families = s.families;
  const std::vector<FuzzCase> cases = fuzz_cases(in);

  std::map<int, std::size_t> statuses;
  std::size_t as_said = 0, not_sent = 0, paced = 0;
  // At most `rate` requests per wall second. A 429 (the server pacing the client, after the
  // client's own retries) is not judged and doubles the interval (at least 50 ms, at most 2 s);
  // each other answer halves it back towards the rate's.
  using std::chrono::milliseconds;
  // The rate protects a deployment: the bundled mock is not paced.
  SteadyClock::duration base{};
  if (s.rate > 0 && !ctx_.config.mock) {
    base = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / s.rate));
  }
  SteadyClock::duration interval = base;
  auto next_at = SteadyClock::now();
  bool task_moved_by_us = false;  // a case on the task was accepted: its own finding
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const FuzzCase& fc = cases[i];
    // Once an accepted message or decision moved the task, the rest of the requests that need
    // its state would only be refused for the state (409): not sent.
    if (task_moved_by_us && needs_waiting_state(fc)) {
      ++not_sent;
      continue;
    }
    steps::Request r;
    r.method = fc.method;
    r.path = fc.path;
    if (fc.uses_task) r.tasks = {s.task};
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
    r.auth.account = fc.key == FuzzCase::Key::account ? t.account : std::string();
    r.expect_status = fc.expect;
    r.rule = fc.rule;
    r.rate_limit_not_judged = true;
    r.what = "fuzz " + std::string(to_string(fc.family)) + " case " + std::to_string(i + 1) +
             " of " + std::to_string(cases.size()) + ", seed " + std::to_string(in.seed) + ": " +
             fc.what;
    if (const auto now = SteadyClock::now(); next_at > now) co_await pause(next_at - now);
    int status = 0;
    try {
      status = co_await send_request(r);
    } catch (const Stop& stop) {
      // No answer at all (a reset, a timeout): the scenario ends, and the request that did it
      // is named under its own rule too, so that it can be sent again. (Not for an interrupt.)
      if (stop.verdict == Verdict::error) {
        add_finding(fc.rule,
                    fc.method + " " + fc.path + " (" + r.what +
                        "): no answer; the server dropped or never answered this request",
                    nullptr, t.name);
      }
      throw;
    }
    ++statuses[status];
    if (status == 429) {
      ++paced;
      interval = std::clamp<SteadyClock::duration>(2 * interval, milliseconds(50), milliseconds(2000));
    } else {
      interval = std::max(base, interval / 2);
    }
    next_at = SteadyClock::now() + interval;
    if (status == 429) continue;
    if (std::find(fc.expect.begin(), fc.expect.end(), status) != fc.expect.end()) ++as_said;
    if (needs_waiting_state(fc) && status >= 200 && status < 300) task_moved_by_us = true;
  }

  // Refused requests change nothing: a task that waited for the client waits still.
  const StatusView after = co_await poll(t);
  const TaskState now = *parse_task_state(after.status);
  if (waits_for_client(state) && !task_moved_by_us && now != state &&
      now != TaskState::cancelled) {  // a deployment may cancel a waiting task by itself
    add_finding(state == TaskState::awaiting_reply ? "M.message.invalid" : "M.solution.invalid",
                "task " + t.id + " moved from " + std::string(to_string(state)) + " to " +
                    std::string(to_string(now)) + " although every fuzz request (" +
                    std::to_string(cases.size()) + ", seed " + std::to_string(in.seed) +
                    ") that named it was refused",
                t.last_poll ? &*t.last_poll : nullptr, t.name);
  }

  std::string seen;
  for (const auto& [status, n] : statuses) {
    seen += (seen.empty() ? "" : ", ") + std::to_string(n) + "x" + std::to_string(status);
  }
  std::string skipped;
  for (auto f : {FuzzFamily::message_body, FuzzFamily::solution_body}) {
    const bool wanted =
        s.families.empty() || std::find(s.families.begin(), s.families.end(), f) != s.families.end();
    if (wanted && !fuzz_family_applies(f, state)) {
      skipped += (skipped.empty() ? "" : ", ") + std::string(to_string(f));
    }
  }
  step_note_ = std::to_string(cases.size() - not_sent) + " generated requests (seed " +
               std::to_string(in.seed) + "), " + std::to_string(as_said) +
               " answered as the contract says; " + seen +
               (paced ? "; " + std::to_string(paced) + " rate-limited (429, not judged)"
                      : std::string()) +
               (not_sent ? "; " + std::to_string(not_sent) +
                               " not sent after an accepted one moved the task"
                         : std::string()) +
               (skipped.empty() ? "" : "; " + skipped + " not sent (task " +
                                           std::string(to_string(state)) + ")");
}

}  // namespace agentwork::harness::detail
