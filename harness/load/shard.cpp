#include "harness/load/shard.hpp"

#include <algorithm>
#include <charconv>

namespace agentwork::load {
namespace {

// A decimal integer in [lo, hi], the whole text; nullopt otherwise.
std::optional<int> decimal(std::string_view text, int lo, int hi) {
  int v = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi) return std::nullopt;
  return v;
}

std::variant<Shard, std::string> make_shard(std::optional<int> index, std::string_view index_text,
                                            int count) {
  if (count < 1 || count > kMaxShards) {
    return "the shard count must be an integer from 1 to " + std::to_string(kMaxShards) +
           "; got " + std::to_string(count);
  }
  if (!index) {
    return "the shard index must be an integer from 0 to " + std::to_string(count - 1) +
           "; got \"" + std::string(index_text) + "\"";
  }
  if (*index >= count) {
    return "the shard index " + std::to_string(*index) + " is not below the shard count " +
           std::to_string(count) + " (indexes start at 0)";
  }
  return Shard{*index, count};
}

}  // namespace

std::variant<Shard, std::string> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return "expected I/N (shard I of N, I from 0); got \"" + std::string(text) + "\"";
  }
  const auto count_text = text.substr(slash + 1);
  const auto count = decimal(count_text, 1, kMaxShards);
  if (!count) {
    return "the shard count must be an integer from 1 to " + std::to_string(kMaxShards) +
           "; got \"" + std::string(count_text) + "\"";
  }
  const auto index_text = text.substr(0, slash);
  return make_shard(decimal(index_text, 0, kMaxShards), index_text, *count);
}

std::variant<Shard, std::string> shard_from_index(std::string_view index, int count) {
  return make_shard(decimal(index, 0, kMaxShards), index, count);
}

namespace {

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), for a UTC time without the C library's
// time zone state.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> rfc3339_utc_us(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.f...]Z
  if (t.size() < 20) return std::nullopt;
  const auto num = [&](std::size_t at, std::size_t len, int lo, int hi) -> std::optional<int> {
    return decimal(t.substr(at, len), lo, hi);
  };
  if (t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' ||
      t[16] != ':') {
    return std::nullopt;
  }
  const auto year = num(0, 4, 1970, 9999), month = num(5, 2, 1, 12), day = num(8, 2, 1, 31),
             hour = num(11, 2, 0, 23), minute = num(14, 2, 0, 59), second = num(17, 2, 0, 60);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::size_t at = 19;
  std::int64_t micros = 0;
  if (t[at] == '.') {
    std::int64_t scale = 100000;
    ++at;
    const std::size_t digits_from = at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
      micros += (t[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == digits_from) return std::nullopt;
  }
  if (t.substr(at) != "Z" && t.substr(at) != "z" && t.substr(at) != "+00:00") return std::nullopt;
  const std::int64_t days = days_from_civil(*year, static_cast<unsigned>(*month),
                                            static_cast<unsigned>(*day));
  return ((days * 24 + *hour) * 60 + *minute) * 60'000'000LL + *second * 1'000'000LL + micros;
}

}  // namespace

std::variant<std::int64_t, std::string> parse_start_at(std::string_view text,
                                                       std::int64_t now_unix_us) {
  constexpr int kMaxAhead = 7 * 24 * 3600;  // a week
  if (!text.empty() && text.front() == '+') {
    const auto s = decimal(text.substr(1), 0, kMaxAhead);
    if (!s) {
      return "expected +SECONDS from 0 to " + std::to_string(kMaxAhead) + "; got \"" +
             std::string(text) + "\"";
    }
    return now_unix_us + *s * 1'000'000LL;
  }
  if (!text.empty() && text.front() == '@') {
    const auto s = decimal(text.substr(1), 0, 2'000'000'000);
    if (!s) return "expected @UNIX_SECONDS; got \"" + std::string(text) + "\"";
    return *s * 1'000'000LL;
  }
  if (const auto us = rfc3339_utc_us(text)) return *us;
  return "expected a UTC time as 2026-12-06T05:00:00Z, @UNIX_SECONDS or +SECONDS; got \"" +
         std::string(text) + "\"";
}

std::int64_t split_count(std::int64_t total, int index, int count) {
  const auto n = static_cast<std::int64_t>(count);
  return total / n + (index < total % n ? 1 : 0);
}

LoadProfile shard_profile(const LoadProfile& profile, Shard shard) {
  LoadProfile p = profile;
  if (!shard.sharded()) return p;
  const auto part = [&](std::int64_t total) {
    return std::max<std::int64_t>(1, split_count(total, shard.index, shard.count));
  };
  // A budget smaller than the shard count leaves the last shards none: they create no task.
  if (p.max_tasks) p.max_tasks = split_count(*p.max_tasks, shard.index, shard.count);
  if (auto* open = std::get_if<OpenExecutor>(&p.executor)) {
    open->max_in_flight = part(open->max_in_flight);
  }
  p.circuit_breaker.min_requests = part(p.circuit_breaker.min_requests);
  if (p.rate_cap) p.rate_cap = *p.rate_cap / shard.count;
  return p;
}

ItemStride item_stride(Shard shard, int worker, int workers) {
  return {shard.index + static_cast<std::int64_t>(shard.count) * worker,
          static_cast<std::int64_t>(shard.count) * workers};
}

std::uint64_t lane_index(Shard shard, int worker) {
  return static_cast<std::uint64_t>(shard.index) +
         static_cast<std::uint64_t>(shard.count) * static_cast<std::uint64_t>(worker);
}

}  // namespace agentwork::load
