#include "registry/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace plugctl::core {

namespace {

std::string describe(const PluginRecord& p) {
  return "plugin " + p.name + " (" + p.path + ")";
}

} // namespace

std::string_view stability_name(Stability s) {
  switch (s) {
  case Stability::Stable:
    return "stable";
  case Stability::Beta:
    return "beta";
  case Stability::Experimental:
    return "experimental";
  case Stability::Deprecated:
    return "deprecated";
  }
  return "unknown";
}

void Registry::add_plugin(std::unique_ptr<PluginRecord> plugin,
                          std::vector<ComponentEntry> components) {
  const PluginRecord* owner = plugin.get();
  bool fill_names = plugin->component_names.empty();
  for (auto& c : components) {
    std::string kind(kind_name(c.kind));
    if (!c.spec_json.empty()) {
      try {
        c.spec = parse_spec(c.spec_json);
      } catch (const std::invalid_argument& e) {
        warnings_.push_back(kind + " '" + c.name + "' of " + describe(*owner) +
                            " has an invalid config spec and is skipped: " + e.what());
        continue;
      }
    } else {
      c.spec_json = boost::json::serialize(spec_to_json(c.spec));
    }
    if (fill_names) plugin->component_names.push_back(kind + "/" + c.name);
    c.plugin = owner;
    auto key = std::make_pair(c.kind, c.name);
    if (auto it = components_.find(key); it != components_.end()) {
      warnings_.push_back("duplicate " + kind + " '" + c.name + "': " + describe(*owner) +
                          " also provides it; using the one from " + describe(*it->second->plugin));
      continue;
    }
    components_.emplace(std::move(key), std::make_unique<ComponentEntry>(std::move(c)));
  }
  plugins_.push_back(std::move(plugin));
}

const ComponentEntry* Registry::find(ComponentKind kind, std::string_view name) const {
  auto it = components_.find(std::make_pair(kind, std::string(name)));
  return it == components_.end() ? nullptr : it->second.get();
}

std::vector<const ComponentEntry*> Registry::components(std::optional<ComponentKind> kind) const {
  std::vector<const ComponentEntry*> out;
  for (const auto& [key, entry] : components_)
    if (!kind || key.first == *kind) out.push_back(entry.get());
  return out;
}

std::vector<std::string> Registry::names(ComponentKind kind) const {
  std::vector<std::string> out;
  for (const auto& [key, entry] : components_)
    if (key.first == kind) out.push_back(key.second);
  return out; // sorted: the map is ordered by (kind, name)
}

std::optional<std::string> Registry::unavailable_reason(ComponentKind kind,
                                                        std::string_view name) const {
  if (find(kind, name) != nullptr) return std::nullopt;
  std::string wanted = std::string(kind_name(kind)) + "/" + std::string(name);
  for (const auto& p : plugins_) {
    if (p->status != PluginStatus::Failed) continue;
    bool claims = p->component_names.empty()
                      ? p->name == name
                      : std::find(p->component_names.begin(), p->component_names.end(), wanted) !=
                            p->component_names.end();
    if (claims) return describe(*p) + " failed to load: " + p->error;
  }
  return std::nullopt;
}

} // namespace plugctl::core
