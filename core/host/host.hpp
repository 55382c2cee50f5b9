// The host services table handed to plugins (and to the core's own built-ins), and the concrete
// types behind the ABI's opaque handles.
#pragma once

#include "message/message.hpp"
#include "telemetry/metrics.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <plugctl/plugctl.h>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>
#include <vector>

// An error sink: the text of the last err_set of one call.
struct plugctl_err {
  std::string text;
  bool set = false;
};

// One per component instance.
struct plugctl_ctx {
  std::string label; // the user's label, may be empty
  std::string path;  // config path, e.g. "pipeline.processors.0"
  std::string type;  // component name
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<const std::atomic<bool>> cancelled;
  std::mutex metrics_mu;
  std::vector<std::unique_ptr<plugctl::core::MetricFamily>> metrics;
};

// A component's config during create.
struct plugctl_config {
  const boost::json::value* value = nullptr;
  std::deque<std::string> scratch; // serialised JSON handed out by cfg_json
};

struct plugctl_buf {
  std::string data;
};

namespace plugctl::bloblang {
class Mapping;
}
struct plugctl_mapping {
  std::shared_ptr<const plugctl::bloblang::Mapping> impl;
};

struct plugctl_shared {
  std::shared_ptr<const void> owner;
};

namespace plugctl::core {

// The outcome of one message of a write. status < 0: not set by the plugin.
struct WriteResult {
  int32_t status = -1;
  std::string text;
};

} // namespace plugctl::core

// Per-message write results of one write call. Nothing is allocated until a plugin sets one.
struct plugctl_results {
  size_t size = 0;                               // messages in the batch written
  std::vector<plugctl::core::WriteResult> items; // empty, or `size` items
  void reset(size_t n) {
    size = n;
    items.clear();
  }
  void set(size_t i, int32_t status, std::string_view text) {
    if (i >= size) return;
    if (items.empty()) items.resize(size);
    items[i].status = status;
    items[i].text.assign(text);
  }
  int32_t status(size_t i) const { return i < items.size() ? items[i].status : -1; }
  const std::string* text(size_t i) const { return i < items.size() ? &items[i].text : nullptr; }
};

namespace plugctl::core {

// The process-wide services table (ABI 1.2).
const plugctl_host* host_table();
// What plugins receive at entry.
plugctl_host_info host_info();

// Handle conversions.
inline Message* msg_of(plugctl_msg* m) {
  return reinterpret_cast<Message*>(m);
}
inline const Message* msg_of(const plugctl_msg* m) {
  return reinterpret_cast<const Message*>(m);
}
inline plugctl_msg* handle_of(Message* m) {
  return reinterpret_cast<plugctl_msg*>(m);
}
inline Batch* batch_of(plugctl_batch* b) {
  return reinterpret_cast<Batch*>(b);
}
inline const Batch* batch_of(const plugctl_batch* b) {
  return reinterpret_cast<const Batch*>(b);
}
inline plugctl_batch* handle_of(Batch* b) {
  return reinterpret_cast<plugctl_batch*>(b);
}
inline const plugctl_batch* handle_of(const Batch* b) {
  return reinterpret_cast<const plugctl_batch*>(b);
}

// A unified status name for logs ("OK", "NOT_CONNECTED", ...).
const char* status_name(plugctl_status s);

} // namespace plugctl::core
