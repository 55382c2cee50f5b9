// input `kafka`: a librdkafka consumer whose offsets are committed by per-partition
// checkpointers (kafka_checkpoint.hpp), never by librdkafka's auto-commit.
//
// Threads:
//  - read() runs on one host thread at a time. It polls the consumer queue, so librdkafka's
//    rebalance callback (assign/revoke) runs on this thread, inside read().
//  - ack() runs on any host thread, concurrently with read(); it only marks spans acknowledged.
//  - one committer thread commits the checkpoints every commit_period.
// mu_ guards the assignment (parts_), the checkpointers and the outstanding tokens. commit_mu_
// serialises a commit (snapshot + request) with a revoke, so a partition's offsets are only ever
// committed while this instance owns it.
//
// Nacks: the component is flagged PLUGCTL_FLAG_AUTO_REPLAY_NACKS, so plugctl keeps a nacked batch
// and replays it until it is delivered (Kafka has no nack), reading nothing new meanwhile. The
// span stays unacknowledged in its checkpointer, so no commit passes it.
#include "kafka_checkpoint.hpp"
#include "kafka_client.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace plugctl::kafka {
namespace {

using Clock = std::chrono::steady_clock;

// One assigned partition. A new object is made on every assignment, so acknowledgements of
// messages read under an earlier assignment (revoked since) never touch the new checkpointer.
struct PartitionState {
  PartitionState(std::string t, int32_t p) : topic(std::move(t)), partition(p) {}
  std::string topic;
  int32_t partition;
  std::string partition_text = std::to_string(partition);
  Checkpointer checkpoint; // under mu_
  int64_t committed = -1;  // last offset committed by this instance (under mu_)
  bool revoked = false;    // under mu_
};
using PartitionPtr = std::shared_ptr<PartitionState>;
using PartitionKey = std::pair<std::string, int32_t>;

struct Span {
  PartitionPtr part;
  uint64_t handle;
};

// The librdkafka messages of one batch: their payloads are handed out without copying and
// destroyed once the last message viewing them is gone.
struct MessageHold {
  std::vector<rd_kafka_message_t*> msgs;
  MessageHold() = default;
  MessageHold(const MessageHold&) = delete;
  MessageHold& operator=(const MessageHold&) = delete;
  ~MessageHold() {
    for (auto* m : msgs)
      rd_kafka_message_destroy(m);
  }
};

class KafkaInput;

// The client's opaque: the shared log/error side, and the input its rebalances go to.
struct InputEvents : ClientEvents {
  using ClientEvents::ClientEvents;
  KafkaInput* input = nullptr;
};

class KafkaInput final : public sdk::Input {
public:
  KafkaInput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_input_config(cfg)), events_(ctx, "kafka input"),
        addresses_(joined_addresses(cfg_.client)) {
    // Build the configuration now, so that a property librdkafka refuses fails at create time.
    conf_.reset(rd_kafka_conf_new());
    apply_properties(conf_.get(), input_properties(cfg_));
    read_cap_ = cfg_.batch_count != 0 ? cfg_.batch_count : kDefaultReadBatch;
    events_.input = this;
  }
  KafkaInput(const KafkaInput&) = delete;
  KafkaInput& operator=(const KafkaInput&) = delete;
  ~KafkaInput() override { shutdown(); }

  void connect() override {
    if (rk_ == nullptr) create_consumer();
    auto md = fetch_metadata(rk_, events_, addresses_, 5000);
    if (!started_) start(md.get());
  }

  plugctl_status read(sdk::ReadResult& out) override {
    if (rk_ == nullptr || !started_) throw sdk::NotConnected("kafka input is not connected");

    auto hold = std::make_unique<MessageHold>();
    auto& msgs = hold->msgs;
    msgs.reserve(read_cap_);
    size_t bytes = 0;
    std::string error;
    begin_room();
    take_held(msgs, bytes);
    if (hold_full()) {
      // A partition at its limit has fetch_buffer_cap messages waiting: read nothing more until
      // its acknowledgements come back (librdkafka stops fetching once its own queue is full).
      if (msgs.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return PLUGCTL_AGAIN;
      }
      out.batch.emplace(build_batch(std::move(hold), out.token));
      return PLUGCTL_OK;
    }
    const auto deadline = Clock::now() + cfg_.batch_period;
    std::vector<rd_kafka_message_t*> got(read_cap_);
    for (bool waited = false;;) {
      if (msgs.size() >= read_cap_ || (cfg_.batch_bytes != 0 && bytes >= cfg_.batch_bytes)) break;
      // Take what has arrived without waiting; when nothing has, wait (at most 100 ms, or
      // what is left of batching.period) for the first message only.
      int timeout_ms = 0;
      size_t want = read_cap_ - msgs.size();
      if (cfg_.batch_period.count() > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 100));
      } else if (msgs.empty() && !waited) {
        timeout_ms = 100;
        want = 1;
      }
      ssize_t n;
      if (want == 1 && timeout_ms > 0) {
        // One message, returned as soon as it arrives (consume_batch_queue waits for `want`
        // messages or the whole timeout).
        rd_kafka_message_t* m = rd_kafka_consume_queue(queue_, timeout_ms);
        n = m != nullptr ? 1 : 0;
        got[0] = m;
      } else {
        n = rd_kafka_consume_batch_queue(queue_, timeout_ms, got.data(), want);
      }
      if (n < 0) {
        error = rd_kafka_err2str(rd_kafka_last_error());
        break;
      }
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = got[static_cast<size_t>(i)];
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          error = describe(m);
          rd_kafka_message_destroy(m);
          continue;
        }
        if (!admit(m)) continue; // held back: its partition is at checkpoint_limit
        bytes += m->len;
        msgs.push_back(m);
      }
      if (hold_full()) break;
      if (cfg_.batch_period.count() > 0) {
        if (ctx_.cancelled()) break;
        continue;
      }
      if (timeout_ms != 0) {
        waited = true;
        if (n > 0) continue; // the first message came: take the rest of what is there
        break;
      }
      if (n == 0 || n < static_cast<ssize_t>(want)) break;
    }
    if (msgs.empty()) {
      if (!error.empty()) throw sdk::Error("kafka input: " + error);
      return PLUGCTL_AGAIN;
    }
    if (!error.empty()) ctx_.warn("kafka input: " + error);
    out.batch.emplace(build_batch(std::move(hold), out.token));
    return PLUGCTL_OK;
  }

  void ack(uint64_t token, plugctl_status status, std::string_view reason) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return;
    if (status != PLUGCTL_OK) {
      // Not expected with AUTO_REPLAY_NACKS. Without a delivery, the spans stay unacknowledged:
      // their partitions never commit past them, and a restart reads them again.
      ctx_.warn("kafka input: batch rejected (" + std::string(reason) +
                "); its offsets stay uncommitted");
      tokens_.erase(it);
      return;
    }
    for (auto& s : it->second) {
      auto& p = *s.part;
      if (p.revoked) continue; // read under an earlier assignment: commits nothing
      p.checkpoint.ack(s.handle);
    }
    tokens_.erase(it);
  }

  void close() override { shutdown(); }

private:
  static std::string describe(const rd_kafka_message_t* m) {
    std::string where;
    if (m->rkt != nullptr) {
      where = "topic '" + std::string(rd_kafka_topic_name(m->rkt)) + "'";
      if (m->partition >= 0) where += " partition " + std::to_string(m->partition);
      where += ": ";
    }
    return where + rd_kafka_message_errstr(m);
  }

  void create_consumer() {
    // librdkafka takes the configuration over on success; keep ours for a later reconnect.
    rd_kafka_conf_t* conf = rd_kafka_conf_dup(conf_.get());
    events_.install(conf);
    rd_kafka_conf_set_rebalance_cb(conf, &KafkaInput::on_rebalance);
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (rk_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      throw sdk::FatalError(std::string("kafka input: cannot create the consumer: ") + err);
    }
    queue_ = rd_kafka_queue_get_consumer(rk_);
  }

  // Checks the topics, then subscribes (group) or assigns (explicit partitions). The committer
  // starts once this succeeded.
  void start(const rd_kafka_metadata_t* md) {
    std::vector<std::string> missing;
    for (const auto& t : cfg_.topics)
      if (topic_partitions(md, t) < 0) missing.push_back(t);
    for (const auto& tp : cfg_.explicit_tps) {
      int n = topic_partitions(md, tp.topic);
      if (n < 0) {
        missing.push_back(tp.topic);
        continue;
      }
      for (int32_t p : tp.partitions)
        if (p >= n)
          throw sdk::FatalError("kafka input: field /topics: topic '" + tp.topic + "' has " +
                                std::to_string(n) + " partition(s), there is no partition " +
                                std::to_string(p));
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& t : missing)
        list += (list.empty() ? "'" : ", '") + t + "'";
      throw sdk::Error("kafka input: unknown topic " + list + " on the brokers at " + addresses_ +
                       " (create it, or fix field /topics)");
    }
    if (!cfg_.topics.empty()) {
      auto list = new_partition_list(static_cast<int>(cfg_.topics.size()));
      for (const auto& t : cfg_.topics)
        rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
      rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list.get());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw sdk::Error(std::string("kafka input: cannot subscribe: ") + rd_kafka_err2str(err));
    } else {
      auto list = new_partition_list();
      {
        std::lock_guard lock(mu_);
        for (const auto& tp : cfg_.explicit_tps) {
          for (int32_t p : tp.partitions) {
            // The committed offset of the group, else auto.offset.reset (start_from_oldest).
            int64_t start =
                cfg_.consumer_group.empty()
                    ? (cfg_.start_from_oldest ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END)
                    : RD_KAFKA_OFFSET_INVALID;
            rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), p)->offset = start;
            parts_[{tp.topic, p}] = std::make_shared<PartitionState>(tp.topic, p);
          }
        }
      }
      rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list.get());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw sdk::Error(std::string("kafka input: cannot assign partitions: ") +
                         rd_kafka_err2str(err));
    }
    started_ = true;
    if (!cfg_.consumer_group.empty()) committer_ = std::thread([this] { commit_loop(); });
  }

  sdk::OwnedBatch build_batch(std::unique_ptr<MessageHold> hold, uint64_t& token) {
    auto& msgs = hold->msgs;
    // Group by partition (keeping each partition's order) so that topic and partition are set
    // once per group.
    std::stable_sort(msgs.begin(), msgs.end(), [](rd_kafka_message_t* a, rd_kafka_message_t* b) {
      if (a->rkt != b->rkt) return a->rkt < b->rkt;
      return a->partition < b->partition;
    });
    sdk::OwnedBatch batch(msgs.size());
    std::vector<std::pair<PartitionKey, std::pair<int64_t, size_t>>> spans; // (last offset, n)
    std::vector<size_t> group_start;
    char num[32];
    for (size_t i = 0; i < msgs.size(); ++i) {
      rd_kafka_message_t* m = msgs[i];
      const bool new_group =
          i == 0 || m->rkt != msgs[i - 1]->rkt || m->partition != msgs[i - 1]->partition;
      if (new_group) {
        spans.push_back({{rd_kafka_topic_name(m->rkt), m->partition}, {m->offset, 0}});
        group_start.push_back(i);
      }
      auto& span = spans.back().second;
      span.first = m->offset;
      ++span.second;
    }
    // Payloads view librdkafka's buffers; the hold owns them until the last message is gone.
    auto shared = sdk::Shared::owning(std::move(hold));
    for (size_t i = 0; i < msgs.size(); ++i) {
      rd_kafka_message_t* m = msgs[i];
      auto ref = batch.push_shared(
          shared, std::string_view(static_cast<const char*>(m->payload), m->payload ? m->len : 0));
      ref.set_meta(meta::kKey, std::string_view(static_cast<const char*>(m->key),
                                                m->key != nullptr ? m->key_len : 0));
      ref.set_meta(meta::kOffset, std::string_view(num, fmt_int(num, m->offset)));
      rd_kafka_timestamp_type_t tstype;
      int64_t ts = rd_kafka_message_timestamp(m, &tstype);
      if (ts >= 0) {
        ref.set_meta(meta::kTimestampUnix, std::string_view(num, fmt_int(num, ts / 1000)));
        ref.set_meta(meta::kTimestampMs, std::string_view(num, fmt_int(num, ts)));
      }
      if (m->payload == nullptr) ref.set_meta(meta::kTombstone, "true");
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t h = 0;
             rd_kafka_header_get_all(hdrs, h, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++h)
          ref.set_meta(
              name, std::string_view(static_cast<const char*>(value), value != nullptr ? size : 0));
      }
    }
    // Per partition group: topic, partition and lag (against the cached high watermark).
    for (size_t g = 0; g < group_start.size(); ++g) {
      size_t start = group_start[g];
      size_t end = g + 1 < group_start.size() ? group_start[g + 1] : msgs.size();
      rd_kafka_message_t* first = msgs[start];
      batch.set_meta(meta::kTopic, rd_kafka_topic_name(first->rkt), start);
      batch.set_meta(meta::kPartition, std::string_view(num, fmt_int(num, first->partition)),
                     start);
      int64_t low = 0, high = -1;
      rd_kafka_get_watermark_offsets(rk_, rd_kafka_topic_name(first->rkt), first->partition, &low,
                                     &high);
      for (size_t i = start; i < end; ++i) {
        int64_t lag = high >= 0 ? std::max<int64_t>(high - msgs[i]->offset - 1, 0) : 0;
        batch.at(i).set_meta(meta::kLag, std::string_view(num, fmt_int(num, lag)));
      }
    }

    {
      std::lock_guard lock(mu_);
      token = ++next_token_;
      auto& tracked = tokens_[token];
      tracked.reserve(spans.size());
      for (auto& [key, span] : spans) {
        auto it = parts_.find(key);
        PartitionPtr part;
        if (it != parts_.end()) {
          part = it->second;
        } else {
          // A message of a partition no longer assigned (revoked while it was fetched): it is
          // delivered, and its acknowledgement commits nothing.
          part = std::make_shared<PartitionState>(key.first, key.second);
          part->revoked = true;
        }
        tracked.push_back(Span{part, part->checkpoint.track(span.first, span.second)});
      }
    }
    return batch;
  }

  static size_t fmt_int(char* buf, int64_t v) {
    auto [p, ec] = std::to_chars(buf, buf + 32, v);
    (void)ec;
    return static_cast<size_t>(p - buf);
  }

  // --- checkpoint_limit ------------------------------------------------------------------------
  //
  // A partition with checkpoint_limit messages in flight gets no more until acknowledgements
  // come back: what the consumer hands out for it meanwhile waits here, in order, on the read
  // thread. Once fetch_buffer_cap messages of one partition wait, the input stops taking
  // messages from librdkafka (whose queue then fills and stops fetching) until they can go.
  // librdkafka's pause is not used for this: it drops the prefetched messages, and librdkafka 2.0
  // fetches again only at its next one-second wakeup, which would cap the throughput.

  struct Held {
    const rd_kafka_topic_t* rkt;
    int32_t partition;
    std::deque<rd_kafka_message_t*> msgs;
    size_t room = 0; // messages it may still hand out in this read
  };

  Held& held_of(const rd_kafka_message_t* m) {
    for (auto& h : held_)
      if (h.rkt == m->rkt && h.partition == m->partition) return h;
    held_.push_back(Held{m->rkt, m->partition, {}, 0});
    Held& h = held_.back();
    h.room = room_of(rd_kafka_topic_name(m->rkt), m->partition);
    return h;
  }

  // Messages the partition may hand out now (checkpoint_limit minus those in flight).
  size_t room_of(const char* topic, int32_t partition) {
    std::lock_guard lock(mu_);
    auto it = parts_.find({topic, partition});
    if (it == parts_.end()) return SIZE_MAX; // not assigned (any more): nothing to bound
    size_t pending = it->second->checkpoint.pending();
    return pending >= cfg_.checkpoint_limit ? 0 : cfg_.checkpoint_limit - pending;
  }

  void begin_room() {
    for (auto it = held_.begin(); it != held_.end();) {
      if (it->msgs.empty()) {
        it = held_.erase(it);
        continue;
      }
      it->room = room_of(rd_kafka_topic_name(it->rkt), it->partition);
      ++it;
    }
  }

  bool hold_full() const {
    for (const auto& h : held_)
      if (h.msgs.size() >= static_cast<size_t>(cfg_.fetch_buffer_cap)) return true;
    return false;
  }

  // Moves held messages of partitions with room into the batch (oldest first).
  void take_held(std::vector<rd_kafka_message_t*>& msgs, size_t& bytes) {
    for (auto& h : held_) {
      while (!h.msgs.empty() && h.room > 0 && msgs.size() < read_cap_) {
        rd_kafka_message_t* m = h.msgs.front();
        h.msgs.pop_front();
        --h.room;
        bytes += m->len;
        msgs.push_back(m);
      }
    }
  }

  // Whether a fresh message goes into this batch; if not it is held.
  bool admit(rd_kafka_message_t* m) {
    Held& h = held_of(m);
    if (h.msgs.empty() && h.room > 0) {
      if (h.room != SIZE_MAX) --h.room;
      return true;
    }
    h.msgs.push_back(m);
    return false;
  }

  // Drops what is held for partitions this instance no longer owns (the new owner reads them
  // from the last commit). On the read thread.
  void drop_held(const rd_kafka_topic_partition_list_t* parts) {
    for (auto it = held_.begin(); it != held_.end();) {
      if (parts == nullptr || rd_kafka_topic_partition_list_find(
                                  parts, rd_kafka_topic_name(it->rkt), it->partition) != nullptr) {
        for (auto* m : it->msgs)
          rd_kafka_message_destroy(m);
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // --- commits --------------------------------------------------------------------------------

  // Commits every checkpoint that moved (of `only` when given). Caller holds commit_mu_.
  void commit_now(const rd_kafka_topic_partition_list_t* only) {
    if (cfg_.consumer_group.empty() || rk_ == nullptr) return;
    auto list = new_partition_list();
    std::vector<PartitionPtr> sent;
    {
      std::lock_guard lock(mu_);
      for (auto& [key, p] : parts_) {
        if (only != nullptr &&
            rd_kafka_topic_partition_list_find(only, p->topic.c_str(), p->partition) == nullptr)
          continue;
        int64_t c = p->checkpoint.committable();
        if (c < 0 || c <= p->committed) continue;
        rd_kafka_topic_partition_list_add(list.get(), p->topic.c_str(), p->partition)->offset = c;
        sent.push_back(p);
      }
    }
    if (list->cnt == 0) return;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ctx_.warn(std::string("kafka input: commit failed (retried next period): ") +
                rd_kafka_err2str(err));
      return;
    }
    std::lock_guard lock(mu_);
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ctx_.warn("kafka input: commit of " + std::string(e.topic) + "/" +
                  std::to_string(e.partition) + " failed: " + rd_kafka_err2str(e.err));
        continue;
      }
      sent[static_cast<size_t>(i)]->committed = e.offset;
    }
  }

  void commit_loop() {
    std::unique_lock lock(stop_mu_);
    for (;;) {
      stop_cv_.wait_for(lock, cfg_.commit_period, [&] { return stopping_; });
      if (stopping_) return;
      lock.unlock();
      {
        std::lock_guard cl(commit_mu_);
        commit_now(nullptr);
      }
      lock.lock();
    }
  }

  // --- rebalances (on the read thread, inside rd_kafka_consume_batch_queue) --------------------

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    (void)rk;
    auto* events = static_cast<InputEvents*>(static_cast<ClientEvents*>(opaque));
    if (events != nullptr && events->input != nullptr) events->input->rebalance(err, parts);
  }

  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk_)) == "COOPERATIVE";
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      {
        std::lock_guard lock(mu_);
        for (int i = 0; i < parts->cnt; ++i) {
          const auto& e = parts->elems[i];
          parts_[{e.topic, e.partition}] = std::make_shared<PartitionState>(e.topic, e.partition);
        }
      }
      ctx_.info("kafka input: assigned " + describe(parts));
      if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, parts);
        if (e != nullptr) {
          ctx_.error(std::string("kafka input: incremental assign failed: ") +
                     rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk_, parts);
      }
      return;
    }
    // Revoked (or an error, treated as losing everything): commit what was acknowledged while
    // the partitions are still ours, then forget them. Later acknowledgements of their messages
    // find `revoked` set and commit nothing.
    {
      std::lock_guard cl(commit_mu_);
      if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk_))
        commit_now(parts);
      std::lock_guard lock(mu_);
      for (int i = 0; i < parts->cnt; ++i) {
        const auto& e = parts->elems[i];
        auto it = parts_.find({e.topic, e.partition});
        if (it == parts_.end()) continue;
        it->second->revoked = true;
        parts_.erase(it);
      }
    }
    drop_held(parts);
    ctx_.info("kafka input: revoked " + describe(parts));
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, parts);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
  }

  static std::string describe(const rd_kafka_topic_partition_list_t* parts) {
    std::map<std::string, std::vector<int32_t>> by_topic;
    for (int i = 0; i < parts->cnt; ++i)
      by_topic[parts->elems[i].topic].push_back(parts->elems[i].partition);
    std::string s;
    for (auto& [t, ps] : by_topic) {
      std::sort(ps.begin(), ps.end());
      s += (s.empty() ? "" : ", ") + t + "[";
      for (size_t i = 0; i < ps.size(); ++i)
        s += (i ? "," : "") + std::to_string(ps[i]);
      s += "]";
    }
    return s.empty() ? "nothing" : s;
  }

  void shutdown() {
    if (rk_ == nullptr) return;
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (committer_.joinable()) committer_.join();
    {
      std::lock_guard cl(commit_mu_);
      commit_now(nullptr); // what was acknowledged since the last period
    }
    // Leaves the group (the revoke callback runs here, on this thread).
    rd_kafka_consumer_close(rk_);
    drop_held(nullptr);
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    started_ = false;
  }

  sdk::Context ctx_;
  InputConfig cfg_;
  InputEvents events_;
  std::string addresses_;
  ConfPtr conf_;
  size_t read_cap_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  bool started_ = false;

  std::mutex mu_;
  std::map<PartitionKey, PartitionPtr> parts_;
  std::unordered_map<uint64_t, std::vector<Span>> tokens_;
  uint64_t next_token_ = 0;
  std::list<Held> held_; // read thread only

  std::mutex commit_mu_;
  std::thread committer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

} // namespace

PLUGCTL_REGISTER_INPUT(KafkaInput, .name = "kafka",
                       .summary = "Consumes records from Kafka topics (consumer group or "
                                  "explicit partitions), committing only delivered offsets.",
                       .description = kInputDescription, .spec = input_spec(),
                       .stability = PLUGCTL_STABILITY_BETA, .flags = PLUGCTL_FLAG_AUTO_REPLAY_NACKS,
                       .categories = "Services", .examples = kInputExamples);

} // namespace plugctl::kafka
