#include "harness/checks/schema_validator.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "harness/checks/openapi_document.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

// `schema` without its "format" keywords. valijson checks no format the document uses (uuid,
// email: the code checks do), and it throws on a non-empty array or object under a "format"
// instead of calling it the wrong type.
void drop_formats(json& schema) {
  if (schema.is_object()) {
    if (const auto f = schema.find("format"); f != schema.end() && f->is_string())
      schema.erase(f);
    for (auto& [key, value] : schema.items()) {
      if (key != "enum" && key != "examples") drop_formats(value);
    }
  } else if (schema.is_array()) {
    for (auto& value : schema) drop_formats(value);
  }
}

// One parsed schema per component, each resolving its $refs inside the OpenAPI document.
class SchemaSet {
 public:
  SchemaSet() {
    json document = json::parse(openapi_document());
    json& components = document.at("components");
    drop_formats(components);
    for (const auto& [name, unused] : components.at("schemas").items()) {
      // A root that refers to the component, with the components beside it so that every
      // "#/components/schemas/..." pointer resolves within this root.
      const json root = {{"allOf", json::array({{{"$ref", "#/components/schemas/" + name}}})},
                         {"components", components}};
      auto schema = std::make_unique<valijson::Schema>();
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(root);
      parser.populateSchema(adapter, *schema);
      schemas_.emplace(name, std::move(schema));
    }
  }

  const valijson::Schema& get(std::string_view name) const {
    const auto it = schemas_.find(name);
    if (it == schemas_.end()) std::abort();  // a component the document does not have: a bug
    return *it->second;
  }

 private:
  std::map<std::string, std::unique_ptr<valijson::Schema>, std::less<>> schemas_;
};

const SchemaSet& schema_set() {
  static const SchemaSet set;
  return set;
}

// valijson's context is {"<root>", "[events]", "[2]", "[type]"}.
std::vector<std::string> path_of(const std::vector<std::string>& context) {
  std::vector<std::string> out;
  for (const auto& part : context) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']')
      out.push_back(part.substr(1, part.size() - 2));
  }
  return out;
}

SchemaError to_schema_error(const valijson::ValidationResults::Error& e) {
  SchemaError out{path_of(e.context), e.description};
  static constexpr std::string_view kMissing = "Missing required property '";
  if (e.description.starts_with(kMissing)) {
    const auto end = e.description.find('\'', kMissing.size());
    out.path.push_back(e.description.substr(kMissing.size(), end - kMissing.size()));
    out.message = "required, missing";
  } else if (e.description.starts_with("Value type not permitted")) {
    out.message = "wrong type";
  } else if (e.description.starts_with("Failed to match against any enum values")) {
    out.message = "not one of the allowed values";
  } else if (e.description.starts_with("Failed to validate against any schemas allowed by anyOf")) {
    out.message = "matches none of the allowed forms";
  }
  return out;
}

bool is_strict_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() < b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

std::vector<SchemaError> validate_against(std::string_view component, const json& value) {
  const auto& schema = schema_set().get(component);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter target(value);
  // Valid responses are the common case: validate without collecting errors (which makes every
  // anyOf keep the errors of its failing alternatives), and again with them only on failure.
  if (validator.validate(schema, target, nullptr)) return {};
  valijson::ValidationResults results;
  validator.validate(schema, target, &results);

  std::vector<SchemaError> all;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) all.push_back(to_schema_error(e));
  // Keep the leaves: an error whose path a deeper error extends only says "a child failed". Then
  // one error per path, the most telling: with anyOf, one alternative's "wrong type" says less
  // than another's "Array should contain no more than 5 elements".
  const auto generic = [](const SchemaError& e) {
    return e.message == "wrong type" || e.message == "matches none of the allowed forms" ||
           e.message.starts_with("Failed to validate against child schema");
  };
  std::vector<SchemaError> leaves;
  for (const auto& candidate : all) {
    const bool wrapper = std::any_of(all.begin(), all.end(), [&](const SchemaError& other) {
      return is_strict_prefix(candidate.path, other.path);
    });
    if (wrapper) continue;
    const auto same = std::find_if(leaves.begin(), leaves.end(),
                                   [&](const SchemaError& e) { return e.path == candidate.path; });
    if (same == leaves.end()) {
      leaves.push_back(candidate);
    } else if (generic(*same) && !generic(candidate)) {
      *same = candidate;
    }
  }
  return leaves;
}

std::string json_path(const std::vector<std::string>& path) {
  std::string out = "$";
  for (const auto& part : path) {
    const bool index = !part.empty() && std::all_of(part.begin(), part.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
    if (index) {
      out += '[' + part + ']';
    } else {
      out += '.' + part;
    }
  }
  return out;
}

}  // namespace agentwork::harness
