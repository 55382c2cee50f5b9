// An HTTP client on libcurl's multi interface: one thread per client drives every request of
// the component, so requests run concurrently without a thread each, and connections are kept
// in the multi handle's cache and reused (HTTP/1.1 keep-alive). Retries wait on timers of that
// same thread, never by sleeping in a caller.
#pragma once

#include "http_config.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace plugctl::http {

struct HttpResult {
  bool ok = false;
  long status = 0;                                          // 0: no response (the transport failed)
  std::string error;                                        // why it failed ("" when ok)
  std::string body;                                         // the last attempt's response body
  std::vector<std::pair<std::string, std::string>> headers; // the last response's headers
  int attempts = 0;
};

struct HttpRequest {
  std::string url;
  std::string method;
  std::vector<std::string> headers; // "Name: value"
  std::string body;
  std::function<void(HttpResult)> done; // called once, on the client's thread
};

class CurlClient {
public:
  // Throws sdk::ConfigError when libcurl cannot be set up.
  explicit CurlClient(const ClientConfig& cfg);
  ~CurlClient(); // fails what is still pending with "client closed", then joins its thread
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Queues a request; any thread. `done` runs on the client's thread: keep it short.
  void submit(HttpRequest req);
  // Requests that connected a new TCP connection so far (for tests of connection reuse).
  long connections_opened() const;

private:
  struct Call;
  struct Pool;
  void loop();
  void start(std::unique_ptr<Call> call);
  void finish(Call* call, int curl_code);
  bool take_token(std::chrono::steady_clock::time_point now,
                  std::chrono::steady_clock::time_point& next);

  const ClientConfig cfg_;
  void* multi_ = nullptr;      // CURLM*
  std::unique_ptr<Pool> pool_; // outlives the calls below (members go in reverse order)
  std::thread thread_;
  mutable std::mutex mu_;
  std::deque<std::unique_ptr<Call>> queue_; // submitted, not started
  std::multimap<std::chrono::steady_clock::time_point, std::unique_ptr<Call>> waiting_; // retries
  std::map<void*, std::unique_ptr<Call>> running_; // by CURL* handle
  bool stop_ = false;
  std::atomic<long> connections_{0};
  // Token bucket of rate_limit.
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
};

// A token bucket for `count` events per `interval`; count 0: always allows.
class RateLimiter {
public:
  explicit RateLimiter(const RateLimitConfig& cfg);
  bool try_take();

private:
  RateLimitConfig cfg_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
};

} // namespace plugctl::http
