// The http plugin: libplugctl-http.so with the http_client output and processor, the
// http_server input and the sync_response output.
#include <plugctl/sdk.hpp>

PLUGCTL_PLUGIN(.name = "http", .version = PLUGCTL_HTTP_VERSION, .vendor = "plugctl",
               .license = "Apache-2.0",
               .description = "HTTP client (libcurl) and server (the host's Boost.Beast server): "
                              "send messages to and enrich them from HTTP services, and receive "
                              "them as requests.");
