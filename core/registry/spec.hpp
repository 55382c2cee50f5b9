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

std::string_view kind_name(ComponentKind k);                 // "input", "output", ...
std::optional<ComponentKind> parse_kind(std::string_view s); // inverse of kind_name

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
  std::string name; // empty for the root
  FieldType type = FieldType::Object;
  FieldKind kind = FieldKind::Scalar;
  std::string description;
  std::optional<boost::json::value> default_value; // absent: required unless optional
  bool optional = false;
  bool advanced = false;
  bool secret = false;
  bool deprecated = false;
  bool interpolated = false;
  std::string version;
  std::vector<boost::json::value> examples;
  std::vector<std::string> options; // allowed values (enums), empty when free
  std::vector<FieldSpec> children;  // for type object

  // A field that must be set by the user.
  bool required() const { return !default_value && !optional; }
  const FieldSpec* child(std::string_view child_name) const;
};

// Parses and validates a spec document. Throws std::invalid_argument naming the JSON path of
// the problem ("children[2].type: unknown type 'strng'").
FieldSpec parse_spec(std::string_view json);
FieldSpec parse_spec(const boost::json::value& json);
// Added: without it parse_spec("{...}") is ambiguous (boost::json::value converts from a
// const char* too).
FieldSpec parse_spec(const char* json);
// The inverse of parse_spec (normalised: every key present).
// (Except "default" when there is none, and "name" at the root: both mean "absent".)
boost::json::value spec_to_json(const FieldSpec& spec);

// A key escaped for use in a JSON pointer (RFC 6901: '~' -> "~0", '/' -> "~1").
std::string escape_pointer(std::string_view key);

// Go-style durations: "300ms", "1.5h", "2h45m", "1s", "0s" (and bare integers as nanoseconds).
// The string form follows Go's time.ParseDuration exactly: "0" is the only unit-less string
// accepted ("5" is refused, it is too easy to mean seconds); bare integers are the JSON numbers
// of duration_ns below.
std::optional<int64_t> parse_duration_ns(std::string_view s);

// Additions to the contract above (config lint, defaults and `create` need them).

std::optional<FieldType> parse_field_type(std::string_view s); // inverse of field_type_name
std::optional<FieldKind> parse_field_kind(std::string_view s); // inverse of field_kind_name

// A duration config value: a JSON integer is nanoseconds, a string goes through
// parse_duration_ns. Anything else (and "", which specs use as "disabled") is nullopt.
std::optional<int64_t> duration_ns(const boost::json::value& v);
// The shortest Go-style text for a duration: "0s", "1s", "1m30s", "1h", "250ms", "-5us".
std::string format_duration_ns(int64_t ns);

// Checks a JSON value against a field spec: type, kind, options of string fields, and for
// objects the children's types (absent children are not checked). Returns nullopt when it fits,
// else a message like `expected int, got "abc"`, prefixed with the JSON pointer of the offending
// part when it is nested (`/tls/enabled: expected bool, got 5`). Used for spec defaults and by
// `create` to vet examples.
std::optional<std::string> check_json_value(const FieldSpec& spec, const boost::json::value& v);

// The value an absent field takes: its declared default, or, for a scalar object field without
// one whose children all have an implied default, the object of those defaults (recursively).
// nullopt when the field has no implied default (then it is required unless optional).
// Lint requires a field only when required() holds and it has no implied default, so an object
// like the SDK's `batching` (no default, every child defaulted) may be left out.
std::optional<boost::json::value> implied_default(const FieldSpec& spec);

} // namespace plugctl::core
