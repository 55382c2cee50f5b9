#include "support/support.hpp"

#include "loader/loader.hpp"

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <gtest/gtest.h>
#include <plugctl/sdk.hpp>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace plugctl::test {
namespace fs = std::filesystem;

namespace {
// The test runner works in UTC whatever the caller's TZ (ctest sets it too): expected local times
// in the Bloblang tests are UTC's, and the time zone is read once per process, so it is set
// before main rather than per test.
const bool kUtc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();
} // namespace

std::string build_dir() {
  return PLUGCTL_BUILD_DIR;
}
std::string source_dir() {
  return PLUGCTL_SOURCE_DIR;
}
std::string plugin_dir() {
  return build_dir() + "/plugins";
}
std::string test_plugin_dir() {
  return PLUGCTL_TEST_PLUGIN_DIR;
}
std::string plugctl_binary() {
  return build_dir() + "/plugctl";
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("plugctl-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}
std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line))
    out.push_back(line);
  return out;
}

core::Registry make_registry(const std::vector<std::string>& dirs, bool isolate) {
  core::Registry reg;
  core::LoaderOptions opts;
  opts.dirs = dirs;
  opts.use_default_dirs = false;
  opts.isolate = isolate;
  core::load_registry(reg, opts);
  return reg;
}

core::Config parse_config(const std::string& yaml, const core::Registry& reg) {
  core::LoadResult r = core::load_config_string(yaml, "test.yaml", reg);
  std::string errors;
  for (const auto& e : r.errors)
    errors += e.format() + "\n";
  EXPECT_TRUE(r.errors.empty()) << errors << "in:\n" << yaml;
  if (!r.config) throw std::runtime_error("config did not load: " + errors);
  return *r.config;
}

core::EngineOptions fast_options() {
  core::EngineOptions o;
  o.write_retries = 2;
  o.retry_backoff = std::chrono::milliseconds(1);
  o.retry_backoff_max = std::chrono::milliseconds(5);
  o.replay_backoff = std::chrono::milliseconds(1);
  o.replay_backoff_max = std::chrono::milliseconds(10);
  o.connect_backoff = std::chrono::milliseconds(5);
  o.connect_backoff_max = std::chrono::milliseconds(20);
  return o;
}

RunResult run_config(const std::string& yaml, const core::Registry& reg, core::EngineOptions opts,
                     std::optional<std::chrono::milliseconds> stop_after) {
  core::Config cfg = parse_config(yaml, reg);
  core::Engine engine(cfg, reg, opts);
  std::thread stopper;
  std::atomic<bool> done{false};
  if (stop_after) {
    stopper = std::thread([&] {
      auto until = std::chrono::steady_clock::now() + *stop_after;
      while (!done && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      engine.stop();
    });
  }
  RunResult r;
  r.inflight_bound = engine.inflight_bound();
  r.exit_code = engine.run();
  done = true;
  if (stopper.joinable()) stopper.join();
  r.stats = engine.stats();
  return r;
}

RunResult run_until(const core::Config& cfg, const core::Registry& reg,
                    const std::function<bool()>& stop_when, core::EngineOptions opts) {
  constexpr auto kWatchdog = std::chrono::seconds(120);
  core::Engine engine(cfg, reg, opts);
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    const auto start = std::chrono::steady_clock::now();
    bool stopped = false;
    while (!done) {
      if (!stopped && stop_when && stop_when()) {
        engine.stop();
        stopped = true;
      }
      if (!stopped && std::chrono::steady_clock::now() - start > kWatchdog) {
        ADD_FAILURE() << "the pipeline did not finish within " << kWatchdog.count()
                      << "s; stopping it";
        engine.stop();
        stopped = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  RunResult r;
  r.inflight_bound = engine.inflight_bound();
  r.exit_code = engine.run();
  done = true;
  watcher.join();
  r.stats = engine.stats();
  return r;
}

Exec run_plugctl(const std::string& args, const std::string& input, const std::string& env) {
  TempDir tmp;
  std::string in = tmp.file("stdin"), out = tmp.file("stdout"), err = tmp.file("stderr");
  write_file(in, input);
  std::string cmd = env + (env.empty() ? "" : " ") + plugctl_binary() + " " + args + " <" + in +
                    " >" + out + " 2>" + err;
  int status = std::system(cmd.c_str());
  Exec e;
  e.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  e.out = read_file(out);
  e.err = read_file(err);
  return e;
}

// --- channels --------------------------------------------------------------------------------
namespace {
std::mutex g_channels_mu;
std::map<std::string, std::unique_ptr<Channel>>& channels() {
  static std::map<std::string, std::unique_ptr<Channel>> c;
  return c;
}
} // namespace

Channel& channel(const std::string& name) {
  std::lock_guard lock(g_channels_mu);
  auto& slot = channels()[name];
  if (!slot) slot = std::make_unique<Channel>();
  return *slot;
}
void reset_channel(const std::string& name) {
  std::lock_guard lock(g_channels_mu);
  channels()[name] = std::make_unique<Channel>();
}

namespace {

// Input test_feed: emits the channel's payloads in batches; replays nacked batches itself.
class TestFeed final : public sdk::Input {
public:
  TestFeed(const sdk::Context&, const sdk::Config& cfg)
      : ch_(channel(cfg.string("channel"))),
        batch_size_(static_cast<size_t>(cfg.integer("batch_size"))) {}

  plugctl_status read(sdk::ReadResult& out) override {
    std::lock_guard lock(mu_);
    std::pair<size_t, size_t> range;
    if (!redo_.empty()) {
      range = redo_.front();
      redo_.erase(redo_.begin());
    } else {
      std::lock_guard cl(ch_.mu);
      if (next_ >= ch_.payloads.size()) {
        if (outstanding_.empty()) return PLUGCTL_END_OF_INPUT;
        return PLUGCTL_AGAIN;
      }
      range = {next_, std::min(ch_.payloads.size(), next_ + batch_size_)};
      next_ = range.second;
    }
    sdk::OwnedBatch b(range.second - range.first);
    {
      std::lock_guard cl(ch_.mu);
      for (size_t i = range.first; i < range.second; ++i) {
        auto m = b.push(ch_.payloads[i]);
        if (i < ch_.metadata.size())
          for (const auto& [k, v] : ch_.metadata[i])
            m.set_meta(k, v);
      }
    }
    uint64_t token = ++last_token_;
    outstanding_[token] = range;
    {
      std::lock_guard cl(ch_.mu);
      ch_.max_outstanding = std::max(ch_.max_outstanding, outstanding_.size());
    }
    out.batch.emplace(std::move(b));
    out.token = token;
    return PLUGCTL_OK;
  }

  void ack(uint64_t token, plugctl_status st, std::string_view reason) override {
    std::lock_guard lock(mu_);
    auto it = outstanding_.find(token);
    if (it == outstanding_.end()) {
      std::lock_guard cl(ch_.mu);
      ch_.acks.push_back("unknown token " + std::to_string(token));
      return;
    }
    auto range = it->second;
    outstanding_.erase(it);
    std::string span = std::to_string(range.first) + "-" + std::to_string(range.second - 1);
    std::lock_guard cl(ch_.mu);
    if (st == PLUGCTL_OK) {
      ch_.acks.push_back("ok " + span);
      ch_.events.push_back("ack ok " + span);
    } else {
      ch_.acks.push_back("nack " + span + " " + std::string(reason));
      ch_.events.push_back("ack nack " + span);
      redo_.push_back(range);
    }
  }

private:
  Channel& ch_;
  size_t batch_size_;
  std::mutex mu_;
  size_t next_ = 0;
  uint64_t last_token_ = 0;
  std::map<uint64_t, std::pair<size_t, size_t>> outstanding_;
  std::vector<std::pair<size_t, size_t>> redo_;
};

PLUGCTL_REGISTER_INPUT(
    TestFeed, .name = "test_feed", .summary = "Test input (test binary only).",
    .spec = sdk::Spec()
                .field(sdk::Field::string("channel", "Channel name."))
                .field(sdk::Field::integer("batch_size", "Messages per batch.").default_value(1)));

// Output test_capture: records into the channel; fails the next `fail_writes` calls.
class TestCapture final : public sdk::Output {
public:
  TestCapture(const sdk::Context&, const sdk::Config& cfg) : ch_(channel(cfg.string("channel"))) {
    if (cfg.has("fail_payload")) fail_payload_ = cfg.string("fail_payload");
    if (cfg.has("events_channel")) events_ = &channel(cfg.string("events_channel"));
    name_ = cfg.string("channel");
  }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results& results) override {
    size_t now = ++concurrent_;
    struct Leave {
      std::atomic<size_t>& c;
      ~Leave() { --c; }
    } leave{concurrent_};
    int delay = 0;
    std::function<void()> on_write;
    {
      std::lock_guard cl(ch_.mu);
      ch_.max_concurrent = std::max(ch_.max_concurrent, now);
      delay = ch_.delay_ms;
      on_write = ch_.on_write;
    }
    if (on_write) on_write();
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    {
      std::lock_guard cl(ch_.mu);
      if (ch_.fail_writes > 0) {
        --ch_.fail_writes;
        throw sdk::Error("injected failure");
      }
    }
    plugctl_status headline = PLUGCTL_OK;
    std::lock_guard cl(ch_.mu);
    size_t delivered = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto m = batch[i];
      if (!fail_payload_.empty() && m.payload() == fail_payload_ && ch_.fail_payload_times != 0) {
        if (ch_.fail_payload_times > 0) --ch_.fail_payload_times;
        results.set(i, PLUGCTL_ERROR, "refused payload " + fail_payload_);
        headline = PLUGCTL_ERROR;
        continue;
      }
      ++delivered;
      ch_.events.push_back("recv " + std::string(m.payload()));
      if (events_ != nullptr && events_ != &ch_) {
        std::lock_guard el(events_->mu);
        events_->events.push_back("recv " + name_ + " " + std::string(m.payload()));
      }
      results.set(i, PLUGCTL_OK);
      ch_.received.emplace_back(m.payload());
      std::map<std::string, std::string> md;
      for (size_t k = 0; k < m.meta_count(); ++k) {
        auto [key, value] = m.meta_at(k);
        md.emplace(key, value);
      }
      ch_.received_meta.push_back(std::move(md));
      ch_.received_errors.emplace_back(m.error().value_or(""));
    }
    ch_.batch_sizes.push_back(delivered);
    return headline;
  }

private:
  Channel& ch_;
  Channel* events_ = nullptr; // also log deliveries into this channel's timeline
  std::string name_;
  std::string fail_payload_;
  std::atomic<size_t> concurrent_{0};
};

PLUGCTL_REGISTER_OUTPUT(
    TestCapture, .name = "test_capture", .summary = "Test output (test binary only).",
    .spec =
        sdk::Spec()
            .field(sdk::Field::string("channel", "Channel name."))
            .field(
                sdk::Field::string("fail_payload", "Refuse messages with this payload.").optional())
            .field(sdk::Field::string("events_channel", "Also record deliveries there.").optional())
            .max_in_flight(1)
            .batching(),
    .flags = PLUGCTL_FLAG_CONCURRENT_WRITES);

// Processor test_fail: flags messages whose payload contains `fail_on` (the SDK's
// MessageProcessor turns the exception into the message's error flag).
class TestFail final : public sdk::MessageProcessor {
public:
  TestFail(const sdk::Context&, const sdk::Config& cfg) : fail_on_(cfg.string("fail_on")) {}
  void process_message(const sdk::MessageRef& m) override {
    if (m.payload().find(fail_on_) != std::string_view::npos)
      throw sdk::Error("test_fail: payload contains '" + fail_on_ + "'");
  }

private:
  std::string fail_on_;
};
PLUGCTL_REGISTER_PROCESSOR(TestFail, .name = "test_fail", .summary = "Test processor.",
                           .spec = sdk::Spec().field(sdk::Field::string("fail_on", "Substring.")));

// Processor test_filter: drops messages whose payload contains `drop`, and fails the whole
// batch when one contains `fail_batch`.
class TestFilter final : public sdk::Processor {
public:
  TestFilter(const sdk::Context&, const sdk::Config& cfg)
      : drop_(cfg.string("drop")), fail_batch_(cfg.string("fail_batch")) {}
  void process(sdk::Batch& in, sdk::Batch& out) override {
    for (size_t i = 0; i < in.size(); ++i)
      if (!fail_batch_.empty() && in[i].payload().find(fail_batch_) != std::string_view::npos)
        throw sdk::Error("test_filter: batch refused");
    for (size_t i = 0; i < in.size(); ++i)
      if (drop_.empty() || in[i].payload().find(drop_) == std::string_view::npos)
        out.push(in.take(i));
  }

private:
  std::string drop_, fail_batch_;
};
PLUGCTL_REGISTER_PROCESSOR(
    TestFilter, .name = "test_filter", .summary = "Test processor.",
    .spec = sdk::Spec()
                .field(sdk::Field::string("drop", "Substring.").default_value(""))
                .field(sdk::Field::string("fail_batch", "Substring.").default_value("")));

} // namespace
} // namespace plugctl::test
