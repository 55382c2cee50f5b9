// The sink tree: building sinks from output configs, and the composite sinks (brokers,
// fallback, switch, retry, reject, resource) plus output-level processors.
#include "bloblang/mapping.hpp"
#include "broker/sink.hpp"
#include "host/interp.hpp"
#include "pipeline/components.hpp"
#include "registry/spec.hpp"
#include "telemetry/logging.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace plugctl::core {

std::unique_ptr<Sink> make_plugin_sink(const ComponentConfig& cc, SinkContext& ctx,
                                       const RetryPolicy& retry);

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::map<std::string, SinkFactory>& sink_factories() {
  static std::map<std::string, SinkFactory> f;
  return f;
}

// Runs tasks on one thread, in time order: continuations of composite sinks (the next output of
// a fallback, the next step of a sequence) must not run on the thread that reported a completion.
class Worker {
public:
  Worker() : thread_([this] { loop(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_all();
  }

private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

// Merges the outcomes of several deliveries of one batch: a message failed if any failed.
struct Gather {
  std::mutex mu;
  Outcomes outcomes;
  size_t remaining;
  Done done;
  Gather(size_t n, size_t parts, Done d) : outcomes(n), remaining(parts), done(std::move(d)) {}
  // Adds one part's outcomes; message k of the part is message indexes[k] of the whole (or k,
  // without indexes). The first failure of a message wins.
  void add(const std::vector<size_t>* indexes, const Outcomes& o) {
    bool last = false;
    {
      std::lock_guard lock(mu);
      if (!o.all_ok()) {
        size_t n = indexes != nullptr ? std::min(indexes->size(), o.size()) : o.size();
        for (size_t k = 0; k < n; ++k) {
          size_t at = indexes != nullptr ? (*indexes)[k] : k;
          if (!o.ok(k) && outcomes.ok(at)) outcomes.fail(at, o[k].error);
        }
      }
      last = --remaining == 0;
    }
    if (last) done(std::move(outcomes));
  }
  void add(const std::vector<size_t>& indexes, const Outcomes& o) { add(&indexes, o); }
  void add_all(const Outcomes& o) { add(nullptr, o); }
};

std::vector<size_t> iota_n(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = i;
  return v;
}

RetryPolicy until_success(const RetryPolicy& base) {
  RetryPolicy p = base;
  p.max_retries = -1;
  return p;
}

std::vector<std::unique_ptr<Sink>> build_children(const ComponentConfig& cc,
                                                  const std::string& field, SinkContext& ctx,
                                                  const RetryPolicy& retry, size_t copies = 1) {
  std::vector<std::unique_ptr<Sink>> out;
  auto kids = nested_under(cc, field);
  if (kids.empty())
    throw std::runtime_error(describe(cc) + ": needs at least one output in `" + field.substr(1) +
                             "`");
  for (size_t c = 0; c < copies; ++c)
    for (const auto* k : kids)
      out.push_back(build_sink(*k, ctx, retry));
  return out;
}

// --- output-level processors -------------------------------------------------------------------
class ProcessorsSink final : public Sink {
public:
  ProcessorsSink(ProcessorNodes procs, std::unique_ptr<Sink> inner)
      : procs_(std::move(procs)), inner_(std::move(inner)) {}
  void start() override { inner_->start(); }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    auto b = std::make_shared<Batch>(*batch);
    size_t n = batch->size();
    run_processors(procs_, *b);
    if (b->size() == n) {
      inner_->write(std::move(b), std::move(done)); // one message out per message in
      return;
    }
    if (b->empty()) {
      done(Outcomes(n)); // dropped on purpose by the processors
      return;
    }
    // Split or merged messages: the outcome of the whole decides for every original message.
    inner_->write(std::move(b), [n, done = std::move(done)](Outcomes o) {
      if (!o.all_ok()) return done(all_failed(n, o.first_error()));
      done(Outcomes(n));
    });
  }
  void close() override {
    inner_->close();
    close_processors(procs_);
  }
  void hard_stop() override { inner_->hard_stop(); }
  size_t capacity() const override { return inner_->capacity(); }
  bool saturated() const override { return inner_->saturated(); }
  void flush_hint() override { inner_->flush_hint(); }

private:
  ProcessorNodes procs_;
  std::unique_ptr<Sink> inner_;
};

// --- broker ------------------------------------------------------------------------------------
class FanOutSink final : public Sink {
public:
  explicit FanOutSink(std::vector<std::unique_ptr<Sink>> kids) : kids_(std::move(kids)) {}
  void start() override {
    for (auto& k : kids_)
      k->start();
  }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    auto g = std::make_shared<Gather>(batch->size(), kids_.size(), std::move(done));
    for (auto& k : kids_)
      k->write(batch, [g](Outcomes o) { g->add_all(o); });
  }
  void close() override {
    for (auto& k : kids_)
      k->close();
  }
  void hard_stop() override {
    for (auto& k : kids_)
      k->hard_stop();
  }
  void flush_hint() override {
    for (auto& k : kids_)
      k->flush_hint();
  }
  size_t capacity() const override {
    size_t c = 0;
    for (const auto& k : kids_)
      c += k->capacity();
    return c;
  }
  bool saturated() const override {
    for (const auto& k : kids_)
      if (k->saturated()) return true;
    return false;
  }

private:
  std::vector<std::unique_ptr<Sink>> kids_;
};

// Writes to each output in turn, waiting for one before the next.
class SequentialSink final : public Sink {
public:
  explicit SequentialSink(std::vector<std::unique_ptr<Sink>> kids) : kids_(std::move(kids)) {}
  void start() override {
    for (auto& k : kids_)
      k->start();
  }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return busy_ < 1 || stopping_; });
      ++busy_;
    }
    auto g = std::make_shared<Gather>(batch->size(), kids_.size(),
                                      [this, done = std::move(done)](Outcomes o) {
                                        {
                                          std::lock_guard lock(mu_);
                                          --busy_;
                                        }
                                        cv_.notify_all();
                                        done(std::move(o));
                                      });
    step(0, std::move(batch), std::move(g));
  }
  void close() override {
    for (auto& k : kids_)
      k->close();
  }
  void hard_stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& k : kids_)
      k->hard_stop();
  }
  void flush_hint() override {
    for (auto& k : kids_)
      k->flush_hint();
  }
  size_t capacity() const override { return 1; }
  bool saturated() const override {
    std::lock_guard lock(mu_);
    return busy_ >= 1;
  }

private:
  void step(size_t i, std::shared_ptr<const Batch> batch, std::shared_ptr<Gather> g) {
    kids_[i]->write(batch, [this, i, batch, g](Outcomes o) {
      g->add_all(o);
      if (i + 1 < kids_.size()) worker_.post([this, i, batch, g] { step(i + 1, batch, g); });
    });
  }
  std::vector<std::unique_ptr<Sink>> kids_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t busy_ = 0;
  bool stopping_ = false;
  Worker worker_;
};

class RoundRobinSink final : public Sink {
public:
  RoundRobinSink(std::vector<std::unique_ptr<Sink>> kids, bool greedy)
      : kids_(std::move(kids)), greedy_(greedy) {}
  void start() override {
    for (auto& k : kids_)
      k->start();
  }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    if (greedy_) {
      // The first output with room takes it; when all are busy, wait for one.
      for (;;) {
        for (size_t k = 0; k < kids_.size(); ++k) {
          size_t i = (next_ + k) % kids_.size();
          if (!kids_[i]->saturated()) {
            next_ = i + 1;
            return kids_[i]->write(std::move(batch), std::move(done));
          }
        }
        if (stopping_) return kids_[0]->write(std::move(batch), std::move(done));
        std::this_thread::sleep_for(1ms);
      }
    }
    size_t i = next_++ % kids_.size();
    kids_[i]->write(std::move(batch), std::move(done));
  }
  void close() override {
    for (auto& k : kids_)
      k->close();
  }
  void hard_stop() override {
    stopping_ = true;
    for (auto& k : kids_)
      k->hard_stop();
  }
  void flush_hint() override {
    for (auto& k : kids_)
      k->flush_hint();
  }
  size_t capacity() const override {
    size_t c = 0;
    for (const auto& k : kids_)
      c += k->capacity();
    return c;
  }
  bool saturated() const override {
    for (const auto& k : kids_)
      if (!k->saturated()) return false;
    return true;
  }

private:
  std::vector<std::unique_ptr<Sink>> kids_;
  bool greedy_;
  size_t next_ = 0; // used from the one thread that writes into this sink
  std::atomic<bool> stopping_{false};
};

std::unique_ptr<Sink> build_broker(const ComponentConfig& cc, SinkContext& ctx,
                                   const RetryPolicy& retry) {
  const auto& o = cc.config.as_object();
  std::string pattern(o.at("pattern").as_string());
  size_t copies = static_cast<size_t>(std::max<int64_t>(1, o.at("copies").to_number<int64_t>()));
  std::unique_ptr<Sink> sink;
  if (pattern == "fan_out") {
    sink = std::make_unique<FanOutSink>(
        build_children(cc, "/outputs", ctx, until_success(retry), copies));
  } else if (pattern == "fan_out_sequential") {
    sink = std::make_unique<SequentialSink>(
        build_children(cc, "/outputs", ctx, until_success(retry), copies));
  } else if (pattern == "round_robin" || pattern == "greedy") {
    sink = std::make_unique<RoundRobinSink>(build_children(cc, "/outputs", ctx, retry, copies),
                                            pattern == "greedy");
  } else {
    throw std::runtime_error(describe(cc) + ": unknown pattern '" + pattern + "'");
  }
  BatchPolicy policy = parse_batch_policy(cc.config);
  if (policy.enabled()) sink = make_batching_sink(policy, std::move(sink));
  return sink;
}

// --- fallback ----------------------------------------------------------------------------------
class FallbackSink final : public Sink {
public:
  explicit FallbackSink(std::vector<std::unique_ptr<Sink>> kids) : kids_(std::move(kids)) {}
  void start() override {
    for (auto& k : kids_)
      k->start();
  }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    auto g = std::make_shared<Gather>(batch->size(), 1, std::move(done));
    auto state = std::make_shared<State>();
    state->outcomes = Outcomes(batch->size());
    state->g = g;
    attempt(0, std::move(batch), iota_n(state->outcomes.size()), state);
  }
  void close() override {
    for (auto& k : kids_)
      k->close();
  }
  void hard_stop() override {
    for (auto& k : kids_)
      k->hard_stop();
  }
  void flush_hint() override {
    for (auto& k : kids_)
      k->flush_hint();
  }
  size_t capacity() const override { return kids_.front()->capacity(); }
  bool saturated() const override { return kids_.front()->saturated(); }

private:
  struct State {
    Outcomes outcomes;
    std::shared_ptr<Gather> g;
  };
  // Tries output `i` with the messages (original positions `idx`) the earlier outputs failed.
  void attempt(size_t i, std::shared_ptr<const Batch> batch, std::vector<size_t> idx,
               std::shared_ptr<State> st) {
    kids_[i]->write(batch, [this, i, batch, idx, st](Outcomes o) {
      std::vector<size_t> failed_pos;
      std::vector<size_t> failed_idx;
      for (size_t k = 0; k < o.size(); ++k) {
        if (o.ok(k)) continue;
        failed_pos.push_back(k);
        failed_idx.push_back(idx[k]);
        st->outcomes.fail(idx[k], o[k].error);
      }
      if (failed_pos.empty() || i + 1 == kids_.size()) {
        st->g->add_all(st->outcomes);
        return;
      }
      // The next output gets the failed messages, each carrying why the previous one refused it.
      auto next = subset(*batch, failed_pos);
      for (size_t k = 0; k < failed_pos.size(); ++k)
        next->messages[k].set_meta("fallback_error", o[failed_pos[k]].error);
      for (size_t k : failed_idx)
        st->outcomes.set_ok(k);
      worker_.post([this, i, next, failed_idx, st] { attempt(i + 1, next, failed_idx, st); });
    });
  }
  std::vector<std::unique_ptr<Sink>> kids_;
  Worker worker_;
};

std::unique_ptr<Sink> build_fallback(const ComponentConfig& cc, SinkContext& ctx,
                                     const RetryPolicy& retry) {
  auto kids = nested_under(cc, "");
  if (kids.empty()) throw std::runtime_error(describe(cc) + ": needs at least one output");
  std::vector<std::unique_ptr<Sink>> sinks;
  RetryPolicy once = retry;
  once.max_retries = 0; // fail over at once: wrap a child in `retry` to retry it first
  for (size_t i = 0; i < kids.size(); ++i)
    sinks.push_back(build_sink(*kids[i], ctx, i + 1 == kids.size() ? retry : once));
  return std::make_unique<FallbackSink>(std::move(sinks));
}

// --- switch ------------------------------------------------------------------------------------
class SwitchSink final : public Sink {
public:
  struct Case {
    std::shared_ptr<const bloblang::Mapping> check; // null: always
    std::unique_ptr<Sink> sink;
    bool cont = false;
  };
  SwitchSink(std::vector<Case> cases, bool strict) : cases_(std::move(cases)), strict_(strict) {}
  void start() override {
    for (auto& c : cases_)
      c.sink->start();
  }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    size_t n = batch->size();
    std::vector<std::vector<size_t>> routes(cases_.size());
    Outcomes pre(n);
    for (size_t i = 0; i < n; ++i) {
      bool matched = false;
      try {
        for (size_t c = 0; c < cases_.size(); ++c) {
          if (!matches(cases_[c], *batch, i)) continue;
          routes[c].push_back(i);
          matched = true;
          if (!cases_[c].cont) break;
        }
      } catch (const std::exception& e) {
        pre.fail(i, std::string("switch check failed: ") + e.what());
        continue;
      }
      if (!matched && strict_) pre.fail(i, "no switch case matched the message (strict_mode)");
    }
    size_t parts = 1;
    for (const auto& r : routes)
      parts += r.empty() ? 0 : 1;
    auto g = std::make_shared<Gather>(n, parts, std::move(done));
    for (size_t c = 0; c < cases_.size(); ++c) {
      if (routes[c].empty()) continue;
      auto idx = routes[c];
      cases_[c].sink->write(subset(*batch, idx), [g, idx](Outcomes o) { g->add(idx, o); });
    }
    g->add_all(pre);
  }
  void close() override {
    for (auto& c : cases_)
      c.sink->close();
  }
  void hard_stop() override {
    for (auto& c : cases_)
      c.sink->hard_stop();
  }
  void flush_hint() override {
    for (auto& c : cases_)
      c.sink->flush_hint();
  }
  size_t capacity() const override {
    size_t s = 0;
    for (const auto& c : cases_)
      s += c.sink->capacity();
    return s;
  }
  bool saturated() const override {
    for (const auto& c : cases_)
      if (c.sink->saturated()) return true;
    return false;
  }

private:
  static bool matches(const Case& c, const Batch& b, size_t i) {
    if (!c.check) return true;
    bloblang::ExecContext ctx(&b, i);
    auto r = c.check->run(ctx);
    if (r.outcome != bloblang::Mapping::Outcome::Replaced ||
        r.value.kind() != bloblang::Value::Kind::Bool)
      throw std::runtime_error("check must return a boolean");
    return r.value.get_bool();
  }
  std::vector<Case> cases_;
  bool strict_;
};

std::unique_ptr<Sink> build_switch(const ComponentConfig& cc, SinkContext& ctx,
                                   const RetryPolicy& retry) {
  const auto& o = cc.config.as_object();
  bool strict = o.at("strict_mode").as_bool();
  RetryPolicy r = o.at("retry_until_success").as_bool() ? until_success(retry) : retry;
  std::vector<SwitchSink::Case> cases;
  const auto& arr = o.at("cases").as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto& c = arr[i].as_object();
    SwitchSink::Case sc;
    std::string check(c.at("check").as_string());
    if (!check.empty()) sc.check = bloblang::Mapping::parse(check);
    sc.cont = c.at("continue").as_bool();
    auto kid = nested_under(cc, "/cases/" + std::to_string(i));
    const ComponentConfig* out = nullptr;
    for (const auto& [ptr, child] : cc.nested)
      if (ptr == "/cases/" + std::to_string(i) + "/output") out = &child;
    (void)kid;
    if (out == nullptr)
      throw std::runtime_error(describe(cc) + ": case " + std::to_string(i) + " has no output");
    sc.sink = build_sink(*out, ctx, r);
    cases.push_back(std::move(sc));
  }
  if (cases.empty()) throw std::runtime_error(describe(cc) + ": needs at least one case");
  return std::make_unique<SwitchSink>(std::move(cases), strict);
}

// --- reject ------------------------------------------------------------------------------------
class RejectSink final : public Sink {
public:
  explicit RejectSink(std::unique_ptr<Interpolation> why) : why_(std::move(why)) {}
  void start() override {}
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    Outcomes o(batch->size());
    std::string text;
    for (size_t i = 0; i < batch->size(); ++i) {
      try {
        why_->eval(*batch, i, text);
      } catch (const std::exception& e) {
        text = e.what();
      }
      o.fail(i, text);
    }
    done(std::move(o));
  }
  void close() override {}
  void hard_stop() override {}
  size_t capacity() const override { return 1; }
  bool saturated() const override { return false; }

private:
  std::unique_ptr<Interpolation> why_;
};

} // namespace

// --- batching wrapper ----------------------------------------------------------------------------
namespace {
// Gathers messages from several writes into batches under a policy before writing them on.
class BatchingSink final : public Sink {
public:
  BatchingSink(BatchPolicy p, std::unique_ptr<Sink> inner) : policy_(p), inner_(std::move(inner)) {}
  ~BatchingSink() override {
    hard_stop();
    if (thread_.joinable()) thread_.join();
  }
  void start() override {
    inner_->start();
    thread_ = std::thread([this] { loop(); });
  }
  void write(std::shared_ptr<const Batch> batch, Done done) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return pending_.size() < policy_limit() || stopping_; });
    if (stopping_) {
      lock.unlock();
      return done(all_failed(batch->size(), "shutting down"));
    }
    if (pending_.empty()) since_ = Clock::now();
    auto req = std::make_shared<Req>(Req{batch, std::move(done), Outcomes(batch->size()), 0});
    for (size_t i = 0; i < batch->size(); ++i) {
      pending_.push_back({req, i});
      bytes_ += batch->messages[i].byte_size();
    }
    cv_.notify_all();
  }
  void close() override {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    inner_->close();
  }
  void hard_stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    inner_->hard_stop();
  }
  size_t capacity() const override { return policy_limit() + inner_->capacity(); }
  bool saturated() const override {
    std::lock_guard lock(mu_);
    return pending_.size() >= policy_limit();
  }
  void flush_hint() override {
    {
      std::lock_guard lock(mu_);
      flush_ = true;
    }
    cv_.notify_all();
    inner_->flush_hint();
  }

private:
  struct Req {
    std::shared_ptr<const Batch> batch;
    Done done;
    Outcomes outcomes;
    size_t resolved;
  };
  struct Ref {
    std::shared_ptr<Req> req;
    size_t index;
  };
  size_t policy_limit() const { return policy_.count > 0 ? policy_.count : 1024; }
  void loop() {
    for (;;) {
      std::vector<Ref> take;
      {
        std::unique_lock lock(mu_);
        for (;;) {
          bool full = (policy_.count > 0 && pending_.size() >= policy_.count) ||
                      (policy_.byte_size > 0 && bytes_ >= policy_.byte_size);
          bool due = !pending_.empty() && policy_.period.count() > 0 &&
                     Clock::now() - since_ >= policy_.period;
          if (full || due || (!pending_.empty() && (closing_ || stopping_ || flush_))) break;
          if (pending_.empty() && (closing_ || stopping_)) return;
          if (policy_.period.count() > 0 && !pending_.empty())
            cv_.wait_until(lock, since_ + policy_.period);
          else
            cv_.wait_for(lock, 100ms);
        }
        size_t n = policy_.count > 0 ? std::min(policy_.count, pending_.size()) : pending_.size();
        take.assign(pending_.begin(), pending_.begin() + static_cast<long>(n));
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
        bytes_ = 0;
        for (const auto& r : pending_)
          bytes_ += r.req->batch->messages[r.index].byte_size();
        since_ = Clock::now();
        flush_ = false;
      }
      cv_.notify_all();
      auto b = std::make_shared<Batch>();
      for (const auto& r : take)
        b->messages.push_back(r.req->batch->messages[r.index]);
      inner_->write(std::move(b), [take = std::move(take)](Outcomes o) {
        std::vector<std::shared_ptr<Req>> finished;
        static std::mutex m; // outcomes of one request may come from several inner writes
        {
          std::lock_guard lock(m);
          for (size_t k = 0; k < take.size() && k < o.size(); ++k) {
            take[k].req->outcomes.set(take[k].index, o[k]);
            if (++take[k].req->resolved == take[k].req->outcomes.size())
              finished.push_back(take[k].req);
          }
        }
        for (auto& r : finished)
          r->done(std::move(r->outcomes));
      });
    }
  }
  BatchPolicy policy_;
  std::unique_ptr<Sink> inner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Ref> pending_;
  size_t bytes_ = 0;
  Clock::time_point since_;
  bool closing_ = false;
  bool stopping_ = false;
  bool flush_ = false;
  std::thread thread_;
};
} // namespace

std::unique_ptr<Sink> make_batching_sink(const BatchPolicy& p, std::unique_ptr<Sink> inner) {
  return std::make_unique<BatchingSink>(p, std::move(inner));
}

// --- building ------------------------------------------------------------------------------------
bool register_sink_factory(const std::string& name, SinkFactory f) {
  sink_factories()[name] = std::move(f);
  return true;
}

std::shared_ptr<Batch> subset(const Batch& b, const std::vector<size_t>& indexes) {
  auto out = std::make_shared<Batch>();
  out->messages.reserve(indexes.size());
  for (size_t i : indexes)
    out->messages.push_back(b.messages[i]);
  return out;
}

Outcomes all_failed(size_t n, const std::string& why) {
  Outcomes o(n);
  for (size_t i = 0; i < n; ++i)
    o.fail(i, why);
  return o;
}

const std::string& Outcomes::first_error() const {
  static const std::string kNone;
  for (const auto& o : detail_)
    if (!o.ok) return o.error;
  return kNone;
}

void Outcomes::fail(size_t i, std::string why) {
  if (detail_.empty()) detail_.resize(n_);
  Outcome& o = detail_[i];
  if (o.ok) ++failures_;
  o.ok = false;
  o.error = std::move(why);
}

void Outcomes::set_ok(size_t i) {
  if (detail_.empty() || detail_[i].ok) return;
  detail_[i] = Outcome{};
  --failures_;
}

std::unique_ptr<Sink> build_sink(const ComponentConfig& cc, SinkContext& ctx,
                                 const RetryPolicy& retry) {
  if (cc.entry == nullptr) throw std::runtime_error(describe(cc) + ": unknown component");
  std::unique_ptr<Sink> sink;
  if ((cc.entry->flags & kCoreComposite) != 0) {
    const std::string& t = cc.type;
    if (t == "broker") {
      sink = build_broker(cc, ctx, retry);
    } else if (t == "fallback") {
      sink = build_fallback(cc, ctx, retry);
    } else if (t == "switch") {
      sink = build_switch(cc, ctx, retry);
    } else if (t == "retry") {
      const auto& o = cc.config.as_object();
      const auto& b = o.at("backoff").as_object();
      RetryPolicy r;
      int64_t max = o.at("max_retries").to_number<int64_t>();
      r.max_retries = max == 0 ? -1 : static_cast<int>(max);
      auto dur = [&](const char* k, std::chrono::milliseconds def) {
        auto d = parse_duration_ns(std::string_view(b.at(k).as_string()));
        return d ? std::chrono::milliseconds(*d / 1'000'000) : def;
      };
      r.initial = dur("initial_interval", 500ms);
      r.max = dur("max_interval", 3000ms);
      r.max_elapsed = dur("max_elapsed_time", 0ms);
      const ComponentConfig* out = nullptr;
      for (const auto& [ptr, child] : cc.nested)
        if (ptr == "/output") out = &child;
      if (out == nullptr) throw std::runtime_error(describe(cc) + ": needs an output");
      sink = build_sink(*out, ctx, r);
    } else if (t == "reject") {
      try {
        sink = std::make_unique<RejectSink>(
            Interpolation::compile(std::string(cc.config.as_string())));
      } catch (const std::exception& e) {
        throw std::runtime_error(describe(cc) + ": " + e.what());
      }
    } else if (t == "resource") {
      std::string label(cc.config.as_string());
      auto it = ctx.build.cfg.output_resources.find(label);
      if (it == ctx.build.cfg.output_resources.end())
        throw std::runtime_error(describe(cc) + ": no output resource labelled '" + label + "'");
      if (ctx.build.depth > 16)
        throw std::runtime_error(describe(cc) + ": resources nest too deep (a cycle?)");
      ++ctx.build.depth;
      sink = build_sink(it->second, ctx, retry);
      --ctx.build.depth;
    } else {
      auto it = sink_factories().find(t);
      if (it == sink_factories().end())
        throw std::runtime_error(describe(cc) + ": no factory for this composite output");
      sink = it->second(cc, ctx, retry);
    }
  } else {
    sink = make_plugin_sink(cc, ctx, retry);
  }
  if (!cc.processors.empty())
    sink = std::make_unique<ProcessorsSink>(build_processors(cc.processors, ctx.build),
                                            std::move(sink));
  return sink;
}

} // namespace plugctl::core
