#include "http/service.hpp"

#include "http/server.hpp"
#include "telemetry/logging.hpp"
#include "telemetry/metrics.hpp"

#include <boost/asio.hpp>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

namespace plugctl::core {
namespace {

namespace net = boost::asio;
using http::Response;

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += s + "\n";
  return out;
}

// Pushes the registry to a StatsD server over UDP every flush period: counters as deltas since
// the last push (|c), gauges as values (|g), and timers as the mean of the period's observations
// in milliseconds, sampled at 1/count (|ms|@rate) so that StatsD counts every observation.
class StatsdExporter {
public:
  StatsdExporter(const MetricsConfig& cfg) : cfg_(cfg), socket_(ioc_) {
    auto colon = cfg.statsd_address.rfind(':');
    if (colon == std::string::npos)
      throw std::runtime_error("metrics.statsd.address '" + cfg.statsd_address +
                               "': expected host:port");
    net::ip::udp::resolver resolver(ioc_);
    auto results = resolver.resolve(net::ip::udp::v4(), cfg.statsd_address.substr(0, colon),
                                    cfg.statsd_address.substr(colon + 1));
    if (results.empty())
      throw std::runtime_error("metrics.statsd.address '" + cfg.statsd_address + "': not found");
    target_ = *results.begin();
    socket_.open(net::ip::udp::v4());
    thread_ = std::thread([this] { loop(); });
  }
  ~StatsdExporter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    flush(); // the last deltas
  }

private:
  void loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, cfg_.statsd_flush_period);
      if (stop_) break;
      lock.unlock();
      flush();
      lock.lock();
    }
  }

  std::string name_of(const std::string& name,
                      const std::vector<prometheus::ClientMetric::Label>& l,
                      std::string& tags) const {
    tags.clear();
    if (cfg_.statsd_tag_format == "datadog") {
      for (const auto& x : l) {
        if (x.value.empty()) continue;
        tags += tags.empty() ? "|#" : ",";
        tags += x.name + ":" + x.value;
      }
      return name;
    }
    if (cfg_.statsd_tag_format == "influxdb") {
      std::string n = name;
      for (const auto& x : l)
        if (!x.value.empty()) n += "," + x.name + "=" + x.value;
      return n;
    }
    return name;
  }

  void send_line(std::string& packet, const std::string& line) {
    if (packet.size() + line.size() + 1 > 1400) {
      send(packet);
      packet.clear();
    }
    if (!packet.empty()) packet += '\n';
    packet += line;
  }
  void send(const std::string& packet) {
    if (packet.empty()) return;
    boost::system::error_code ec;
    socket_.send_to(net::buffer(packet), target_, 0, ec); // UDP: a lost datagram is lost
  }

  void flush() {
    std::string packet, tags;
    for (const auto& f : metrics_registry().Collect()) {
      for (const auto& m : f.metric) {
        std::string key = f.name;
        for (const auto& l : m.label)
          key += "\x1f" + l.name + "=" + l.value;
        std::string n = name_of(f.name, m.label, tags);
        char num[64];
        switch (f.type) {
        case prometheus::MetricType::Counter: {
          double& last = last_[key];
          double d = m.counter.value - last;
          last = m.counter.value;
          if (d <= 0) break;
          std::snprintf(num, sizeof num, "%.17g", d);
          send_line(packet, n + ":" + num + "|c" + tags);
          break;
        }
        case prometheus::MetricType::Gauge:
          std::snprintf(num, sizeof num, "%.17g", m.gauge.value);
          send_line(packet, n + ":" + num + "|g" + tags);
          break;
        case prometheus::MetricType::Histogram: {
          double& last_n = last_[key + "\x1f#count"];
          double& last_sum = last_[key + "\x1f#sum"];
          double count = double(m.histogram.sample_count) - last_n;
          double sum = m.histogram.sample_sum - last_sum;
          last_n = double(m.histogram.sample_count);
          last_sum = m.histogram.sample_sum;
          if (count <= 0) break;
          std::snprintf(num, sizeof num, "%.6f|ms|@%.9g", sum / count / 1e6, 1.0 / count);
          send_line(packet, n + ":" + num + tags);
          break;
        }
        default:
          break;
        }
      }
    }
    send(packet);
  }

  MetricsConfig cfg_;
  net::io_context ioc_;
  net::ip::udp::socket socket_;
  net::ip::udp::endpoint target_;
  std::map<std::string, double> last_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace

struct Service::Impl {
  MetricsConfig metrics;
  std::shared_ptr<http::Server> server;
  uint64_t owner = http::Server::new_owner();
  std::unique_ptr<StatsdExporter> statsd;
};

Service::Service(const Config& cfg) : impl_(std::make_unique<Impl>()) {
  impl_->metrics = cfg.metrics;
  const std::string& exp = cfg.metrics.exporter;
  set_metrics_enabled(exp != "none");
  if (exp == "statsd") impl_->statsd = std::make_unique<StatsdExporter>(cfg.metrics);
  if (!cfg.http.enabled) return;
  std::shared_ptr<http::Server> s;
  try {
    s = http::Server::listen(cfg.http.address, http::default_threads());
  } catch (const std::exception& e) {
    // The default address is shared by every plugctl on the machine: a second one runs without
    // its endpoints rather than not at all. An address the user chose must work.
    if (cfg.http.address != HttpConfig{}.address) throw;
    core_logger()->warn("HTTP server disabled: {} (set http.address to serve the endpoints)",
                        e.what());
    return;
  }
  http::set_root_path(*s, cfg.http.root_path);
  uint64_t o = impl_->owner;
  s->add_route(
      "/ping",
      [](http::Request* r) {
        http::respond(r, Response{200, {}, "pong"});
      },
      o);
  s->add_route(
      "/ready",
      [](http::Request* r) {
        std::vector<std::string> missing;
        if (all_ready(&missing))
          http::respond(r, Response{200, {}, "OK"});
        else
          http::respond(r, Response{503, {}, join_lines(missing)});
      },
      o);
  s->add_route(
      "/version",
      [](http::Request* r) {
        http::respond(r, Response{200,
                                  {{"Content-Type", "application/json"}},
                                  std::string("{\"version\":\"") + PLUGCTL_VERSION + "\"}"});
      },
      o);
  bool prom = exp == "prometheus", json = exp == "json_api";
  auto metrics = [prom, json](http::Request* r) {
    if (prom)
      http::respond(r, Response{200,
                                {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                                metrics_prometheus_text()});
    else if (json)
      http::respond(r, Response{200, {{"Content-Type", "application/json"}}, metrics_json()});
    else
      http::respond(r,
                    Response{404,
                             {},
                             "metrics are not served by the '" +
                                 std::string(prom ? "prometheus" : "configured") + "' exporter\n"});
  };
  if (prom || json) {
    s->add_route("/metrics", metrics, o);
    s->add_route(
        "/stats",
        [](http::Request* r) {
          http::respond(r, Response{200, {{"Content-Type", "application/json"}}, metrics_json()});
        },
        o);
  }
  impl_->server = s;
  http::set_service_server(s);
  core_logger()->info("HTTP server listening on http://{}", s->address());
}

Service::~Service() {
  if (impl_->server) {
    http::set_service_server(nullptr);
    impl_->server->stop();
  }
  impl_->statsd.reset();
  if (impl_->metrics.exporter == "log") {
    // One JSON object on stderr, as the last line: easy to pick up after a batch job.
    std::string line = metrics_json() + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

} // namespace plugctl::core
