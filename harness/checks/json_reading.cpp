#include "harness/checks/json_reading.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace agentwork::harness {
namespace {

// Objects up to this many members compare their keys pairwise; larger ones sort them.
constexpr std::size_t kPairwiseKeys = 16;

bool keys_distinct(simdjson::dom::object object) {
  const std::size_t n = object.size();
  if (n < 2) return true;
  if (n <= kPairwiseKeys) {
    std::string_view keys[kPairwiseKeys];
    std::size_t k = 0;
    for (const simdjson::dom::key_value_pair field : object) {
      for (std::size_t j = 0; j < k; ++j) {
        if (keys[j] == field.key) return false;
      }
      keys[k++] = field.key;
    }
    return true;
  }
  thread_local std::vector<std::string_view> keys;
  keys.clear();
  for (const simdjson::dom::key_value_pair field : object) keys.push_back(field.key);
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

// Whether nlohmann reads `e` and everything in it as simdjson did (see the header).
bool read_alike(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        if (!read_alike(child)) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::OBJECT: {
      const simdjson::dom::object object = e.get_object().value_unsafe();
      if (!keys_distinct(object)) return false;
      for (const simdjson::dom::key_value_pair field : object) {
        if (!read_alike(field.value)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

}  // namespace

bool JsonReading::parse(std::string_view text) {
  // realloc_if_needed: simdjson copies the text into its own padded buffer, reused across calls.
  if (parser_.parse(text.data(), text.size(), true).get(root_) != simdjson::SUCCESS) return false;
  return read_alike(root_);
}

std::size_t JsonReading::code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace agentwork::harness
