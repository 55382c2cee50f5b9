// The http plugin's example configs (plugins/http/examples/*.yaml) lint clean and each one runs
// against real sockets here with its result checked, so they never rot. Addresses come from
// the environment variables the examples read (${HTTP_ADDRESS}, ${USERS_URL}...).
#include "http_test_support.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

namespace plugctl::test::http {
namespace {

namespace fs = std::filesystem;

std::string example(const std::string& name) {
  return source_dir() + "/plugins/http/examples/" + name;
}

// Sets an environment variable for the test's lifetime (children inherit it).
struct Env {
  Env(const char* k, const std::string& v) : key(k) { ::setenv(k, v.c_str(), 1); }
  ~Env() { ::unsetenv(key); }
  const char* key;
};

TEST(HttpExamples, AllLintClean) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(source_dir() + "/plugins/http/examples")) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    auto r = run_plugctl("--plugins-dir " + plugin_dir() + " lint " + e.path().string());
    EXPECT_EQ(r.exit_code, 0) << e.path() << "\n" << r.out << r.err;
  }
  EXPECT_EQ(n, 4u) << "a new example needs a run check below";
}

TEST(HttpExamples, IngestToFile) {
  TempDir dir;
  int port = free_port();
  Env env("HTTP_ADDRESS", "127.0.0.1:" + std::to_string(port));
  std::string yaml = read_file(example("ingest_to_file.yaml")) + "\nlogger:\n  level: WARN\n";
  Background bg(dir, yaml, "", dir.path().string()); // the example writes ./ingest.log
  ASSERT_TRUE(wait_for_status(port, "/ingest", 405)) << bg.err();
  Client c(port);
  EXPECT_EQ(c.request("POST", "/ingest", "one").status, 200);
  EXPECT_EQ(c.request("PUT", "/ingest", "two").status, 200);
  EXPECT_EQ(read_file(dir.file("ingest.log")), "one\ntwo\n");
  EXPECT_EQ(bg.stop(), 0) << bg.err();
}

TEST(HttpExamples, RequestResponse) {
  TempDir dir;
  int port = free_port();
  Env env("HTTP_ADDRESS", "127.0.0.1:" + std::to_string(port));
  Background bg(dir, read_file(example("request_response.yaml")) + "\nlogger:\n  level: WARN\n");
  ASSERT_TRUE(wait_for_status(port, "/ready", 200)) << bg.err();
  Client c(port);
  auto r = c.request("POST", "/upper", "hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "HELLO");
  EXPECT_EQ(r.header("x-length"), "5");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(c.request("POST", "/upper", "").status, 400);
  EXPECT_EQ(bg.stop(), 0) << bg.err();
}

TEST(HttpExamples, Enrich) {
  TestServer users([](const HttpMessage& m) {
    if (m.target == "/users/u2") return Reply{404, "no such user"};
    return Reply{200, "{\"name\":\"" + m.target.substr(7) + "\"}"};
  });
  Env env("USERS_URL", users.url(""));
  auto r = run_plugctl("--plugins-dir " + plugin_dir() + " run " + example("enrich.yaml"), "",
                       "timeout 60");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<int64_t, boost::json::object> orders;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto o = boost::json::parse(line).as_object();
    orders[o.at("order").as_int64()] = o;
  }
  ASSERT_EQ(orders.size(), 3u) << r.out;
  EXPECT_EQ(orders[1].at("user").at("name").as_string(), "u1");
  EXPECT_EQ(orders[3].at("user").at("name").as_string(), "u3");
  EXPECT_FALSE(orders[2].contains("user")); // the 404 left it unenriched, and logged
  EXPECT_NE(r.err.find("lookup failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
}

TEST(HttpExamples, ForwardBatches) {
  TestServer collector;
  Env env("COLLECTOR_URL", collector.url("/bulk"));
  std::string in;
  for (int i = 0; i < 250; ++i)
    in += "{\"n\":" + std::to_string(i) + "}\n";
  auto r = run_plugctl("--plugins-dir " + plugin_dir() + " run " + example("forward_batches.yaml"),
                       in, "timeout 60");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> seen;
  for (const auto& m : collector.requests()) {
    EXPECT_EQ(m.target, "/bulk");
    auto arr = boost::json::parse(m.body).as_array();
    EXPECT_LE(arr.size(), 100u);
    for (const auto& v : arr)
      seen.push_back(v.at("n").as_int64());
  }
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 250u);
  for (int i = 0; i < 250; ++i)
    EXPECT_EQ(seen[size_t(i)], i);
  EXPECT_GE(collector.request_count(), 3u);
  EXPECT_LE(collector.accepted(), 4u);
}

} // namespace
} // namespace plugctl::test::http
