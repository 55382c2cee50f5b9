#include "pipeline/engine.hpp"

#include "loader/loader.hpp"
#include "telemetry/logging.hpp"

#include <algorithm>

namespace plugctl::core {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One input component with its processors (its own, then those of the brokers it is in), and
// the engine's state for it: its nacked batches waiting for replay and its unacked count.
struct Engine::Leaf {
  std::unique_ptr<InputComponent> input;
  ProcessorNodes own_procs;
  std::vector<ProcessorNodes*> chains; // own_procs first, then the enclosing brokers'
  std::deque<std::shared_ptr<Txn>> replays;
  size_t outstanding = 0;
  bool reading = false;
  bool idle = false;
};

// The input tree: a leaf, a broker (children read concurrently) or a sequence (one after
// another).
struct Engine::InputNode {
  enum class Kind { Leaf, Broker, Sequence } kind = Kind::Leaf;
  std::unique_ptr<Leaf> leaf;
  ProcessorNodes procs; // a broker's or sequence's own processors
  std::vector<std::unique_ptr<InputNode>> kids;
};

struct Engine::Txn {
  Leaf* leaf = nullptr;
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
  BuildContext bctx{reg, cfg_, cancelled_};
  input_root_ = build_input(cfg_.input, {}, bctx, 0);
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
    (void)input_root_.release();
    (void)sink_.release();
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
    // Only inputs connect here: one that is not connected when the pipeline stops has nothing
    // to drain, so a graceful stop ends its retries too (an unreachable broker must not hold the
    // shutdown until shutdown_timeout).
    if (hard_stop_ || cancelled_->load()) return false;
    std::string err;
    plugctl_status st = fn(err);
    if (st == PLUGCTL_OK) return true;
    if (st == PLUGCTL_FATAL) {
      fatal(what + ": cannot connect: " + err);
      return false;
    }
    core_logger()->warn("{}: failed to connect: {}; retrying in {}ms", what, err, backoff.count());
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [&] { return hard_stop_.load() || cancelled_->load(); });
    backoff = std::min(backoff * 2, opts_.connect_backoff_max);
  }
}

// --- input -------------------------------------------------------------------------------------
std::unique_ptr<Engine::InputNode> Engine::build_input(const ComponentConfig& cc,
                                                       std::vector<ProcessorNodes*> outer,
                                                       BuildContext& bctx, int depth) {
  if (cc.entry == nullptr) throw std::runtime_error(describe(cc) + ": unknown component");
  auto node = std::make_unique<InputNode>();
  bool composite = (cc.entry->flags & kCoreComposite) != 0;
  if (composite && cc.type == "resource") {
    std::string label(cc.config.as_string());
    auto it = cfg_.input_resources.find(label);
    if (it == cfg_.input_resources.end())
      throw std::runtime_error(describe(cc) + ": no input resource labelled '" + label + "'");
    if (depth > 16) throw std::runtime_error(describe(cc) + ": resources nest too deep (a cycle?)");
    // The referring component's processors run after the resource's own.
    node->procs = build_processors(cc.processors, bctx);
    node->kind = InputNode::Kind::Broker;
    std::vector<ProcessorNodes*> inner = {&node->procs};
    inner.insert(inner.end(), outer.begin(), outer.end());
    node->kids.push_back(build_input(it->second, inner, bctx, depth + 1));
    return node;
  }
  if (composite && (cc.type == "broker" || cc.type == "sequence")) {
    node->kind = cc.type == "broker" ? InputNode::Kind::Broker : InputNode::Kind::Sequence;
    node->procs = build_processors(cc.processors, bctx);
    std::vector<ProcessorNodes*> inner = {&node->procs};
    inner.insert(inner.end(), outer.begin(), outer.end());
    size_t copies = 1;
    if (const auto* c = cc.config.as_object().if_contains("copies"))
      copies = static_cast<size_t>(std::max<int64_t>(1, c->to_number<int64_t>()));
    auto kids = nested_under(cc, "/inputs");
    if (kids.empty()) throw std::runtime_error(describe(cc) + ": needs at least one input");
    for (size_t k = 0; k < copies; ++k)
      for (const auto* kid : kids)
        node->kids.push_back(build_input(*kid, inner, bctx, depth + 1));
    return node;
  }
  if (composite) throw std::runtime_error(describe(cc) + ": no factory for this composite input");
  try {
    activate(bctx.reg, *cc.entry);
  } catch (const std::exception& e) {
    throw std::runtime_error(describe(cc) + ": " + e.what());
  }
  node->leaf = std::make_unique<Leaf>();
  Leaf& leaf = *node->leaf;
  leaf.input = std::make_unique<InputComponent>(cc, cancelled_);
  leaf.own_procs = build_processors(cc.processors, bctx);
  leaf.chains.push_back(&leaf.own_procs);
  leaf.chains.insert(leaf.chains.end(), outer.begin(), outer.end());
  leaves_.push_back(&leaf);
  return node;
}

void Engine::run_chains(Leaf& leaf, std::shared_ptr<Batch>& batch) {
  for (ProcessorNodes* chain : leaf.chains) {
    if (chain->empty()) continue;
    run_processors(*chain, own(batch));
  }
}

// Reading state of one leaf, for the output's flush hints and the end of input.
void Engine::set_leaf_state(Leaf& leaf, bool reading, bool idle) {
  {
    std::lock_guard lock(mu_);
    if (leaf.reading && !reading) --leaves_reading_;
    leaf.reading = reading;
    leaf.idle = idle;
    reading_done_ = leaves_reading_ == 0;
    bool all_idle = true;
    for (const Leaf* l : leaves_)
      if (l->reading && !l->idle) all_idle = false;
    input_idle_ = all_idle;
  }
  cv_.notify_all();
}

void Engine::run_input(InputNode& node) {
  switch (node.kind) {
  case InputNode::Kind::Leaf:
    leaf_loop(*node.leaf);
    return;
  case InputNode::Kind::Sequence:
    for (auto& k : node.kids) {
      if (hard_stop_ || cancelled_->load()) break;
      run_input(*k);
    }
    return;
  case InputNode::Kind::Broker: {
    std::vector<std::thread> threads;
    for (auto& k : node.kids)
      threads.emplace_back([this, &k] { run_input(*k); });
    for (auto& t : threads)
      t.join();
    return;
  }
  }
}

void Engine::leaf_loop(Leaf& leaf) {
  InputComponent& in = *leaf.input;
  bool eof = false;
  {
    std::lock_guard lock(mu_);
    leaf.reading = true;
  }
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
      if (!leaf.replays.empty() && leaf.replays.front()->replay_at <= now) {
        replay = leaf.replays.front();
        leaf.replays.pop_front();
        ++stats_.replays;
      } else if (!leaf.replays.empty() || eof || cancelled_->load()) {
        // No new reads while a nacked batch waits for its replay: that is the back pressure of
        // a failing output. After EOF or a stop, wait for the outstanding acknowledgements.
        if (leaf.replays.empty() && leaf.outstanding == 0) break;
        if (leaf.replays.empty() && !eof) {
          in.log().debug("stopped reading, draining {} transaction(s)", leaf.outstanding);
          eof = true;
          lock.unlock();
          set_leaf_state(leaf, false, true);
          continue;
        }
        auto until = leaf.replays.empty() ? now + 100ms
                                          : std::min(leaf.replays.front()->replay_at, now + 100ms);
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
      run_chains(leaf, w.batch);
      if (w.batch->empty()) {
        finish_txn(w.txn);
        continue;
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
      txn->leaf = &leaf;
      txn->token = rr.ack_token;
      if (in.auto_replay()) txn->original = b;
      {
        std::lock_guard lock(mu_);
        if (leaf.idle) {
          leaf.idle = false;
          input_idle_ = false;
        }
        ++leaf.outstanding;
        ++outstanding_;
        stats_.max_outstanding = std::max<uint64_t>(stats_.max_outstanding, outstanding_);
        ++stats_.batches_read;
        stats_.messages_read += b->size();
      }
      Work w{std::move(b), txn};
      run_chains(leaf, w.batch);
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
      if (!leaf.idle) set_leaf_state(leaf, true, true);
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, 1ms);
      break;
    }
    case PLUGCTL_BACKOFF:
      if (!leaf.idle) set_leaf_state(leaf, true, true);
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
    if (eof && leaf.reading) set_leaf_state(leaf, false, true);
  }
  if (leaf.reading) set_leaf_state(leaf, false, true);
  bool drained;
  {
    std::lock_guard lock(mu_);
    drained = leaf.outstanding == 0;
  }
  if (drained) in.close(); // never close while acks may still come (a hard stop)
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
      size_t failed = o.failures();
      size_t ok = o.size() - failed;
      const std::string& first = o.first_error();
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
      txn->leaf->input->log().warn("batch nacked ({}); replaying it in {}ms", why, wait.count());
      {
        std::lock_guard lock(mu_);
        ++stats_.nacks;
        auto& replays = txn->leaf->replays;
        auto it = std::find_if(replays.begin(), replays.end(),
                               [&](const TxnPtr& t) { return t->replay_at > txn->replay_at; });
        replays.insert(it, txn);
      }
      cv_.notify_all();
      return;
    }
    txn->leaf->input->ack(txn->token, PLUGCTL_ERROR, why);
    std::lock_guard lock(mu_);
    ++stats_.nacks;
  } else {
    txn->leaf->input->ack(txn->token, PLUGCTL_OK, {});
    std::lock_guard lock(mu_);
    ++stats_.acks;
  }
  {
    std::lock_guard lock(mu_);
    --outstanding_;
    --txn->leaf->outstanding;
  }
  cv_.notify_all();
}

// --- lifecycle ---------------------------------------------------------------------------------
int Engine::run() {
  sink_->start();
  leaves_reading_ = leaves_.size();
  threads_pool_.emplace_back([this] {
    run_input(*input_root_);
    {
      std::lock_guard lock(mu_);
      reading_done_ = true;
      input_done_ = true;
    }
    cv_.notify_all();
  });
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
  std::function<void(InputNode&)> close_tree = [&](InputNode& n) {
    if (n.leaf) close_processors(n.leaf->own_procs);
    close_processors(n.procs);
    for (auto& k : n.kids)
      close_tree(*k);
  };
  close_tree(*input_root_);
  for (auto& p : pipeline_procs_)
    p->close();
  sink_->close();
  core_logger()->info("Pipeline has terminated: {} message(s) read, {} written",
                      stats_.messages_read, stats_.messages_written);
  return failed_ ? 1 : 0;
}

} // namespace plugctl::core
