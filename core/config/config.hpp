// Config files: Benthos-shaped YAML, environment interpolation, lint against the registry's
// specs, and the typed tree the pipeline is built from.
#pragma once

#include "registry/registry.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::core {

// 1-based line and column; line 0 means "the file as a whole".
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

struct LintError {
  SourcePos pos;
  std::string path;    // dotted config path, e.g. "input.file.paths" (empty for YAML errors)
  std::string message; // e.g. "unknown field 'pathz' (did you mean 'paths'?)"
  // "FILE:LINE:COL: PATH: MESSAGE" (or "FILE:LINE:COL: MESSAGE" without a path).
  std::string format() const;
};

// One configured component instance.
struct ComponentConfig {
  ComponentKind kind = ComponentKind::Input;
  std::string type;  // component name, e.g. "file"
  std::string label; // the user's `label`, or empty
  std::string path;  // config path of the component, e.g. "pipeline.processors.1"
  SourcePos pos;
  // The component's own config value, typed by its spec, with defaults applied for absent fields
  // and ${ENV} already expanded. What the plugin reads through the cfg_* host functions.
  boost::json::value config;
  // `processors` attached to an input or output.
  std::vector<ComponentConfig> processors;
  // Components nested in fields of type input/output/processor (brokers, switch, ...), keyed by
  // the JSON pointer of the element inside `config` ("/inputs/0", "/cases/1/output").
  std::vector<std::pair<std::string, ComponentConfig>> nested;
  const ComponentEntry* entry = nullptr; // the registry entry of `type`
};

struct LoggerConfig {
  std::string level = "INFO";    // OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL (upper-cased)
  std::string format = "logfmt"; // logfmt | json
  bool add_timestamp = true;
  std::map<std::string, std::string> static_fields{{"@service", "plugctl"}};
};

// The service's own HTTP server (`http`): /ping, /ready, /version, /metrics, /stats, and the
// routes of components that share it (an http_server input with an empty address).
struct HttpConfig {
  bool enabled = true;
  std::string address = "127.0.0.1:4195";
  std::string root_path = "/plugctl"; // every endpoint is also served under this prefix
};

// `metrics`: which exporter (one key of the section) and its options.
struct MetricsConfig {
  std::string exporter = "prometheus"; // prometheus | json_api | none | log | statsd
  std::string statsd_address = "127.0.0.1:8125";
  std::chrono::nanoseconds statsd_flush_period = std::chrono::milliseconds(100);
  std::string statsd_tag_format = "none"; // none | datadog | influxdb
};

struct Config {
  std::string file; // path it was read from, or a name like "<stdin-default>"
  ComponentConfig input;
  int threads = -1;                        // pipeline.threads; -1 = number of CPUs
  std::vector<ComponentConfig> processors; // pipeline.processors
  ComponentConfig output;
  std::map<std::string, ComponentConfig> input_resources, processor_resources, output_resources,
      cache_resources; // by label
  LoggerConfig logger;
  HttpConfig http;
  MetricsConfig metrics;
  std::chrono::nanoseconds shutdown_timeout = std::chrono::seconds(20);
};

// How environment variables are looked up (tests replace it).
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_env();

// Expands ${VAR} and ${VAR:default} (not ${! ...}, which is Bloblang interpolation, and not
// $${...}, which is a literal "${...}"). Unset variables without a default are reported as lint
// errors at their position; they expand to "".
std::string expand_env(std::string_view text, const std::string& file, const EnvLookup& env,
                       std::vector<LintError>& errors);

struct LoadResult {
  std::optional<Config> config; // built even when there are lint errors (for --chilled)
  std::vector<LintError> errors;
  bool unreadable = false; // the file could not be read (lint exit code 2)
};

LoadResult load_config_file(const std::string& path, const Registry& reg,
                            const EnvLookup& env = process_env());
LoadResult load_config_string(std::string_view yaml, const std::string& name, const Registry& reg,
                              const EnvLookup& env = process_env());

// `plugctl create INPUT/PROC,PROC/OUTPUT`: a YAML skeleton with the non-advanced fields of each
// component and their defaults, which lints clean. Throws std::invalid_argument on an unknown
// component ("unknown processor 'lgo' (did you mean 'log'?)").
std::string create_skeleton(const Registry& reg, std::string_view expression);

// One component as a YAML config snippet generated from its spec, for the docs: `kind:` at the
// top (e.g. "input:\n  label: \"\"\n  file:\n    paths: []\n"). Minimal: only the fields a
// user must set. Common: also the non-advanced fields with their defaults (what `create` writes).
// Full: every field, advanced ones included. Each lints clean once placeholders are filled.
enum class YamlDetail { Minimal, Common, Full };
std::string component_yaml(const Registry& reg, const ComponentEntry& entry, YamlDetail detail);

// The `logger` section's fields as a spec (lint checks it like a component; the schema uses it).
const FieldSpec& logger_config_spec();

// Closest candidate for "did you mean" (Levenshtein distance <= max(2, len/3)), or empty.
std::string closest_name(std::string_view wrong, const std::vector<std::string>& candidates);

} // namespace plugctl::core
