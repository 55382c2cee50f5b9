// `plugctl schema`: the config's JSON Schema (draft 2020-12) and CUE definitions, generated
// from the registry's component specs with the same rules lint applies.
#include "config/config.hpp"
#include "docgen.hpp"

#include <boost/json.hpp>

namespace plugctl::docgen {

namespace json = boost::json;
using core::ComponentEntry;
using core::ComponentKind;
using core::FieldKind;
using core::FieldSpec;
using core::FieldType;

namespace {

// Go durations as lint accepts them ("0", "1s", "1m30s", "1.5h", "-5us").
constexpr const char* kDurationPattern =
    "^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\xc2\xb5s|\xce\xbcs|ms|s|m|h))+)$";
// A value left to an environment variable (`${PORT}`, `${PORT:8080}`): only known after the
// substitution plugctl does when it reads the config, so any field may hold one.
constexpr const char* kEnvPattern = "\\$\\{[A-Za-z_][A-Za-z0-9_]*(:[^}]*)?\\}";

bool is_scalar_object(const FieldSpec& f) {
  return f.type == FieldType::Object && f.kind == FieldKind::Scalar;
}

bool required_field(const FieldSpec& f) {
  return f.required() && !core::implied_default(f);
}

bool empty_duration_ok(const FieldSpec& f) {
  return f.optional ||
         (f.default_value && f.default_value->is_string() && f.default_value->get_string().empty());
}

json::object element_schema(const FieldSpec& f);

json::object env_or(json::object typed) {
  return json::object{
      {"anyOf",
       json::array{std::move(typed), json::object{{"type", "string"}, {"pattern", kEnvPattern}}}}};
}

json::object object_schema(const FieldSpec& f) {
  json::object props;
  json::array required;
  for (const auto& c : f.children) {
    json::object s = [&] {
      if (c.kind == FieldKind::List) {
        return json::object{{"type", "array"}, {"items", element_schema(c)}};
      }
      if (c.kind == FieldKind::Map) {
        return json::object{{"type", "object"}, {"additionalProperties", element_schema(c)}};
      }
      return element_schema(c);
    }();
    if (!c.description.empty()) s["description"] = c.description;
    if (c.default_value) s["default"] = *c.default_value;
    if (c.deprecated) s["deprecated"] = true;
    if (!c.examples.empty()) s["examples"] = json::array(c.examples.begin(), c.examples.end());
    props[c.name] = std::move(s);
    if (required_field(c)) required.push_back(json::string(c.name));
  }
  json::object o{
      {"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}

json::object element_schema(const FieldSpec& f) {
  switch (f.type) {
  case FieldType::String: {
    json::object s{{"type", "string"}};
    if (!f.options.empty()) {
      json::array opts;
      for (const auto& o : f.options)
        opts.push_back(json::string(o));
      s["enum"] = std::move(opts);
      return env_or(std::move(s));
    }
    return s;
  }
  case FieldType::Bloblang:
    return json::object{{"type", "string"}};
  case FieldType::Int:
    return env_or(json::object{{"type", "integer"}});
  case FieldType::Float:
    return env_or(json::object{{"type", "number"}});
  case FieldType::Bool:
    return env_or(json::object{{"type", "boolean"}});
  case FieldType::Duration: {
    json::object s{{"type", "string"}, {"pattern", kDurationPattern}};
    if (empty_duration_ok(f))
      s = json::object{{"anyOf", json::array{std::move(s), json::object{{"const", ""}}}}};
    return env_or(std::move(s));
  }
  case FieldType::Any:
    return json::object{};
  case FieldType::Object:
    return object_schema(f);
  case FieldType::Input:
    return json::object{{"$ref", "#/$defs/input"}};
  case FieldType::Output:
    return json::object{{"$ref", "#/$defs/output"}};
  case FieldType::Processor:
    return json::object{{"$ref", "#/$defs/processor"}};
  }
  return json::object{};
}

// The schema of a component's value (what follows `file:`).
json::object value_schema(const FieldSpec& root) {
  json::object s;
  if (root.kind == FieldKind::List)
    s = json::object{{"type", "array"}, {"items", element_schema(root)}};
  else if (root.kind == FieldKind::Map)
    s = json::object{{"type", "object"}, {"additionalProperties", element_schema(root)}};
  else
    s = element_schema(root);
  if (is_scalar_object(root)) {
    // `stdout:` with nothing after it is the same as `stdout: {}`.
    s["type"] = json::array{"object", "null"};
  }
  return s;
}

// input/output/processor/cache: an object with exactly one component key, plus `label` (and
// `processors` for inputs and outputs).
json::object component_union(const core::Registry& reg, ComponentKind kind, bool label_required) {
  json::object props{{"label", json::object{{"type", "string"},
                                            {"description", "A name for this component, unique "
                                                            "in the config (metrics, logs)."}}}};
  if (kind == ComponentKind::Input || kind == ComponentKind::Output)
    props["processors"] =
        json::object{{"type", "array"},
                     {"items", json::object{{"$ref", "#/$defs/processor"}}},
                     {"description", "Processors applied to this component's messages only."}};
  json::array one_of;
  for (const ComponentEntry* c : reg.components(kind)) {
    json::object s = value_schema(c->spec);
    s["description"] = c->summary;
    props[c->name] = std::move(s);
    one_of.push_back(json::object{{"required", json::array{json::string(c->name)}}});
  }
  if (one_of.empty()) // no component of this kind is installed: nothing can match
    return json::object{{"not", json::object{}}};
  json::object u{{"type", "object"},
                 {"properties", std::move(props)},
                 {"additionalProperties", false},
                 {"oneOf", std::move(one_of)}};
  if (label_required) u["required"] = json::array{"label"};
  return u;
}

json::object resources(ComponentKind kind) {
  std::string k(core::kind_name(kind));
  return json::object{
      {"type", "array"},
      {"items",
       json::object{{"allOf", json::array{json::object{{"$ref", "#/$defs/" + k}},
                                          json::object{{"required", json::array{"label"}}}}}}}};
}

} // namespace

std::string json_schema(const core::Registry& reg) {
  json::object defs;
  defs["input"] = component_union(reg, ComponentKind::Input, false);
  defs["output"] = component_union(reg, ComponentKind::Output, false);
  defs["processor"] = component_union(reg, ComponentKind::Processor, false);
  defs["cache"] = component_union(reg, ComponentKind::Cache, false);
  json::object logger = object_schema(core::logger_config_spec());
  // Levels are case-insensitive in lint; list the canonical spelling and accept any case.
  std::string levels;
  for (const char* l : {"off", "fatal", "error", "warn", "info", "debug", "trace", "all"}) {
    levels += levels.empty() ? "^(" : "|";
    for (const char* c = l; *c != 0; ++c)
      levels += std::string("[") + char(std::toupper(*c)) + *c + "]";
  }
  levels += ")$";
  logger["properties"].as_object()["level"] =
      json::object{{"type", "string"}, {"pattern", levels}, {"default", "INFO"}};
  json::object props{
      {"input", json::object{{"$ref", "#/$defs/input"}}},
      {"buffer",
       json::object{{"type", "object"},
                    {"properties",
                     json::object{{"none", json::object{{"type", json::array{"object", "null"}},
                                                        {"additionalProperties", false}}}}},
                    {"additionalProperties", false}}},
      {"pipeline",
       json::object{{"type", "object"},
                    {"properties",
                     json::object{{"threads", json::object{{"type", "integer"}, {"default", -1}}},
                                  {"processors",
                                   json::object{{"type", "array"},
                                                {"items", json::object{{"$ref", "#/$defs/"
                                                                                "processor"}}}}}}},
                    {"additionalProperties", false}}},
      {"output", json::object{{"$ref", "#/$defs/output"}}},
      {"input_resources", resources(ComponentKind::Input)},
      {"processor_resources", resources(ComponentKind::Processor)},
      {"output_resources", resources(ComponentKind::Output)},
      {"cache_resources", resources(ComponentKind::Cache)},
      {"logger", std::move(logger)},
      {"shutdown_timeout", json::object{{"type", "string"}, {"pattern", kDurationPattern}}},
      {"http", json::object{{"type", json::array{"object", "null"}}}},
      {"metrics", json::object{{"type", json::array{"object", "null"}}}},
      {"tracer", json::object{{"type", json::array{"object", "null"}}}},
      {"tests", json::object{{"type", json::array{"array", "null"}}}},
  };
  json::object root{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                    {"$id", "https://plugctl.dev/schema/config.json"},
                    {"title", "plugctl config"},
                    {"description", "A plugctl pipeline config, generated by `plugctl schema` from "
                                    "the specs of the plugins found."},
                    {"type", json::array{"object", "null"}},
                    {"properties", std::move(props)},
                    {"additionalProperties", false},
                    {"$defs", std::move(defs)}};
  return json::serialize(root) + "\n";
}

// --- CUE -------------------------------------------------------------------------------------

namespace {

std::string cue_string(std::string_view s) {
  return json::serialize(json::string(s));
}

std::string indent_str(int n) {
  return std::string(size_t(n) * 2, ' ');
}

std::string cue_element(const FieldSpec& f, int indent);

// Labels are always quoted: a quoted label is never a keyword (`try`, `for`, `if`, `let`...)
// nor a hidden (`_x`) or definition (`#x`) label.
std::string cue_label(const std::string& name) { return cue_string(name); }

std::string cue_value(const FieldSpec& f, int indent) {
  if (f.kind == FieldKind::List) return "[...(" + cue_element(f, indent) + ")]";
  if (f.kind == FieldKind::Map) return "{[string]: " + cue_element(f, indent) + "}";
  return cue_element(f, indent);
}

std::string cue_object(const FieldSpec& f, int indent) {
  std::string out = "{\n";
  for (const auto& c : f.children) {
    std::string v = cue_value(c, indent + 1);
    if (c.default_value && c.kind == FieldKind::Scalar && !c.default_value->is_object() &&
        !c.default_value->is_array() && c.type != FieldType::Object)
      v = "*" + json::serialize(*c.default_value) + " | " + v;
    out += indent_str(indent + 1) + cue_label(c.name) + (required_field(c) ? "!" : "?") + ": " + v +
           "\n";
  }
  return out + indent_str(indent) + "}";
}

std::string cue_element(const FieldSpec& f, int indent) {
  switch (f.type) {
  case FieldType::String:
    if (!f.options.empty()) {
      std::string out;
      for (const auto& o : f.options)
        out += (out.empty() ? "" : " | ") + cue_string(o);
      return out;
    }
    return "string";
  case FieldType::Bloblang:
    return "string";
  case FieldType::Int:
    return "int";
  case FieldType::Float:
    return "number";
  case FieldType::Bool:
    return "bool";
  case FieldType::Duration:
    return std::string("=~") + cue_string(kDurationPattern) +
           (empty_duration_ok(f) ? " | \"\"" : "");
  case FieldType::Any:
    return "_";
  case FieldType::Object:
    return cue_object(f, indent);
  case FieldType::Input:
    return "#Input";
  case FieldType::Output:
    return "#Output";
  case FieldType::Processor:
    return "#Processor";
  }
  return "_";
}

std::string cue_union(const core::Registry& reg, ComponentKind kind, const std::string& name) {
  bool procs = kind == ComponentKind::Input || kind == ComponentKind::Output;
  // Exactly one component key: a disjunction of one-field structs embedded in the definition
  // (embedding keeps their fields allowed in the closed struct).
  std::string out = name + ": {\n  label?: string\n";
  if (procs) out += "  processors?: [...#Processor]\n";
  auto comps = reg.components(kind);
  bool first = true;
  for (const ComponentEntry* c : comps) {
    std::string v = cue_value(c->spec, 2);
    if (is_scalar_object(c->spec)) v = "null | " + v;
    out += std::string(first ? "  " : " |\n  ") + "{" + cue_label(c->name) + "!: " + v + "}";
    first = false;
  }
  if (!comps.empty()) out += "\n";
  return out + "}\n";
}

} // namespace

std::string cue_schema(const core::Registry& reg) {
  std::string out =
      "// A plugctl pipeline config, generated by `plugctl schema --format cue` from the "
      "specs of the plugins found.\n// Check a config: cue vet -d '#Config' "
      "schema.cue config.yaml\npackage plugctl\n\n";
  out += "#Config: {\n  input?: #Input\n  buffer?: {none?: null | {}}\n"
         "  pipeline?: {\n    threads?: *-1 | int\n    processors?: [...#Processor]\n  }\n"
         "  output?: #Output\n  input_resources?: [...(#Input & {label!: string})]\n"
         "  processor_resources?: [...(#Processor & {label!: string})]\n"
         "  output_resources?: [...(#Output & {label!: string})]\n"
         "  cache_resources?: [...(#Cache & {label!: string})]\n"
         "  logger?: " +
         cue_object(core::logger_config_spec(), 1) +
         "\n  shutdown_timeout?: string\n  http?: null | {...}\n  metrics?: null | {...}\n"
         "  tracer?: null | {...}\n  tests?: null | [...]\n}\n\n";
  out += cue_union(reg, ComponentKind::Input, "#Input") + "\n";
  out += cue_union(reg, ComponentKind::Output, "#Output") + "\n";
  out += cue_union(reg, ComponentKind::Processor, "#Processor") + "\n";
  out += cue_union(reg, ComponentKind::Cache, "#Cache");
  return out;
}

} // namespace plugctl::docgen
