// The file plugin: libplugctl-file.so with the `file` input and output.
#include <plugctl/sdk.hpp>

PLUGCTL_PLUGIN(.name = "file", .version = PLUGCTL_FILE_VERSION, .vendor = "plugctl",
               .license = "Apache-2.0",
               .description = "Reads and writes local files: lines or whole files, glob "
                              "patterns, durable appends with group commit.");
