// The component schemas of the embedded OpenAPI document compiled into a small validator over a
// JsonReading (simdjson's DOM): the fast "is it valid" answer for poll answers, where valijson over nlohmann::json
// (harness/checks/schema_validator.hpp) costs several microseconds. It answers valid or invalid only;
// the errors of an invalid value still come from valijson, the reference.
//
// Same verdicts as valijson (draft 7, strict types) for the keywords it compiles: type, enum (of
// strings), properties, required, items (one schema), minItems, maxItems, minLength, maxLength,
// minimum, maximum, anyOf, allOf, $ref within the document, and the annotations format,
// description, title and examples (the reference drops formats as well: the code checks own them). A component reaching any other
// keyword is not compiled: find() says so and the caller uses valijson.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/checks/json_reading.hpp"

namespace agentwork::harness {

class CompiledSchemas {
 public:
  // Compiles components/schemas of an OpenAPI document (JSON text). Throws std::runtime_error when
  // the text is not JSON or has no components/schemas object.
  explicit CompiledSchemas(std::string_view openapi_json);
  ~CompiledSchemas();
  CompiledSchemas(CompiledSchemas&&) noexcept;
  CompiledSchemas& operator=(CompiledSchemas&&) noexcept;

  // The embedded document's, compiled once per process.
  static const CompiledSchemas& embedded();

  // The id of a component, or nullopt when there is no such component or it reaches a keyword
  // this validator does not compile.
  std::optional<std::size_t> find(std::string_view component) const;

  // Whether `value` (of a JsonReading) is valid against schema `id` (from find).
  bool valid(std::size_t id, simdjson::dom::element value) const;

  // The components that did not compile, each with what stopped it (for tests and reports).
  const std::vector<std::pair<std::string, std::string>>& not_compiled() const {
    return not_compiled_;
  }

  struct Schema;  // one compiled (sub)schema; defined in the .cpp

 private:
  std::vector<Schema> schemas_;  // the components first, in document order, then subschemas
  std::vector<std::pair<std::string, std::size_t>> compiled_;  // usable components, by name
  std::vector<std::pair<std::string, std::string>> not_compiled_;
};

}  // namespace agentwork::harness
