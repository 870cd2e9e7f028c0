#include "common/timestamp.hpp"

#include <cmath>
#include <cstdio>

namespace agentwork {
namespace {

// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

}  // namespace

std::string format_timestamp(Micros t) {
  std::int64_t days = t / (86400 * kMicrosPerSecond);
  Micros rem = t % (86400 * kMicrosPerSecond);
  if (rem < 0) {
    rem += 86400 * kMicrosPerSecond;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const auto secs = rem / kMicrosPerSecond;
  if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;  // outside ISO-8601's four-digit years
  // Written by hand: this runs on every status poll, and snprintf is several times slower.
  std::string out = "0000-00-00T00:00:00.000000Z";
  auto put = [&out](std::size_t end, std::int64_t value, int digits) {
    for (int i = 0; i < digits; ++i, value /= 10)
      out[end - i] = static_cast<char>('0' + value % 10);
  };
  put(3, y, 4);
  put(6, m, 2);
  put(9, d, 2);
  put(12, secs / 3600, 2);
  put(15, secs / 60 % 60, 2);
  put(18, secs % 60, 2);
  put(25, rem % kMicrosPerSecond, 6);
  return out;
}

bool parse_timestamp(std::string_view s, Micros& out) {
  auto digits = [&](std::size_t pos, std::size_t n, int& v) {
    if (pos + n > s.size()) return false;
    v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) ||
      s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  // A day the month does not have (2026-02-30) is not a timestamp.
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDaysIn[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
  std::size_t pos = 19;
  Micros frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    Micros scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return false;
  }
  Micros offset = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !digits(pos + 4, 2, om) || oh > 23 || om > 59) {
        return false;
      }
      offset = (oh * 3600 + om * 60) * kMicrosPerSecond * (s[pos] == '+' ? 1 : -1);
      pos += 6;
    } else {
      return false;
    }
  }
  if (pos != s.size()) return false;
  const auto days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  out = (days * 86400 + h * 3600 + mi * 60 + se) * kMicrosPerSecond + frac - offset;
  return true;
}

}  // namespace agentwork
