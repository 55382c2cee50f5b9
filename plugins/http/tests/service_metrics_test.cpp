// The service's own HTTP server and metrics, through `plugctl run`: /ping, /ready, /version,
// /metrics (parsed strictly; counters equal the messages sent), /stats, an http_server input
// sharing the service's server, and the json_api, log and statsd exporters.
#include "http_test_support.hpp"

#include <boost/json.hpp>

namespace plugctl::test::http {
namespace {

using namespace std::chrono_literals;

std::string q(const std::string& s) {
  return "\"" + s + "\"";
}

TEST(ServiceHttp, EndpointsAndMetricsEqualMessagesSent) {
  TempDir dir;
  int port = free_port();
  std::string out = dir.file("out.txt");
  Background bg(dir, "http:\n  address: 127.0.0.1:" + std::to_string(port) +
                         "\ninput:\n  label: ingest\n  http_server:\n    path: /in\n"
                         "pipeline:\n  processors:\n    - mapping: |\n"
                         "        root = if content() == \"bad\" { throw(\"refused\") } else { "
                         "content() }\n"
                         "output:\n  label: sink\n  file:\n    path: " +
                         q(out) + "\nlogger:\n  level: WARN\n");
  ASSERT_TRUE(wait_for_status(port, "/ready", 200)) << bg.err();
  Client c(port);
  auto r = c.request("GET", "/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "pong");
  r = c.request("GET", "/plugctl/ping"); // also under http.root_path
  EXPECT_EQ(r.status, 200);
  r = c.request("GET", "/version");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(boost::json::parse(r.body).at("version").as_string(), PLUGCTL_VERSION);

  constexpr int kN = 300;
  for (int i = 0; i < kN; ++i) {
    r = c.request("POST", "/in", i == 7 ? "bad" : "m" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  r = c.request("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Content-Type").find("text/plain"), std::string::npos);
  Exposition ex;
  try {
    ex = parse_prometheus(r.body);
  } catch (const std::exception& e) {
    FAIL() << "invalid Prometheus text: " << e.what() << "\n" << r.body;
  }
  EXPECT_EQ(ex.types["input_received"], "counter");
  EXPECT_EQ(ex.types["output_latency_ns"], "histogram");
  std::map<std::string, std::string> in{
      {"label", "ingest"}, {"path", "input"}, {"component", "http_server"}};
  std::map<std::string, std::string> outl{
      {"label", "sink"}, {"path", "output"}, {"component", "file"}};
  std::map<std::string, std::string> proc{{"path", "pipeline.processors.0"},
                                          {"component", "mapping"}};
  EXPECT_EQ(ex.sum("input_received", in), kN);
  EXPECT_EQ(ex.sum("input_connection_up", in), 1);
  EXPECT_EQ(ex.sum("processor_received", proc), kN);
  EXPECT_EQ(ex.sum("processor_sent", proc), kN);
  EXPECT_EQ(ex.sum("processor_error", proc), 1);
  EXPECT_EQ(ex.sum("output_sent", outl), kN);
  EXPECT_EQ(ex.sum("output_error", outl), 0);
  EXPECT_GE(ex.sum("output_batch_sent", outl), 1);
  EXPECT_LE(ex.sum("output_batch_sent", outl), kN);
  EXPECT_EQ(ex.sum("output_latency_ns_count", outl), ex.sum("output_batch_sent", outl));
  EXPECT_EQ(ex.sum("input_latency_ns_count", in), ex.sum("input_received", in) > 0 ? kN : 0);
  EXPECT_EQ(read_lines(out).size(), size_t(kN));

  r = c.request("GET", "/stats");
  ASSERT_EQ(r.status, 200);
  auto stats = boost::json::parse(r.body);
  double sent = 0;
  for (const auto& s : stats.at("output_sent").as_array())
    sent += s.at("value").to_number<double>();
  EXPECT_EQ(sent, kN);
  EXPECT_EQ(bg.stop(), 0) << bg.err();
}

TEST(ServiceHttp, ReadyIs503UntilTheOutputConnects) {
  TempDir dir;
  int port = free_port();
  // c_memory (a test plugin) opens its file in connect: under /proc it never can.
  Background bg(dir,
                "http:\n  address: 127.0.0.1:" + std::to_string(port) +
                    "\ninput:\n  generate:\n    mapping: root = 1\n    interval: 10ms\n"
                    "output:\n  c_memory:\n    path: /proc/forbidden/x.txt\n"
                    "logger:\n  level: OFF\nshutdown_timeout: 500ms\n",
                test_plugin_dir());
  ASSERT_TRUE(wait_for_status(port, "/ping", 200)) << bg.err();
  Client c(port);
  auto r = c.request("GET", "/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("output"), std::string::npos) << r.body;
  bg.stop();
}

TEST(ServiceHttp, JsonApiExporterAndDisabledServer) {
  TempDir dir;
  int port = free_port();
  Background bg(dir, "http:\n  address: 127.0.0.1:" + std::to_string(port) +
                         "\nmetrics:\n  json_api: {}\n"
                         "input:\n  http_server:\n    path: /in\noutput:\n  drop: {}\n");
  ASSERT_TRUE(wait_for_status(port, "/ready", 200)) << bg.err();
  Client c(port);
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(c.request("POST", "/in", "x").status, 200);
  auto r = c.request("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  auto j = boost::json::parse(r.body);
  double n = 0;
  for (const auto& s : j.at("input_received").as_array())
    n += s.at("value").to_number<double>();
  EXPECT_EQ(n, 5);
  EXPECT_EQ(bg.stop(), 0) << bg.err();

  // http.enabled: false: an http_server without an address has nothing to share.
  auto e = run_plugctl("--plugins-dir " + plugin_dir() + " run /dev/stdin",
                       "http:\n  enabled: false\ninput:\n  http_server: {}\noutput:\n  drop: {}\n",
                       "timeout 30");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("service's HTTP server"), std::string::npos) << e.err;
}

TEST(ServiceHttp, LogExporterPrintsOneJsonObjectAtExit) {
  auto e =
      run_plugctl("run /dev/stdin",
                  "input:\n  generate:\n    mapping: root = \"x\"\n    count: 7\n    interval: 0s\n"
                  "output:\n  drop: {}\nmetrics:\n  log: {}\nhttp:\n  enabled: false\n"
                  "logger:\n  level: WARN\n",
                  "timeout 30");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  std::string err = e.err;
  while (!err.empty() && err.back() == '\n')
    err.pop_back();
  std::string last = err.substr(err.rfind('\n') + 1);
  auto j = boost::json::parse(last);
  double sent = 0;
  for (const auto& s : j.at("output_sent").as_array())
    sent += s.at("value").to_number<double>();
  EXPECT_EQ(sent, 7);
  EXPECT_TRUE(j.as_object().contains("input_latency_ns"));
}

TEST(ServiceHttp, StatsdExporterSendsCounterDeltasOverUdp) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  auto e = run_plugctl("run /dev/stdin",
                       "input:\n  generate:\n    mapping: root = \"x\"\n    count: 9\n"
                       "    interval: 5ms\noutput:\n  label: out\n  drop: {}\n"
                       "metrics:\n  statsd:\n    address: 127.0.0.1:" +
                           std::to_string(port) +
                           "\n    flush_period: 20ms\n    tag_format: datadog\n"
                           "http:\n  enabled: false\nlogger:\n  level: WARN\n",
                       "timeout 30");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  double sent = 0;
  bool timer = false;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    std::istringstream lines(std::string(buf, size_t(n)));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("output_sent:", 0) == 0) {
        EXPECT_NE(line.find("|c|#"), std::string::npos) << line;
        EXPECT_NE(line.find("label:out"), std::string::npos) << line;
        sent += std::stod(line.substr(12));
      }
      if (line.rfind("output_latency_ns:", 0) == 0) timer = line.find("|ms|@") != std::string::npos;
    }
  }
  ::close(fd);
  EXPECT_EQ(sent, 9);
  EXPECT_TRUE(timer);
}

TEST(ServiceHttp, BadMetricsAndHttpConfigAreLintErrors) {
  auto e = run_plugctl("lint /dev/stdin", "metrics:\n  prometheus: {}\n  json_api: {}\n"
                                          "http:\n  adress: x\n");
  EXPECT_NE(e.exit_code, 0);
  EXPECT_NE((e.out + e.err).find("choose one exporter"), std::string::npos) << e.out << e.err;
  EXPECT_NE((e.out + e.err).find("adress"), std::string::npos) << e.out << e.err;
}

} // namespace
} // namespace plugctl::test::http
