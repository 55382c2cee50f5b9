#include "telemetry/metrics.hpp"

#include <mutex>
#include <plugctl/plugctl.h>

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
