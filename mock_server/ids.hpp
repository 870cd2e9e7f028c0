// Random numbers and the identifiers the mock hands out (UUIDs, API keys, short ids).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agentwork::mock {

// splitmix64-seeded xoshiro256**: small, fast, and the same sequence for the same seed.
class Random {
 public:
  explicit Random(std::uint64_t seed);
  std::uint64_t next();
  // Uniform in [lo, hi] (inclusive); lo <= hi.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi);
  double uniform01();  // [0, 1)

 private:
  std::uint64_t s_[4];
};

// A seed mixed from several values (e.g. the mock's seed and a task's ordinal).
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);
std::uint64_t hash_text(std::string_view text);

// Identifiers drawn from a per-thread generator seeded from the OS (unpredictable).
std::string new_uuid();
std::string new_api_key();                  // "aw_live_" + 40 letters/digits
std::string new_short_id();                 // 5 letters/digits
std::string new_token(std::size_t length);  // letters/digits

bool is_uuid(std::string_view text);

}  // namespace agentwork::mock
