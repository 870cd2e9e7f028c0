// The mock's seeded agents: the default agent and the fleet agent of the deployment-like mode,
// deterministic per seed, valid, and with the documented shape and rates.
#include "mock_server/agents.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace agentwork::mock {
namespace {

using nlohmann::json;

TEST(DefaultAgentScript, SameSeedSameScript) {
  EXPECT_EQ(to_json(default_agent_script(42)), to_json(default_agent_script(42)));
  EXPECT_EQ(to_json(default_agent_script(0)), to_json(default_agent_script(0)));
}

TEST(DefaultAgentScript, DifferentSeedsDiffer) {
  std::set<std::string> distinct;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    distinct.insert(to_json(default_agent_script(seed)).dump());
  }
  // File contents name the seed, so every seed gives its own script.
  EXPECT_EQ(distinct.size(), 20u);
  EXPECT_NE(to_json(default_agent_script(1)), to_json(default_agent_script(2)));
}

TEST(DefaultAgentScript, DurationsAndWordingVaryWithTheSeed) {
  std::set<double> first_work;
  std::set<std::string> questions;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto s = default_agent_script(seed);
    first_work.insert(s.steps[0].seconds);
    questions.insert(clarifying_questions_content(s.steps[1].questions));
  }
  EXPECT_GT(first_work.size(), 5u);
  EXPECT_GT(questions.size(), 10u);
}

TEST(DefaultAgentScript, HasTheDocumentedShapeForManySeeds) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto s = default_agent_script(seed);
    EXPECT_EQ(s.name, "default");
    ASSERT_GE(s.steps.size(), 4u);
    EXPECT_EQ(s.steps[0].kind, Step::Kind::work);
    EXPECT_GE(s.steps[0].seconds, 20);
    EXPECT_LE(s.steps[0].seconds, 90);

    const auto& ask = s.steps[1];
    ASSERT_EQ(ask.kind, Step::Kind::ask);
    std::set<QuestionType> types;
    for (const auto& q : ask.questions) {
      types.insert(q.type);
      EXPECT_FALSE(q.question.empty());
      if (q.type == QuestionType::text) {
        EXPECT_TRUE(q.options.empty());
      } else {
        EXPECT_GE(q.options.size(), 1u);
        EXPECT_LE(q.options.size(), 5u);
        EXPECT_EQ(std::set<std::string>(q.options.begin(), q.options.end()).size(),
                  q.options.size());
      }
    }
    EXPECT_EQ(types, (std::set<QuestionType>{QuestionType::text, QuestionType::single_select,
                                             QuestionType::multi_select}));

    EXPECT_EQ(s.steps[2].kind, Step::Kind::work);
    const auto& propose = s.steps.back();
    ASSERT_EQ(propose.kind, Step::Kind::propose);
    EXPECT_FALSE(propose.text.empty());
    EXPECT_FALSE(propose.result_text.empty());
    EXPECT_GE(propose.files.size(), 1u);
    EXPECT_LE(propose.files.size(), 3u);
    for (const auto& f : propose.files) {
      EXPECT_FALSE(f.name.empty());
      EXPECT_NE(f.content.find("seed " + std::to_string(seed)), std::string::npos);
    }
    EXPECT_EQ(propose.on_reject.revise, -1);
    // Every script it generates is one the parser accepts as is.
    std::string error;
    auto reparsed = parse_agent_script(to_json(s), error);
    ASSERT_TRUE(reparsed) << error;
    EXPECT_EQ(to_json(*reparsed), to_json(s));
  }
}

TEST(DefaultAgentScript, SomeSeedsAddAFollowUpMessage) {
  int with_message = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const auto s = default_agent_script(seed);
    for (const auto& step : s.steps) with_message += step.kind == Step::Kind::message;
  }
  EXPECT_GT(with_message, 0);
  EXPECT_LT(with_message, 200);
}

// --- The fleet agent of the deployment-like mode ---

// What one fleet script shows, read from its steps.
struct FleetShape {
  int rounds = 0;
  int messages = 0;
  int stalls = 0;
  std::set<QuestionType> types;
  std::size_t files = 0;
  double longest_work = 0;
};

FleetShape shape_of(const AgentScript& s) {
  FleetShape f;
  for (const auto& step : s.steps) {
    switch (step.kind) {
      case Step::Kind::ask:
        ++f.rounds;
        for (const auto& q : step.questions) f.types.insert(q.type);
        break;
      case Step::Kind::message:
        ++f.messages;
        break;
      case Step::Kind::stall:
        ++f.stalls;
        break;
      case Step::Kind::work:
        f.longest_work = std::max(f.longest_work, step.seconds);
        break;
      case Step::Kind::propose:
        f.files = step.files.size();
        break;
      case Step::Kind::cancel:
        break;
    }
  }
  return f;
}

TEST(FleetAgentScript, SameSeedSameScriptAndSeedsDiffer) {
  EXPECT_EQ(to_json(fleet_agent_script(42, 0.0)), to_json(fleet_agent_script(42, 0.0)));
  EXPECT_EQ(to_json(fleet_agent_script(42, 0.5)), to_json(fleet_agent_script(42, 0.5)));
  EXPECT_NE(to_json(fleet_agent_script(1, 0.0)), to_json(fleet_agent_script(2, 0.0)));
  EXPECT_EQ(fleet_agent_script(7, 0.0).name, "fleet");
  // Not the default agent under another name.
  EXPECT_NE(to_json(fleet_agent_script(7, 0.0))["steps"],
            to_json(default_agent_script(7))["steps"]);
}

TEST(FleetAgentScript, OverTwoHundredSeedsEveryBehaviourShowsUp) {
  std::set<QuestionType> types;
  int with_message = 0, zero_rounds = 0, two_rounds = 0, no_files = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto f = shape_of(fleet_agent_script(seed, 0.0));
    types.insert(f.types.begin(), f.types.end());
    with_message += f.messages > 0;
    zero_rounds += f.rounds == 0;
    two_rounds += f.rounds == 2;
    no_files += f.files == 0;
    EXPECT_LE(f.rounds, 2) << "seed " << seed;
    EXPECT_LE(f.messages, 1) << "seed " << seed;
    EXPECT_LE(f.files, 3u) << "seed " << seed;
  }
  EXPECT_EQ(types, (std::set<QuestionType>{QuestionType::text, QuestionType::single_select,
                                           QuestionType::multi_select}));
  EXPECT_GT(with_message, 0);
  EXPECT_LT(with_message, 200);
  EXPECT_GT(zero_rounds, 0);
  EXPECT_GT(two_rounds, 0);
  EXPECT_GT(no_files, 0);
  EXPECT_LT(no_files, 200);
}

TEST(FleetAgentScript, EveryScriptIsValidAndHasTheDocumentedShape) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto s = fleet_agent_script(seed, 0.5);
    ASSERT_GE(s.steps.size(), 3u);
    EXPECT_TRUE(s.steps[0].kind == Step::Kind::work || s.steps[0].kind == Step::Kind::stall);
    const auto& propose = s.steps.back();
    ASSERT_EQ(propose.kind, Step::Kind::propose);
    EXPECT_EQ(propose.on_reject.revise, -1);
    EXPECT_GE(propose.on_reject.seconds, 10);
    EXPECT_LE(propose.on_reject.seconds, 40);
    for (const auto& step : s.steps) {
      if (step.kind == Step::Kind::work) {
        EXPECT_GE(step.seconds, 10);
      }
      if (step.kind != Step::Kind::ask) continue;
      EXPECT_GE(step.questions.size(), 1u);
      EXPECT_LE(step.questions.size(), 3u);
      for (const auto& q : step.questions) {
        EXPECT_FALSE(q.question.empty());
        if (q.type == QuestionType::text) {
          EXPECT_TRUE(q.options.empty());
          continue;
        }
        EXPECT_GE(q.options.size(), 2u);
        EXPECT_LE(q.options.size(), 5u);
        EXPECT_EQ(std::set<std::string>(q.options.begin(), q.options.end()).size(),
                  q.options.size());
      }
    }
    // The parser takes it as is, and round trips it.
    std::string error;
    auto reparsed = parse_agent_script(to_json(s), error);
    ASSERT_TRUE(reparsed) << error;
    EXPECT_EQ(to_json(*reparsed), to_json(s));
  }
}

TEST(FleetAgentScript, NoWorkStepLooksLikeAStall) {
  // A client suspects a stall after several minutes without activity: no step comes close.
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    EXPECT_LE(shape_of(fleet_agent_script(seed, 0.0)).longest_work, 60) << "seed " << seed;
  }
}

TEST(FleetAgentScript, NeverStallsAtRateZero) {
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    EXPECT_EQ(shape_of(fleet_agent_script(seed, 0.0)).stalls, 0) << "seed " << seed;
  }
}

TEST(FleetAgentScript, StallsAtAboutTheGivenRateInPlaceOfAWorkStep) {
  int stalling = 0;
  std::set<std::size_t> stall_positions;
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    const auto stalled = fleet_agent_script(seed, 0.2);
    const auto f = shape_of(stalled);
    ASSERT_LE(f.stalls, 1) << "seed " << seed;
    stalling += f.stalls;
    // The same agent as at rate 0 but for one work step before the proposal.
    const auto plain = fleet_agent_script(seed, 0.0);
    ASSERT_EQ(stalled.steps.size(), plain.steps.size());
    for (std::size_t i = 0; i < plain.steps.size(); ++i) {
      if (stalled.steps[i].kind != Step::Kind::stall) continue;
      EXPECT_EQ(plain.steps[i].kind, Step::Kind::work) << "seed " << seed << " step " << i;
      stall_positions.insert(i);
    }
  }
  const double share = stalling / 2000.0;
  EXPECT_GE(share, 0.15);
  EXPECT_LE(share, 0.25);
  EXPECT_GT(stall_positions.size(), 2u);  // which work step stalls varies
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    EXPECT_EQ(shape_of(fleet_agent_script(seed, 1.0)).stalls, 1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace agentwork::mock
