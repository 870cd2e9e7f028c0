// Load scheduling as pure functions of time: the open executor's arrivals (constant rate, ramps,
// holds, the duration cutting the stages), the closed executor's start offsets, and the fixed-rate
// poll slots with dropped slots. Expected values are worked out by hand in the comments.
#include "harness/load/schedule.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentwork::load {
namespace {

OpenExecutor constant(double rate) {
  OpenExecutor open;
  open.rate = rate;
  return open;
}

OpenExecutor ramp(double start_rate, std::vector<Stage> stages) {
  OpenExecutor open;
  open.start_rate = start_rate;
  open.stages = std::move(stages);
  return open;
}

constexpr std::int64_t kSecond = 1'000'000;

// ---------------------------------------------------------------------------------------------
// ArrivalSchedule: constant rate.

TEST(ArrivalSchedule, ConstantRateArrivesAtKPlusOneOverR) {
  const ArrivalSchedule s(constant(4), 10);
  // R = 4/s: the integral reaches k + 1 at (k + 1) / 4 s.
  EXPECT_EQ(s.time_of(0), 250'000);
  EXPECT_EQ(s.time_of(1), 500'000);
  EXPECT_EQ(s.time_of(2), 750'000);
  EXPECT_EQ(s.time_of(3), 1'000'000);
  for (std::uint64_t k = 0; k < 40; ++k) {
    EXPECT_EQ(s.time_of(k), static_cast<std::int64_t>(k + 1) * 250'000) << k;
  }
}

TEST(ArrivalSchedule, ConstantRateRoundsToTheNearestMicrosecond) {
  const ArrivalSchedule s(constant(3), 2);
  EXPECT_EQ(s.time_of(0), 333'333);  // 1/3 s
  EXPECT_EQ(s.time_of(1), 666'667);  // 2/3 s
  EXPECT_EQ(s.time_of(2), 1'000'000);
  EXPECT_EQ(s.time_of(5), 2'000'000);  // the 6th arrival, exactly at the end: still in
  EXPECT_EQ(s.time_of(6), std::nullopt);
  // due_by follows the rounded times: at 333333 us the rate's integral is only 0.999999, yet the
  // first arrival (1/3 s, rounded) is due there.
  EXPECT_EQ(s.due_by(333'332), 0u);
  EXPECT_EQ(s.due_by(333'333), 1u);
  EXPECT_EQ(s.due_by(666'666), 1u);
  EXPECT_EQ(s.due_by(666'667), 2u);
}

TEST(ArrivalSchedule, EndOfScheduleIsNullopt) {
  const ArrivalSchedule s(constant(4), 10);
  // 4/s for 10 s: 40 arrivals, the last exactly at 10 s.
  EXPECT_EQ(s.time_of(39), 10 * kSecond);
  EXPECT_EQ(s.time_of(40), std::nullopt);
  EXPECT_EQ(s.time_of(41), std::nullopt);
  EXPECT_EQ(s.time_of(1'000'000'000), std::nullopt);
}

TEST(ArrivalSchedule, ConstantRateDueBy) {
  const ArrivalSchedule s(constant(4), 10);
  EXPECT_EQ(s.due_by(0), 0u);
  EXPECT_EQ(s.due_by(249'999), 0u);
  EXPECT_EQ(s.due_by(250'000), 1u);
  EXPECT_EQ(s.due_by(499'999), 1u);
  EXPECT_EQ(s.due_by(500'000), 2u);
  EXPECT_EQ(s.due_by(10 * kSecond), 40u);
  EXPECT_EQ(s.due_by(1000 * kSecond), 40u);  // nothing past the end
  // 0.29 s x 100/s is 28.999999999999996 in doubles: the 29th arrival, at 0.29 s, is due then.
  const ArrivalSchedule h(constant(100), 10);
  EXPECT_EQ(h.time_of(28), 290'000);
  EXPECT_EQ(h.due_by(290'000), 29u);
  EXPECT_EQ(h.due_by(289'999), 28u);
}

// due_by(t) counts exactly the arrivals whose time_of is at most t, even where time_of rounds
// to the nearest microsecond (1/3 s is 333333 us: the first arrival is due by then, not before).
void expect_consistent(const ArrivalSchedule& s, std::uint64_t arrivals) {
  for (std::uint64_t k = 0; k < arrivals; ++k) {
    const auto t = s.time_of(k);
    ASSERT_TRUE(t.has_value()) << k;
    EXPECT_EQ(s.due_by(*t), k + 1) << k;
    EXPECT_EQ(s.due_by(*t - 1), k) << k;
  }
  EXPECT_EQ(s.time_of(arrivals), std::nullopt);
}

TEST(ArrivalSchedule, DueByIsConsistentWithTimeOf) {
  {
    SCOPED_TRACE("4/s for 100 s");
    expect_consistent(ArrivalSchedule(constant(4), 100), 400);
  }
  {
    SCOPED_TRACE("100/s for 20 s");
    expect_consistent(ArrivalSchedule(constant(100), 20), 2000);
  }
  {
    SCOPED_TRACE("3/s for 100 s");
    expect_consistent(ArrivalSchedule(constant(3), 100), 300);
  }
  {
    SCOPED_TRACE("0 -> 10/s over 10 s, hold 10 s, down to 0 over 10 s");
    // 50 + 100 + 50 arrivals.
    expect_consistent(ArrivalSchedule(ramp(0, {{10, 10}, {10, 10}, {10, 0}}), 30), 200);
  }
}

// ---------------------------------------------------------------------------------------------
// ArrivalSchedule: ramps.

TEST(ArrivalSchedule, RampFromZeroArrivesAtSqrtTwoKPlusOne) {
  // 0 -> 10/s over 10 s: slope 1/s^2, the integral t^2 / 2 reaches k + 1 at sqrt(2 (k + 1)) s;
  // 50 arrivals in all.
  const ArrivalSchedule s(ramp(0, {{10, 10}}), 10);
  EXPECT_EQ(s.time_of(0), 1'414'214);    // sqrt(2) = 1.4142136
  EXPECT_EQ(s.time_of(1), 2'000'000);    // sqrt(4)
  EXPECT_EQ(s.time_of(2), 2'449'490);    // sqrt(6) = 2.4494897
  EXPECT_EQ(s.time_of(3), 2'828'427);    // sqrt(8) = 2.8284271
  EXPECT_EQ(s.time_of(7), 4'000'000);    // sqrt(16)
  EXPECT_EQ(s.time_of(17), 6'000'000);   // sqrt(36)
  EXPECT_EQ(s.time_of(31), 8'000'000);   // sqrt(64)
  EXPECT_EQ(s.time_of(49), 10'000'000);  // sqrt(100): the 50th, at the end
  EXPECT_EQ(s.time_of(50), std::nullopt);
  EXPECT_EQ(s.due_by(10 * kSecond), 50u);
  EXPECT_EQ(s.due_by(6 * kSecond), 18u);  // 36 / 2
  EXPECT_EQ(s.due_by(5 * kSecond), 12u);  // floor(25 / 2)
}

TEST(ArrivalSchedule, RampFromAStartRate) {
  // 2 -> 6/s over 4 s: slope 1, integral 2t + t^2/2 (16 in all); the k-th arrival at
  // -2 + sqrt(4 + 2 (k + 1)).
  const ArrivalSchedule s(ramp(2, {{4, 6}}), 4);
  EXPECT_EQ(s.time_of(0), 449'490);     // -2 + sqrt(6)
  EXPECT_EQ(s.time_of(5), 2'000'000);   // -2 + sqrt(16)
  EXPECT_EQ(s.time_of(15), 4'000'000);  // -2 + sqrt(36)
  EXPECT_EQ(s.time_of(16), std::nullopt);
}

TEST(ArrivalSchedule, HoldStageKeepsTheRate) {
  // 0 -> 10/s over 10 s (50 arrivals), then 10/s for 5 s (50 more, every 0.1 s).
  const ArrivalSchedule s(ramp(0, {{10, 10}, {5, 10}}), 15);
  EXPECT_EQ(s.time_of(49), 10'000'000);
  EXPECT_EQ(s.time_of(50), 10'100'000);
  EXPECT_EQ(s.time_of(51), 10'200'000);
  EXPECT_EQ(s.time_of(59), 11'000'000);
  EXPECT_EQ(s.time_of(99), 15'000'000);
  EXPECT_EQ(s.time_of(100), std::nullopt);
  EXPECT_EQ(s.due_by(12'500'000), 75u);  // 50 + 2.5 s x 10/s
}

TEST(ArrivalSchedule, RampDownToZero) {
  // 0 -> 10/s over 10 s, then 10 -> 0/s over 10 s: 50 + 50 arrivals, symmetric: the k-th of
  // the second stage is at 20 - sqrt(2 (100 - (k + 1))).
  const ArrivalSchedule s(ramp(0, {{10, 10}, {10, 0}}), 20);
  EXPECT_EQ(s.time_of(50), 10'100'505);  // 20 - sqrt(98) = 10.1005051
  EXPECT_EQ(s.time_of(91), 16'000'000);  // 20 - sqrt(16)
  EXPECT_EQ(s.time_of(97), 18'000'000);  // 20 - sqrt(4)
  EXPECT_EQ(s.time_of(98), 18'585'786);  // 20 - sqrt(2) = 18.5857864
  EXPECT_EQ(s.time_of(99), 20'000'000);  // 20 - 0
  EXPECT_EQ(s.time_of(100), std::nullopt);
  EXPECT_EQ(s.due_by(20 * kSecond), 100u);
  EXPECT_EQ(s.due_by(16 * kSecond), 92u);  // 100 - 16/2
}

TEST(ArrivalSchedule, ADurationShorterThanTheStagesCutsTheSchedule) {
  // The 0 -> 10/s ramp cut at 6 s: 18 arrivals (36/2), the 18th exactly at 6 s.
  const ArrivalSchedule s(ramp(0, {{10, 10}}), 6);
  EXPECT_EQ(s.time_of(17), 6'000'000);
  EXPECT_EQ(s.time_of(18), std::nullopt);  // sqrt(38) = 6.16 s is past the end
  EXPECT_EQ(s.due_by(10 * kSecond), 18u);
  EXPECT_DOUBLE_EQ(s.rate_at(5'900'000), 5.9);
  EXPECT_EQ(s.rate_at(6'000'000), 0);
  // A constant rate is cut the same way.
  const ArrivalSchedule c(constant(4), 0.5);
  EXPECT_EQ(c.time_of(1), 500'000);
  EXPECT_EQ(c.time_of(2), std::nullopt);
}

TEST(ArrivalSchedule, ADurationLongerThanTheStagesDoesNotExtendThem) {
  const ArrivalSchedule s(ramp(0, {{10, 10}}), 100);
  EXPECT_EQ(s.time_of(49), 10'000'000);
  EXPECT_EQ(s.time_of(50), std::nullopt);
  EXPECT_EQ(s.due_by(100 * kSecond), 50u);
  EXPECT_EQ(s.rate_at(50 * kSecond), 0);
}

TEST(ArrivalSchedule, RateAt) {
  const ArrivalSchedule c(constant(4), 10);
  EXPECT_EQ(c.rate_at(0), 4);
  EXPECT_EQ(c.rate_at(9'999'999), 4);
  EXPECT_EQ(c.rate_at(10 * kSecond), 0);  // past the end
  EXPECT_EQ(c.rate_at(-1), 0);            // before the start

  const ArrivalSchedule s(ramp(0, {{10, 10}, {10, 10}, {10, 0}}), 30);
  EXPECT_EQ(s.rate_at(0), 0);
  EXPECT_EQ(s.rate_at(2'500'000), 2.5);
  EXPECT_EQ(s.rate_at(10 * kSecond), 10);  // the hold
  EXPECT_EQ(s.rate_at(15 * kSecond), 10);
  EXPECT_EQ(s.rate_at(25 * kSecond), 5);  // halfway down
  EXPECT_EQ(s.rate_at(30 * kSecond), 0);
}

// ---------------------------------------------------------------------------------------------
// closed_start_offset_us

TEST(ClosedStartOffset, SpreadsClientsEvenlyOverTheRamp) {
  EXPECT_EQ(closed_start_offset_us(0, 4, kSecond), 0);
  EXPECT_EQ(closed_start_offset_us(1, 4, kSecond), 250'000);
  EXPECT_EQ(closed_start_offset_us(2, 4, kSecond), 500'000);
  EXPECT_EQ(closed_start_offset_us(3, 4, kSecond), 750'000);
  // Not divisible: floor(index x ramp / clients).
  EXPECT_EQ(closed_start_offset_us(1, 3, kSecond), 333'333);
  EXPECT_EQ(closed_start_offset_us(2, 3, kSecond), 666'666);
  EXPECT_EQ(closed_start_offset_us(6, 7, 1000), 857);  // 6000 / 7 = 857.14
  for (std::int64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(closed_start_offset_us(i, 100, 12'345), i * 12'345 / 100) << i;
  }
}

TEST(ClosedStartOffset, NoRampOrNoClients) {
  EXPECT_EQ(closed_start_offset_us(5, 10, 0), 0);
  EXPECT_EQ(closed_start_offset_us(0, 0, kSecond), 0);
  EXPECT_EQ(closed_start_offset_us(3, -1, kSecond), 0);
}

TEST(ClosedStartOffset, TenMillionClientsOverTenMillionSecondsDoNotOverflow) {
  // index x ramp would be ~10^20, past INT64_MAX (9.2 x 10^18).
  const std::int64_t clients = 10'000'000;
  const std::int64_t ramp_us = 10'000'000'000'000;  // 10^13 us = 10^7 s, the profile's maximum
  EXPECT_EQ(closed_start_offset_us(clients - 1, clients, ramp_us), 9'999'999'000'000);
  EXPECT_EQ(closed_start_offset_us(clients / 2, clients, ramp_us), 5'000'000'000'000);
  // With a remainder: ramp = 10^13 + 9999999, so ramp / clients = 10^6 remainder 9999999;
  // 9999999 x 10000009999999 / 10^7 = 9999999000000 + floor(9999999^2 / 10^7)
  //                                  = 9999999000000 + 9999998.
  EXPECT_EQ(closed_start_offset_us(clients - 1, clients, ramp_us + 9'999'999), 10'000'008'999'998);
}

TEST(ClosedStartOffset, MonotonicAndWithinTheRamp) {
  for (const auto& [clients, ramp_us] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {7, 1000}, {1000, 999}, {999, 5 * kSecond}, {10'000'000, 10'000'009'999'999}}) {
    SCOPED_TRACE(std::to_string(clients) + " clients over " + std::to_string(ramp_us) + " us");
    // Every client of the small populations; a stride through the 10^7 one, and its last.
    const std::int64_t step = clients > 10'000 ? 9'973 : 1;
    std::vector<std::int64_t> indices;
    for (std::int64_t i = 0; i < clients; i += step) indices.push_back(i);
    indices.push_back(clients - 1);
    std::int64_t previous = 0;
    for (const std::int64_t i : indices) {
      const auto offset = closed_start_offset_us(i, clients, ramp_us);
      EXPECT_GE(offset, previous) << i;
      EXPECT_LT(offset, ramp_us) << i;
      previous = offset;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// next_poll

TEST(NextPoll, OnTimeIsOneIntervalLater) {
  // Intended at 1 s, every 0.5 s; the response came at 1.2 s.
  const NextPoll n = next_poll(kSecond, 1'200'000, 500'000);
  EXPECT_EQ(n.intended_us, 1'500'000);
  EXPECT_EQ(n.dropped, 0u);
  // Handled exactly at the next slot: still that slot.
  EXPECT_EQ(next_poll(kSecond, 1'500'000, 500'000).intended_us, 1'500'000);
}

TEST(NextPoll, LateByLessThanAnIntervalDropsNothing) {
  // The next slot (1.5 s) passed by 0.2 s, then by one microsecond less than an interval: the
  // poll goes out at once, measured from 1.5 s.
  for (const std::int64_t now : {1'700'000, 1'999'999}) {
    const NextPoll n = next_poll(kSecond, now, 500'000);
    EXPECT_EQ(n.intended_us, 1'500'000) << now;
    EXPECT_EQ(n.dropped, 0u) << now;
  }
  // A whole interval past it: that slot is dropped and the next one is due.
  const NextPoll n = next_poll(kSecond, 2'000'000, 500'000);
  EXPECT_EQ(n.intended_us, 2'000'000);
  EXPECT_EQ(n.dropped, 1u);
}

TEST(NextPoll, LateByThreeAndAHalfIntervalsDropsThree) {
  // Previous at 0, every 100 us: slots 100, 200, 300, 400, 500. Now is 450, 3.5 intervals past
  // the next slot (100): 100, 200 and 300 passed entirely and are dropped; the next poll is due
  // at 400, the latest slot not after now.
  const NextPoll n = next_poll(0, 450, 100);
  EXPECT_EQ(n.intended_us, 400);
  EXPECT_EQ(n.dropped, 3u);
  // Larger numbers, same shape: 7 x 5 s + 1.5 s past the next slot.
  const NextPoll m = next_poll(100 * kSecond, 105 * kSecond + 36'500'000, 5 * kSecond);
  EXPECT_EQ(m.intended_us, 140 * kSecond);
  EXPECT_EQ(m.dropped, 7u);
}

TEST(NextPoll, IntervalZeroDropsNothing) {
  // Back to back: the next slot is the previous one (no interval), due at once, never dropped
  // (no division by zero however late).
  const NextPoll n = next_poll(kSecond, 9 * kSecond, 0);
  EXPECT_EQ(n.intended_us, kSecond);
  EXPECT_EQ(n.dropped, 0u);
}

}  // namespace
}  // namespace agentwork::load
