// Reading a plugin's manifest: deep copy and validation of untrusted data, and a JSON form used
// to carry a manifest out of the inspection child process.
#pragma once

#include "registry/registry.hpp"

#include <boost/json.hpp>
#include <memory>
#include <plugctl/plugctl.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace plugctl::core {

// A load failure with the one-line reason shown to the user.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ManifestCopy {
  std::unique_ptr<PluginRecord> plugin;
  std::vector<ComponentEntry> components; // plugin pointer unset; vtable set when in-process
};

// Deep-copies and validates. Throws LoadError with the reason (ABI mismatch, bad spec, ...).
ManifestCopy copy_manifest(const plugctl_manifest* m, const std::string& path);

// Reads (plugin name, version, abi) even from a manifest that failed validation for its ABI
// version, for better messages; empty strings when unreadable.
boost::json::value manifest_to_json(const ManifestCopy& m);
ManifestCopy manifest_from_json(const boost::json::value& v);

} // namespace plugctl::core
