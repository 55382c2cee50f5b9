// The pipeline engine: input -> (pipeline processors x threads) -> output, with transactions.
//
// Delivery contract (DESIGN.md §3):
//  - A batch read from the input is a transaction. It is acknowledged to the input only after
//    every message derived from it was accepted by the output, or dropped on purpose by a
//    processor; a message that cannot be written is retried, then nacked to the input, never
//    dropped. Inputs flagged AUTO_REPLAY_NACKS get nacked batches replayed by the engine.
//  - Every stage is connected by a bounded queue, and the output has at most max_in_flight
//    writes outstanding, so a stalled output stops the input (back pressure) instead of growing
//    memory. At most `inflight_bound()` transactions are unacknowledged at any time.
//  - stop(): stop reading, drain within shutdown_timeout, then close.
#pragma once

#include "broker/sink.hpp"
#include "config/config.hpp"
#include "pipeline/components.hpp"
#include "pipeline/nodes.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace plugctl::core {

struct EngineOptions {
  // Output write retries before a nack, with exponential backoff.
  int write_retries = 3;
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds retry_backoff_max{2000};
  // Backoff of the engine's replay of nacked batches (AUTO_REPLAY_NACKS inputs).
  std::chrono::milliseconds replay_backoff{100};
  std::chrono::milliseconds replay_backoff_max{5000};
  // Reconnect backoff of inputs and outputs.
  std::chrono::milliseconds connect_backoff{200};
  std::chrono::milliseconds connect_backoff_max{10000};
};

struct EngineStats {
  uint64_t batches_read = 0;
  uint64_t messages_read = 0;
  uint64_t messages_written = 0;
  uint64_t write_failures = 0; // failed message writes (each retry counts)
  uint64_t acks = 0;
  uint64_t nacks = 0;
  uint64_t replays = 0;
  uint64_t max_outstanding = 0; // most unacknowledged transactions seen at once
};

class Engine {
public:
  // Builds every component (activating the plugins it needs). Throws std::runtime_error naming
  // the component when one cannot be created.
  Engine(const Config& cfg, const Registry& reg, EngineOptions opts = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs until the input is drained (exit 0), or stop() was called and the pipeline drained
  // (exit 0), or the shutdown timeout passed (exit 1), or a component failed fatally (exit 1).
  int run();
  // Asks for a graceful stop. Thread-safe; a second call while stopping forces the exit.
  void stop();
  bool timed_out() const { return timed_out_.load(); }

  EngineStats stats() const;
  // The most transactions that can be unacknowledged at once with this config.
  size_t inflight_bound() const;

private:
  struct Txn;
  struct Work;
  using TxnPtr = std::shared_ptr<Txn>;

  struct Leaf;
  struct InputNode;
  std::unique_ptr<InputNode> build_input(const ComponentConfig& cc,
                                         std::vector<ProcessorNodes*> outer, BuildContext& bctx,
                                         int depth);
  void run_input(InputNode& node);
  void leaf_loop(Leaf& leaf);
  void run_chains(Leaf& leaf, std::shared_ptr<Batch>& batch);
  void set_leaf_state(Leaf& leaf, bool reading, bool idle);
  void processor_loop();
  void output_loop();

  bool push_processor_inbox(Work&& w);
  bool push_output_inbox(Work&& w);
  void to_output(Work&& w);
  void resolve(const TxnPtr& txn, size_t delivered, size_t failed, const std::string& err);
  void finish_txn(const TxnPtr& txn);
  bool connect_with_backoff(const std::function<plugctl_status(std::string&)>& fn,
                            const std::string& what);
  bool sleep_for(std::chrono::nanoseconds d); // false when hard-stopped
  void fatal(const std::string& why);

  Config cfg_;
  EngineOptions opts_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> hard_stop_{false};
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> failed_{false};

  std::unique_ptr<InputNode> input_root_; // the input tree (brokers, sequences, leaves)
  std::vector<Leaf*> leaves_;
  ProcessorNodes pipeline_procs_;
  SinkStats sink_stats_;
  std::unique_ptr<Sink> sink_; // the output tree
  size_t threads_ = 1;

  // One lock for the engine's coordination state (queues are small; contention is per batch).
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Work> proc_inbox_;
  size_t proc_inbox_cap_ = 1;
  std::deque<Work> out_inbox_;
  size_t out_inbox_cap_ = 1;
  size_t outstanding_ = 0;    // transactions unacknowledged
  size_t proc_busy_ = 0;      // processor workers holding work
  size_t out_busy_ = 0;       // the output loop handing a batch to the output tree
  bool reading_done_ = false; // the input reads no new data (EOF, stop or fatal)
  bool input_idle_ = false;   // every reading input's last read found nothing (AGAIN/BACKOFF)
  size_t leaves_reading_ = 0; // leaves not yet at EOF (or stopped), including those to come
  bool input_done_ = false;   // the input thread has finished (everything acknowledged)
  bool procs_done_ = false;
  bool output_done_ = false;
  std::string fatal_error_;
  EngineStats stats_;
  std::mutex ack_mu_; // serialises plugin ack calls with close

  std::vector<std::thread> threads_pool_;
};

} // namespace plugctl::core
