// The component registry: every component known to this process (core built-ins and loaded
// plugins), keyed by kind and name, with its spec and where it came from.
#pragma once

#include "registry/spec.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct plugctl_component;

namespace plugctl::core {

enum class Stability { Stable, Beta, Experimental, Deprecated };
std::string_view stability_name(Stability s);

struct PluginRecord;

struct ComponentEntry {
  ComponentKind kind = ComponentKind::Input;
  std::string name;
  std::string summary;
  std::string description;
  std::string categories;
  std::string examples; // YAML, "---" separated
  Stability stability = Stability::Stable;
  uint64_t flags = 0;
  std::string spec_json;                // as declared by the plugin
  FieldSpec spec;                       // parsed
  const PluginRecord* plugin = nullptr; // never null once registered
  // The plugin's vtable (plugctl_input_vtable* ... by kind). Null until the plugin is loaded
  // in this process (components are first known from an out-of-process scan); the loader sets
  // it on activation, hence mutable.
  mutable const void* vtable = nullptr;
};

enum class PluginStatus { Loaded, Failed };

struct PluginRecord {
  std::string name;    // from the manifest, or derived from the file name when it failed
  std::string version; // empty when unknown
  std::string vendor, license, description, homepage;
  std::string abi;  // "1.0" built / required, e.g. "1.0"
  std::string path; // "<builtin>" for the core's own components
  PluginStatus status = PluginStatus::Loaded;
  std::string error;                        // one line, when Failed
  std::vector<std::string> component_names; // "input/file", known even for some failures
};

class Registry {
public:
  // Registers a plugin and its components. A component whose (kind, name) is already taken is
  // not registered; a warning naming both plugins is recorded and returned by warnings().
  // A component with a non-empty spec_json has `spec` (re)parsed from it; when that fails (the
  // spec is untrusted plugin data) the component is skipped with a warning. With an empty
  // spec_json, `spec` is taken as is and spec_json is filled from it. `plugin` is set on every
  // entry, and an empty plugin->component_names is filled with "kind/name" of the components.
  void add_plugin(std::unique_ptr<PluginRecord> plugin, std::vector<ComponentEntry> components);

  const ComponentEntry* find(ComponentKind kind, std::string_view name) const;
  std::vector<const ComponentEntry*> components(std::optional<ComponentKind> kind = {}) const;
  std::vector<std::string> names(ComponentKind kind) const;
  const std::vector<std::unique_ptr<PluginRecord>>& plugins() const { return plugins_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  void add_warning(std::string w) { warnings_.push_back(std::move(w)); }

  // Why a component of this kind and name is unavailable although something claims it (its
  // plugin failed to load): "plugin kafka (/p/libplugctl-kafka.so) failed to load: ...".
  std::optional<std::string> unavailable_reason(ComponentKind kind, std::string_view name) const;

private:
  std::vector<std::unique_ptr<PluginRecord>> plugins_;
  std::map<std::pair<ComponentKind, std::string>, std::unique_ptr<ComponentEntry>, std::less<>>
      components_;
  std::vector<std::string> warnings_;
};

} // namespace plugctl::core
