// Output trees. Every output — a plugin's, a broker, a fallback, a switch — is a Sink: it takes
// batches and reports, exactly once per batch, the outcome of every message. Composite sinks
// hold children; the engine writes into the root.
//
// Contract:
//  - write() may block while the sink is saturated (its in-flight slots are taken): that is the
//    back pressure that reaches the input. It returns once the sink owns the batch.
//  - `done` is called exactly once per write, from any thread, with one Outcome per message of
//    the batch, after each message was delivered or failed for good (after the sink's retries).
//  - close() is called after the last completion; hard_stop() makes blocked writes and pending
//    retries give up (their messages fail with "shutting down").
#pragma once

#include "config/config.hpp"
#include "message/message.hpp"
#include "pipeline/nodes.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace plugctl::core {

struct Outcome {
  bool ok = true;
  std::string error; // why it failed
};

// The outcome of every message of a batch. All ok is the common case and costs no allocation;
// the per-message detail is allocated at the first failure.
class Outcomes {
public:
  Outcomes() = default;
  explicit Outcomes(size_t n) : n_(n) {}
  size_t size() const { return n_; }
  bool all_ok() const { return failures_ == 0; }
  size_t failures() const { return failures_; }
  bool ok(size_t i) const { return detail_.empty() || detail_[i].ok; }
  const Outcome& operator[](size_t i) const {
    static const Outcome kOk;
    return detail_.empty() ? kOk : detail_[i];
  }
  // The first failure's error ("" when all are ok).
  const std::string& first_error() const;
  void fail(size_t i, std::string why);
  void set_ok(size_t i);
  void set(size_t i, const Outcome& o) {
    if (o.ok)
      set_ok(i);
    else
      fail(i, o.error);
  }

private:
  size_t n_ = 0;
  size_t failures_ = 0;
  std::vector<Outcome> detail_; // empty while every message is ok
};
using Done = std::function<void(Outcomes)>;

// How a sink retries failed messages before reporting them failed.
struct RetryPolicy {
  int max_retries = 3; // -1: until success (or hard stop)
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{2000};
  std::chrono::milliseconds max_elapsed{0}; // 0: no limit
};

class Sink {
public:
  virtual ~Sink() = default;
  virtual void start() = 0;
  virtual void write(std::shared_ptr<const Batch> batch, Done done) = 0;
  virtual void close() = 0;
  virtual void hard_stop() = 0;
  // The most upstream batches this sink may hold at once (for the engine's in-flight bound).
  virtual size_t capacity() const = 0;
  // Whether a write now would block (for `greedy`).
  virtual bool saturated() const = 0;
  // Nothing more is coming soon (the input is idle or ended): write partial batches now rather
  // than wait for their count or period. Composite sinks pass it on.
  virtual void flush_hint() {}
};

struct SinkStats {
  std::atomic<uint64_t> write_failures{0}; // failed message writes, every attempt counted
};

struct SinkContext {
  BuildContext& build;
  SinkStats& stats;
  RetryPolicy default_retry; // for outputs not under a retrying broker
};

// Builds the sink of an output config (plugin or composite), including its `processors`.
std::unique_ptr<Sink> build_sink(const ComponentConfig& cc, SinkContext& ctx,
                                 const RetryPolicy& retry);

// Composite outputs register a factory (their spec is registered with CompositeOutputPlaceholder).
using SinkFactory =
    std::function<std::unique_ptr<Sink>(const ComponentConfig&, SinkContext&, const RetryPolicy&)>;
bool register_sink_factory(const std::string& name, SinkFactory f);

struct BatchPolicy;
// Gathers messages from several writes into batches under `policy` before writing them on.
std::unique_ptr<Sink> make_batching_sink(const BatchPolicy& policy, std::unique_ptr<Sink> inner);

// Batch helpers shared by sinks.
std::shared_ptr<Batch> subset(const Batch& b, const std::vector<size_t>& indexes);
// Outcomes with every message failed with `why`.
Outcomes all_failed(size_t n, const std::string& why);

} // namespace plugctl::core
