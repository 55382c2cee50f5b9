#include "telemetry/metrics.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <plugctl/plugctl.h>
#include <prometheus/text_serializer.h>
#include <sstream>

namespace plugctl::core {
namespace {
std::mutex g_mu;
std::map<std::string, void*> g_families; // name -> family of its first registered type
std::map<std::string, int32_t> g_types;
} // namespace

prometheus::Registry& metrics_registry() {
  static prometheus::Registry r;
  return r;
}

bool valid_metric_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::unique_ptr<MetricFamily> make_metric_family(int32_t type, const std::string& name,
                                                 std::vector<std::string> label_names,
                                                 std::map<std::string, std::string> const_labels) {
  if (!valid_metric_name(name)) return nullptr;
  for (const auto& l : label_names)
    if (!valid_metric_name(l)) return nullptr;
  std::lock_guard lock(g_mu);
  auto it = g_types.find(name);
  if (it != g_types.end() && it->second != type) return nullptr; // same name, other type
  auto f = std::make_unique<MetricFamily>();
  f->type = type;
  f->label_names = std::move(label_names);
  f->const_labels = std::move(const_labels);
  void*& slot = g_families[name];
  g_types[name] = type;
  auto& reg = metrics_registry();
  switch (type) {
  case PLUGCTL_METRIC_COUNTER:
    if (slot == nullptr) slot = &prometheus::BuildCounter().Name(name).Register(reg);
    f->counter = static_cast<prometheus::Family<prometheus::Counter>*>(slot);
    break;
  case PLUGCTL_METRIC_GAUGE:
    if (slot == nullptr) slot = &prometheus::BuildGauge().Name(name).Register(reg);
    f->gauge = static_cast<prometheus::Family<prometheus::Gauge>*>(slot);
    break;
  case PLUGCTL_METRIC_TIMER:
    if (slot == nullptr) slot = &prometheus::BuildHistogram().Name(name).Register(reg);
    f->histogram = static_cast<prometheus::Family<prometheus::Histogram>*>(slot);
    break;
  default:
    return nullptr;
  }
  return f;
}

void MetricFamily::record(const std::vector<std::string>& values, double v) {
  std::map<std::string, std::string> labels = const_labels;
  for (size_t i = 0; i < label_names.size() && i < values.size(); ++i)
    labels[label_names[i]] = values[i];
  if (counter != nullptr) {
    if (v >= 0) counter->Add(labels).Increment(v);
  } else if (gauge != nullptr) {
    gauge->Add(labels).Set(v);
  } else if (histogram != nullptr) {
    // Durations in nanoseconds, buckets from 10us to 10s.
    static const prometheus::Histogram::BucketBoundaries kBuckets{1e4, 1e5, 1e6, 5e6, 1e7,
                                                                  5e7, 1e8, 5e8, 1e9, 1e10};
    histogram->Add(labels, kBuckets).Observe(v);
  }
}

} // namespace plugctl::core

// --- standard component metrics ----------------------------------------------------------------
namespace plugctl::core {
namespace {

std::atomic<bool> g_enabled{true};

// The family `name` of `type`, registered on first use (shared with metric_new's map so that a
// plugin cannot register the same name with another type).
void* family(int32_t type, const std::string& name, const char* help) {
  std::lock_guard lock(g_mu);
  auto it = g_types.find(name);
  if (it != g_types.end() && it->second != type) return nullptr;
  void*& slot = g_families[name];
  if (slot != nullptr) return slot;
  g_types[name] = type;
  auto& reg = metrics_registry();
  switch (type) {
  case PLUGCTL_METRIC_COUNTER:
    slot = &prometheus::BuildCounter().Name(name).Help(help).Register(reg);
    break;
  case PLUGCTL_METRIC_GAUGE:
    slot = &prometheus::BuildGauge().Name(name).Help(help).Register(reg);
    break;
  default:
    slot = &prometheus::BuildHistogram().Name(name).Help(help).Register(reg);
    break;
  }
  return slot;
}

std::map<std::string, std::string> labels_of(const ComponentLabels& l) {
  return {{"label", l.label}, {"path", l.path}, {"component", l.component}};
}

prometheus::Counter* counter(const std::string& name, const char* help, const ComponentLabels& l) {
  auto* f = static_cast<prometheus::Family<prometheus::Counter>*>(
      family(PLUGCTL_METRIC_COUNTER, name, help));
  return f == nullptr ? nullptr : &f->Add(labels_of(l));
}

const prometheus::Histogram::BucketBoundaries& timing_buckets() {
  // Nanoseconds, from 10us to 10s.
  static const prometheus::Histogram::BucketBoundaries kBuckets{1e4, 1e5, 1e6, 5e6, 1e7,
                                                                5e7, 1e8, 5e8, 1e9, 1e10};
  return kBuckets;
}

prometheus::Histogram* timer(const std::string& name, const char* help, const ComponentLabels& l) {
  auto* f = static_cast<prometheus::Family<prometheus::Histogram>*>(
      family(PLUGCTL_METRIC_TIMER, name, help));
  return f == nullptr ? nullptr : &f->Add(labels_of(l), timing_buckets());
}

std::mutex g_ready_mu;
std::vector<Readiness*> g_ready;

} // namespace

bool metrics_enabled() {
  return g_enabled.load();
}
void set_metrics_enabled(bool on) {
  g_enabled.store(on);
}

std::unique_ptr<InputMetrics> make_input_metrics(const ComponentLabels& l) {
  if (!metrics_enabled()) return nullptr;
  auto m = std::make_unique<InputMetrics>();
  m->received = counter("input_received", "Messages read by the input.", l);
  m->connection_up = counter("input_connection_up", "Successful input connections.", l);
  m->connection_failed = counter("input_connection_failed", "Failed input connection attempts.", l);
  m->connection_lost = counter("input_connection_lost", "Input connections lost.", l);
  m->latency =
      timer("input_latency_ns", "Nanoseconds from reading a batch to its acknowledgement.", l);
  return m;
}

std::unique_ptr<ProcessorMetrics> make_processor_metrics(const ComponentLabels& l) {
  if (!metrics_enabled()) return nullptr;
  auto m = std::make_unique<ProcessorMetrics>();
  m->received = counter("processor_received", "Messages a processor received.", l);
  m->sent = counter("processor_sent", "Messages a processor passed on.", l);
  m->error = counter("processor_error", "Messages a processor flagged with an error.", l);
  m->latency = timer("processor_latency_ns", "Nanoseconds a processor took per batch.", l);
  return m;
}

std::unique_ptr<OutputMetrics> make_output_metrics(const ComponentLabels& l) {
  if (!metrics_enabled()) return nullptr;
  auto m = std::make_unique<OutputMetrics>();
  m->sent = counter("output_sent", "Messages an output delivered.", l);
  m->batch_sent = counter("output_batch_sent", "Batches an output delivered.", l);
  m->error = counter("output_error", "Message writes that failed (each attempt counts).", l);
  m->connection_up = counter("output_connection_up", "Successful output connections.", l);
  m->connection_failed =
      counter("output_connection_failed", "Failed output connection attempts.", l);
  m->connection_lost = counter("output_connection_lost", "Output connections lost.", l);
  m->latency = timer("output_latency_ns", "Nanoseconds an output took per write.", l);
  return m;
}

Readiness::Readiness(std::string kind, std::string where)
    : kind_(std::move(kind)), where_(std::move(where)) {
  std::lock_guard lock(g_ready_mu);
  g_ready.push_back(this);
}
Readiness::~Readiness() {
  std::lock_guard lock(g_ready_mu);
  g_ready.erase(std::remove(g_ready.begin(), g_ready.end(), this), g_ready.end());
}

bool all_ready(std::vector<std::string>* missing) {
  std::lock_guard lock(g_ready_mu);
  bool inputs = false, outputs = false, ok = true;
  for (const Readiness* r : g_ready) {
    (r->kind() == "input" ? inputs : outputs) = true;
    if (r->up()) continue;
    ok = false;
    if (missing != nullptr) missing->push_back(r->kind() + " " + r->where());
  }
  if (!inputs && missing != nullptr) missing->push_back("no input is running");
  if (!outputs && missing != nullptr) missing->push_back("no output is running");
  return ok && inputs && outputs;
}

// --- exposition ----------------------------------------------------------------------------------
std::string metrics_prometheus_text() {
  auto families = metrics_registry().Collect();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::string metrics_json() {
  // Whole numbers as integers ("3", not "3E0"): counters are counts.
  auto num = [](double v) -> boost::json::value {
    if (v == double(int64_t(v)) && v > -9e15 && v < 9e15) return int64_t(v);
    return v;
  };
  boost::json::object root;
  for (const auto& f : metrics_registry().Collect()) {
    boost::json::array series;
    for (const auto& m : f.metric) {
      boost::json::object s;
      boost::json::object labels;
      for (const auto& l : m.label)
        labels[l.name] = l.value;
      s["labels"] = std::move(labels);
      switch (f.type) {
      case prometheus::MetricType::Counter:
        s["value"] = num(m.counter.value);
        break;
      case prometheus::MetricType::Gauge:
        s["value"] = num(m.gauge.value);
        break;
      case prometheus::MetricType::Histogram:
        s["count"] = m.histogram.sample_count;
        s["sum"] = num(m.histogram.sample_sum);
        s["mean"] = m.histogram.sample_count == 0
                        ? 0.0
                        : m.histogram.sample_sum / double(m.histogram.sample_count);
        break;
      default:
        s["value"] = num(m.untyped.value);
        break;
      }
      series.push_back(std::move(s));
    }
    root[f.name] = std::move(series);
  }
  return boost::json::serialize(root);
}

} // namespace plugctl::core
