// Reading a report's JSON back into its structs, field by field, with the JSON path of the first
// problem: shared by the run result (reports/json_report.cpp) and its load object
// (reports/load_report_json.cpp). Built on the common reader (common/json_reader.hpp) in its
// terse wording ("missing", "expected a string"); the report readers keep going after a problem,
// so this keeps the first JsonError and makes every later read a no-op returning false.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_reader.hpp"

namespace agentwork::reports {

class JsonReader {
 public:
  using json = nlohmann::json;

  explicit JsonReader(std::string& error) : error_(error) { error_.clear(); }

  bool ok() const { return error_.empty(); }

  bool fail(const std::string& path, std::string_view what) {
    if (ok()) error_ = path + ": " + std::string(what);
    return false;
  }

  // The member `key` of object `o` (at `path`), or nullptr after recording that it is missing.
  const json* member(const json& o, const std::string& path, const char* key) {
    const json* out = nullptr;
    read([&] { out = &at(o, path).expect_object().required(key, "").value(); });
    return out;
  }

  // A member that must be an object.
  const json* object(const json& o, const std::string& path, const char* key) {
    return member_if(o, path, key, &json::is_object, "an object");
  }

  // A member that must be an array.
  const json* array(const json& o, const std::string& path, const char* key) {
    return member_if(o, path, key, &json::is_array, "an array");
  }

  bool get(const json& o, const std::string& path, const char* key, std::string& out) {
    return read_member(o, path, key, [&](const agentwork::JsonReader& v) {
      out = v.as_string(/*non_empty=*/false);
    });
  }

  bool get(const json& o, const std::string& path, const char* key, bool& out) {
    return read_member(o, path, key, [&](const agentwork::JsonReader& v) { out = v.as_bool(); });
  }

  bool get(const json& o, const std::string& path, const char* key, double& out) {
    return read_member(o, path, key, [&](const agentwork::JsonReader& v) {
      if (!v.value().is_number()) v.fail_expected("a number");
      out = v.value().get<double>();
    });
  }

  // null or a number.
  bool get(const json& o, const std::string& path, const char* key, std::optional<double>& out) {
    return read_member(o, path, key, [&](const agentwork::JsonReader& v) {
      if (v.value().is_null()) {
        out.reset();
        return;
      }
      if (!v.value().is_number()) v.fail_expected("a number or null");
      out = v.value().get<double>();
    });
  }

  // int and std::int64_t, in their range.
  template <std::signed_integral S>
  bool get(const json& o, const std::string& path, const char* key, S& out) {
    return read_member(o, path, key, [&](const agentwork::JsonReader& r) {
      const json& v = r.value();
      const bool fits =
          v.is_number_integer() &&
          (v.is_number_unsigned()
               ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<S>::max())
               : v.get<std::int64_t>() >= std::numeric_limits<S>::min() &&
                     v.get<std::int64_t>() <= std::numeric_limits<S>::max());
      if (!fits) r.fail_expected("an integer");
      out = static_cast<S>(v.get<std::int64_t>());
    });
  }

  // std::uint32_t and std::uint64_t, in their range.
  template <std::unsigned_integral U>
  bool get(const json& o, const std::string& path, const char* key, U& out) {
    return read_member(o, path, key, [&](const agentwork::JsonReader& r) {
      out = static_cast<U>(natural(r, std::numeric_limits<U>::max()));
    });
  }

  // An array of integers >= 0.
  bool get(const json& o, const std::string& path, const char* key,
           std::vector<std::uint64_t>& out) {
    return read_elements(o, path, key, [&](const agentwork::JsonReader& e) {
      out.push_back(natural(e, std::numeric_limits<std::uint64_t>::max()));
    });
  }

  // An array of strings.
  bool get(const json& o, const std::string& path, const char* key, std::vector<std::string>& out) {
    return read_elements(o, path, key, [&](const agentwork::JsonReader& e) {
      out.push_back(e.as_string(/*non_empty=*/false));
    });
  }

  // A string member that must be name(v) of one of `values`.
  template <typename Enum, std::size_t N, typename Name>
  bool get_enum(const json& o, const std::string& path, const char* key,
                const std::array<Enum, N>& values, Name name, Enum& out) {
    std::string s;
    if (!get(o, path, key, s)) return false;
    std::string expected;
    for (const Enum v : values) {
      if (name(v) == s) {
        out = v;
        return true;
      }
      expected += (expected.empty() ? "" : ", ") + std::string(name(v));
    }
    return fail(path + "." + key, "expected one of " + expected + ", got \"" + s + "\"");
  }

  // An object {"<name>": count} with a count for each of `names`.
  template <std::size_t N, typename Names>
  void get_counts(const json& o, const std::string& path, const char* key, const Names& names,
                  std::array<std::uint64_t, N>& out) {
    const json* c = object(o, path, key);
    if (c == nullptr) return;
    const std::string p = path + "." + key;
    for (std::size_t i = 0; i < N; ++i) {
      const std::string name(names(i));
      get(*c, p, name.c_str(), out[i]);
    }
  }

  static std::string index_path(const std::string& path, const char* key, std::size_t i) {
    return path + "." + key + "[" + std::to_string(i) + "]";
  }

 private:
  static agentwork::JsonReader at(const json& v, const std::string& path) {
    return agentwork::JsonReader(v, path, agentwork::kTerseStyle);
  }

  // Runs `body` unless there already was a problem; keeps its JsonError as the problem.
  template <typename Body>
  bool read(Body body) {
    if (!ok()) return false;
    const auto done = agentwork::read_json([&] {
      body();
      return true;
    });
    if (!done) error_ = done.error().to_string();
    return done.ok();
  }

  template <typename Body>
  bool read_member(const json& o, const std::string& path, const char* key, Body body) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    return read([&] { body(at(*v, path + "." + key)); });
  }

  template <typename Body>
  bool read_elements(const json& o, const std::string& path, const char* key, Body body) {
    const json* a = array(o, path, key);
    if (a == nullptr) return false;
    return read([&] {
      const auto r = at(*a, path + "." + key);
      for (std::size_t i = 0; i < a->size(); ++i) body(r[i]);
    });
  }

  const json* member_if(const json& o, const std::string& path, const char* key,
                        bool (json::*is)() const noexcept, std::string_view what) {
    const json* v = member(o, path, key);
    if (v == nullptr) return nullptr;
    if (!((*v).*is)()) {
      read([&] { at(*v, path + "." + key).fail_expected(what); });
      return nullptr;
    }
    return v;
  }

  // Parsed non-negative integers are unsigned; ones built in code may be signed.
  static std::uint64_t natural(const agentwork::JsonReader& r, std::uint64_t max) {
    const json& v = r.value();
    const bool ok = v.is_number_integer() &&
                    (v.is_number_unsigned() || v.get<std::int64_t>() >= 0) &&
                    v.get<std::uint64_t>() <= max;
    if (!ok) r.fail_expected("an integer >= 0");
    return v.get<std::uint64_t>();
  }

  std::string& error_;
};

}  // namespace agentwork::reports
