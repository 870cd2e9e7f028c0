#include "harness/checks/compiled_schema.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/checks/openapi_document.hpp"

namespace agentwork::harness {

using nlohmann::json;

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr std::string_view kRefPrefix = "#/components/schemas/";

// JSON Schema's types as bits; a number node is "integer" or "number" (which takes both).
enum TypeBit : std::uint8_t {
  kNull = 1,
  kBoolean = 2,
  kInteger = 4,
  kFraction = 8,  // a number that is not an integer
  kString = 16,
  kArray = 32,
  kObject = 64,
  kAnyType = 127,
};

std::uint8_t type_bit(std::string_view name) {
  if (name == "null") return kNull;
  if (name == "boolean") return kBoolean;
  if (name == "integer") return kInteger;
  if (name == "number") return kInteger | kFraction;
  if (name == "string") return kString;
  if (name == "array") return kArray;
  if (name == "object") return kObject;
  return 0;
}

std::uint8_t bit_of(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::NULL_VALUE:
      return kNull;
    case simdjson::dom::element_type::BOOL:
      return kBoolean;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      return kInteger;
    case simdjson::dom::element_type::DOUBLE:
      return kFraction;  // JsonReading read it as nlohmann does: a number with a fraction or exponent
    case simdjson::dom::element_type::STRING:
      return kString;
    case simdjson::dom::element_type::ARRAY:
      return kArray;
    case simdjson::dom::element_type::OBJECT:
      return kObject;
  }
  return 0;
}

}  // namespace

struct CompiledSchemas::Schema {
  std::size_t ref = kNone;  // a $ref: everything else is empty
  std::uint8_t types = kAnyType;
  bool has_enum = false;
  std::vector<std::string> enum_strings;
  std::vector<std::pair<std::string, std::size_t>> properties;
  std::vector<std::string> required;
  std::size_t items = kNone;
  std::optional<std::uint64_t> min_items, max_items, min_length, max_length;
  std::optional<double> minimum, maximum;
  std::vector<std::size_t> any_of, all_of;
};

namespace {

// Compiles the schemas of one document; records per component what stops it compiling and which
// components it refers to.
class Compiler {
 public:
  using Schema = CompiledSchemas::Schema;

  Compiler(const json& schemas, std::vector<Schema>& out) : schemas_(schemas), out_(out) {
    for (const auto& [name, unused] : schemas.items()) names_.push_back(name);
    out_.resize(names_.size());
  }

  const std::vector<std::string>& names() const { return names_; }

  // Compiles component `index` into its slot; "" when it compiled, else what stopped it.
  std::string compile_component(std::size_t index) {
    problem_.clear();
    refs_.clear();
    Schema s = compile(schemas_.at(names_[index]), "#/components/schemas/" + names_[index]);
    out_[index] = std::move(s);
    return problem_;
  }
  const std::vector<std::size_t>& refs() const { return refs_; }

 private:
  std::size_t component_index(std::string_view name) const {
    const auto it = std::find(names_.begin(), names_.end(), name);
    return it == names_.end() ? kNone : static_cast<std::size_t>(it - names_.begin());
  }

  void fail(const std::string& where, const std::string& what) {
    if (problem_.empty()) problem_ = where + ": " + what;
  }

  std::size_t add(const json& s, const std::string& where) {
    Schema compiled = compile(s, where);
    out_.push_back(std::move(compiled));
    return out_.size() - 1;
  }

  static std::optional<std::uint64_t> count(const json& v) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
      return std::nullopt;
    return v.get<std::uint64_t>();
  }

  Schema compile(const json& s, const std::string& where) {
    Schema out;
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(where, "the schema false");
      return out;  // true: anything
    }
    if (!s.is_object()) {
      fail(where, "not a schema object");
      return out;
    }
    if (const auto ref = s.find("$ref"); ref != s.end()) {
      compile_ref(out, s, *ref, where);
      return out;
    }
    for (const auto& [key, value] : s.items()) {
      if (key == "description" || key == "title" || key == "examples") continue;
      keyword(out, key, value, where + "/" + key);
    }
    return out;
  }

  void compile_ref(Schema& out, const json& s, const json& ref, const std::string& where) {
    const auto* text = ref.get_ptr<const std::string*>();
    const std::size_t target = text && text->starts_with(kRefPrefix)
                                   ? component_index(text->substr(kRefPrefix.size()))
                                   : kNone;
    if (target == kNone) {
      fail(where, "$ref outside components/schemas");
      return;
    }
    for (const auto& [key, unused] : s.items()) {
      if (key != "$ref" && key != "description" && key != "title")
        fail(where, key + " beside $ref");
    }
    out.ref = target;
    refs_.push_back(target);
  }

  void keyword(Schema& out, const std::string& key, const json& value, const std::string& at) {
    if (key == "type") {
      out.types = types(value, at);
    } else if (key == "enum") {
      out.has_enum = true;
      out.enum_strings = strings(value, at, "a value that is not a string");
    } else if (key == "properties") {
      if (!value.is_object()) fail(at, "not an object");
      for (const auto& [name, sub] : value.items())
        out.properties.emplace_back(name, add(sub, at + "/" + name));
    } else if (key == "required") {
      out.required = strings(value, at, "a name that is not a string");
    } else if (key == "items") {
      if (value.is_array())
        fail(at, "an array of schemas");
      else
        out.items = add(value, at);
    } else if (key == "minItems" || key == "maxItems" || key == "minLength" || key == "maxLength") {
      const auto n = count(value);
      if (!n) fail(at, "not a count");
      (key == "minItems"    ? out.min_items
       : key == "maxItems"  ? out.max_items
       : key == "minLength" ? out.min_length
                            : out.max_length) = n;
    } else if (key == "minimum" || key == "maximum") {
      if (!value.is_number())
        fail(at, "not a number");
      else
        (key == "minimum" ? out.minimum : out.maximum) = value.get<double>();
    } else if (key == "anyOf" || key == "allOf") {
      if (!value.is_array() || value.empty()) fail(at, "not a non-empty array");
      auto& list = key == "anyOf" ? out.any_of : out.all_of;
      for (std::size_t i = 0; i < value.size(); ++i)
        list.push_back(add(value[i], at + "/" + std::to_string(i)));
    } else if (key == "format") {
      // An annotation: the reference validator drops formats too (schema_validator.cpp).
      if (!value.is_string()) fail(at, "not a string");
    } else {
      fail(at, "a keyword this validator does not compile");
    }
  }

  // "type": one name or an array of names, as bits.
  std::uint8_t types(const json& value, const std::string& at) {
    std::uint8_t bits = 0;
    const auto add_type = [&](const json& t) {
      const std::uint8_t b = t.is_string() ? type_bit(t.get<std::string>()) : 0;
      if (b == 0) fail(at, "unknown type " + t.dump());
      bits |= b;
    };
    if (value.is_array()) {
      for (const auto& t : value) add_type(t);
    } else {
      add_type(value);
    }
    return bits;
  }

  // An array of strings ("enum", "required"); `what` names a member that is not a string.
  std::vector<std::string> strings(const json& value, const std::string& at, const char* what) {
    std::vector<std::string> out;
    if (!value.is_array()) fail(at, "not an array");
    for (const auto& v : value) {
      if (!v.is_string())
        fail(at, what);
      else
        out.push_back(v.get<std::string>());
    }
    return out;
  }

  const json& schemas_;
  std::vector<Schema>& out_;
  std::vector<std::string> names_;
  std::string problem_;
  std::vector<std::size_t> refs_;
};

}  // namespace

CompiledSchemas::CompiledSchemas(std::string_view openapi_json) {
  const json document = json::parse(openapi_json, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object() || !document.contains("components") ||
      !document["components"].is_object() || !document["components"].contains("schemas") ||
      !document["components"]["schemas"].is_object()) {
    throw std::runtime_error("OpenAPI document: no components/schemas object");
  }
  Compiler compiler(document["components"]["schemas"], schemas_);
  const auto& names = compiler.names();
  std::vector<std::string> problems(names.size());
  std::vector<std::vector<std::size_t>> refs(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    problems[i] = compiler.compile_component(i);
    refs[i] = compiler.refs();
  }
  // A component referring to one that did not compile does not compile either.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!problems[i].empty()) continue;
      for (const std::size_t r : refs[i]) {
        if (!problems[r].empty()) {
          problems[i] = "refers to " + names[r] + ", which did not compile";
          changed = true;
          break;
        }
      }
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (problems[i].empty()) {
      compiled_.emplace_back(names[i], i);
    } else {
      not_compiled_.emplace_back(names[i], problems[i]);
    }
  }
}

CompiledSchemas::~CompiledSchemas() = default;
CompiledSchemas::CompiledSchemas(CompiledSchemas&&) noexcept = default;
CompiledSchemas& CompiledSchemas::operator=(CompiledSchemas&&) noexcept = default;

const CompiledSchemas& CompiledSchemas::embedded() {
  static const CompiledSchemas schemas(openapi_document());
  return schemas;
}

std::optional<std::size_t> CompiledSchemas::find(std::string_view component) const {
  for (const auto& [name, id] : compiled_) {
    if (name == component) return id;
  }
  return std::nullopt;
}

bool CompiledSchemas::valid(std::size_t id, simdjson::dom::element value) const {
  using simdjson::dom::element_type;
  const Schema& s = schemas_[id];
  if (s.ref != kNone) return valid(s.ref, value);
  const element_type type = value.type();
  if ((s.types & bit_of(type)) == 0) return false;
  if (s.has_enum) {
    if (type != element_type::STRING) return false;
    const std::string_view text = value.get_string().value_unsafe();
    if (std::find(s.enum_strings.begin(), s.enum_strings.end(), text) == s.enum_strings.end())
      return false;
  }
  switch (type) {
    case element_type::STRING:
      if (s.min_length || s.max_length) {
        const auto length = JsonReading::code_points(value.get_string().value_unsafe());
        if ((s.min_length && length < *s.min_length) || (s.max_length && length > *s.max_length))
          return false;
      }
      break;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      if (s.minimum || s.maximum) {
        const double v = value.get_double().value_unsafe();  // integers converted, as valijson does
        if ((s.minimum && v < *s.minimum) || (s.maximum && v > *s.maximum)) return false;
      }
      break;
    case element_type::ARRAY: {
      const simdjson::dom::array array = value.get_array().value_unsafe();
      std::size_t count = array.size();  // simdjson's count stops at 0xFFFFFF: count on from there
      if (count >= 0xFFFFFF) {
        count = 0;
        for ([[maybe_unused]] const simdjson::dom::element item : array) ++count;
      }
      if ((s.min_items && count < *s.min_items) || (s.max_items && count > *s.max_items))
        return false;
      if (s.items != kNone) {
        for (const simdjson::dom::element item : array) {
          if (!valid(s.items, item)) return false;
        }
      }
      break;
    }
    case element_type::OBJECT: {
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (const auto& name : s.required) {
        if (object.at_key(name).error() != simdjson::SUCCESS) return false;
      }
      for (const auto& [name, sub] : s.properties) {
        simdjson::dom::element member;
        if (object.at_key(name).get(member) == simdjson::SUCCESS && !valid(sub, member)) return false;
      }
      break;
    }
    default:
      break;
  }
  for (const std::size_t sub : s.all_of) {
    if (!valid(sub, value)) return false;
  }
  if (!s.any_of.empty()) {
    return std::any_of(s.any_of.begin(), s.any_of.end(),
                       [&](std::size_t sub) { return valid(sub, value); });
  }
  return true;
}

}  // namespace agentwork::harness
