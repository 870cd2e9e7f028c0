#include "common/json_reader.hpp"

#include <cmath>
#include <sstream>

namespace agentwork {

std::string JsonError::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

bool NumberRange::contains(double v) const {
  return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
}

std::string NumberRange::text() const {
  return std::string(what) + (lo_open ? " above " : " from ") + number_text(lo) + " to " +
         number_text(hi);
}

std::string number_text(double v) {
  std::ostringstream out;
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out << static_cast<long long>(v);
  } else {
    out << v;
  }
  return out.str();
}

std::string join_names(std::initializer_list<std::string_view> names) {
  return join_names<std::initializer_list<std::string_view>>(names);
}

void JsonReader::fail(std::string message) const {
  throw JsonError{path_, std::move(message)};
}

void JsonReader::fail_at(std::string_view key, std::string message) const {
  throw JsonError{path_of(key), std::move(message)};
}

std::string JsonReader::got() const {
  if (!style_.show_got) return {};
  std::string text = value_->dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "; got " + text;
}

void JsonReader::fail_expected(std::string_view what) const {
  fail("expected " + std::string(what) + got());
}

const nlohmann::json* JsonReader::find(std::string_view key) const {
  if (!value_->is_object()) return nullptr;
  const auto it = value_->find(key);
  return it == value_->end() ? nullptr : &*it;
}

std::optional<JsonReader> JsonReader::field(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  return JsonReader(*v, path_of(key), style_);
}

JsonReader JsonReader::required(std::string_view key, std::string_view what) const {
  const json* v = find(key);
  if (v == nullptr) {
    fail_at(key, style_.missing_expected ? "missing; expected " + std::string(what) : "missing");
  }
  return JsonReader(*v, path_of(key), style_);
}

JsonReader JsonReader::operator[](std::size_t index) const {
  return JsonReader((*value_)[index], path_of(index), style_);
}

const JsonReader& JsonReader::expect_object(std::string_view what) const {
  if (!value_->is_object()) fail_expected(what);
  return *this;
}

const JsonReader& JsonReader::object(std::initializer_list<std::string_view> allowed,
                                     std::string_view what) const {
  return object_of(allowed, what);
}

void JsonReader::unknown_field(std::string_view key, const std::string& allowed) const {
  fail_at(key, std::string(style_.unknown_before) + allowed + std::string(style_.unknown_after));
}

std::size_t JsonReader::array(std::string_view of, bool non_empty) const {
  if (!value_->is_array() || (non_empty && value_->empty())) {
    fail_expected(std::string(non_empty ? "a non-empty array of " : "an array of ") +
                  std::string(of));
  }
  return value_->size();
}

std::string JsonReader::as_string(bool non_empty) const {
  if (!value_->is_string() || (non_empty && value_->get_ref<const std::string&>().empty())) {
    fail_expected(non_empty ? "a non-empty string" : "a string");
  }
  return value_->get<std::string>();
}

bool JsonReader::as_bool() const {
  if (!value_->is_boolean()) fail_expected("true or false");
  return value_->get<bool>();
}

double JsonReader::as_number(const NumberRange& range) const {
  if (!value_->is_number() || !range.contains(value_->get<double>())) {
    fail_expected(range.text());
  }
  return value_->get<double>();
}

namespace {

// The integer value when it is one and lies in [lo, hi].
std::optional<std::int64_t> integer_in(const nlohmann::json& v, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (hi < 0 || u > static_cast<std::uint64_t>(hi)) return std::nullopt;
    if (lo > 0 && u < static_cast<std::uint64_t>(lo)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  const auto i = v.get<std::int64_t>();
  if (i < lo || i > hi) return std::nullopt;
  return i;
}

}  // namespace

std::int64_t JsonReader::as_integer(std::int64_t lo, std::int64_t hi) const {
  const auto i = integer_in(*value_, lo, hi);
  if (!i) fail_expected("an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return *i;
}

std::int64_t JsonReader::as_integer(const NumberRange& range) const {
  const auto i = integer_in(*value_, static_cast<std::int64_t>(std::ceil(range.lo)),
                            static_cast<std::int64_t>(std::floor(range.hi)));
  if (!i) fail_expected(range.text());
  return *i;
}

std::size_t JsonReader::enum_index(const std::string_view* names, std::size_t n) const {
  if (value_->is_string()) {
    const auto& text = value_->get_ref<const std::string&>();
    for (std::size_t i = 0; i < n; ++i) {
      if (names[i] == text) return i;
    }
  } else if (!style_.show_got) {
    fail_expected("a string");
  }
  std::string list;
  for (std::size_t i = 0; i < n; ++i) list += (i == 0 ? "" : ", ") + std::string(names[i]);
  if (style_.show_got) fail_expected("one of " + list);
  fail("expected one of " + list + ", got \"" + value_->get<std::string>() + "\"");
}

std::optional<std::string> JsonReader::string(std::string_view key, bool non_empty) const {
  const auto f = field(key);
  if (!f) return std::nullopt;
  return f->as_string(non_empty);
}

std::optional<bool> JsonReader::boolean(std::string_view key) const {
  const auto f = field(key);
  if (!f) return std::nullopt;
  return f->as_bool();
}

std::optional<double> JsonReader::number(std::string_view key, const NumberRange& range) const {
  const auto f = field(key);
  if (!f) return std::nullopt;
  return f->as_number(range);
}

std::optional<std::int64_t> JsonReader::integer(std::string_view key, std::int64_t lo,
                                                std::int64_t hi) const {
  const auto f = field(key);
  if (!f) return std::nullopt;
  return f->as_integer(lo, hi);
}

std::optional<std::int64_t> JsonReader::integer(std::string_view key,
                                                const NumberRange& range) const {
  const auto f = field(key);
  if (!f) return std::nullopt;
  return f->as_integer(range);
}

}  // namespace agentwork
