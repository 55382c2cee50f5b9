// Metrics: one prometheus-cpp registry for the process. Plugins create families through the
// host (metric_new) and the core records its standard per-component metrics here.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string>
#include <vector>

namespace plugctl::core {

prometheus::Registry& metrics_registry();

// A metric family created through the ABI: its type, label names, and the component's labels.
struct MetricFamily {
  int32_t type = 0;
  std::vector<std::string> label_names;
  std::map<std::string, std::string> const_labels; // label, path, component
  prometheus::Family<prometheus::Counter>* counter = nullptr;
  prometheus::Family<prometheus::Gauge>* gauge = nullptr;
  prometheus::Family<prometheus::Histogram>* histogram = nullptr;

  void record(const std::vector<std::string>& values, double v);
};

// Finds or creates a family (the same name may be registered by several instances).
std::unique_ptr<MetricFamily> make_metric_family(int32_t type, const std::string& name,
                                                 std::vector<std::string> label_names,
                                                 std::map<std::string, std::string> const_labels);

bool valid_metric_name(std::string_view name);

// --- standard component metrics ---------------------------------------------------------------
// Every component gets these without writing code: the core records them around the plugin
// calls (components.cpp, broker/plugin_sink.cpp, pipeline/nodes.cpp). Each series carries the
// labels `label` (the user's label), `path` (the config path) and `component` (its name). The
// series are resolved once per instance, so recording is an atomic add (histograms: one lock).

// False when the metrics exporter is `none`: nothing is recorded (the handles below are NULL).
bool metrics_enabled();
void set_metrics_enabled(bool on);

struct ComponentLabels {
  std::string label, path, component;
};

struct InputMetrics {
  prometheus::Counter* received = nullptr;          // input_received: messages read
  prometheus::Counter* connection_up = nullptr;     // input_connection_up
  prometheus::Counter* connection_failed = nullptr; // input_connection_failed
  prometheus::Counter* connection_lost = nullptr;   // input_connection_lost
  prometheus::Histogram* latency = nullptr;         // input_latency_ns: read to acknowledgement
};
struct ProcessorMetrics {
  prometheus::Counter* received = nullptr;  // processor_received: messages in
  prometheus::Counter* sent = nullptr;      // processor_sent: messages out
  prometheus::Counter* error = nullptr;     // processor_error: messages it flagged
  prometheus::Histogram* latency = nullptr; // processor_latency_ns: per batch
};
struct OutputMetrics {
  prometheus::Counter* sent = nullptr;              // output_sent: messages delivered
  prometheus::Counter* batch_sent = nullptr;        // output_batch_sent: writes that delivered
  prometheus::Counter* error = nullptr;             // output_error: messages failed (per attempt)
  prometheus::Counter* connection_up = nullptr;     // output_connection_up
  prometheus::Counter* connection_failed = nullptr; // output_connection_failed
  prometheus::Counter* connection_lost = nullptr;   // output_connection_lost
  prometheus::Histogram* latency = nullptr;         // output_latency_ns: per write
};

// NULL when metrics are disabled.
std::unique_ptr<InputMetrics> make_input_metrics(const ComponentLabels& l);
std::unique_ptr<ProcessorMetrics> make_processor_metrics(const ComponentLabels& l);
std::unique_ptr<OutputMetrics> make_output_metrics(const ComponentLabels& l);

// --- readiness ----------------------------------------------------------------------------------
// Inputs and outputs register here; /ready answers 200 once every registered one is connected.
class Readiness {
public:
  Readiness(std::string kind, std::string where);
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;
  void set(bool connected) { up_.store(connected); }
  bool up() const { return up_.load(); }
  const std::string& kind() const { return kind_; }
  const std::string& where() const { return where_; }

private:
  std::string kind_, where_;
  std::atomic<bool> up_{false};
};
// Whether every registered input and output is connected; `missing` lists those that are not.
bool all_ready(std::vector<std::string>* missing = nullptr);

// --- exposition ---------------------------------------------------------------------------------
std::string metrics_prometheus_text();
// {"name": [{"labels": {...}, "value": v}], ...}; histograms give count, sum and mean.
std::string metrics_json();

} // namespace plugctl::core
