// Host-side wrappers of component instances: they own the plugin instance and its context,
// copy the plugin's vtable into a zeroed local one (older plugins have shorter tables), and turn
// ABI calls into C++ calls with error text.
#pragma once

#include "config/config.hpp"
#include "host/host.hpp"
#include "message/message.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <plugctl/plugctl.h>
#include <string>
#include <unordered_map>

namespace plugctl::core {

struct BatchPolicy {
  size_t count = 0;                   // 0: no count limit
  size_t byte_size = 0;               // 0: no size limit
  std::chrono::nanoseconds period{0}; // 0: no period
  bool enabled() const { return count > 0 || byte_size > 0 || period.count() > 0; }
};

// "input 'file' (label foo) at config.yaml:3:3" for error messages.
std::string describe(const ComponentConfig& cc);

class ComponentBase {
public:
  ComponentBase(const ComponentConfig& cc, std::shared_ptr<const std::atomic<bool>> cancelled);
  virtual ~ComponentBase() = default;
  ComponentBase(const ComponentBase&) = delete;
  ComponentBase& operator=(const ComponentBase&) = delete;

  const std::string& name() const { return ctx_->path; }
  const std::string& type() const { return ctx_->type; }
  spdlog::logger& log() const { return *ctx_->logger; }
  uint64_t flags() const { return flags_; }
  const std::string& where() const { return where_; }
  // The labels of this instance's standard metrics.
  ComponentLabels metric_labels() const { return {ctx_->label, ctx_->path, ctx_->type}; }

protected:
  // Calls the plugin's create. Throws std::runtime_error naming the component.
  void create(plugctl_create_fn fn, const ComponentConfig& cc);

  std::unique_ptr<plugctl_ctx> ctx_;
  void* inst_ = nullptr; // the plugin's instance; NULL is valid (a stateless component)
  bool created_ = false; // create succeeded: close and destroy are owed
  uint64_t flags_ = 0;
  std::string where_;
};

class InputComponent : public ComponentBase {
public:
  InputComponent(const ComponentConfig& cc, std::shared_ptr<const std::atomic<bool>> cancelled);
  ~InputComponent() override;
  bool auto_replay() const { return (flags_ & PLUGCTL_FLAG_AUTO_REPLAY_NACKS) != 0; }
  plugctl_status connect(std::string& err);
  plugctl_status read(plugctl_read_result& out, std::string& err);
  void ack(uint64_t token, plugctl_status st, std::string_view reason);
  void close();

private:
  plugctl_input_vtable vt_{};
  bool closed_ = false;
  // Standard metrics (NULL when disabled), readiness, and when each unacked batch was read.
  std::unique_ptr<InputMetrics> metrics_;
  Readiness ready_;
  std::mutex read_at_mu_;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> read_at_;
};

class OutputComponent : public ComponentBase {
public:
  OutputComponent(const ComponentConfig& cc, std::shared_ptr<const std::atomic<bool>> cancelled);
  ~OutputComponent() override;
  bool is_async() const { return vt_.write_batch_async != nullptr; }
  bool concurrent() const { return (flags_ & PLUGCTL_FLAG_CONCURRENT_WRITES) != 0; }
  size_t max_in_flight() const { return max_in_flight_; }
  const BatchPolicy& policy() const { return policy_; }
  plugctl_status connect(std::string& err);
  plugctl_status write(const Batch& b, plugctl_results& r, std::string& err);
  plugctl_status write_async(const Batch& b, plugctl_results* r, plugctl_write_done_fn done,
                             void* done_ctx, std::string& err);
  void close();
  // Standard metrics (NULL when disabled); writes are recorded by the sink that drives them.
  OutputMetrics* metrics() const { return metrics_.get(); }
  // Counts a write that returned NOT_CONNECTED (output_connection_lost).
  void connection_lost();

private:
  plugctl_output_vtable vt_{};
  size_t max_in_flight_ = 1;
  BatchPolicy policy_;
  bool closed_ = false;
  std::unique_ptr<OutputMetrics> metrics_;
  Readiness ready_;
};

class ProcessorComponent : public ComponentBase {
public:
  ProcessorComponent(const ComponentConfig& cc, std::shared_ptr<const std::atomic<bool>> cancelled);
  ~ProcessorComponent() override;
  // Runs the processor over `in` (consumed) into `out`. Never loses a message: on failure the
  // remaining input messages are flagged and forwarded.
  void process(Batch& in, Batch& out);
  void close();

private:
  plugctl_processor_vtable vt_{};
  std::mutex serial_;
  bool closed_ = false;
};

// Reads `batching` and `max_in_flight` from an output's config.
BatchPolicy parse_batch_policy(const boost::json::value& cfg);

} // namespace plugctl::core
