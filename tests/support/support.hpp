// Helpers shared by the test suites: temp dirs, registries with the test plugins, config
// loading, running the engine or the plugctl binary, and two in-process test components:
//   input  `test_feed`    - emits the payloads of a named channel, records acks and nacks;
//   output `test_capture` - records what it receives into a named channel, can fail on cue.
// They exist only in the test binary (registered with the core's built-ins).
#pragma once

#include "config/config.hpp"
#include "pipeline/engine.hpp"
#include "registry/registry.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plugctl::test {

std::string build_dir();
std::string source_dir();
std::string plugin_dir();      // build/plugins
std::string test_plugin_dir(); // build/test-plugins
std::string plugctl_binary();  // build/plugctl

class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
std::vector<std::string> read_lines(const std::string& path);

// Built-ins plus the plugins of the given directories (inspected in child processes).
core::Registry make_registry(const std::vector<std::string>& dirs = {}, bool isolate = true);

// Parses and lints; fails the test on lint errors.
core::Config parse_config(const std::string& yaml, const core::Registry& reg);

// Short retry and backoff times so failure tests run in milliseconds.
core::EngineOptions fast_options();

struct RunResult {
  int exit_code = -1;
  core::EngineStats stats;
  size_t inflight_bound = 0;
};
// Runs a config in-process; stops it (gracefully) after `stop_after` when given.
RunResult run_config(const std::string& yaml, const core::Registry& reg,
                     core::EngineOptions opts = fast_options(),
                     std::optional<std::chrono::milliseconds> stop_after = std::nullopt);
// Runs a parsed config in-process; asks for a graceful stop once `stop_when` (polled every
// millisecond) holds. A run still going after two minutes fails the test and is stopped.
RunResult run_until(const core::Config& cfg, const core::Registry& reg,
                    const std::function<bool()>& stop_when = {},
                    core::EngineOptions opts = fast_options());

struct Exec {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs build/plugctl with args (shell-quoted by the caller), feeding `input` on stdin.
Exec run_plugctl(const std::string& args, const std::string& input = "",
                 const std::string& env = "");

// --- in-process test components ------------------------------------------------------------
struct Channel {
  std::mutex mu;
  // test_feed
  std::vector<std::string> payloads;
  std::vector<std::map<std::string, std::string>> metadata; // optional, per payload
  std::vector<std::string> acks; // "ok <first>-<last>" / "nack <first>-<last> <reason>"
  size_t max_outstanding = 0;
  // test_capture
  std::vector<std::string> received;
  std::vector<std::map<std::string, std::string>> received_meta;
  std::vector<std::string> received_errors; // error flag text ("" when none)
  std::vector<size_t> batch_sizes;          // size of each successful write
  int fail_writes = 0;                      // the next N write calls fail
  int fail_payload_times = -1;              // fail_payload refusals left (-1: always)
  int delay_ms = 0;                         // sleep in each write
  size_t max_concurrent = 0;
  // Both sides in one order: "recv <payload>" and "ack ok <first>-<last>" / "ack nack ...".
  std::vector<std::string> events;
  // Called at the start of every test_capture write, outside the lock: lets a test observe the
  // world while a write is in progress (before its batch can be acknowledged).
  std::function<void()> on_write;
};
// The channel named `name` (created on first use; reset() clears it).
Channel& channel(const std::string& name);
void reset_channel(const std::string& name);

} // namespace plugctl::test
