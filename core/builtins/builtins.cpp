// Registration of the core's built-in components: they are written against the same SDK and
// manifest shape as plugins, and registered as the plugin "core" with path "<builtin>".
#include "host/host.hpp"
#include "loader/loader.hpp"

#include <plugctl/sdk.hpp>

namespace plugctl::core {

void register_builtins(Registry& reg) {
  sdk::set_host(host_table());
  const plugctl_manifest* m = sdk::detail::build_manifest(sdk::PluginInfo{
      .name = "core",
      .version = PLUGCTL_VERSION,
      .vendor = "plugctl",
      .license = "Apache-2.0",
      .description = "Components built into plugctl.",
  });
  ManifestCopy copy = copy_manifest(m, "<builtin>");
  reg.add_plugin(std::move(copy.plugin), std::move(copy.components));
}

} // namespace plugctl::core
