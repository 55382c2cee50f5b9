#include "pipeline/engine.hpp"

#include "loader/loader.hpp"
#include "telemetry/logging.hpp"

#include <algorithm>

namespace plugctl::core {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Engine::Txn {
  uint64_t token = 0;
  std::shared_ptr<Batch> original; // kept for the engine's replay (AUTO_REPLAY_NACKS)
  std::atomic<int64_t> pending{0}; // messages not yet resolved at the output
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;
  int replays = 0;
  Clock::time_point replay_at;
};

struct Engine::Work {
  std::shared_ptr<Batch> batch; // may be shared with Txn::original: copy before mutating
  TxnPtr txn;
};

namespace {

std::chrono::milliseconds backoff_for(int attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds max) {
  auto d = base;
  for (int i = 1; i < attempt && d < max; ++i)
    d *= 2;
  return std::min(d, max);
}

// Copy-on-write: a batch shared with the transaction's replay copy must not be mutated.
Batch& own(std::shared_ptr<Batch>& b) {
  if (b.use_count() > 1) b = std::make_shared<Batch>(*b);
  return *b;
}

} // namespace

Engine::Engine(const Config& cfg, const Registry& reg, EngineOptions opts)
    : cfg_(cfg), opts_(opts) {
  auto activate_cc = [&](const ComponentConfig& cc) {
    if (cc.entry == nullptr) throw std::runtime_error(describe(cc) + ": unknown component");
    try {
      activate(reg, *cc.entry);
    } catch (const std::exception& e) {
      throw std::runtime_error(describe(cc) + ": " + e.what());
    }
  };
  activate_cc(cfg_.input);
  input_ = std::make_unique<InputComponent>(cfg_.input, cancelled_);
  BuildContext bctx{reg, cfg_, cancelled_};
  input_procs_ = build_processors(cfg_.input.processors, bctx);
  pipeline_procs_ = build_processors(cfg_.processors, bctx);
  // A failed write is retried here a few times, then nacked to the input (which replays it):
  // brokers that must not lose an output (fan_out, switch with retry_until_success) retry theirs
  // until success instead.
  RetryPolicy retry;
  retry.max_retries = opts_.write_retries;
  retry.initial = opts_.retry_backoff;
  retry.max = opts_.retry_backoff_max;
  SinkContext sctx{bctx, sink_stats_, retry};
  sink_ = build_sink(cfg_.output, sctx, retry);
  threads_ = cfg_.threads > 0 ? static_cast<size_t>(cfg_.threads)
                              : std::max<size_t>(1, std::thread::hardware_concurrency());
  proc_inbox_cap_ = threads_;
  out_inbox_cap_ = 1;
}

Engine::~Engine() {
  {
    std::lock_guard lock(mu_);
    hard_stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_pool_)
    if (t.joinable()) t.join();
  if (timed_out_) {
    // Threads were detached while inside plugin calls: the components must outlive them.
    (void)input_.release();
    (void)sink_.release();
    for (auto& p : input_procs_)
      (void)p.release();
    for (auto& p : pipeline_procs_)
      (void)p.release();
  }
}

size_t Engine::inflight_bound() const {
  // One held by the input thread, the processor inbox and workers, the output inbox, one held by
  // the dispatcher, the writes in flight, and the messages a partial output batch may gather.
  size_t bound = 1 + out_inbox_cap_ + 1 + sink_->capacity();
  if (!pipeline_procs_.empty()) bound += proc_inbox_cap_ + threads_;
  return bound;
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mu_);
  EngineStats s = stats_;
  s.write_failures = sink_stats_.write_failures.load();
  return s;
}

void Engine::stop() {
  {
    std::lock_guard lock(mu_);
    if (cancelled_->load()) {
      hard_stop_ = true;
    } else {
      cancelled_->store(true);
    }
  }
  cv_.notify_all();
}

void Engine::fatal(const std::string& why) {
  core_logger()->error("{}", why);
  {
    std::lock_guard lock(mu_);
    failed_ = true;
    if (fatal_error_.empty()) fatal_error_ = why;
    cancelled_->store(true);
  }
  cv_.notify_all();
}

bool Engine::sleep_for(std::chrono::nanoseconds d) {
  std::unique_lock lock(mu_);
  auto deadline = Clock::now() + d;
  cv_.wait_until(lock, deadline, [&] { return hard_stop_.load() || cancelled_->load(); });
  return !hard_stop_.load();
}

bool Engine::connect_with_backoff(const std::function<plugctl_status(std::string&)>& fn,
                                  const std::string& what) {
  auto backoff = opts_.connect_backoff;
  for (;;) {
    if (hard_stop_) return false;
    std::string err;
    plugctl_status st = fn(err);
    if (st == PLUGCTL_OK) return true;
    if (st == PLUGCTL_FATAL) {
      fatal(what + ": cannot connect: " + err);
      return false;
    }
    core_logger()->warn("{}: failed to connect: {}; retrying in {}ms", what, err, backoff.count());
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [&] { return hard_stop_.load(); });
    backoff = std::min(backoff * 2, opts_.connect_backoff_max);
  }
}

// --- input -------------------------------------------------------------------------------------
void Engine::input_loop() {
  InputComponent& in = *input_;
  bool eof = false;
  if (!connect_with_backoff([&](std::string& e) { return in.connect(e); }, in.where()))
    eof = true;
  else
    in.log().info("Input type {} is now active", in.type());
  auto error_backoff = opts_.connect_backoff;

  for (;;) {
    TxnPtr replay;
    {
      std::unique_lock lock(mu_);
      if (hard_stop_) break;
      auto now = Clock::now();
      if (!replays_.empty() && replays_.front()->replay_at <= now) {
        replay = replays_.front();
        replays_.pop_front();
        ++stats_.replays;
      } else if (!replays_.empty() || eof || cancelled_->load()) {
        // No new reads while a nacked batch waits for its replay: that is the back pressure of
        // a failing output. After EOF or a stop, wait for the outstanding acknowledgements.
        if (replays_.empty() && outstanding_ == 0) break;
        if (replays_.empty()) {
          if (!eof) in.log().debug("stopped reading, draining {} transaction(s)", outstanding_);
          eof = true;
        }
        auto until =
            replays_.empty() ? now + 100ms : std::min(replays_.front()->replay_at, now + 100ms);
        cv_.wait_until(lock, until);
        continue;
      }
    }
    if (replay) {
      replay->pending = 0;
      replay->failed = false;
      {
        std::lock_guard tl(replay->mu);
        replay->error.clear();
      }
      Work w{replay->original, replay};
      if (!input_procs_.empty()) {
        run_processors(input_procs_, own(w.batch));
        if (w.batch->empty()) {
          finish_txn(w.txn);
          continue;
        }
      }
      if (!pipeline_procs_.empty())
        push_processor_inbox(std::move(w));
      else
        to_output(std::move(w));
      continue;
    }

    plugctl_read_result rr;
    std::string err;
    plugctl_status st = in.read(rr, err);
    switch (st) {
    case PLUGCTL_OK: {
      if (rr.batch == nullptr) {
        core_logger()->error("{}: read returned OK without a batch (plugin bug)", in.where());
        break;
      }
      error_backoff = opts_.connect_backoff;
      std::shared_ptr<Batch> b(batch_of(rr.batch));
      b->compact();
      auto txn = std::make_shared<Txn>();
      txn->token = rr.ack_token;
      if (in.auto_replay()) txn->original = b;
      {
        std::lock_guard lock(mu_);
        input_idle_ = false;
        ++outstanding_;
        stats_.max_outstanding = std::max<uint64_t>(stats_.max_outstanding, outstanding_);
        ++stats_.batches_read;
        stats_.messages_read += b->size();
      }
      Work w{std::move(b), txn};
      if (!input_procs_.empty()) run_processors(input_procs_, own(w.batch));
      if (w.batch->empty()) {
        finish_txn(txn); // empty, or all dropped on purpose by input processors
        break;
      }
      if (!pipeline_procs_.empty())
        push_processor_inbox(std::move(w));
      else
        to_output(std::move(w));
      break;
    }
    case PLUGCTL_AGAIN: {
      // Nothing now: let a partial output batch go, and do not spin on a source that answers
      // at once (wake early on acks, replays and stop).
      std::unique_lock lock(mu_);
      input_idle_ = true;
      cv_.notify_all();
      cv_.wait_for(lock, 1ms);
      break;
    }
    case PLUGCTL_BACKOFF: {
      std::lock_guard lock(mu_);
      input_idle_ = true;
    }
      cv_.notify_all();
      sleep_for(std::chrono::nanoseconds(std::max<int64_t>(rr.backoff_ns, 1'000'000)));
      break;
    case PLUGCTL_NOT_CONNECTED:
      in.log().warn("input lost its connection: {}", err.empty() ? "not connected" : err);
      if (!connect_with_backoff([&](std::string& e) { return in.connect(e); }, in.where()))
        eof = true;
      break;
    case PLUGCTL_END_OF_INPUT:
      in.log().info("Input has ended");
      eof = true;
      {
        std::lock_guard lock(mu_);
        reading_done_ = true;
      }
      cv_.notify_all();
      break;
    case PLUGCTL_FATAL:
      fatal(in.where() + ": " + (err.empty() ? "fatal error" : err));
      eof = true;
      break;
    default:
      in.log().error("failed to read: {}; retrying in {}ms", err.empty() ? status_name(st) : err,
                     error_backoff.count());
      sleep_for(error_backoff);
      error_backoff = std::min(error_backoff * 2, opts_.connect_backoff_max);
      break;
    }
    if (eof) {
      std::lock_guard lock(mu_);
      reading_done_ = true;
    }
  }
  {
    std::lock_guard lock(mu_);
    reading_done_ = true;
    input_done_ = true;
  }
  cv_.notify_all();
}

bool Engine::push_processor_inbox(Work&& w) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return proc_inbox_.size() < proc_inbox_cap_ || hard_stop_.load(); });
  if (hard_stop_) return false;
  proc_inbox_.push_back(std::move(w));
  cv_.notify_all();
  return true;
}

bool Engine::push_output_inbox(Work&& w) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return out_inbox_.size() < out_inbox_cap_ || hard_stop_.load(); });
  if (hard_stop_) return false;
  out_inbox_.push_back(std::move(w));
  cv_.notify_all();
  return true;
}

void Engine::to_output(Work&& w) {
  size_t n = w.batch->size();
  if (n == 0) {
    finish_txn(w.txn);
    return;
  }
  w.txn->pending.store(static_cast<int64_t>(n));
  push_output_inbox(std::move(w));
}

// --- processors --------------------------------------------------------------------------------
void Engine::processor_loop() {
  for (;;) {
    Work w;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !proc_inbox_.empty() || procs_done_ || hard_stop_.load(); });
      if (hard_stop_ || proc_inbox_.empty()) return;
      w = std::move(proc_inbox_.front());
      proc_inbox_.pop_front();
      ++proc_busy_;
    }
    cv_.notify_all();
    run_processors(pipeline_procs_, own(w.batch));
    to_output(std::move(w));
    {
      std::lock_guard lock(mu_);
      --proc_busy_;
    }
    cv_.notify_all();
  }
}

// --- output ------------------------------------------------------------------------------------
void Engine::output_loop() {
  bool hinted = false;
  // Hands each batch to the output tree; a saturated tree blocks here, the output inbox fills,
  // and the processors and the input stop in turn (back pressure).
  for (;;) {
    Work w;
    {
      std::unique_lock lock(mu_);
      for (;;) {
        if (!out_inbox_.empty() || output_done_ || hard_stop_) break;
        // Nothing more is coming soon (the input ended, stopped or has nothing right now): the
        // outputs should not hold partial batches for `count` (a source that ends only once
        // everything is acknowledged would wait forever).
        bool upstream_idle = (reading_done_ || input_idle_) && proc_inbox_.empty() &&
                             proc_busy_ == 0 && out_busy_ == 0;
        if (upstream_idle && !hinted) {
          hinted = true;
          lock.unlock();
          sink_->flush_hint();
          lock.lock();
          continue;
        }
        cv_.wait_for(lock, 20ms);
      }
      if (hard_stop_ || out_inbox_.empty()) return;
      hinted = false;
      w = std::move(out_inbox_.front());
      out_inbox_.pop_front();
      ++out_busy_;
    }
    cv_.notify_all();
    TxnPtr txn = w.txn;
    sink_->write(std::move(w.batch), [this, txn](Outcomes o) {
      size_t ok = 0, failed = 0;
      std::string first;
      for (const auto& x : o) {
        if (x.ok) {
          ++ok;
        } else {
          ++failed;
          if (first.empty()) first = x.error;
        }
      }
      {
        std::lock_guard lock(mu_);
        stats_.messages_written += ok;
      }
      resolve(txn, ok, failed, first);
    });
    {
      std::lock_guard lock(mu_);
      --out_busy_;
    }
    cv_.notify_all();
  }
}

void Engine::resolve(const TxnPtr& txn, size_t delivered, size_t failed, const std::string& err) {
  if (failed > 0) {
    std::lock_guard tl(txn->mu);
    if (txn->error.empty()) txn->error = err;
    txn->failed = true;
  }
  int64_t k = static_cast<int64_t>(delivered + failed);
  if (txn->pending.fetch_sub(k) - k == 0) finish_txn(txn);
}

void Engine::finish_txn(const TxnPtr& txn) {
  if (txn->failed) {
    std::string why;
    {
      std::lock_guard tl(txn->mu);
      why = txn->error;
    }
    if (txn->original && !hard_stop_) {
      ++txn->replays;
      auto wait = backoff_for(txn->replays, opts_.replay_backoff, opts_.replay_backoff_max);
      txn->replay_at = Clock::now() + wait;
      input_->log().warn("batch nacked ({}); replaying it in {}ms", why, wait.count());
      {
        std::lock_guard lock(mu_);
        ++stats_.nacks;
        auto it = std::find_if(replays_.begin(), replays_.end(),
                               [&](const TxnPtr& t) { return t->replay_at > txn->replay_at; });
        replays_.insert(it, txn);
      }
      cv_.notify_all();
      return;
    }
    input_->ack(txn->token, PLUGCTL_ERROR, why);
    std::lock_guard lock(mu_);
    ++stats_.nacks;
  } else {
    input_->ack(txn->token, PLUGCTL_OK, {});
    std::lock_guard lock(mu_);
    ++stats_.acks;
  }
  {
    std::lock_guard lock(mu_);
    --outstanding_;
  }
  cv_.notify_all();
}

// --- lifecycle ---------------------------------------------------------------------------------
int Engine::run() {
  sink_->start();
  threads_pool_.emplace_back([this] { input_loop(); });
  if (!pipeline_procs_.empty())
    for (size_t i = 0; i < threads_; ++i)
      threads_pool_.emplace_back([this] { processor_loop(); });
  threads_pool_.emplace_back([this] { output_loop(); });

  std::optional<Clock::time_point> deadline;
  {
    std::unique_lock lock(mu_);
    for (;;) {
      if (input_done_ && outstanding_ == 0) break;
      if (hard_stop_) break;
      if (cancelled_->load() && !deadline) deadline = Clock::now() + cfg_.shutdown_timeout;
      if (deadline && Clock::now() >= *deadline) {
        timed_out_ = true;
        break;
      }
      cv_.wait_for(lock, 50ms);
    }
    if (timed_out_ || hard_stop_) {
      core_logger()->error("shutdown: {} transaction(s) still unacknowledged{}; exiting without "
                           "them (they are read again on the next run where the input allows)",
                           outstanding_, timed_out_ ? " after shutdown_timeout" : "");
      timed_out_ = true;
      hard_stop_ = true;
    }
    procs_done_ = true;
    output_done_ = true;
  }
  cv_.notify_all();
  if (timed_out_) {
    sink_->hard_stop();
    // Threads may be blocked inside plugin calls that never return: leave them.
    for (auto& t : threads_pool_)
      t.detach();
    threads_pool_.clear();
    return 1;
  }
  for (auto& t : threads_pool_)
    t.join();
  threads_pool_.clear();
  input_->close();
  for (auto& p : input_procs_)
    p->close();
  for (auto& p : pipeline_procs_)
    p->close();
  sink_->close();
  core_logger()->info("Pipeline has terminated: {} message(s) read, {} written",
                      stats_.messages_read, stats_.messages_written);
  return failed_ ? 1 : 0;
}

} // namespace plugctl::core
