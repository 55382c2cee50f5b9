// Input `generate`: produces messages on a schedule.
#include "bloblang/mapping.hpp"
#include "host/host.hpp"

#include <chrono>
#include <plugctl/sdk.hpp>
#include <thread>

namespace plugctl::core::builtins {
namespace {

class GenerateInput final : public sdk::Input {
public:
  GenerateInput(const sdk::Context& ctx, const sdk::Config& cfg) : ctx_(ctx) {
    payload_ = cfg.string("payload");
    if (cfg.has("mapping") && !cfg.string("mapping").empty()) {
      try {
        mapping_ = bloblang::Mapping::parse(cfg.string("mapping"));
      } catch (const bloblang::ParseError& e) {
        throw sdk::ConfigError(std::string("mapping: ") + e.what() + "\n" + e.caret());
      }
    }
    count_ = cfg.integer("count");
    batch_size_ = cfg.integer("batch_size");
    if (count_ < 0) throw sdk::ConfigError("count must not be negative");
    if (batch_size_ < 1) throw sdk::ConfigError("batch_size must be at least 1");
    // "" (as in Benthos) and 0s both mean as fast as the pipeline takes them.
    if (cfg.has("interval") && !cfg.string("interval").empty())
      interval_ = cfg.duration("interval");
    next_ = std::chrono::steady_clock::now();
  }

  plugctl_status read(sdk::ReadResult& out) override {
    if (count_ > 0 && produced_ >= count_) return PLUGCTL_END_OF_INPUT;
    if (interval_.count() > 0) {
      auto now = std::chrono::steady_clock::now();
      if (now < next_) {
        // Sleep in short steps so a shutdown is noticed.
        auto wait = std::min<std::chrono::nanoseconds>(next_ - now, std::chrono::milliseconds(200));
        std::this_thread::sleep_for(wait);
        if (ctx_.cancelled() || std::chrono::steady_clock::now() < next_) return PLUGCTL_AGAIN;
      }
      next_ += interval_;
      if (next_ < std::chrono::steady_clock::now()) next_ = std::chrono::steady_clock::now();
    }
    int64_t n = batch_size_;
    if (count_ > 0) n = std::min(n, count_ - produced_);
    sdk::OwnedBatch batch(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (!mapping_) {
        batch.push(payload_);
        continue;
      }
      // Each message is what the mapping builds from an empty message.
      bloblang::ExecContext ctx;
      auto r = mapping_->run(ctx);
      if (r.outcome == bloblang::Mapping::Outcome::Deleted) continue;
      Message& m = batch_of(batch.mut())->messages.emplace_back();
      if (r.outcome == bloblang::Mapping::Outcome::Replaced)
        bloblang::set_message_value(m, std::move(r.value));
      bloblang::apply_meta(ctx, m);
    }
    produced_ += n;
    if (batch.empty()) return PLUGCTL_AGAIN;
    out.batch.emplace(std::move(batch));
    return PLUGCTL_OK;
  }

  void ack(uint64_t, plugctl_status, std::string_view) override {}

private:
  sdk::Context ctx_;
  std::string payload_;
  std::shared_ptr<const bloblang::Mapping> mapping_;
  int64_t count_ = 0;
  int64_t batch_size_ = 1;
  int64_t produced_ = 0;
  std::chrono::nanoseconds interval_{0};
  std::chrono::steady_clock::time_point next_;
};

sdk::Spec generate_spec() {
  using sdk::Field;
  return sdk::Spec()
      .field(Field::bloblang("mapping", "A Bloblang mapping that builds each message (from an "
                                        "empty message); when set, `payload` is ignored.")
                 .default_value("")
                 .example("root = {\"id\": uuid_v4(), \"at\": now()}"))
      .field(Field::string("payload", "The content of every generated message (without a "
                                      "mapping).")
                 .default_value("")
                 .example("{\"hello\":\"world\"}"))
      .field(Field::integer("count", "How many messages to generate; 0 means no end. With a "
                                     "count the input ends after the last one.")
                 .default_value(0))
      .field(Field::duration("interval", "Time between batches; empty or 0s for as fast as "
                                         "the pipeline takes them.")
                 .default_value("1s")
                 .optional())
      .field(Field::integer("batch_size", "Messages per batch.").default_value(1).advanced());
}

PLUGCTL_REGISTER_INPUT(
    GenerateInput, .name = "generate",
    .summary = "Generates messages from a mapping or a fixed payload on a schedule.",
    .description = "Emits a message built by `mapping` (or the fixed `payload`) "
                   "every `interval`, `count` times (or forever with count 0). "
                   "A mapping that deletes its message skips it. Useful for "
                   "tests, heartbeats and demos.",
    .spec = generate_spec(), .flags = PLUGCTL_FLAG_AUTO_REPLAY_NACKS, .categories = "Utility",
    .examples = "input:\n  generate:\n    payload: hello\n    count: 3\n    "
                "interval: 10ms\n");

} // namespace
} // namespace plugctl::core::builtins
