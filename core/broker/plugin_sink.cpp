// The leaf sink: one output component (a plugin's or a built-in), with its batching policy,
// its max_in_flight writes, and retries of failed messages with exponential backoff.
#include "broker/sink.hpp"
#include "loader/loader.hpp"
#include "pipeline/components.hpp"
#include "telemetry/logging.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace plugctl::core {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::chrono::milliseconds backoff_for(int attempt, const RetryPolicy& p) {
  auto d = p.initial;
  for (int i = 1; i < attempt && d < p.max; ++i)
    d *= 2;
  return std::min(d, p.max);
}

class PluginSink final : public Sink {
public:
  PluginSink(const ComponentConfig& cc, SinkContext& ctx, const RetryPolicy& retry)
      : out_(cc, ctx.build.cancelled), retry_(retry), stats_(ctx.stats) {
    policy_ = out_.policy();
  }

  ~PluginSink() override {
    hard_stop();
    join();
  }

  void start() override {
    threads_.emplace_back([this] { dispatch_loop(); });
    if (!out_.is_async())
      for (size_t i = 0; i < out_.max_in_flight(); ++i)
        threads_.emplace_back([this] { writer_loop(); });
  }

  void write(std::shared_ptr<const Batch> batch, Done done) override {
    if (batch->empty()) {
      done({});
      return;
    }
    auto req = std::make_shared<Request>();
    req->batch = std::move(batch);
    req->done = std::move(done);
    req->outcomes = Outcomes(req->batch->size());
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return incoming_.size() < 1 || stopping_; });
    if (stopping_) {
      lock.unlock();
      req->done(all_failed(req->batch->size(), "shutting down"));
      return;
    }
    incoming_.push_back(std::move(req));
    cv_.notify_all();
  }

  void close() override {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    join();
    out_.close();
  }

  void hard_stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      closing_ = true;
    }
    cv_.notify_all();
  }

  size_t capacity() const override {
    size_t per_batch =
        policy_.count > 0 ? policy_.count : (policy_.byte_size > 0 ? policy_.byte_size : 1);
    return 1 + out_.max_in_flight() * per_batch + (policy_.enabled() ? per_batch : 0);
  }

  bool saturated() const override {
    std::lock_guard lock(mu_);
    return !incoming_.empty();
  }

  void flush_hint() override {
    {
      std::lock_guard lock(mu_);
      flush_ = true;
    }
    cv_.notify_all();
  }

private:
  struct Request {
    std::shared_ptr<const Batch> batch;
    Done done;
    Outcomes outcomes;
    size_t resolved = 0; // guarded by the sink's mutex
  };
  struct Ref {
    std::shared_ptr<Request> req;
    size_t index;
  };
  // A batch to write. Either it is a whole request's batch, shared without a copy (`whole`, the
  // common case without batching), or it was gathered message by message (`own`, `refs`).
  struct Job {
    PluginSink* sink = nullptr;
    std::shared_ptr<const Batch> batch;
    std::shared_ptr<Batch> own;     // `batch`, when this job gathered it
    std::shared_ptr<Request> whole; // message i of `batch` is message i of `whole`
    std::vector<Ref> refs;          // otherwise: one per message of `batch`
    Ref ref(size_t i) const { return whole ? Ref{whole, i} : refs[i]; }
    int attempt = 0;
    Clock::time_point first_try = Clock::now();
    Clock::time_point not_before;
    Clock::time_point sent_at; // when this attempt was handed to the output (metrics)
    plugctl_results results;
  };

  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

  bool connect_with_backoff() {
    auto backoff = 200ms;
    for (;;) {
      std::string err;
      plugctl_status st = out_.connect(err);
      if (st == PLUGCTL_OK) return true;
      out_.log().warn("failed to connect: {}; retrying in {}ms", err, backoff.count());
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, backoff, [&] { return stopping_; })) return false;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
  }

  std::unique_ptr<Job> new_job() {
    auto j = std::make_unique<Job>();
    j->sink = this;
    j->own = std::make_shared<Batch>();
    j->batch = j->own;
    return j;
  }

  // Takes requests, forms batches under the policy, dispatches them within max_in_flight, and
  // re-dispatches retries when due.
  void dispatch_loop() {
    if (!connect_with_backoff()) {
      fail_everything("shutting down");
      return;
    }
    out_.log().info("Output type {} is now active", out_.type());
    std::unique_ptr<Job> partial;
    size_t partial_bytes = 0;
    Clock::time_point partial_since;
    for (;;) {
      std::unique_ptr<Job> job;
      std::shared_ptr<Request> req;
      {
        std::unique_lock lock(mu_);
        for (;;) {
          if (stopping_) {
            lock.unlock();
            if (partial) fail_job(*partial, "shutting down");
            fail_everything("shutting down");
            return;
          }
          auto now = Clock::now();
          bool slot = in_flight_ < out_.max_in_flight();
          if (!retries_.empty() && retries_.front()->not_before <= now) {
            job = std::move(retries_.front());
            retries_.pop_front();
            break; // a retry already holds its slot
          }
          if (slot && partial &&
              ((flush_ && incoming_.empty()) || closing_ ||
               (policy_.period.count() > 0 && now - partial_since >= policy_.period))) {
            // Flush a partial batch when the upstream is idle, on close, or when its period passed.
            flush_ = false;
            job = std::move(partial);
            partial_bytes = 0;
            break;
          }
          if (slot && !incoming_.empty()) {
            req = std::move(incoming_.front());
            incoming_.pop_front();
            break;
          }
          if (closing_ && incoming_.empty() && retries_.empty() && !partial && in_flight_ == 0)
            return;
          auto until = now + 100ms;
          if (!retries_.empty()) until = std::min(until, retries_.front()->not_before);
          if (partial && policy_.period.count() > 0)
            until = std::min(until, partial_since + policy_.period);
          cv_.wait_until(lock, until);
        }
      }
      cv_.notify_all(); // an incoming slot was freed
      if (job) {
        dispatch(std::move(job));
        continue;
      }
      const Batch& b = *req->batch;
      if (!policy_.enabled()) {
        auto j = std::make_unique<Job>();
        j->sink = this;
        j->batch = req->batch;
        j->whole = std::move(req);
        dispatch(std::move(j));
        continue;
      }
      for (size_t i = 0; i < b.size(); ++i) {
        if (!partial) {
          partial = new_job();
          partial_since = Clock::now();
        }
        partial_bytes += b.messages[i].byte_size();
        partial->own->messages.push_back(b.messages[i]);
        partial->refs.push_back({req, i});
        bool full = (policy_.count > 0 && partial->batch->size() >= policy_.count) ||
                    (policy_.byte_size > 0 && partial_bytes >= policy_.byte_size);
        if (full) {
          {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return in_flight_ < out_.max_in_flight() || stopping_; });
          }
          partial_bytes = 0;
          dispatch(std::move(partial));
        }
      }
    }
  }

  void dispatch(std::unique_ptr<Job> job) {
    if (job->attempt == 0) {
      std::lock_guard lock(mu_);
      ++in_flight_;
    }
    job->results.reset(job->batch->size());
    if (out_.metrics() != nullptr) job->sent_at = Clock::now();
    if (!out_.is_async()) {
      {
        std::lock_guard lock(mu_);
        write_queue_.push_back(std::move(job));
      }
      cv_.notify_all();
      return;
    }
    Job* raw = job.release();
    std::string err;
    plugctl_status st =
        out_.write_async(*raw->batch, &raw->results, &PluginSink::async_done, raw, err);
    if (st != PLUGCTL_OK) {
      std::unique_ptr<Job> back(raw);
      plugctl_results results = std::move(back->results);
      complete(std::move(back), st, err, results);
    }
  }

  static void async_done(void* ctx, plugctl_status st, const char* msg, size_t len) {
    std::unique_ptr<Job> job(static_cast<Job*>(ctx));
    PluginSink* self = job->sink;
    std::string err = msg == nullptr ? std::string() : std::string(msg, len);
    plugctl_results results = std::move(job->results);
    self->complete(std::move(job), st, err, results);
  }

  void writer_loop() {
    for (;;) {
      std::unique_ptr<Job> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] {
          return !write_queue_.empty() || stopping_ ||
                 (closing_ && in_flight_ == 0 && incoming_.empty());
        });
        if (write_queue_.empty()) return;
        job = std::move(write_queue_.front());
        write_queue_.pop_front();
      }
      std::string err;
      plugctl_status st = out_.write(*job->batch, job->results, err);
      plugctl_results results = std::move(job->results);
      complete(std::move(job), st, err, results);
    }
  }

  // Resolves the delivered messages; retries the failed ones or gives up on them.
  void complete(std::unique_ptr<Job> job, plugctl_status headline, const std::string& err,
                const plugctl_results& results) {
    const size_t n = job->batch->size();
    std::vector<size_t> failed;
    std::string first_error;
    if (headline != PLUGCTL_OK) {
      for (size_t i = 0; i < n; ++i) {
        int32_t st = results.status(i) >= 0 ? results.status(i) : headline;
        if (st == PLUGCTL_OK) continue;
        failed.push_back(i);
        if (first_error.empty())
          first_error = results.text(i) != nullptr && !results.text(i)->empty()
                            ? *results.text(i)
                            : (err.empty() ? std::string(status_name(st)) : err);
      }
    }
    record_metrics(*job, headline, n - failed.size(), failed.size());
    if (failed.empty() && job->whole) {
      resolve_whole(job->whole);
    } else {
      std::vector<Ref> ok;
      ok.reserve(n - failed.size());
      for (size_t i = 0, f = 0; i < n; ++i) {
        if (f < failed.size() && failed[f] == i) {
          ++f;
          continue;
        }
        ok.push_back(job->ref(i));
      }
      resolve(ok, true, {});
    }
    bool release_slot = true;
    if (!failed.empty()) {
      stats_.write_failures += failed.size();
      auto retry = new_job();
      retry->attempt = job->attempt + 1;
      retry->first_try = job->first_try;
      for (size_t i : failed) {
        retry->own->messages.push_back(job->batch->messages[i]);
        retry->refs.push_back(job->ref(i));
      }
      bool stopping;
      {
        std::lock_guard lock(mu_);
        stopping = stopping_;
      }
      bool give_up =
          stopping || headline == PLUGCTL_FATAL ||
          (retry_.max_retries >= 0 && job->attempt >= retry_.max_retries) ||
          (retry_.max_elapsed.count() > 0 && Clock::now() - job->first_try >= retry_.max_elapsed);
      if (!give_up) {
        auto wait = backoff_for(retry->attempt, retry_);
        out_.log().warn("failed to write {} message(s): {}; retry {} in {}ms", failed.size(),
                        first_error, retry->attempt, wait.count());
        retry->not_before = Clock::now() + wait;
        {
          std::lock_guard lock(mu_);
          auto it = std::find_if(retries_.begin(), retries_.end(),
                                 [&](const auto& r) { return r->not_before > retry->not_before; });
          retries_.insert(it, std::move(retry));
        }
        release_slot = false; // the retry keeps the slot: a failing output stops taking work
      } else {
        out_.log().error("failed to write {} message(s) after {} attempt(s): {}", failed.size(),
                         job->attempt + 1, first_error);
        resolve(retry->refs, false, first_error);
      }
    }
    if (release_slot) {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    cv_.notify_all();
  }

  // The output's standard metrics for one write attempt.
  void record_metrics(const Job& job, plugctl_status headline, size_t ok, size_t failed) {
    OutputMetrics* m = out_.metrics();
    if (m == nullptr) return;
    m->latency->Observe(double(std::chrono::nanoseconds(Clock::now() - job.sent_at).count()));
    if (ok > 0) {
      m->sent->Increment(double(ok));
      m->batch_sent->Increment();
    }
    if (failed > 0) m->error->Increment(double(failed));
    if (headline == PLUGCTL_NOT_CONNECTED) out_.connection_lost();
  }

  void resolve(const std::vector<Ref>& refs, bool ok, const std::string& why) {
    std::vector<std::shared_ptr<Request>> finished;
    {
      std::lock_guard lock(mu_);
      for (const auto& r : refs) {
        if (ok)
          r.req->outcomes.set_ok(r.index);
        else
          r.req->outcomes.fail(r.index, why);
        if (++r.req->resolved == r.req->outcomes.size()) finished.push_back(r.req);
      }
    }
    for (auto& req : finished)
      req->done(std::move(req->outcomes));
  }

  // Every message of a whole-request job was written (outcomes start as ok).
  void resolve_whole(const std::shared_ptr<Request>& req) {
    bool finished;
    {
      std::lock_guard lock(mu_);
      req->resolved += req->outcomes.size();
      finished = req->resolved == req->outcomes.size();
    }
    if (finished) req->done(std::move(req->outcomes));
  }

  void fail_job(Job& job, const std::string& why) {
    std::vector<Ref> refs;
    for (size_t i = 0; i < job.batch->size(); ++i)
      refs.push_back(job.ref(i));
    resolve(refs, false, why);
  }

  void fail_everything(const std::string& why) {
    std::deque<std::shared_ptr<Request>> incoming;
    std::deque<std::unique_ptr<Job>> retries;
    {
      std::lock_guard lock(mu_);
      incoming.swap(incoming_);
      retries.swap(retries_);
    }
    for (auto& req : incoming)
      req->done(all_failed(req->batch->size(), why));
    for (auto& j : retries)
      fail_job(*j, why);
    cv_.notify_all();
  }

  OutputComponent out_;
  RetryPolicy retry_;
  SinkStats& stats_;
  BatchPolicy policy_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Request>> incoming_;
  std::deque<std::unique_ptr<Job>> retries_;
  std::deque<std::unique_ptr<Job>> write_queue_;
  size_t in_flight_ = 0;
  bool closing_ = false;
  bool stopping_ = false;
  bool flush_ = false;
  std::vector<std::thread> threads_;
};

} // namespace

std::unique_ptr<Sink> make_plugin_sink(const ComponentConfig& cc, SinkContext& ctx,
                                       const RetryPolicy& retry) {
  if (cc.entry != nullptr) {
    try {
      activate(ctx.build.reg, *cc.entry);
    } catch (const std::exception& e) {
      throw std::runtime_error(describe(cc) + ": " + e.what());
    }
  }
  return std::make_unique<PluginSink>(cc, ctx, retry);
}

} // namespace plugctl::core
