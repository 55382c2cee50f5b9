// Config specs: the parsed form of a component's config_spec_json (see docs/abi.md, "Config
// spec"). Lint, defaults, `plugctl create`, the JSON schema and the docs all read these.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::core {

enum class ComponentKind { Input, Output, Processor, Cache };

std::string_view kind_name(ComponentKind k);                  // "input", "output", ...
std::optional<ComponentKind> parse_kind(std::string_view s);  // inverse of kind_name

// Field value types, as written in the spec's "type".
enum class FieldType {
  String,
  Int,
  Float,
  Bool,
  Duration,
  Object,
  Any,
  Bloblang,
  Input,
  Output,
  Processor,
};
// Field kinds, as written in the spec's "kind".
enum class FieldKind { Scalar, List, Map };

std::string_view field_type_name(FieldType t);
std::string_view field_kind_name(FieldKind k);

struct FieldSpec {
  std::string name;  // empty for the root
  FieldType type = FieldType::Object;
  FieldKind kind = FieldKind::Scalar;
  std::string description;
  std::optional<boost::json::value> default_value;  // absent: required unless optional
  bool optional = false;
  bool advanced = false;
  bool secret = false;
  bool deprecated = false;
  bool interpolated = false;
  std::string version;
  std::vector<boost::json::value> examples;
  std::vector<std::string> options;  // allowed values (enums), empty when free
  std::vector<FieldSpec> children;   // for type object

  // A field that must be set by the user.
  bool required() const { return !default_value && !optional; }
  const FieldSpec* child(std::string_view child_name) const;
};

// Parses and validates a spec document. Throws std::invalid_argument naming the JSON path of
// the problem ("children[2].type: unknown type 'strng'").
FieldSpec parse_spec(std::string_view json);
FieldSpec parse_spec(const boost::json::value& json);
// The inverse of parse_spec (normalised: every key present).
boost::json::value spec_to_json(const FieldSpec& spec);

// Go-style durations: "300ms", "1.5h", "2h45m", "1s", "0s" (and bare integers as nanoseconds).
std::optional<int64_t> parse_duration_ns(std::string_view s);

}  // namespace plugctl::core
