// Processors `log` and `sleep`.
#include <chrono>
#include <plugctl/sdk.hpp>
#include <thread>

namespace plugctl::core::builtins {
namespace {

int32_t level_of(const std::string& level) {
  if (level == "TRACE" || level == "ALL") return PLUGCTL_LOG_TRACE;
  if (level == "DEBUG") return PLUGCTL_LOG_DEBUG;
  if (level == "WARN") return PLUGCTL_LOG_WARN;
  if (level == "ERROR" || level == "FATAL") return PLUGCTL_LOG_ERROR;
  return PLUGCTL_LOG_INFO;
}

class LogProcessor final : public sdk::Processor {
public:
  LogProcessor(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), level_(level_of(cfg.string("level"))), message_(ctx, cfg.string("message")) {}

  void process(sdk::Batch& in, sdk::Batch& out) override {
    bool enabled = ctx_.log_enabled(level_);
    sdk::Buffer buf;
    for (size_t i = 0, n = in.size(); i < n; ++i) {
      if (enabled) {
        try {
          ctx_.log(level_, message_.eval(in, i, buf));
        } catch (const std::exception& e) {
          ctx_.warn(std::string("log message failed: ") + e.what());
        }
      }
      out.push(in.take(i));
    }
  }

private:
  sdk::Context ctx_;
  int32_t level_;
  sdk::Interpolated message_;
};

PLUGCTL_REGISTER_PROCESSOR(
    LogProcessor, .name = "log", .summary = "Logs a message for each message passing through.",
    .description = "Writes `message` to plugctl's log at `level` for every message; the messages "
                   "pass through unchanged.",
    .spec = sdk::Spec()
                .field(sdk::Field::string("level", "The log level.")
                           .default_value("INFO")
                           .options({"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"}))
                .field(sdk::Field::string("message", "The text to log (interpolated).")
                           .default_value("")
                           .interpolated()),
    .categories = "Utility",
    .examples = "pipeline:\n  processors:\n    - log:\n        level: INFO\n        message: got "
                "one\n");

class SleepProcessor final : public sdk::Processor {
public:
  SleepProcessor(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), duration_(cfg.duration("duration")) {}

  void process(sdk::Batch& in, sdk::Batch& out) override {
    auto until = std::chrono::steady_clock::now() + duration_;
    while (!ctx_.cancelled()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= until) break;
      std::this_thread::sleep_for(
          std::min<std::chrono::nanoseconds>(until - now, std::chrono::milliseconds(100)));
    }
    for (size_t i = 0, n = in.size(); i < n; ++i)
      out.push(in.take(i));
  }

private:
  sdk::Context ctx_;
  std::chrono::nanoseconds duration_;
};

PLUGCTL_REGISTER_PROCESSOR(
    SleepProcessor, .name = "sleep", .summary = "Sleeps for a duration on each batch.",
    .description = "Delays every batch by `duration` (cut short by a shutdown), for rate "
                   "shaping and tests.",
    .spec = sdk::Spec().field(sdk::Field::duration("duration", "How long to sleep.").example("1s")),
    .categories = "Utility",
    .examples = "pipeline:\n  processors:\n    - sleep:\n        duration: 500ms\n");

} // namespace
} // namespace plugctl::core::builtins
