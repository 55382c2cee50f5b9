// The service's observability surface for `plugctl run`: the HTTP server of the `http` section
// with /ping, /ready, /version, /metrics and /stats, and the metrics exporter of the `metrics`
// section (prometheus, json_api, none, log, statsd).
#pragma once

#include "config/config.hpp"

#include <memory>

namespace plugctl::core {

class Service {
public:
  // Starts the HTTP server (when enabled) before the pipeline is built, so that components can
  // add routes to it, and the exporter. Throws std::runtime_error when the address is taken.
  explicit Service(const Config& cfg);
  // Stops the server and the exporter; the `log` exporter prints its one JSON object here.
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace plugctl::core
