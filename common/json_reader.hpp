// Reading a JSON document into structs, value by value, with the JSON path of the first problem:
// the one reader of every file format of the project (scenarios, load profiles, agent scripts,
// fault rules, run results). Pure: nlohmann_json only.
//
// Convention: a JsonReader is a value and its path ("$.steps[1].status"). Its getters either
// return what they read or stop the read with a JsonError (thrown); read_json() runs a whole read
// and turns the first error into the JsonResult that callers see. Nothing outside a read_json()
// call sees a thrown JsonError.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace agentwork {

// A value that is not what the format expects: where, and what was expected there.
struct JsonError {
  std::string path;  // "$.steps[1].status"; may be a flag ("--rate") or empty (the whole file)
  std::string message;
  // "<path>: <message>", or the message alone without a path.
  std::string to_string() const;
};

// What a read gives: the value, or the first error.
template <typename T>
class JsonResult {
 public:
  JsonResult(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  JsonResult(JsonError error) : v_(std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const JsonError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, JsonError> v_;
};

// How a format words its errors. The formats predate this reader and their messages are part
// of what users see, so each keeps its own wording.
struct JsonStyle {
  bool show_got = true;          // "expected X; got <value as JSON>" rather than "expected X"
  bool missing_expected = true;  // "missing; expected X" rather than "missing"
  std::string_view unknown_before = "unknown field; expected one of ";  // then the allowed keys
  std::string_view unknown_after = "";
};
// Scenarios and load profiles: "unknown field; expected one of a, b", "expected X; got 5".
inline constexpr JsonStyle kDetailedStyle{};
// Run results read back: "missing", "expected a string", enums "expected one of a, b, got \"c\"".
inline constexpr JsonStyle kTerseStyle{false, false, "unknown field; expected one of ", ""};

// The accepted range of a number and how an error names it: "a number of seconds above 0 to
// 10000000".
struct NumberRange {
  std::string_view what;  // "a number of seconds", "an integer"
  double lo = 0;
  double hi = 0;
  bool lo_open = false;  // above lo rather than from lo
  bool contains(double v) const;
  std::string text() const;
};

// 1000000 rather than 1e+06: limits are printed as a person would write them.
std::string number_text(double v);
// "a, b, c"
std::string join_names(std::initializer_list<std::string_view> names);
template <typename Range>
std::string join_names(const Range& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(std::string_view(n));
  return out;
}

class JsonReader {
 public:
  using json = nlohmann::json;

  // Keeps a reference to `value`: the document must outlive the reader.
  explicit JsonReader(const json& value, std::string path = "$", JsonStyle style = kDetailedStyle)
      : value_(&value), path_(std::move(path)), style_(style) {}

  const json& value() const { return *value_; }
  const std::string& path() const { return path_; }
  const JsonStyle& style() const { return style_; }
  JsonReader with_style(const JsonStyle& style) const { return JsonReader(*value_, path_, style); }

  // ---- errors
  [[noreturn]] void fail(std::string message) const;
  [[noreturn]] void fail_at(std::string_view key, std::string message) const;
  // "; got <value>" (cut to 60 characters) in the detailed style, "" in the terse one.
  std::string got() const;
  // "expected <what>" and got().
  [[noreturn]] void fail_expected(std::string_view what) const;

  // ---- navigation
  std::string path_of(std::string_view key) const { return path_ + "." + std::string(key); }
  std::string path_of(std::size_t index) const { return path_ + "[" + std::to_string(index) + "]"; }
  // The member `key`; nullptr when absent (or when this is not an object). null is present.
  const json* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::optional<JsonReader> field(std::string_view key) const;
  // The member `key`, failing "missing; expected <what>" (or "missing") when absent.
  JsonReader required(std::string_view key, std::string_view what) const;
  // The element `index` of an array.
  JsonReader operator[](std::size_t index) const;
  std::size_t size() const { return value_->size(); }

  // ---- shapes
  // Fails "expected <what>" unless this is an object, then "unknown field..." at the first key
  // that is not in `allowed`. Returns *this.
  const JsonReader& object(std::initializer_list<std::string_view> allowed,
                           std::string_view what = "an object") const;
  template <typename Range>
  const JsonReader& object_of(const Range& allowed, std::string_view what = "an object") const {
    expect_object(what);
    for (const auto& [key, v] : value_->items()) {
      bool known = false;
      for (const auto& a : allowed) known = known || std::string_view(a) == key;
      if (!known) unknown_field(key, join_names(allowed));
    }
    return *this;
  }
  const JsonReader& expect_object(std::string_view what = "an object") const;
  // Fails "expected an array of <of>" ("a non-empty array of" when `non_empty`); the size.
  std::size_t array(std::string_view of, bool non_empty = false) const;

  // ---- this value
  std::string as_string(bool non_empty = true) const;  // "expected a (non-empty) string"
  bool as_bool() const;                                // "expected true or false"
  double as_number(const NumberRange& range) const;    // "expected <range text>"
  // An integer in [lo, hi]: "expected an integer from lo to hi".
  std::int64_t as_integer(std::int64_t lo, std::int64_t hi) const;
  std::int64_t as_integer(const NumberRange& range) const;  // "expected <range text>"
  // The index of the string among `names`: "expected one of a, b" and what was found.
  template <std::size_t N>
  std::size_t as_enum(const std::array<std::string_view, N>& names) const {
    return enum_index(names.data(), N);
  }

  // ---- optional members: nullopt when absent; null is not absent (it is a wrong type)
  std::optional<std::string> string(std::string_view key, bool non_empty = true) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<double> number(std::string_view key, const NumberRange& range) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) const;
  std::optional<std::int64_t> integer(std::string_view key, const NumberRange& range) const;
  template <typename E, std::size_t N>
  std::optional<E> enumeration(std::string_view key,
                               const std::array<std::string_view, N>& names) const {
    const auto f = field(key);
    if (!f) return std::nullopt;
    return static_cast<E>(f->as_enum(names));
  }

 private:
  [[noreturn]] void unknown_field(std::string_view key, const std::string& allowed) const;
  std::size_t enum_index(const std::string_view* names, std::size_t n) const;

  const json* value_;
  std::string path_;
  JsonStyle style_;
};

// Runs `read` (which returns a T and may stop with a JsonError) and gives its result.
template <typename Read>
auto read_json(Read&& read) -> JsonResult<std::invoke_result_t<Read>> {
  try {
    return std::forward<Read>(read)();
  } catch (JsonError& e) {
    return std::move(e);
  }
}

// Inside a read: the value of a result, or its error continues the read's unwinding.
template <typename T>
T value_or_fail(JsonResult<T> result) {
  if (!result) throw JsonError(result.error());
  return std::move(*result);
}

}  // namespace agentwork
