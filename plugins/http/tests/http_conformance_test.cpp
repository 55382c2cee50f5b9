// The http_client output and processor join the plugin conformance kit
// (tests/conformance/kit.hpp), against one test HTTP server on 127.0.0.1 shared by the cases
// (each case uses a path of its own).
#include "conformance/kit.hpp"
#include "http_test_support.hpp"

#include <filesystem>

namespace plugctl::conformance {
namespace {

using test::http::HttpMessage;
using test::http::Reply;
using test::http::TestServer;

// The server every case talks to: /ok/<case> accepts, /flaky/<case> refuses every 7th request
// with 503 (per-message failures), /echo answers "echo:" + body. What it accepted is kept by
// path, in arrival order.
class Collector {
public:
  static Collector& get() {
    static Collector c;
    return c;
  }
  std::string url(const std::string& path) const { return server_.url(path); }
  std::vector<std::string> accepted(const std::string& path) {
    std::lock_guard lock(mu_);
    return accepted_[path];
  }

private:
  Collector()
      : server_([this](const HttpMessage& m) {
          if (m.target == "/echo") return Reply{200, "echo:" + m.body};
          std::lock_guard lock(mu_);
          if (m.target.rfind("/flaky/", 0) == 0 && ++flaky_count_ % 7 == 0)
            return Reply{503, "try again"};
          accepted_[m.target].push_back(m.body);
          return Reply{200, ""};
        }) {}
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> accepted_;
  size_t flaky_count_ = 0;
  TestServer server_;
};

std::string case_path(const std::string& prefix, TempDir& dir) {
  return prefix + std::filesystem::path(dir.path()).filename().string();
}

OutputFixture http_client_output_fixture() {
  OutputFixture f;
  f.component = "http_client";
  f.plugin_dir = test::plugin_dir();
  f.setup = [](TempDir& dir) {
    return "http_client:\n  url: \"" + Collector::get().url(case_path("/ok/", dir)) + "\"\n";
  };
  f.read_back = [](TempDir& dir) {
    auto ok = Collector::get().accepted(case_path("/ok/", dir));
    auto flaky = Collector::get().accepted(case_path("/flaky/", dir));
    ok.insert(ok.end(), flaky.begin(), flaky.end()); // one of them is used per case
    return ok;
  };
  // Nothing listens on port 1: every request fails to connect, naming the address.
  f.broken_setup = [](TempDir&) {
    return BrokenSetup{"http_client:\n  url: http://127.0.0.1:1/x\n  retries: 0\n", "127.0.0.1:1"};
  };
  f.partial_failure_setup = [](TempDir& dir) {
    return "http_client:\n  url: \"" + Collector::get().url(case_path("/flaky/", dir)) +
           "\"\n  retries: 0\n";
  };
  // Messages of a batch go out concurrently: the server sees them in any order.
  f.ordered = false;
  return f;
}

ProcessorFixture http_client_processor_fixture() {
  ProcessorFixture f;
  f.component = "http_client";
  f.plugin_dir = test::plugin_dir();
  f.yaml = "http_client:\n  url: \"" + Collector::get().url("/echo") + "\"\n";
  f.expect = [](const std::string& in) { return "echo:" + in; };
  f.added_metadata = {{"http_status_code", "200"}};
  return f;
}

} // namespace

PLUGCTL_CONFORMANCE_OUTPUT(HttpClientOutput, http_client_output_fixture());
PLUGCTL_CONFORMANCE_PROCESSOR(HttpClientProcessor, http_client_processor_fixture());

} // namespace plugctl::conformance
