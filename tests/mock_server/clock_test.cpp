// The mock's virtual clock and its timestamp format, without sleeping: a frozen clock only
// moves when told to, and a running clock is checked against generous upper bounds.
#include "mock_server/clock.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace agentwork::mock {
namespace {

constexpr Micros kHour = 3600 * kMicrosPerSecond;
// A running clock may move between two calls; this bounds how much a slow CI machine may add.
constexpr Micros kSlack = 30 * kMicrosPerSecond;
// 2026-02-22T14:30:00Z, the guide's example.
constexpr Micros kGuideExample = 1'771'770'600'000'000;

TEST(Clock, FrozenClockStandsStill) {
  Clock clock;
  clock.freeze();
  EXPECT_TRUE(clock.frozen());
  const Micros t = clock.now();
  EXPECT_EQ(clock.now(), t);
  EXPECT_EQ(clock.now(), t);
}

TEST(Clock, FreezeTwiceKeepsTheFirstTime) {
  Clock clock;
  clock.freeze();
  const Micros t = clock.now();
  clock.advance(5);
  clock.freeze();
  EXPECT_EQ(clock.now(), t + 5);
}

TEST(Clock, AdvanceWhileFrozenMovesExactly) {
  Clock clock;
  clock.freeze();
  const Micros t = clock.now();
  clock.advance(90 * kMicrosPerSecond);
  EXPECT_EQ(clock.now(), t + 90 * kMicrosPerSecond);
  clock.advance(1);
  EXPECT_EQ(clock.now(), t + 90 * kMicrosPerSecond + 1);
}

TEST(Clock, NegativeOrZeroAdvanceIsIgnored) {
  Clock clock;
  clock.freeze();
  const Micros t = clock.now();
  clock.advance(-kHour);
  EXPECT_EQ(clock.now(), t);
  clock.advance(0);
  EXPECT_EQ(clock.now(), t);
}

TEST(Clock, SetForwardWhileFrozen) {
  Clock clock;
  clock.freeze();
  const Micros target = clock.now() + 7 * kHour;
  EXPECT_TRUE(clock.set(target));
  EXPECT_EQ(clock.now(), target);
  EXPECT_TRUE(clock.set(target));  // the same time is not backwards
  EXPECT_EQ(clock.now(), target);
}

TEST(Clock, SetBackwardsIsRefusedAndChangesNothing) {
  Clock clock;
  clock.freeze();
  const Micros t = clock.now();
  EXPECT_FALSE(clock.set(t - 1));
  EXPECT_EQ(clock.now(), t);
  EXPECT_FALSE(clock.set(0));
  EXPECT_EQ(clock.now(), t);
}

TEST(Clock, SetBackwardsWhileRunningIsRefused) {
  Clock clock;
  const Micros t = clock.now();
  EXPECT_FALSE(clock.set(t - kHour));
  EXPECT_GE(clock.now(), t);
  EXPECT_LT(clock.now(), t + kSlack);
}

TEST(Clock, RunningClockStartsNearTheWallClockAndNeverGoesBack) {
  Clock clock;
  EXPECT_FALSE(clock.frozen());
  Micros previous = clock.now();
  // Any date after 2024 proves the origin is the wall clock, not zero or a steady epoch.
  EXPECT_GT(previous, Micros{1'704'067'200} * kMicrosPerSecond);
  for (int i = 0; i < 1000; ++i) {
    const Micros t = clock.now();
    EXPECT_GE(t, previous);
    previous = t;
  }
}

TEST(Clock, AdvanceWhileRunningAddsTheDelta) {
  Clock clock;
  const Micros before = clock.now();
  clock.advance(kHour);
  const Micros after = clock.now();
  EXPECT_GE(after, before + kHour);
  EXPECT_LT(after, before + kHour + kSlack);
}

TEST(Clock, SetWhileRunningJumpsThere) {
  Clock clock;
  const Micros target = clock.now() + 48 * kHour;
  EXPECT_TRUE(clock.set(target));
  const Micros after = clock.now();
  EXPECT_GE(after, target);
  EXPECT_LT(after, target + kSlack);
}

TEST(Clock, ResumeContinuesFromTheFrozenTime) {
  Clock clock;
  clock.freeze();
  const Micros frozen_at = clock.now();
  clock.advance(10 * kHour);
  clock.resume();
  EXPECT_FALSE(clock.frozen());
  const Micros after = clock.now();
  // Neither back to the wall clock nor jumped ahead: it runs on from the advanced time.
  EXPECT_GE(after, frozen_at + 10 * kHour);
  EXPECT_LT(after, frozen_at + 10 * kHour + kSlack);
}

TEST(Clock, ResumeWhenRunningIsANoOp) {
  Clock clock;
  const Micros before = clock.now();
  clock.resume();
  EXPECT_FALSE(clock.frozen());
  EXPECT_GE(clock.now(), before);
  EXPECT_LT(clock.now(), before + kSlack);
}

TEST(Clock, FreezeAfterResumeDoesNotGoBack) {
  Clock clock;
  clock.freeze();
  clock.advance(kHour);
  const Micros t = clock.now();
  clock.resume();
  clock.freeze();
  EXPECT_GE(clock.now(), t);
  EXPECT_LT(clock.now(), t + kSlack);
}

TEST(Clock, TimeScaleMultipliesDurations) {
  Clock fast(0.01);
  EXPECT_DOUBLE_EQ(fast.time_scale(), 0.01);
  EXPECT_EQ(fast.scaled(60), 600'000);
  EXPECT_EQ(fast.scaled(0.5), 5'000);

  Clock normal;
  EXPECT_DOUBLE_EQ(normal.time_scale(), 1.0);
  EXPECT_EQ(normal.scaled(60), 60 * kMicrosPerSecond);
  EXPECT_EQ(normal.scaled(0.000001), 1);

  Clock slow(2.5);
  EXPECT_EQ(slow.scaled(4), 10 * kMicrosPerSecond);
}

TEST(Clock, ScaledIsNeverNegative) {
  Clock clock;
  EXPECT_EQ(clock.scaled(0), 0);
  EXPECT_EQ(clock.scaled(-5), 0);
  EXPECT_EQ(clock.scaled(std::nan("")), 0);
}

TEST(Clock, ScaledSaturatesInsteadOfOverflowing) {
  Clock clock;
  EXPECT_EQ(clock.scaled(std::numeric_limits<double>::infinity()),
            Micros{9'000'000'000'000'000'000});
  EXPECT_EQ(clock.scaled(1e300), Micros{9'000'000'000'000'000'000});
}

TEST(Clock, NonPositiveTimeScaleFallsBackToOne) {
  EXPECT_DOUBLE_EQ(Clock(0).time_scale(), 1.0);
  EXPECT_DOUBLE_EQ(Clock(-3).time_scale(), 1.0);
}

TEST(FormatTimestamp, ExactValues) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_timestamp(kGuideExample), "2026-02-22T14:30:00.000000Z");
  EXPECT_EQ(format_timestamp(kGuideExample + 123'456), "2026-02-22T14:30:00.123456Z");
  EXPECT_EQ(format_timestamp(kGuideExample + 1), "2026-02-22T14:30:00.000001Z");
  // Leap day and the last microsecond of a day.
  EXPECT_EQ(format_timestamp(951'868'799'999'999), "2000-02-29T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp(1'709'164'800'000'000), "2024-02-29T00:00:00.000000Z");
  // 2100 is not a leap year.
  EXPECT_EQ(format_timestamp(4'107'542'400'000'000), "2100-03-01T00:00:00.000000Z");
}

TEST(FormatTimestamp, BeforeTheEpoch) {
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp(-kMicrosPerSecond), "1969-12-31T23:59:59.000000Z");
}

Micros parse_or_die(const std::string& text) {
  Micros out = -42;
  EXPECT_TRUE(parse_timestamp(text, out)) << text;
  return out;
}

TEST(ParseTimestamp, GuideFormatWithoutFractionOrZone) {
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00"), kGuideExample);
}

TEST(ParseTimestamp, Fractions) {
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00.5"), kGuideExample + 500'000);
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00.123"), kGuideExample + 123'000);
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00.123456"), kGuideExample + 123'456);
  // Digits beyond microseconds are accepted and truncated.
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00.123456789"), kGuideExample + 123'456);
}

TEST(ParseTimestamp, ZuluAndOffsets) {
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00Z"), kGuideExample);
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00z"), kGuideExample);
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00.000001Z"), kGuideExample + 1);
  EXPECT_EQ(parse_or_die("2026-02-22T14:30:00+00:00"), kGuideExample);
  // 16:30 at +02:00 is 14:30 UTC; 09:00 at -05:30 is 14:30 UTC.
  EXPECT_EQ(parse_or_die("2026-02-22T16:30:00+02:00"), kGuideExample);
  EXPECT_EQ(parse_or_die("2026-02-22T09:00:00.25-05:30"), kGuideExample + 250'000);
}

TEST(ParseTimestamp, AlternativeSeparators) {
  EXPECT_EQ(parse_or_die("2026-02-22t14:30:00"), kGuideExample);
  EXPECT_EQ(parse_or_die("2026-02-22 14:30:00"), kGuideExample);
}

TEST(ParseTimestamp, RoundTripsFormat) {
  for (Micros t : {Micros{0}, kGuideExample + 987'654, Micros{951'868'799'999'999}}) {
    EXPECT_EQ(parse_or_die(format_timestamp(t)), t);
  }
}

TEST(ParseTimestamp, InvalidInputsAreRefusedAndLeaveTheOutputAlone) {
  for (const char* bad : {
           "",
           "2026-02-22",
           "2026-02-22T14:30",
           "2026/02/22T14:30:00",
           "2026-02-22X14:30:00",
           "2026-02-22T14-30-00",
           "26-02-22T14:30:00",
           "2026-2-22T14:30:00",
           "2026-13-01T00:00:00",
           "2026-00-01T00:00:00",
           "2026-01-00T00:00:00",
           "2026-01-32T00:00:00",
           "2026-02-22T24:00:00",
           "2026-02-22T14:60:00",
           "2026-02-22T14:30:61",
           "2026-02-22T14:30:00.",
           "2026-02-22T14:30:00.Z",
           "2026-02-22T14:30:00ZZ",
           "2026-02-22T14:30:00 ",
           "2026-02-22T14:30:00+02",
           "2026-02-22T14:30:00+0200",
           "2026-02-22T14:30:00+24:00",
           "2026-02-22T14:30:00+02:60",
           "2026-02-22T14:30:00UTC",
           "2026-02-22T14:30:00.12a",
           "abcd-02-22T14:30:00",
           " 2026-02-22T14:30:00",
       }) {
    Micros out = -42;
    EXPECT_FALSE(parse_timestamp(bad, out)) << '"' << bad << '"';
    EXPECT_EQ(out, -42) << '"' << bad << '"';
  }
}

TEST(ParseTimestamp, DaysThatDoNotExistInTheMonthAreRefused) {
  for (const char* bad : {"2026-02-29T00:00:00", "2026-02-30T00:00:00", "2100-02-29T00:00:00",
                          "2026-04-31T00:00:00", "2026-11-31T00:00:00"}) {
    Micros out = -42;
    EXPECT_FALSE(parse_timestamp(bad, out)) << bad;
  }
  EXPECT_EQ(parse_or_die("2024-02-29T00:00:00Z"), 1'709'164'800'000'000);
  EXPECT_EQ(parse_or_die("2000-02-29T23:59:59"), 951'868'799'000'000);
  EXPECT_EQ(format_timestamp(parse_or_die("2026-12-31T23:59:59Z")), "2026-12-31T23:59:59.000000Z");
}

}  // namespace
}  // namespace agentwork::mock
