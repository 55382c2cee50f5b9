// output `kafka`: a librdkafka producer; each write completes from the delivery reports of its
// messages, with a result per message.
//
// Threads: write_async is called in order from one host thread; it hands every message to
// librdkafka (which copies nothing: payloads stay in the host's batch, valid until the write
// completes) and returns. One poller thread serves librdkafka's delivery reports; the report of
// a write's last message completes the write (per-message results first). Up to max_in_flight
// writes are outstanding at once.
#include "kafka_client.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace plugctl::kafka {
namespace {

// One write_async call until its last delivery report.
struct Write {
  struct Cookie {
    Write* write;
    size_t index;
  };
  Write(size_t n, const sdk::Results& r, sdk::Completion d)
      : results(r), done(d), cookies(n), failed(n, 0), remaining(n) {
    for (size_t i = 0; i < n; ++i)
      cookies[i] = Cookie{this, i};
  }
  sdk::Results results;
  sdk::Completion done;
  std::vector<Cookie> cookies;
  std::vector<uint8_t> failed; // set before the matching `remaining` decrement
  std::atomic<size_t> remaining;
  std::atomic<size_t> n_failed{0};
  std::mutex mu;
  std::string first_error; // under mu

  void fail(size_t i, const std::string& why) {
    failed[i] = 1;
    n_failed.fetch_add(1);
    results.set(i, PLUGCTL_ERROR, why);
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = why;
  }

  // Counts `k` messages as settled; the last one completes the write and deletes it.
  void settle(size_t k) {
    if (remaining.fetch_sub(k) != k) return;
    if (n_failed.load() == 0) {
      done(PLUGCTL_OK);
    } else {
      // Messages without a result take the headline status: give the delivered ones theirs.
      for (size_t i = 0; i < failed.size(); ++i)
        if (failed[i] == 0) results.set(i, PLUGCTL_OK);
      std::string why;
      {
        std::lock_guard lock(mu);
        why = first_error;
      }
      done(PLUGCTL_ERROR, std::to_string(n_failed.load()) + " of " + std::to_string(failed.size()) +
                              " message(s) failed: " + why);
    }
    delete this;
  }
};

struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
};

class KafkaOutput final : public sdk::AsyncOutput {
public:
  KafkaOutput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_output_config(cfg)), events_(ctx, "kafka output"),
        addresses_(joined_addresses(cfg_.client)), topic_(ctx, cfg_.topic) {
    if (!cfg_.key.empty()) key_.emplace(ctx, cfg_.key);
    if (!cfg_.partition.empty()) partition_.emplace(ctx, cfg_.partition);
    if (!cfg_.timestamp.empty()) timestamp_.emplace(ctx, cfg_.timestamp);
    for (const auto& p : cfg_.include_patterns)
      patterns_.emplace_back(p);
    conf_.reset(rd_kafka_conf_new());
    if (cfg_.partitioner == Partitioner::RoundRobin) {
      // Before the properties: the default topic configuration replaces the one they fill.
      rd_kafka_topic_conf_t* tconf = rd_kafka_topic_conf_new();
      rd_kafka_topic_conf_set_partitioner_cb(tconf, &KafkaOutput::round_robin);
      rd_kafka_topic_conf_set_opaque(tconf, &rr_counter_);
      rd_kafka_conf_set_default_topic_conf(conf_.get(), tconf);
    }
    apply_properties(conf_.get(), output_properties(cfg_));
  }
  KafkaOutput(const KafkaOutput&) = delete;
  KafkaOutput& operator=(const KafkaOutput&) = delete;
  ~KafkaOutput() override { shutdown(); }

  void connect() override {
    if (rk_ == nullptr) create_producer();
    auto md = fetch_metadata(rk_, events_, addresses_, 5000);
    if (topic_.is_static()) {
      // A fixed topic is checked once, so a typo is reported at once and by name.
      if (topic_partitions(md.get(), cfg_.topic) < 0 &&
          !topic_exists(rk_, events_, addresses_, cfg_.topic, 5000))
        throw sdk::Error("kafka output: unknown topic '" + cfg_.topic + "' on the brokers at " +
                         addresses_ + " (create it, or fix field /topic)");
    }
  }

  void write_async(const sdk::ConstBatch& batch, const sdk::Results& results,
                   sdk::Completion done) override {
    if (rk_ == nullptr) throw sdk::NotConnected("kafka output is not connected");
    if (rd_kafka_fatal_error(rk_, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      char why[256];
      rd_kafka_fatal_error(rk_, why, sizeof why);
      ctx_.error(std::string("kafka output: producer failed fatally, recreating it: ") + why);
      shutdown();
      throw sdk::NotConnected(std::string("kafka output: producer failed: ") + why);
    }
    const size_t n = batch.size();
    if (n == 0) {
      done(PLUGCTL_OK);
      return;
    }
    auto* w = new Write(n, results, done);
    size_t settled_now = 0;
    for (size_t i = 0; i < n; ++i) {
      std::string why = produce(batch, i, &w->cookies[i]);
      if (!why.empty()) {
        w->fail(i, why);
        ++settled_now;
      }
    }
    // Delivery reports may already have settled the others (and deleted w) when this is the
    // last count: nothing may touch w afterwards.
    if (settled_now != 0) w->settle(settled_now);
  }

  // The synchronous form, for hosts that do not use write_batch_async.
  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results& results) override {
    struct Wait {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      plugctl_status status = PLUGCTL_OK;
      std::string msg;
    } wait;
    write_async(batch, results,
                sdk::Completion(
                    [](void* ctx, plugctl_status st, const char* m, size_t len) {
                      auto* w = static_cast<Wait*>(ctx);
                      std::lock_guard lock(w->mu);
                      w->status = st;
                      w->msg.assign(m == nullptr ? "" : m, len);
                      w->done = true;
                      w->cv.notify_all();
                    },
                    &wait));
    std::unique_lock lock(wait.mu);
    wait.cv.wait(lock, [&] { return wait.done; });
    if (wait.status != PLUGCTL_OK && !wait.msg.empty()) ctx_.warn(wait.msg);
    return wait.status;
  }

  void close() override { shutdown(); }

private:
  // Hands message i to librdkafka. Returns an error text when it was refused at once.
  std::string produce(const sdk::ConstBatch& batch, size_t i, Write::Cookie* cookie) {
    if (!batch.present(i)) return "message missing from the batch";
    sdk::ConstMessage msg = batch[i];
    std::string topic; // an interpolated topic's value (static_topic_ otherwise)
    std::string_view key;
    int32_t partition = RD_KAFKA_PARTITION_UA;
    int64_t timestamp = 0;
    try {
      if (static_topic_.empty()) {
        topic = std::string(topic_.eval(batch, i, buf_));
        if (topic_.is_static()) static_topic_ = topic;
      }
      if (key_) key = key_->eval(batch, i, key_buf_);
      if (partition_) partition = parse_partition(partition_->eval(batch, i, buf2_));
      if (timestamp_) timestamp = parse_timestamp(timestamp_->eval(batch, i, buf2_));
    } catch (const std::exception& e) {
      return std::string("kafka output: ") + e.what();
    }
    std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> headers;
    if (!cfg_.include_prefixes.empty() || !patterns_.empty()) {
      for (size_t k = 0, nk = msg.meta_count(); k < nk; ++k) {
        auto [name, value] = msg.meta_at(k);
        if (!include(name)) continue;
        if (!headers) headers.reset(rd_kafka_headers_new(8));
        rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                            value.data(), static_cast<ssize_t>(value.size()));
      }
    }
    const std::string& topic_name = static_topic_.empty() ? topic : static_topic_;
    std::string_view payload = msg.payload();
    const void* key_ptr = key_ ? key.data() : nullptr;
    const size_t key_len = key_ ? key.size() : 0;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
          RD_KAFKA_V_KEY(key_ptr, key_len), RD_KAFKA_V_TIMESTAMP(timestamp),
          RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(cookie), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void)headers.release(); // librdkafka owns them now
        return {};
      }
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // librdkafka's queue is full: wait for deliveries (the poller serves them).
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        return "kafka output: message of " + std::to_string(payload.size()) +
               " bytes is larger than max_msg_bytes (" + std::to_string(cfg_.max_msg_bytes) + ")";
      return "kafka output: cannot write to topic '" + topic_name + "': " + rd_kafka_err2str(err);
    }
  }

  static int32_t parse_partition(std::string_view s) {
    int32_t v = -1;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0)
      throw sdk::Error("partition '" + std::string(s) + "' is not a partition number");
    return v;
  }

  static int64_t parse_timestamp(std::string_view s) {
    std::string str(s);
    char* end = nullptr;
    double secs = std::strtod(str.c_str(), &end);
    if (str.empty() || end != str.c_str() + str.size() || !std::isfinite(secs) || secs < 0)
      throw sdk::Error("timestamp '" + str + "' is not a number of seconds since the epoch");
    return static_cast<int64_t>(std::llround(secs * 1000.0));
  }

  bool include(std::string_view key) {
    for (const auto& p : cfg_.include_prefixes)
      if (key.substr(0, p.size()) == p) return true;
    if (patterns_.empty()) return false;
    // Keys repeat from message to message: decide each once (write_async is single-threaded).
    auto it = include_cache_.find(std::string(key));
    if (it != include_cache_.end()) return it->second;
    bool match = false;
    for (const auto& re : patterns_)
      if (std::regex_match(key.begin(), key.end(), re)) {
        match = true;
        break;
      }
    if (include_cache_.size() > 10000) include_cache_.clear();
    include_cache_.emplace(std::string(key), match);
    return match;
  }

  static int32_t round_robin(const rd_kafka_topic_t* rkt, const void*, size_t,
                             int32_t partition_cnt, void* rkt_opaque, void*) {
    auto* counter = static_cast<std::atomic<uint64_t>*>(rkt_opaque);
    for (int32_t tries = 0; tries < partition_cnt; ++tries) {
      auto p = static_cast<int32_t>(counter->fetch_add(1) % static_cast<uint64_t>(partition_cnt));
      if (rd_kafka_topic_partition_available(rkt, p)) return p;
    }
    return static_cast<int32_t>(counter->fetch_add(1) % static_cast<uint64_t>(partition_cnt));
  }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* cookie = static_cast<Write::Cookie*>(m->_private);
    if (cookie == nullptr) return;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string where = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "?";
      cookie->write->fail(cookie->index, "kafka output: delivery to topic '" + where +
                                             "' failed: " + rd_kafka_err2str(m->err));
    }
    cookie->write->settle(1);
  }

  void create_producer() {
    rd_kafka_conf_t* conf = rd_kafka_conf_dup(conf_.get());
    events_.install(conf);
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaOutput::on_delivery);
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      throw sdk::FatalError(std::string("kafka output: cannot create the producer: ") + err);
    }
    stop_poller_ = false;
    poller_ = std::thread([this] {
      while (!stop_poller_.load())
        rd_kafka_poll(rk_, 100);
    });
  }

  void shutdown() {
    if (rk_ == nullptr) return;
    // The host closes after the last write completed; a flush here only covers a hard stop.
    rd_kafka_flush(rk_, 5000);
    stop_poller_ = true;
    if (poller_.joinable()) poller_.join();
    // Whatever is still queued fails now (its writes complete as failed, never hang).
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }

  sdk::Context ctx_;
  OutputConfig cfg_;
  ClientEvents events_;
  std::string addresses_;
  sdk::Interpolated topic_;
  std::string static_topic_; // the topic when it has no expressions (evaluated once)
  std::optional<sdk::Interpolated> key_, partition_, timestamp_;
  std::vector<std::regex> patterns_;
  std::unordered_map<std::string, bool> include_cache_;
  sdk::Buffer buf_, key_buf_, buf2_;
  ConfPtr conf_;
  std::atomic<uint64_t> rr_counter_{0};
  rd_kafka_t* rk_ = nullptr;
  std::thread poller_;
  std::atomic<bool> stop_poller_{false};
};

} // namespace

PLUGCTL_REGISTER_OUTPUT(KafkaOutput, .name = "kafka",
                        .summary = "Writes messages to Kafka, with per-message results from "
                                   "delivery reports.",
                        .description = kOutputDescription, .spec = output_spec(),
                        .stability = PLUGCTL_STABILITY_BETA, .categories = "Services",
                        .examples = kOutputExamples);

} // namespace plugctl::kafka
