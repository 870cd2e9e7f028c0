// The mock's simulated agents: scripts generated from a seed (the default agent, and the fleet
// agent of the deployment-like mode), in the shared script format of common/agent_script.hpp.
#pragma once

#include <cstdint>

#include "common/agent_script.hpp"

namespace agentwork::mock {

// The default agent: work, one round of clarifying questions mixing text, single_select and
// multi_select, work, propose (revising on every rejection), complete with files. Durations,
// wording and options vary with the seed; the same seed gives the same script.
AgentScript default_agent_script(std::uint64_t seed);

// A fleet agent, as a real deployment's agents behave (the deployment-like mode): work 10-40 s;
// 0, 1 or 2 rounds of 1-3 clarifying questions of random types (about 15/60/25 %), each
// followed by 10-30 s of work; a TO_CUSTOMER message in about 35 % of tasks, before or after
// the rounds; 10-60 s of work; a proposal with 1-3 files (0 in about 10 % of tasks) revised
// 10-40 s after every rejection. With probability `stall_rate` one of the work steps before the
// proposal is a `stall` instead. No work step is longer than 60 s, so that a working agent never
// looks stalled to a client. Named "fleet"; the same seed gives the same script, and at every
// stall rate the same one but for the stall.
AgentScript fleet_agent_script(std::uint64_t seed, double stall_rate);

}  // namespace agentwork::mock
