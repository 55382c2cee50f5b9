// Logging through spdlog: one sink on stderr, logfmt or JSON lines, a logger per component
// carrying its label and config path.
#pragma once

#include <map>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>

namespace plugctl::core {

struct LoggerConfig;

// Configures the process-wide sink and level ("OFF", "ERROR", ..., "TRACE", "ALL").
void setup_logging(const LoggerConfig& cfg);
// The default before a config is read: logfmt, INFO, stderr.
void setup_default_logging();

// The core's own logger (path "root").
std::shared_ptr<spdlog::logger> core_logger();
// A logger tagged with a component's label and config path.
std::shared_ptr<spdlog::logger> component_logger(std::string_view label, std::string_view path);

spdlog::level::level_enum parse_level(std::string_view level);

} // namespace plugctl::core
