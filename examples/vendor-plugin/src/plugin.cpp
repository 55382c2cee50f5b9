// The manifest of libplugctl-acme.so: one PLUGCTL_PLUGIN line per plugin. The components
// register themselves in redact.cpp and rotating_file.cpp (PLUGCTL_REGISTER_*).
#include <plugctl/sdk.hpp>

PLUGCTL_PLUGIN(.name = "acme", .version = ACME_VERSION, .vendor = "Acme Corp (example vendor)",
               .license = "Apache-2.0",
               .description = "An out-of-tree example plugin built against plugctl-dev: a "
                              "redaction processor and a size-rotated file output.");
