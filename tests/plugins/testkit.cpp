// libplugctl-testkit.so: components that record what the host does to them, for the delivery
// tests (at-least-once, nack redelivery, per-message retries, in-flight limits).
//
//  input `recorder`: payloads "0".."count-1" in batches; logs every read and ack to record_path;
//    re-sends nacked batches itself (no AUTO_REPLAY flag); ends only when everything was acked.
//  output `flaky`: fails whole writes or single messages on request; logs what it delivered;
//    allows concurrent writes up to max_in_flight and logs the most it saw at once.
//
// Record files get one line per event, each written with a single write(2) and O_APPEND, so a
// test can read them at any time (even after a crash).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <optional>
#include <plugctl/sdk.hpp>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>

namespace sdk = plugctl::sdk;

namespace {

class RecordFile {
public:
  explicit RecordFile(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw sdk::Error("cannot open record_path " + path + ": " + std::strerror(errno));
  }
  RecordFile(const RecordFile&) = delete;
  RecordFile& operator=(const RecordFile&) = delete;
  ~RecordFile() { ::close(fd_); }

  // Appends `text` and a line break. Thread-safe.
  void line(std::string text) {
    text.push_back('\n');
    std::lock_guard lock(mu_);
    const char* p = text.data();
    size_t n = text.size();
    while (n != 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return; // a test reading the file will notice the gap
      p += w;
      n -= static_cast<size_t>(w);
    }
  }

private:
  std::string path_;
  int fd_;
  std::mutex mu_;
};

int64_t int_or(const sdk::Config& cfg, const char* name, int64_t def) {
  return cfg.has(name) ? cfg.integer(name) : def;
}

// ---------------------------------------------------------------------------------------------
class Recorder final : public sdk::Input {
public:
  Recorder(const sdk::Context&, const sdk::Config& cfg)
      : count_(cfg.integer("count")), batch_size_(int_or(cfg, "batch_size", 1)),
        record_(cfg.string("record_path")) {
    if (count_ < 0) throw sdk::ConfigError("field /count must be >= 0");
    if (batch_size_ < 1) throw sdk::ConfigError("field /batch_size must be >= 1");
  }
  ~Recorder() override { close(); }

  plugctl_status read(sdk::ReadResult& out) override {
    std::unique_lock lock(mu_);
    Range r{};
    if (!resend_.empty()) {
      r = resend_.front();
      resend_.pop_front();
    } else if (next_ < count_) {
      r = {next_, std::min(count_, next_ + batch_size_) - 1};
      next_ = r.last + 1;
    } else if (outstanding_.empty()) {
      return PLUGCTL_END_OF_INPUT;
    } else {
      acked_.wait_for(lock, std::chrono::milliseconds(50)); // a nack brings work back
      return PLUGCTL_AGAIN;
    }
    const uint64_t token = next_token_++;
    outstanding_.emplace(token, r);
    max_outstanding_ = std::max(max_outstanding_, outstanding_.size());
    // Recorded before the host can see the token, so "read" always precedes its "ack".
    record_.line("read " + std::to_string(token) + " " + std::to_string(r.first) + "-" +
                 std::to_string(r.last));
    lock.unlock();

    sdk::OwnedBatch batch(static_cast<size_t>(r.last - r.first + 1));
    for (int64_t i = r.first; i <= r.last; ++i)
      batch.push(std::to_string(i));
    out.batch.emplace(std::move(batch));
    out.token = token;
    return PLUGCTL_OK;
  }

  void ack(uint64_t token, plugctl_status status, std::string_view reason) override {
    std::lock_guard lock(mu_);
    auto it = outstanding_.find(token);
    if (it == outstanding_.end()) {
      record_.line("unknown-ack " + std::to_string(token)); // a host bug the tests look for
      return;
    }
    if (status == PLUGCTL_OK) {
      record_.line("ack " + std::to_string(token) + " ok");
    } else {
      record_.line("nack " + std::to_string(token) + " " + std::string(reason));
      resend_.push_back(it->second);
    }
    outstanding_.erase(it);
    acked_.notify_all();
  }

  void close() override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    record_.line("max_outstanding " + std::to_string(max_outstanding_));
  }

private:
  struct Range {
    int64_t first, last; // inclusive
  };
  const int64_t count_, batch_size_;
  RecordFile record_;
  std::mutex mu_;
  std::condition_variable acked_;
  int64_t next_ = 0;
  uint64_t next_token_ = 1;
  std::map<uint64_t, Range> outstanding_;
  std::deque<Range> resend_;
  size_t max_outstanding_ = 0;
  bool closed_ = false;
};

PLUGCTL_REGISTER_INPUT(
    Recorder, .name = "recorder", .summary = "Counts and records every read and ack.",
    .description = "Emits payloads `0` to `count-1` in batches of `batch_size` and appends a line "
                   "per event to `record_path`: `read <token> <first>-<last>`, `ack <token> ok`, "
                   "`nack <token> <reason>`, and `max_outstanding <n>` on close. Re-sends nacked "
                   "batches itself and ends only once everything was acknowledged.",
    .spec =
        sdk::Spec()
            .field(sdk::Field::integer("count", "Messages to produce."))
            .field(sdk::Field::integer("batch_size", "Most messages per batch.").default_value(1))
            .field(sdk::Field::string("record_path", "File the event lines are appended to.")),
    .stability = PLUGCTL_STABILITY_EXPERIMENTAL, .categories = "Testing");

// ---------------------------------------------------------------------------------------------
class Flaky final : public sdk::Output {
public:
  Flaky(const sdk::Context&, const sdk::Config& cfg)
      : fail_first_(int_or(cfg, "fail_first", 0)),
        fail_pattern_(cfg.optional_string("fail_pattern").value_or("")),
        heal_after_(int_or(cfg, "heal_after", 0)),
        delay_(cfg.has("delay") ? cfg.duration("delay") : std::chrono::nanoseconds(0)) {
    if (auto path = cfg.optional_string("record_path")) record_.emplace(*path);
  }
  ~Flaky() override { close(); }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results& results) override {
    InFlight guard(*this);
    const int64_t call = ++calls_;
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    if (call <= fail_first_) throw sdk::Error("injected failure " + std::to_string(call));

    const bool pattern_fails = !fail_pattern_.empty() && (heal_after_ == 0 || call <= heal_after_);
    size_t failed = 0;
    for (size_t i = 0, n = batch.size(); i < n; ++i) {
      std::string_view payload = batch[i].payload();
      if (pattern_fails && payload.find(fail_pattern_) != std::string_view::npos) {
        ++failed;
      } else if (record_) {
        record_->line("write " + std::string(payload));
      }
    }
    if (failed == 0) return PLUGCTL_OK;
    for (size_t i = 0, n = batch.size(); i < n; ++i) {
      if (batch[i].payload().find(fail_pattern_) != std::string_view::npos) {
        results.set(i, PLUGCTL_ERROR, "injected failure for pattern '" + fail_pattern_ + "'");
      } else {
        results.set(i, PLUGCTL_OK);
      }
    }
    throw sdk::Error(std::to_string(failed) + " of " + std::to_string(batch.size()) +
                     " messages match fail_pattern");
  }

  void close() override {
    if (closed_.exchange(true)) return;
    if (record_) record_->line("max_concurrent " + std::to_string(max_concurrent_.load()));
  }

private:
  // Counts the write calls running at once.
  struct InFlight {
    explicit InFlight(Flaky& f) : f_(f) {
      int64_t now = ++f_.in_flight_;
      int64_t seen = f_.max_concurrent_.load();
      while (now > seen && !f_.max_concurrent_.compare_exchange_weak(seen, now)) {}
    }
    ~InFlight() { --f_.in_flight_; }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    Flaky& f_;
  };

  const int64_t fail_first_;
  const std::string fail_pattern_;
  const int64_t heal_after_;
  const std::chrono::nanoseconds delay_;
  std::optional<RecordFile> record_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> max_concurrent_{0};
  std::atomic<bool> closed_{false};
};

PLUGCTL_REGISTER_OUTPUT(
    Flaky, .name = "flaky", .summary = "Fails writes on request and records deliveries.",
    .description =
        "The first `fail_first` write calls fail with `injected failure <n>`. Messages whose "
        "payload contains `fail_pattern` fail on their own (per-message results) in every call "
        "up to call `heal_after` (0: forever). Delivered payloads are appended to `record_path` "
        "as `write <payload>`, and `max_concurrent <n>` (the most write calls seen at once) on "
        "close. Writes may run concurrently, up to `max_in_flight`.",
    .spec =
        sdk::Spec()
            .field(
                sdk::Field::integer("fail_first", "Write calls that fail first.").default_value(0))
            .field(sdk::Field::string("fail_pattern",
                                      "Messages containing this text fail (a substring, "
                                      "not a regex).")
                       .optional())
            .field(sdk::Field::integer("heal_after",
                                       "Write calls after which fail_pattern stops failing; "
                                       "0 never heals.")
                       .default_value(0))
            .field(sdk::Field::string("record_path", "File the delivered payloads are "
                                                     "appended to.")
                       .optional())
            .field(sdk::Field::duration("delay", "Sleep in every write call.").default_value("0s"))
            .max_in_flight(1),
    .stability = PLUGCTL_STABILITY_EXPERIMENTAL, .flags = PLUGCTL_FLAG_CONCURRENT_WRITES,
    .categories = "Testing");

} // namespace

PLUGCTL_PLUGIN(.name = "testkit", .version = "1.0.0", .vendor = "plugctl",
               .description = "Recording and fault-injecting components for delivery tests.");
