// The policy (policy.hpp) over the typed client's views: the PolicyView of a parsed status answer
// and the request body of a reply. Used by the runner and the load engine alike.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/net/agentwork_client.hpp"
#include "harness/runner/policy.hpp"

namespace agentwork::harness {

// The view of a status answer in `state` (its parsed status); message_id points into `v`.
PolicyView policy_view(const StatusView& v, TaskState state, double stalled_seconds = 0);

// The message_id the policy and the trace read in `state`: the question's while awaiting_reply,
// the proposal's while awaiting_solution_approval, else empty. Points into `v`.
std::string_view waiting_message_id(const StatusView& v, TaskState state);

// The body of a reply: {"answers": auto_answers(...)} or {"message": text}.
nlohmann::json reply_body(const reaction::Reply& reply, const StatusView& v);

}  // namespace agentwork::harness
