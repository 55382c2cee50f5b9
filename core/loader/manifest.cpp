#include "loader/manifest.hpp"

#include <cstring>

namespace plugctl::core {
namespace {

constexpr size_t kMaxString = 1 << 20; // 1 MiB: anything longer is not a sane manifest

std::string copy_str(const char* s, const std::string& what, bool required) {
  if (s == nullptr) {
    if (required) throw LoadError("invalid manifest: " + what + " is NULL");
    return {};
  }
  size_t n = strnlen(s, kMaxString);
  if (n == kMaxString) throw LoadError("invalid manifest: " + what + " is not NUL-terminated");
  if (required && n == 0) throw LoadError("invalid manifest: " + what + " is empty");
  return std::string(s, n);
}

bool valid_name(const std::string& s, bool allow_dash) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-');
    if (!ok) return false;
  }
  return true;
}

// Size of each ABI 1.0 struct: anything smaller is from before 1.0 or corrupt.
constexpr size_t kManifest10 = offsetof(plugctl_manifest, reserved0) + sizeof(uint32_t);
constexpr size_t kComponent10 = offsetof(plugctl_component, flags) + sizeof(uint64_t);
constexpr size_t kInput10 = offsetof(plugctl_input_vtable, destroy) + sizeof(void*);
constexpr size_t kOutput10 = offsetof(plugctl_output_vtable, destroy) + sizeof(void*);
constexpr size_t kProcessor10 = offsetof(plugctl_processor_vtable, destroy) + sizeof(void*);
constexpr size_t kCache10 = offsetof(plugctl_cache_vtable, destroy) + sizeof(void*);

// Copies a peer struct into a zeroed local one of our size (the peer may be older or newer).
template <class T> T copy_struct(const void* p) {
  T out{};
  uint32_t size = *static_cast<const uint32_t*>(p);
  std::memcpy(&out, p, std::min<size_t>(size, sizeof(T)));
  out.struct_size = std::min<uint32_t>(size, sizeof(T));
  return out;
}

void check_vtable(const plugctl_component& c, const std::string& what) {
  if (c.vtable == nullptr) throw LoadError("invalid manifest: " + what + " has no vtable");
  uint32_t size = *static_cast<const uint32_t*>(c.vtable);
  auto need = [&](size_t min, const char* kind) {
    if (size < min)
      throw LoadError("invalid manifest: " + what + " has a " + kind + " vtable of " +
                      std::to_string(size) + " bytes, ABI 1.0 needs " + std::to_string(min));
  };
  auto req = [&](const void* fn, const char* slot) {
    if (fn == nullptr) throw LoadError("invalid manifest: " + what + " lacks required " + slot);
  };
  switch (c.kind) {
  case PLUGCTL_KIND_INPUT: {
    need(kInput10, "input");
    auto v = copy_struct<plugctl_input_vtable>(c.vtable);
    req(reinterpret_cast<const void*>(v.create), "create");
    req(reinterpret_cast<const void*>(v.read_batch), "read_batch");
    req(reinterpret_cast<const void*>(v.ack), "ack");
    req(reinterpret_cast<const void*>(v.destroy), "destroy");
    break;
  }
  case PLUGCTL_KIND_OUTPUT: {
    need(kOutput10, "output");
    auto v = copy_struct<plugctl_output_vtable>(c.vtable);
    req(reinterpret_cast<const void*>(v.create), "create");
    if (v.write_batch == nullptr && v.write_batch_async == nullptr)
      throw LoadError("invalid manifest: " + what +
                      " has neither write_batch nor write_batch_async");
    req(reinterpret_cast<const void*>(v.destroy), "destroy");
    break;
  }
  case PLUGCTL_KIND_PROCESSOR: {
    need(kProcessor10, "processor");
    auto v = copy_struct<plugctl_processor_vtable>(c.vtable);
    req(reinterpret_cast<const void*>(v.create), "create");
    req(reinterpret_cast<const void*>(v.process_batch), "process_batch");
    req(reinterpret_cast<const void*>(v.destroy), "destroy");
    break;
  }
  case PLUGCTL_KIND_CACHE: {
    need(kCache10, "cache");
    auto v = copy_struct<plugctl_cache_vtable>(c.vtable);
    req(reinterpret_cast<const void*>(v.create), "create");
    req(reinterpret_cast<const void*>(v.get), "get");
    req(reinterpret_cast<const void*>(v.set), "set");
    req(reinterpret_cast<const void*>(v.add), "add");
    req(reinterpret_cast<const void*>(v.del), "del");
    req(reinterpret_cast<const void*>(v.destroy), "destroy");
    break;
  }
  default:
    break;
  }
}

std::optional<ComponentKind> kind_of(int32_t k) {
  switch (k) {
  case PLUGCTL_KIND_INPUT:
    return ComponentKind::Input;
  case PLUGCTL_KIND_OUTPUT:
    return ComponentKind::Output;
  case PLUGCTL_KIND_PROCESSOR:
    return ComponentKind::Processor;
  case PLUGCTL_KIND_CACHE:
    return ComponentKind::Cache;
  default:
    return std::nullopt;
  }
}

Stability stability_of(int32_t s) {
  switch (s) {
  case PLUGCTL_STABILITY_BETA:
    return Stability::Beta;
  case PLUGCTL_STABILITY_EXPERIMENTAL:
    return Stability::Experimental;
  case PLUGCTL_STABILITY_DEPRECATED:
    return Stability::Deprecated;
  default:
    return Stability::Stable;
  }
}

} // namespace

ManifestCopy copy_manifest(const plugctl_manifest* raw, const std::string& path) {
  if (raw == nullptr) throw LoadError("entry returned OK but no manifest");
  if (raw->abi_major != PLUGCTL_ABI_MAJOR)
    throw LoadError("ABI major mismatch: plugin built for plugctl C ABI " +
                    std::to_string(raw->abi_major) + "." + std::to_string(raw->abi_minor_built) +
                    ", this plugctl provides ABI " + std::to_string(PLUGCTL_ABI_MAJOR) + "." +
                    std::to_string(PLUGCTL_ABI_MINOR) + "; install a build of the plugin for ABI " +
                    std::to_string(PLUGCTL_ABI_MAJOR) + ".x");
  if (raw->struct_size < kManifest10)
    throw LoadError("invalid manifest: struct_size " + std::to_string(raw->struct_size) +
                    " is smaller than ABI 1.0's " + std::to_string(kManifest10));
  auto m = copy_struct<plugctl_manifest>(raw);
  ManifestCopy out;
  out.plugin = std::make_unique<PluginRecord>();
  PluginRecord& p = *out.plugin;
  p.path = path;
  p.name = copy_str(m.name, "plugin name", true);
  p.version = copy_str(m.version, "plugin version", true);
  p.abi = std::to_string(m.abi_major) + "." + std::to_string(m.abi_minor_built);
  if (m.abi_minor_required > PLUGCTL_ABI_MINOR)
    throw LoadError("plugin " + p.name +
                    " requires plugctl C ABI >= " + std::to_string(PLUGCTL_ABI_MAJOR) + "." +
                    std::to_string(m.abi_minor_required) + ", this plugctl provides " +
                    std::to_string(PLUGCTL_ABI_MAJOR) + "." + std::to_string(PLUGCTL_ABI_MINOR) +
                    "; upgrade plugctl or install a build of the plugin for ABI " +
                    std::to_string(PLUGCTL_ABI_MAJOR) + "." + std::to_string(PLUGCTL_ABI_MINOR));
  if (!valid_name(p.name, true))
    throw LoadError("invalid manifest: plugin name '" + p.name + "' must match [a-z0-9_-]+");
  p.vendor = copy_str(m.vendor, "vendor", false);
  p.license = copy_str(m.license, "license", false);
  p.description = copy_str(m.description, "description", false);
  p.homepage = copy_str(m.homepage, "homepage", false);
  if (m.n_components > 0 && m.components == nullptr)
    throw LoadError("invalid manifest: components is NULL with n_components " +
                    std::to_string(m.n_components));
  if (m.n_components > 10000) throw LoadError("invalid manifest: too many components");
  for (uint32_t i = 0; i < m.n_components; ++i) {
    const plugctl_component* rc = m.components[i];
    std::string where = "component #" + std::to_string(i);
    if (rc == nullptr) throw LoadError("invalid manifest: " + where + " is NULL");
    if (rc->struct_size < kComponent10)
      throw LoadError("invalid manifest: " + where + " struct_size " +
                      std::to_string(rc->struct_size) + " is smaller than ABI 1.0's " +
                      std::to_string(kComponent10));
    auto c = copy_struct<plugctl_component>(rc);
    auto kind = kind_of(c.kind);
    if (!kind) continue; // a kind from a later minor: not ours to use
    ComponentEntry e;
    e.kind = *kind;
    e.name = copy_str(c.name, where + " name", true);
    where = std::string(kind_name(e.kind)) + " '" + e.name + "'";
    if (!valid_name(e.name, false))
      throw LoadError("invalid manifest: " + where + ": name must match [a-z0-9_]+");
    for (const auto& other : out.components)
      if (other.kind == e.kind && other.name == e.name)
        throw LoadError("invalid manifest: " + where + " is declared twice");
    e.summary = copy_str(c.summary, where + " summary", false);
    e.description = copy_str(c.description, where + " description", false);
    e.categories = copy_str(c.categories, where + " categories", false);
    e.examples = copy_str(c.examples_yaml, where + " examples", false);
    e.stability = stability_of(c.stability);
    e.flags = c.flags;
    // kCoreComposite (bit 63) is the host's own: a plugin cannot claim it.
    if (path != "<builtin>") e.flags &= ~(uint64_t(1) << 63);
    e.spec_json = copy_str(c.config_spec_json, where + " config spec", false);
    if (e.spec_json.empty()) e.spec_json = R"({"type":"object","children":[]})";
    try {
      e.spec = parse_spec(e.spec_json);
    } catch (const std::exception& ex) {
      throw LoadError("invalid manifest: " + where + ": invalid config spec: " + ex.what());
    }
    check_vtable(c, where);
    e.vtable = c.vtable;
    p.component_names.push_back(std::string(kind_name(e.kind)) + "/" + e.name);
    out.components.push_back(std::move(e));
  }
  return out;
}

boost::json::value manifest_to_json(const ManifestCopy& m) {
  boost::json::object o;
  const auto& p = *m.plugin;
  o["name"] = p.name;
  o["version"] = p.version;
  o["vendor"] = p.vendor;
  o["license"] = p.license;
  o["description"] = p.description;
  o["homepage"] = p.homepage;
  o["abi"] = p.abi;
  boost::json::array comps;
  for (const auto& c : m.components) {
    boost::json::object j;
    j["kind"] = kind_name(c.kind);
    j["name"] = c.name;
    j["summary"] = c.summary;
    j["description"] = c.description;
    j["categories"] = c.categories;
    j["examples"] = c.examples;
    j["stability"] = static_cast<int>(c.stability);
    j["flags"] = c.flags;
    j["spec"] = c.spec_json;
    comps.push_back(std::move(j));
  }
  o["components"] = std::move(comps);
  return o;
}

ManifestCopy manifest_from_json(const boost::json::value& v) {
  const auto& o = v.as_object();
  ManifestCopy m;
  m.plugin = std::make_unique<PluginRecord>();
  auto& p = *m.plugin;
  auto str = [](const boost::json::object& obj, const char* k) {
    auto* x = obj.if_contains(k);
    return x != nullptr && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  p.name = str(o, "name");
  p.version = str(o, "version");
  p.vendor = str(o, "vendor");
  p.license = str(o, "license");
  p.description = str(o, "description");
  p.homepage = str(o, "homepage");
  p.abi = str(o, "abi");
  for (const auto& cv : o.at("components").as_array()) {
    const auto& c = cv.as_object();
    ComponentEntry e;
    e.kind = parse_kind(str(c, "kind")).value_or(ComponentKind::Input);
    e.name = str(c, "name");
    e.summary = str(c, "summary");
    e.description = str(c, "description");
    e.categories = str(c, "categories");
    e.examples = str(c, "examples");
    e.stability = static_cast<Stability>(c.at("stability").to_number<int>());
    e.flags = c.at("flags").to_number<uint64_t>();
    e.spec_json = str(c, "spec");
    e.spec = parse_spec(e.spec_json);
    p.component_names.push_back(std::string(kind_name(e.kind)) + "/" + e.name);
    m.components.push_back(std::move(e));
  }
  return m;
}

} // namespace plugctl::core
