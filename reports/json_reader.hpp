// Reading a report's JSON back into its structs, field by field, with the JSON path of the first
// problem: shared by the run result (reports/json_report.cpp) and its load object
// (reports/load_report_json.cpp).
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

namespace agentwork::reports {

// Reads fields; the first problem is kept in `error` with its JSON path, and every later read is
// a no-op returning false.
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
    if (!ok()) return nullptr;
    if (!o.is_object()) {
      fail(path, "expected an object");
      return nullptr;
    }
    const auto it = o.find(key);
    if (it == o.end()) {
      fail(path + "." + key, "missing");
      return nullptr;
    }
    return &*it;
  }

  // A member that must be an object.
  const json* object(const json& o, const std::string& path, const char* key) {
    const json* v = member(o, path, key);
    if (v != nullptr && !v->is_object()) {
      fail(path + "." + key, "expected an object");
      return nullptr;
    }
    return v;
  }

  // A member that must be an array.
  const json* array(const json& o, const std::string& path, const char* key) {
    const json* v = member(o, path, key);
    if (v != nullptr && !v->is_array()) {
      fail(path + "." + key, "expected an array");
      return nullptr;
    }
    return v;
  }

  bool get(const json& o, const std::string& path, const char* key, std::string& out) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    if (!v->is_string()) return fail(path + "." + key, "expected a string");
    out = v->get<std::string>();
    return true;
  }

  bool get(const json& o, const std::string& path, const char* key, bool& out) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) return fail(path + "." + key, "expected true or false");
    out = v->get<bool>();
    return true;
  }

  bool get(const json& o, const std::string& path, const char* key, double& out) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    if (!v->is_number()) return fail(path + "." + key, "expected a number");
    out = v->get<double>();
    return true;
  }

  // null or a number.
  bool get(const json& o, const std::string& path, const char* key, std::optional<double>& out) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    if (v->is_null()) {
      out.reset();
      return true;
    }
    if (!v->is_number()) return fail(path + "." + key, "expected a number or null");
    out = v->get<double>();
    return true;
  }

  // int and std::int64_t, in their range.
  template <std::signed_integral S>
  bool get(const json& o, const std::string& path, const char* key, S& out) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    const bool fits =
        v->is_number_integer() &&
        (v->is_number_unsigned()
             ? v->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<S>::max())
             : v->get<std::int64_t>() >= std::numeric_limits<S>::min() &&
                   v->get<std::int64_t>() <= std::numeric_limits<S>::max());
    if (!fits) return fail(path + "." + key, "expected an integer");
    out = static_cast<S>(v->get<std::int64_t>());
    return true;
  }

  // std::uint32_t and std::uint64_t, in their range.
  template <std::unsigned_integral U>
  bool get(const json& o, const std::string& path, const char* key, U& out) {
    const json* v = member(o, path, key);
    if (v == nullptr) return false;
    if (!unsigned_value(*v, std::numeric_limits<U>::max()))
      return fail(path + "." + key, "expected an integer >= 0");
    out = static_cast<U>(v->get<std::uint64_t>());
    return true;
  }

  // An array of integers >= 0.
  bool get(const json& o, const std::string& path, const char* key,
           std::vector<std::uint64_t>& out) {
    const json* a = array(o, path, key);
    if (a == nullptr) return false;
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (!unsigned_value((*a)[i], std::numeric_limits<std::uint64_t>::max()))
        return fail(index_path(path, key, i), "expected an integer >= 0");
      out.push_back((*a)[i].get<std::uint64_t>());
    }
    return true;
  }

  // An array of strings.
  bool get(const json& o, const std::string& path, const char* key, std::vector<std::string>& out) {
    const json* a = array(o, path, key);
    if (a == nullptr) return false;
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string()) return fail(index_path(path, key, i), "expected a string");
      out.push_back((*a)[i].get<std::string>());
    }
    return true;
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
  // Parsed non-negative integers are unsigned; ones built in code may be signed.
  static bool unsigned_value(const json& v, std::uint64_t max) {
    if (!v.is_number_integer()) return false;
    if (!v.is_number_unsigned() && v.get<std::int64_t>() < 0) return false;
    return v.get<std::uint64_t>() <= max;
  }

  std::string& error_;
};

}  // namespace agentwork::reports
