// Plugin discovery and loading.
//
// Discovery order: every --plugins-dir, then PLUGCTL_PLUGIN_PATH (colon list), then next to the
// binary: <bindir>/plugins (a build tree) and <bindir>/../lib/plugctl/plugins (an installed
// tree). Each *.so found is inspected in a child process (so a plugin that crashes or hangs
// while loading only fails itself); its manifest comes back as JSON and is registered. The
// plugins a pipeline actually uses are then loaded in this process by activate().
// Libraries are opened RTLD_NOW | RTLD_LOCAL and never closed.
#pragma once

#include "loader/manifest.hpp"
#include "registry/registry.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace plugctl::core {

struct LoaderOptions {
  std::vector<std::string> dirs;       // --plugins-dir, in order
  std::optional<std::string> env_path; // PLUGCTL_PLUGIN_PATH
  std::filesystem::path exe;           // the running binary (for the relative defaults)
  bool use_default_dirs = true;        // the dirs next to the binary
  bool isolate = true;                 // inspect in a child process
};

// Options from the process environment and /proc/self/exe, with the given --plugins-dir list.
LoaderOptions default_loader_options(std::vector<std::string> cli_dirs);

std::vector<std::filesystem::path> search_dirs(const LoaderOptions& opts);

// Registers the core's built-in components (plugin "core", path "<builtin>").
void register_builtins(Registry& reg);

// Discovers and registers every plugin. Failures become PluginRecords with status Failed and a
// one-line error; nothing here throws for a bad plugin.
void discover_plugins(Registry& reg, const LoaderOptions& opts);

// builtins + discover_plugins.
void load_registry(Registry& reg, const LoaderOptions& opts);

// Loads the plugin providing `entry` into this process (once per path) and sets the vtables of
// all its registered components. Throws LoadError with the reason.
void activate(const Registry& reg, const ComponentEntry& entry);

// Loads one plugin in this process and returns its validated manifest (used by the child and by
// activate). Throws LoadError.
ManifestCopy load_in_process(const std::string& path);

// Inspects one plugin in a child process. Throws LoadError.
ManifestCopy inspect_in_child(const std::string& path, int timeout_seconds = 30);

} // namespace plugctl::core
