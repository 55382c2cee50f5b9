// http_client (output and processor) against a real HTTP server on 127.0.0.1 started by the
// test: verbs, headers, interpolation, retries with backoff, drop_on, batch formats, connection
// reuse (counted as TCP connections the server accepted).
#include "http_test_support.hpp"

#include <boost/json.hpp>

namespace plugctl::test::http {
namespace {

using namespace std::chrono_literals;

std::string q(const std::string& s) {
  return "\"" + s + "\"";
}

// test_feed of `payloads` (in batches of batch_size) -> `middle` -> `output`.
RunResult run_feed(const std::string& name, const std::vector<std::string>& payloads,
                   const std::string& rest, size_t batch_size = 1) {
  reset_channel(name);
  channel(name).payloads = payloads;
  std::string yaml = "input:\n  test_feed:\n    channel: " + q(name) +
                     "\n    batch_size: " + std::to_string(batch_size) + "\n" + rest;
  return run_until(parse_config(yaml, registry()), registry());
}

std::string capture(const std::string& name) {
  return "output:\n  test_capture:\n    channel: " + q(name) + "\n";
}

TEST(HttpClient, OutputVerbsHeadersAndInterpolation) {
  for (std::string verb : {"POST", "PUT", "PATCH", "DELETE"}) {
    TestServer server;
    auto r =
        run_feed("hc_verbs", {"alpha", "beta", "gamma"},
                 "output:\n  http_client:\n    url: " + q(server.url("/items/${! content() }")) +
                     "\n    verb: " + verb +
                     "\n    headers:\n      Content-Type: text/plain\n"
                     "      X-Upper: ${! content().uppercase() }\n");
    ASSERT_EQ(r.exit_code, 0) << verb;
    auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 3u) << verb;
    std::map<std::string, HttpMessage> by_body;
    for (const auto& m : reqs)
      by_body[m.body] = m;
    for (std::string p : {"alpha", "beta", "gamma"}) {
      ASSERT_TRUE(by_body.count(p)) << verb << " " << p;
      const auto& m = by_body[p];
      EXPECT_EQ(m.method, verb);
      EXPECT_EQ(m.target, "/items/" + p);
      EXPECT_EQ(m.header("Content-Type"), "text/plain");
      std::string up = p;
      for (auto& c : up)
        c = char(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_EQ(m.header("X-Upper"), up);
    }
  }
}

TEST(HttpClient, GetWithoutBodyAndAuthHeaders) {
  TestServer server([](const HttpMessage& m) { return Reply{200, "got " + m.target}; });
  reset_channel("hc_get_out");
  auto r =
      run_feed("hc_get", {""},
               "pipeline:\n  processors:\n    - http_client:\n        url: " + q(server.url("/x")) +
                   "\n        verb: GET\n        basic_auth:\n          enabled: true\n"
                   "          username: ann\n          password: secret\n" +
                   capture("hc_get_out"));
  ASSERT_EQ(r.exit_code, 0);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].header("Authorization"), "Basic YW5uOnNlY3JldA==");
  EXPECT_EQ(channel("hc_get_out").received, std::vector<std::string>{"got /x"});

  TestServer server2;
  r = run_feed("hc_bearer", {"x"},
               "output:\n  http_client:\n    url: " + q(server2.url("/b")) +
                   "\n    bearer_token: tok123\n");
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(server2.request_count(), 1u);
  EXPECT_EQ(server2.requests()[0].header("Authorization"), "Bearer tok123");
}

TEST(HttpClient, RetriesFiveHundredsWithGrowingBackoff) {
  std::atomic<int> calls{0};
  TestServer server([&](const HttpMessage&) {
    int n = ++calls;
    return n <= 3 ? Reply{503, "busy"} : Reply{200, "ok"};
  });
  auto r = run_feed("hc_retry", {"m"},
                    "output:\n  http_client:\n    url: " + q(server.url("/r")) +
                        "\n    retries: 3\n    retry_period: 100ms\n"
                        "    max_retry_backoff: 150ms\n");
  ASSERT_EQ(r.exit_code, 0);
  auto times = server.times();
  ASSERT_EQ(times.size(), 4u); // three 503s and the success, all within the client's retries
  EXPECT_EQ(r.stats.nacks, 0u);
  // Waits: retry_period, then doubled but capped at max_retry_backoff.
  auto gap = [&](size_t i) { return times[i + 1] - times[i]; };
  EXPECT_GE(gap(0), 100ms);
  EXPECT_GE(gap(1), 150ms);
  EXPECT_GE(gap(2), 150ms);
}

TEST(HttpClient, ProcessorFlagsFailureWithStatusAndBodyExcerpt) {
  TestServer server([](const HttpMessage&) { return Reply{500, "database exploded"}; });
  reset_channel("hc_fail_out");
  auto r =
      run_feed("hc_fail", {"one", "two"},
               "pipeline:\n  processors:\n    - http_client:\n        url: " + q(server.url("/f")) +
                   "\n        retries: 1\n        retry_period: 10ms\n" + capture("hc_fail_out"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(server.request_count(), 4u); // two messages, two attempts each
  auto& ch = channel("hc_fail_out");
  ASSERT_EQ(ch.received.size(), 2u);
  std::vector<std::string> got = ch.received;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"})); // the payload is kept
  for (const auto& e : ch.received_errors) {
    EXPECT_NE(e.find("500"), std::string::npos) << e;
    EXPECT_NE(e.find("database exploded"), std::string::npos) << e;
  }
  for (const auto& m : ch.received_meta)
    EXPECT_EQ(m.at("http_status_code"), "500");
}

TEST(HttpClient, DropOnFailsAtOnceWithoutRetries) {
  TestServer server([](const HttpMessage&) { return Reply{404, "no such thing"}; });
  reset_channel("hc_drop_out");
  auto r =
      run_feed("hc_drop", {"x"},
               "pipeline:\n  processors:\n    - http_client:\n        url: " + q(server.url("/d")) +
                   "\n        retries: 5\n        retry_period: 10ms\n"
                   "        drop_on: [ 404 ]\n" +
                   capture("hc_drop_out"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(server.request_count(), 1u);
  auto& ch = channel("hc_drop_out");
  ASSERT_EQ(ch.received_errors.size(), 1u);
  EXPECT_NE(ch.received_errors[0].find("404"), std::string::npos);
  EXPECT_NE(ch.received_errors[0].find("no such thing"), std::string::npos);
}

TEST(HttpClient, SuccessfulOnAndBackoffOnOverride2xx) {
  // 409 counts as success; 202 is listed in backoff_on, so it is retried.
  std::atomic<int> calls{0};
  TestServer server([&](const HttpMessage&) {
    return ++calls == 1 ? Reply{202, "later"} : Reply{409, "exists"};
  });
  reset_channel("hc_succ_out");
  auto r =
      run_feed("hc_succ", {"x"},
               "pipeline:\n  processors:\n    - http_client:\n        url: " + q(server.url("/s")) +
                   "\n        retry_period: 10ms\n        successful_on: [ 409 ]\n"
                   "        backoff_on: [ 202 ]\n" +
                   capture("hc_succ_out"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(server.request_count(), 2u);
  auto& ch = channel("hc_succ_out");
  ASSERT_EQ(ch.received.size(), 1u);
  EXPECT_EQ(ch.received[0], "exists");
  EXPECT_EQ(ch.received_errors[0], "");
  EXPECT_EQ(ch.received_meta[0].at("http_status_code"), "409");
}

TEST(HttpClient, ProcessorResponseReplacesMessageAndHeadersBecomeMetadata) {
  TestServer server([](const HttpMessage& m) {
    return Reply{200, "{\"echo\":\"" + m.body + "\"}", {{"X-Rate-Left", "41"}, {"X-Other", "no"}}};
  });
  reset_channel("hc_proc_out");
  auto r =
      run_feed("hc_proc", {"a", "b", "c", "d"},
               "pipeline:\n  processors:\n    - http_client:\n        url: " + q(server.url("/e")) +
                   "\n        extract_headers:\n          include_prefixes: [ x-rate ]\n" +
                   capture("hc_proc_out"),
               4);
  ASSERT_EQ(r.exit_code, 0);
  auto& ch = channel("hc_proc_out");
  ASSERT_EQ(ch.received.size(), 4u);
  EXPECT_EQ(ch.received[0], "{\"echo\":\"a\"}"); // order kept within the batch
  EXPECT_EQ(ch.received[3], "{\"echo\":\"d\"}");
  EXPECT_EQ(ch.received_meta[0].at("x-rate-left"), "41");
  EXPECT_EQ(ch.received_meta[0].count("x-other"), 0u);
}

TEST(HttpClient, BatchFormats) {
  std::vector<std::string> payloads{"{\"a\":1}", "plain text", "[1,2]"};
  std::string batching = "    batching:\n      count: 3\n";
  {
    TestServer server;
    auto r = run_feed("hc_json", payloads,
                      "output:\n  http_client:\n    url: " + q(server.url("/j")) +
                          "\n    batch_format: json_array\n" + batching,
                      3);
    ASSERT_EQ(r.exit_code, 0);
    ASSERT_EQ(server.request_count(), 1u);
    auto m = server.requests()[0];
    EXPECT_EQ(m.header("Content-Type"), "application/json");
    EXPECT_EQ(boost::json::parse(m.body), boost::json::parse(R"([{"a":1},"plain text",[1,2]])"));
  }
  {
    TestServer server;
    auto r = run_feed("hc_lines", payloads,
                      "output:\n  http_client:\n    url: " + q(server.url("/l")) +
                          "\n    batch_format: lines\n" + batching,
                      3);
    ASSERT_EQ(r.exit_code, 0);
    ASSERT_EQ(server.request_count(), 1u);
    EXPECT_EQ(server.requests()[0].body, "{\"a\":1}\nplain text\n[1,2]\n");
  }
  {
    TestServer server;
    auto r = run_feed("hc_multi", payloads,
                      "output:\n  http_client:\n    url: " + q(server.url("/m")) +
                          "\n    batch_as_multipart: true\n" + batching,
                      3);
    ASSERT_EQ(r.exit_code, 0);
    ASSERT_EQ(server.request_count(), 1u);
    auto m = server.requests()[0];
    std::string type = m.header("Content-Type");
    ASSERT_EQ(type.rfind("multipart/mixed; boundary=", 0), 0u) << type;
    std::string b = type.substr(std::string("multipart/mixed; boundary=").size());
    std::string expect;
    for (const auto& p : payloads)
      expect += "--" + b + "\r\nContent-Type: application/octet-stream\r\n\r\n" + p + "\r\n";
    expect += "--" + b + "--\r\n";
    EXPECT_EQ(m.body, expect);
  }
  {
    TestServer server; // individual: one request per message of the batch
    auto r =
        run_feed("hc_ind", payloads,
                 "output:\n  http_client:\n    url: " + q(server.url("/i")) + "\n" + batching, 3);
    ASSERT_EQ(r.exit_code, 0);
    EXPECT_EQ(server.request_count(), 3u);
  }
}

TEST(HttpClient, ReusesConnectionsAndCapsThemAtMaxInFlight) {
  TestServer server;
  std::vector<std::string> payloads;
  for (int i = 0; i < 400; ++i)
    payloads.push_back("m" + std::to_string(i));
  auto r = run_feed(
      "hc_reuse", payloads,
      "output:\n  http_client:\n    url: " + q(server.url("/c")) + "\n    max_in_flight: 4\n", 50);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(server.request_count(), 400u);
  EXPECT_LE(server.accepted(), 4u) << "a new TCP connection per request";
  std::set<std::string> bodies;
  for (const auto& m : server.requests())
    bodies.insert(m.body);
  EXPECT_EQ(bodies.size(), 400u);
}

TEST(HttpClient, RateLimitSpacesRequests) {
  TestServer server;
  auto start = std::chrono::steady_clock::now();
  auto r = run_feed("hc_rate", {"1", "2", "3", "4", "5", "6"},
                    "output:\n  http_client:\n    url: " + q(server.url("/rl")) +
                        "\n    rate_limit:\n      count: 2\n      interval: 200ms\n",
                    6);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(server.request_count(), 6u);
  // A full bucket of 2, then 4 more at 10/s: at least 400 ms.
  auto last = server.times().back();
  EXPECT_GE(last - start, 380ms);
}

TEST(HttpClient, BadConfigNamesTheField) {
  core::Registry& reg = registry();
  auto cfg = parse_config("input:\n  generate:\n    mapping: root = 1\n    count: 1\n"
                          "output:\n  http_client:\n    url: http://127.0.0.1:1/\n"
                          "    drop_on: [ 42 ]\n",
                          reg);
  try {
    core::Engine e(cfg, reg);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("drop_on"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace plugctl::test::http

namespace plugctl::test::http {
namespace {

// `openssl s_server -www` on 127.0.0.1 with a self-signed certificate for 127.0.0.1: a real TLS
// server that answers GET with an HTML status page.
class TlsServer {
public:
  explicit TlsServer(TempDir& dir) : cert_(dir.file("cert.pem")), key_(dir.file("key.pem")) {
    std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key_ + " -out " +
                      cert_ +
                      " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                      ">/dev/null 2>&1";
    if (std::system(gen.c_str()) != 0)
      throw std::runtime_error("openssl could not make a certificate (is openssl installed?)");
    port_ = free_port();
    std::string accept = "127.0.0.1:" + std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert", cert_.c_str(),
               "-key", key_.c_str(), "-www", "-quiet", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) { // until it accepts connections
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(uint16_t(port_));
      bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (up) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("openssl s_server did not start");
  }
  ~TlsServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
  const std::string& cert() const { return cert_; }

private:
  std::string cert_, key_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST(HttpClient, TlsVerifiesAgainstRootCasOrSkipsVerification) {
  TempDir dir;
  TlsServer tls(dir);
  auto run = [&](const std::string& tls_cfg) {
    reset_channel("hc_tls_out");
    auto r =
        run_feed("hc_tls", {""},
                 "pipeline:\n  processors:\n    - http_client:\n        url: " + q(tls.url()) +
                     "\n        verb: GET\n        retries: 0\n" + tls_cfg + capture("hc_tls_out"));
    EXPECT_EQ(r.exit_code, 0);
    auto& ch = channel("hc_tls_out");
    EXPECT_EQ(ch.received.size(), 1u);
    return std::make_pair(ch.received.empty() ? "" : ch.received[0],
                          ch.received_errors.empty() ? "" : ch.received_errors[0]);
  };
  auto [body, err] = run(
      "        tls:\n          enabled: true\n          root_cas_file: " + q(tls.cert()) + "\n");
  EXPECT_EQ(err, "");
  EXPECT_NE(body.find("<HTML>"), std::string::npos) << body;
  std::tie(body, err) =
      run("        tls:\n          enabled: true\n          skip_cert_verify: true\n");
  EXPECT_EQ(err, "");
  EXPECT_NE(body.find("<HTML>"), std::string::npos) << body;
  std::tie(body, err) = run(""); // the system's CAs do not know this certificate
  EXPECT_NE(err.find("certificate"), std::string::npos) << err;
}

} // namespace
} // namespace plugctl::test::http
