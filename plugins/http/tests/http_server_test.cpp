// http_server input (and sync_response output) on real sockets: 10,000 POSTs into a file, each
// answered only after its line is in the file; sync responses; failing outputs answer an error
// the client can retry on; verbs, rate limits, timeouts, metadata, websockets.
#include "http_test_support.hpp"

#include <random>
#include <set>

namespace plugctl::test::http {
namespace {

using namespace std::chrono_literals;

std::string q(const std::string& s) {
  return "\"" + s + "\"";
}

// Runs `yaml` in-process on a thread until stop() (or its own end).
class Pipeline {
public:
  explicit Pipeline(const std::string& yaml) : cfg_(parse_config(yaml, registry())) {
    thread_ = std::thread(
        [this] { result_ = run_until(cfg_, registry(), [this] { return stop_.load(); }); });
  }
  ~Pipeline() { stop(); }
  RunResult stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return result_;
  }

private:
  core::Config cfg_;
  std::atomic<bool> stop_{false};
  RunResult result_;
  std::thread thread_;
};

// The input is up once its path answers (405 to a GET when only POST is allowed).
void wait_up(int port, const std::string& path = "/post") {
  ASSERT_TRUE(wait_for_status(port, path, 405)) << "http_server did not come up on " << port;
}

TEST(HttpServer, TenThousandPostsReachTheFileOnceAndAreAnsweredAfterTheWrite) {
  TempDir dir;
  int port = free_port();
  std::string out = dir.file("out.txt");
  Pipeline p("input:\n  http_server:\n    address: 127.0.0.1:" + std::to_string(port) +
             "\n    path: /post\noutput:\n  file:\n    path: " + q(out) + "\n");
  wait_up(port);
  constexpr int kClients = 8, kPerClient = 1250;
  std::atomic<int> bad{0}, checked{0}, missing{0};
  std::mutex err_mu;
  std::string first_error;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Client client(port);
      for (int i = 0; i < kPerClient; ++i) {
        std::string body = "msg-" + std::to_string(c) + "-" + std::to_string(i);
        try {
          auto r = client.request("POST", "/post", body);
          if (r.status != 200) {
            ++bad;
            std::lock_guard lock(err_mu);
            if (first_error.empty()) first_error = std::to_string(r.status) + " " + r.body;
            continue;
          }
        } catch (const std::exception& e) {
          ++bad;
          std::lock_guard lock(err_mu);
          if (first_error.empty()) first_error = e.what();
          continue;
        }
        // Answered 200: the line must be in the file already.
        if (i % 97 == 0) {
          ++checked;
          if (read_file(out).find(body + "\n") == std::string::npos) ++missing;
        }
      }
    });
  }
  for (auto& t : clients)
    t.join();
  auto r = p.stop();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(bad.load(), 0) << first_error;
  EXPECT_GT(checked.load(), 0);
  EXPECT_EQ(missing.load(), 0) << "a request was answered 200 before its line was written";
  auto lines = read_lines(out);
  EXPECT_EQ(lines.size(), size_t(kClients * kPerClient));
  std::set<std::string> unique(lines.begin(), lines.end());
  EXPECT_EQ(unique.size(), size_t(kClients * kPerClient));
  for (int c = 0; c < kClients; ++c)
    for (int i = 0; i < kPerClient; i += 101)
      EXPECT_TRUE(unique.count("msg-" + std::to_string(c) + "-" + std::to_string(i)));
}

TEST(HttpServer, SyncResponseReturnsTheMappedMessage) {
  int port = free_port();
  Pipeline p("input:\n  http_server:\n    address: 127.0.0.1:" + std::to_string(port) +
             "\n    path: /upper\n    allowed_verbs: [ POST, PUT ]\n"
             "    sync_response:\n      status: '${! meta(\"code\") }'\n"
             "      headers:\n        Content-Type: text/plain\n"
             "      metadata_headers:\n        include_prefixes: [ out_ ]\n"
             "pipeline:\n  processors:\n    - mapping: |\n"
             "        root = content().uppercase() + \"|\" + meta(\"X-Test\").or(\"-\") + \"|\" + "
             "meta(\"q\").or(\"-\") + \"|\" + meta(\"http_server_verb\") + \"|\" + "
             "meta(\"http_server_request_path\") + \"|\" + meta(\"http_server_remote_ip\")\n"
             "        meta code = if content() == \"created\" { \"201\" } else { \"200\" }\n"
             "        meta out_trace = \"t1\"\n"
             "output:\n  sync_response: {}\n");
  ASSERT_TRUE(wait_for_status(port, "/upper", 405));
  Client c(port);
  auto r = c.request("PUT", "/upper?q=a%20b&z=1", "hello", {{"X-Test", "hdr"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "HELLO|hdr|a b|PUT|/upper|127.0.0.1");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("out_trace"), "t1");
  r = c.request("POST", "/upper", "created");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body.substr(0, 7), "CREATED");
  r = c.request("DELETE", "/upper", "x");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.header("Allow").find("PUT"), std::string::npos);
  r = c.request("POST", "/nope", "x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(p.stop().exit_code, 0);
}

TEST(HttpServer, FailingOutputAnswersAnErrorAndTheClientCanRetry) {
  int port = free_port();
  reset_channel("hs_fail");
  channel("hs_fail").fail_payload_times = 100; // every attempt of the first request fails
  Pipeline p("input:\n  http_server:\n    address: 127.0.0.1:" + std::to_string(port) +
             "\noutput:\n  test_capture:\n    channel: hs_fail\n    fail_payload: doomed\n");
  wait_up(port);
  Client c(port);
  auto r = c.request("POST", "/post", "doomed");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("refused payload doomed"), std::string::npos) << r.body;
  {
    std::lock_guard lock(channel("hs_fail").mu);
    EXPECT_TRUE(channel("hs_fail").received.empty());
    channel("hs_fail").fail_payload_times = 0; // the output recovers
  }
  r = c.request("POST", "/post", "doomed"); // the client sends again
  EXPECT_EQ(r.status, 200) << r.body;
  {
    std::lock_guard lock(channel("hs_fail").mu);
    EXPECT_EQ(channel("hs_fail").received, std::vector<std::string>{"doomed"});
  }
  EXPECT_EQ(p.stop().exit_code, 0);
}

TEST(HttpServer, TimeoutAnswers408AndRateLimitAnswers429) {
  int port = free_port();
  reset_channel("hs_slow");
  channel("hs_slow").delay_ms = 1500;
  Pipeline p("input:\n  http_server:\n    address: 127.0.0.1:" + std::to_string(port) +
             "\n    timeout: 200ms\n    rate_limit:\n      count: 2\n      interval: 1h\n"
             "output:\n  test_capture:\n    channel: hs_slow\n");
  wait_up(port);
  Client c(port);
  auto start = std::chrono::steady_clock::now();
  auto r = c.request("POST", "/post", "slow");
  EXPECT_EQ(r.status, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms); // not held until the write ends
  r = c.request("POST", "/post", "second");
  EXPECT_EQ(r.status, 408);
  r = c.request("POST", "/post", "third");
  EXPECT_EQ(r.status, 429);
  p.stop();
  std::lock_guard lock(channel("hs_slow").mu);
  EXPECT_EQ(channel("hs_slow").received, (std::vector<std::string>{"slow", "second"}));
}

// A minimal websocket client: handshake, one masked text frame out, one frame in.
TEST(HttpServer, WebsocketMessagesFlowAndGetSyncResponses) {
  int port = free_port();
  Pipeline p("input:\n  http_server:\n    address: 127.0.0.1:" + std::to_string(port) +
             "\n    ws_path: /ws\npipeline:\n  processors:\n"
             "    - mapping: root = \"echo:\" + content()\noutput:\n  sync_response: {}\n");
  wait_up(port);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(uint16_t(port));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_TRUE(send_all(fd, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"));
  std::string buf;
  HttpMessage resp;
  ASSERT_TRUE(read_message(fd, buf, resp, true, true));
  ASSERT_EQ(resp.status, 101);
  EXPECT_EQ(resp.header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  std::string text = "ping";
  std::string frame;
  frame.push_back(char(0x81));
  frame.push_back(char(0x80 | text.size()));
  const unsigned char mask[4] = {1, 2, 3, 4};
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < text.size(); ++i)
    frame.push_back(char(text[i] ^ mask[i % 4]));
  ASSERT_TRUE(send_all(fd, frame));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (buf.size() < 2) {
    char tmp[256];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    ASSERT_GT(n, 0) << "no websocket reply";
    buf.append(tmp, size_t(n));
  }
  size_t len = static_cast<unsigned char>(buf[1]) & 0x7f;
  while (buf.size() < 2 + len) {
    char tmp[256];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    ASSERT_GT(n, 0);
    buf.append(tmp, size_t(n));
  }
  EXPECT_EQ(static_cast<unsigned char>(buf[0]), 0x81);
  EXPECT_EQ(buf.substr(2, len), "echo:ping");
  ::close(fd);
  EXPECT_EQ(p.stop().exit_code, 0);
}

TEST(HttpServer, AnswersExpectContinueBeforeTheBody) {
  int port = free_port();
  reset_channel("hs_continue");
  Pipeline p("input:\n  http_server:\n    address: 127.0.0.1:" + std::to_string(port) +
             "\noutput:\n  test_capture:\n    channel: hs_continue\n");
  wait_up(port);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(uint16_t(port));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ASSERT_TRUE(send_all(fd, "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                           "Expect: 100-continue\r\n\r\n"));
  std::string buf;
  HttpMessage interim;
  ASSERT_TRUE(read_message(fd, buf, interim, true, true)) << "no interim response";
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(send_all(fd, "hello"));
  HttpMessage final_response;
  ASSERT_TRUE(read_message(fd, buf, final_response, true));
  EXPECT_EQ(final_response.status, 200);
  ::close(fd);
  p.stop();
  std::lock_guard lock(channel("hs_continue").mu);
  EXPECT_EQ(channel("hs_continue").received, std::vector<std::string>{"hello"});
}

TEST(HttpServer, AddressInUseIsAClearError) {
  TestServer taken;
  auto cfg = parse_config("input:\n  http_server:\n    address: 127.0.0.1:" +
                              std::to_string(taken.port()) + "\noutput:\n  drop: {}\n",
                          registry());
  try {
    core::Engine e(cfg, registry());
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    std::string w = e.what();
    EXPECT_NE(w.find("http_server"), std::string::npos) << w;
    EXPECT_NE(w.find(std::to_string(taken.port())), std::string::npos) << w;
  }
}

TEST(HttpServer, EmptyAddressNeedsTheServiceServer) {
  auto cfg = parse_config("input:\n  http_server: {}\noutput:\n  drop: {}\n", registry());
  try {
    core::Engine e(cfg, registry());
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("service's HTTP server"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace plugctl::test::http
