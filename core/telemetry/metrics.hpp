// Metrics: one prometheus-cpp registry for the process. Plugins create families through the
// host (metric_new) and the core records its standard per-component metrics here.
#pragma once

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
  std::map<std::string, std::string> const_labels; // label, path
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

} // namespace plugctl::core
