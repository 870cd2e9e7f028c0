#include "harness/checks/value_formats.hpp"

#include <algorithm>

namespace agentwork::harness {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex digits of either case.
bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

namespace {

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

// Microseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]"; without an
// offset the time is taken as UTC. nullopt when malformed.
std::optional<std::int64_t> iso8601_micros(std::string_view s) {
  auto number = [&s](std::size_t pos, std::size_t n, int& value) {
    if (pos + n > s.size()) return false;
    value = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (!is_digit(s[i])) return false;
      value = value * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!number(0, 4, y) || s.size() < 19 || s[4] != '-' || !number(5, 2, mo) || s[7] != '-' ||
      !number(8, 2, d) || s[10] != 'T' || !number(11, 2, h) || s[13] != ':' || !number(14, 2, mi) ||
      s[16] != ':' || !number(17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    for (std::int64_t scale = 100000; pos < s.size() && is_digit(s[pos]); ++pos, scale /= 10)
      micros += (s[pos] - '0') * scale;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!number(pos + 1, 2, oh) || pos + 6 > s.size() || s[pos + 3] != ':' ||
        !number(pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return (seconds - offset_seconds) * 1000000 + micros;
}

// The mock's form: exactly six fraction digits and UTC "Z" ("2026-02-22T14:30:00.123456Z").
bool has_mock_precision(std::string_view s) {
  return s.size() == 27 && s[19] == '.' && s[26] == 'Z' &&
         std::all_of(s.begin() + 20, s.begin() + 26, is_digit);
}

}  // namespace agentwork::harness
