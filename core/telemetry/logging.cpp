#include "telemetry/logging.hpp"

#include "config/config.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <mutex>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace plugctl::core {
namespace {

// Logger names carry "label\x1fpath"; the formatter splits them into fields.
constexpr char kSep = '\x1f';

std::string_view level_word(spdlog::level::level_enum l) {
  switch (l) {
  case spdlog::level::trace:
    return "trace";
  case spdlog::level::debug:
    return "debug";
  case spdlog::level::info:
    return "info";
  case spdlog::level::warn:
    return "warn";
  case spdlog::level::err:
    return "error";
  case spdlog::level::critical:
    return "fatal";
  default:
    return "info";
  }
}

void append_logfmt_value(std::string& out, std::string_view v) {
  bool quote = v.empty() || v.find_first_of(" =\"\t\n\\") != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
}

void append_json_string(std::string& out, std::string_view v) {
  out += boost::json::serialize(boost::json::string_view(v.data(), v.size()));
}

std::string rfc3339(std::chrono::system_clock::time_point tp) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(tp);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

class LineFormatter final : public spdlog::formatter {
public:
  LineFormatter(bool json, bool timestamp, std::map<std::string, std::string> fields)
      : json_(json), timestamp_(timestamp), fields_(std::move(fields)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    std::string_view label, path = name;
    if (auto p = name.find(kSep); p != std::string_view::npos) {
      label = name.substr(0, p);
      path = name.substr(p + 1);
    }
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::string out;
    out.reserve(128 + text.size());
    if (json_) {
      out += "{";
      if (timestamp_) {
        out += "\"time\":";
        append_json_string(out, rfc3339(msg.time));
        out += ",";
      }
      out += "\"level\":";
      append_json_string(out, level_word(msg.level));
      out += ",\"msg\":";
      append_json_string(out, text);
      for (const auto& [k, v] : fields_) {
        out += ",";
        append_json_string(out, k);
        out += ":";
        append_json_string(out, v);
      }
      out += ",\"label\":";
      append_json_string(out, label);
      out += ",\"path\":";
      append_json_string(out, path);
      out += "}\n";
    } else {
      if (timestamp_) {
        out += "time=";
        out += rfc3339(msg.time);
        out += " ";
      }
      out += "level=";
      out += level_word(msg.level);
      out += " msg=";
      append_logfmt_value(out, text);
      for (const auto& [k, v] : fields_) {
        out += " ";
        out += k;
        out += "=";
        append_logfmt_value(out, v);
      }
      out += " label=";
      append_logfmt_value(out, label);
      out += " path=";
      append_logfmt_value(out, path);
      out += "\n";
    }
    dest.append(out.data(), out.data() + out.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(json_, timestamp_, fields_);
  }

private:
  bool json_;
  bool timestamp_;
  std::map<std::string, std::string> fields_;
};

struct State {
  std::mutex mu;
  spdlog::sink_ptr sink;
  spdlog::level::level_enum level = spdlog::level::info;
  std::shared_ptr<spdlog::logger> core;
};

State& state() {
  static State s;
  return s;
}

void install(bool json, bool timestamp, std::map<std::string, std::string> fields,
             spdlog::level::level_enum level) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (!s.sink) s.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  s.sink->set_formatter(std::make_unique<LineFormatter>(json, timestamp, std::move(fields)));
  s.level = level;
  s.core = std::make_shared<spdlog::logger>(std::string("") + kSep + "root", s.sink);
  s.core->set_level(level);
  s.core->flush_on(spdlog::level::warn);
}

} // namespace

spdlog::level::level_enum parse_level(std::string_view level) {
  std::string l;
  for (char c : level)
    l.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (l == "OFF" || l == "NONE") return spdlog::level::off;
  if (l == "FATAL") return spdlog::level::critical;
  if (l == "ERROR") return spdlog::level::err;
  if (l == "WARN" || l == "WARNING") return spdlog::level::warn;
  if (l == "DEBUG") return spdlog::level::debug;
  if (l == "TRACE" || l == "ALL") return spdlog::level::trace;
  return spdlog::level::info;
}

void setup_logging(const LoggerConfig& cfg) {
  install(cfg.format == "json", cfg.add_timestamp, cfg.static_fields, parse_level(cfg.level));
}

void setup_default_logging() {
  install(false, true, {{"@service", "plugctl"}}, spdlog::level::info);
}

std::shared_ptr<spdlog::logger> core_logger() {
  auto& s = state();
  {
    std::lock_guard lock(s.mu);
    if (s.core) return s.core;
  }
  setup_default_logging();
  std::lock_guard lock(s.mu);
  return s.core;
}

std::shared_ptr<spdlog::logger> component_logger(std::string_view label, std::string_view path) {
  core_logger();
  auto& s = state();
  std::lock_guard lock(s.mu);
  auto l = std::make_shared<spdlog::logger>(std::string(label) + kSep + std::string(path), s.sink);
  l->set_level(s.level);
  l->flush_on(spdlog::level::warn);
  return l;
}

} // namespace plugctl::core
