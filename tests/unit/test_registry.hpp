// A registry built by hand for the config tests: a few components whose specs exercise every
// field type and kind, plus two plugins that failed to load.
#pragma once

#include "config/config.hpp"
#include "registry/registry.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace plugctl::test {

inline core::ComponentEntry make_component(core::ComponentKind kind, std::string name,
                                           std::string spec_json) {
  core::ComponentEntry e;
  e.kind = kind;
  e.name = std::move(name);
  e.summary = "test component " + e.name;
  e.spec_json = std::move(spec_json);
  return e;
}

inline std::unique_ptr<core::PluginRecord> make_plugin(std::string name, std::string path) {
  auto p = std::make_unique<core::PluginRecord>();
  p->name = std::move(name);
  p->path = std::move(path);
  p->version = "1.0.0";
  p->abi = "1.0";
  return p;
}

inline std::unique_ptr<core::PluginRecord> make_failed_plugin(std::string name, std::string path,
                                                              std::string error) {
  auto p = make_plugin(std::move(name), std::move(path));
  p->status = core::PluginStatus::Failed;
  p->error = std::move(error);
  return p;
}

inline constexpr const char* kFileInputSpec = R"({"type":"object","children":[
  {"name":"paths","type":"string","kind":"list","description":"Files to read.",
   "examples":[["./data/*.log"]]},
  {"name":"codec","type":"string","options":["lines","delimiter","all-bytes"],"default":"lines"},
  {"name":"delete_on_finish","type":"bool","default":false},
  {"name":"max_buffer","type":"int","default":1000000,"advanced":true}
]})";

inline constexpr const char* kGenerateSpec = R"({"type":"object","children":[
  {"name":"mapping","type":"bloblang","examples":["root = \"hello\""]},
  {"name":"interval","type":"duration","default":"1s"},
  {"name":"count","type":"int","default":0}
]})";

inline constexpr const char* kLogSpec = R"({"type":"object","children":[
  {"name":"level","type":"string","options":["TRACE","DEBUG","INFO","WARN","ERROR"],
   "default":"INFO"},
  {"name":"message","type":"string","default":"","interpolated":true},
  {"name":"fields_mapping","type":"bloblang","optional":true}
]})";

inline constexpr const char* kSleepSpec = R"({"type":"object","children":[
  {"name":"duration","type":"duration","examples":["100ms"]}
]})";

// Nested objects, maps, floats, a duration given as integer nanoseconds, an advanced object
// implied by its children's defaults (like the SDK's batching).
inline constexpr const char* kHttpSpec = R"({"type":"object","children":[
  {"name":"url","type":"string","interpolated":true},
  {"name":"verb","type":"string","default":"POST"},
  {"name":"headers","type":"string","kind":"map","default":{}},
  {"name":"tls","type":"object","optional":true,"children":[
    {"name":"enabled","type":"bool","default":false},
    {"name":"root_cas","type":"string","kind":"list","optional":true}]},
  {"name":"retries","type":"object","children":[
    {"name":"max","type":"int","default":3},
    {"name":"backoff","type":"object","children":[
      {"name":"initial","type":"duration","default":500000000},
      {"name":"max","type":"duration","default":"10s"}]}]},
  {"name":"rate","type":"float","optional":true},
  {"name":"batching","type":"object","advanced":true,"children":[
    {"name":"count","type":"int","default":0},
    {"name":"period","type":"duration","default":""}]}
]})";

inline constexpr const char* kCodecSpec = R"({"type":"object","children":[
  {"name":"codec","type":"string","options":["lines","delimiter","all-bytes"],"default":"lines"}
]})";

inline core::Registry make_test_registry() {
  using K = core::ComponentKind;
  core::Registry reg;
  reg.add_plugin(make_plugin("file", "/p/libplugctl-file.so"),
                 {make_component(K::Input, "file", kFileInputSpec),
                  make_component(K::Output, "file", R"({"type":"object","children":[
                    {"name":"path","type":"string","interpolated":true},
                    {"name":"codec","type":"string","default":"lines"}]})")});
  std::vector<core::ComponentEntry> builtins;
  builtins.push_back(make_component(K::Input, "stdin", kCodecSpec));
  builtins.push_back(make_component(K::Input, "generate", kGenerateSpec));
  builtins.push_back(make_component(K::Input, "broker", R"({"type":"object","children":[
    {"name":"inputs","type":"input","kind":"list"}]})"));
  builtins.push_back(make_component(K::Output, "stdout", kCodecSpec));
  builtins.push_back(make_component(K::Output, "drop", R"({"type":"object","children":[]})"));
  builtins.push_back(make_component(K::Output, "fallback", R"({"type":"output","kind":"list"})"));
  builtins.push_back(make_component(K::Processor, "log", kLogSpec));
  builtins.push_back(make_component(K::Processor, "sleep", kSleepSpec));
  builtins.push_back(make_component(K::Processor, "http", kHttpSpec));
  // A scalar root: the component's whole config is one Bloblang string.
  builtins.push_back(make_component(K::Processor, "mapping", R"({"type":"bloblang"})"));
  builtins.push_back(make_component(K::Processor, "retry", R"({"type":"object","children":[
    {"name":"processor","type":"processor"},
    {"name":"max_retries","type":"int","default":3}]})"));
  builtins.push_back(make_component(K::Processor, "echo", R"({"type":"object","children":[
    {"name":"value","type":"any"},
    {"name":"extra","type":"any","kind":"map","optional":true}]})"));
  builtins.push_back(make_component(K::Cache, "memory", R"({"type":"object","children":[
    {"name":"default_ttl","type":"duration","default":"5m"}]})"));
  reg.add_plugin(make_plugin("builtin", "<builtin>"), std::move(builtins));
  reg.add_plugin(make_failed_plugin("kafka", "/p/libplugctl-kafka.so",
                                    "libsnappy.so.1: cannot open shared object file"),
                 {});
  auto amqp = make_failed_plugin("amqp", "/p/libplugctl-amqp.so", "needs plugctl ABI 1.3");
  amqp->component_names = {"input/amqp_0_9", "output/amqp_0_9"};
  reg.add_plugin(std::move(amqp), {});
  return reg;
}

inline const core::Registry& test_registry() {
  static const core::Registry reg = make_test_registry();
  return reg;
}

// Environments for load_config_string.
inline core::EnvLookup no_env() {
  return [](std::string_view) { return std::optional<std::string>(); };
}
inline core::EnvLookup env_of(std::vector<std::pair<std::string, std::string>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    for (const auto& [k, v] : vars)
      if (k == name) return v;
    return std::nullopt;
  };
}

inline core::LoadResult lint(std::string_view yaml, const core::EnvLookup& env = no_env()) {
  return core::load_config_string(yaml, "test.yaml", test_registry(), env);
}

// The formatted errors, one per element, for exact comparisons.
inline std::vector<std::string> formatted(const core::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors)
    out.push_back(e.format());
  return out;
}

} // namespace plugctl::test
