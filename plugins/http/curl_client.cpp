#include "curl_client.hpp"

#include <algorithm>
#include <curl/curl.h>
#include <mutex>

namespace plugctl::http {

using Clock = std::chrono::steady_clock;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t'))
    ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n'))
    --b;
  return std::string(s.substr(a, b - a));
}

std::string excerpt(const std::string& body) {
  constexpr size_t kMax = 256;
  if (body.size() <= kMax) return body;
  return body.substr(0, kMax) + "...";
}

} // namespace

// Request handles kept for reuse (curl_easy_reset keeps their DNS and TLS session caches warm
// and saves an allocation per request). Used on the client's thread only.
struct CurlClient::Pool {
  std::vector<CURL*> free;
  ~Pool() {
    for (CURL* e : free)
      curl_easy_cleanup(e);
  }
  CURL* take() {
    if (free.empty()) return curl_easy_init();
    CURL* e = free.back();
    free.pop_back();
    curl_easy_reset(e);
    return e;
  }
  void give(CURL* e) {
    if (free.size() < 256)
      free.push_back(e);
    else
      curl_easy_cleanup(e);
  }
};

struct CurlClient::Call {
  HttpRequest req;
  Pool* pool = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::string body;
  std::vector<std::pair<std::string, std::string>> resp_headers;
  int attempt = 0;

  ~Call() { release(); }
  void release() {
    if (easy != nullptr) {
      if (pool != nullptr)
        pool->give(easy);
      else
        curl_easy_cleanup(easy);
    }
    easy = nullptr;
    if (headers != nullptr) curl_slist_free_all(headers);
    headers = nullptr;
  }

  static size_t on_body(char* p, size_t size, size_t n, void* ud) {
    static_cast<Call*>(ud)->body.append(p, size * n);
    return size * n;
  }
  static size_t on_header(char* p, size_t size, size_t n, void* ud) {
    auto* c = static_cast<Call*>(ud);
    std::string_view line(p, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
      c->resp_headers.clear(); // a new response (after a redirect or 100 Continue)
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      c->resp_headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
    return size * n;
  }
};

RateLimiter::RateLimiter(const RateLimitConfig& cfg)
    : cfg_(cfg), tokens_(double(cfg.count)), refilled_(Clock::now()) {}

bool RateLimiter::try_take() {
  if (cfg_.count <= 0) return true;
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  double per_ns = double(cfg_.count) / double(cfg_.interval.count());
  tokens_ = std::min(double(cfg_.count),
                     tokens_ + per_ns * double(std::chrono::nanoseconds(now - refilled_).count()));
  refilled_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

CurlClient::CurlClient(const ClientConfig& cfg)
    : cfg_(cfg), pool_(std::make_unique<Pool>()), tokens_(double(cfg.rate_limit.count)),
      refilled_(Clock::now()) {
  global_init();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw sdk::Error("libcurl: cannot create a multi handle");
  auto* m = static_cast<CURLM*>(multi_);
  // Connections: at most max_in_flight at once, all kept for reuse.
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, long(cfg_.max_in_flight));
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, long(cfg_.max_in_flight));
  thread_ = std::thread([this] { loop(); });
}

CurlClient::~CurlClient() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  thread_.join();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

long CurlClient::connections_opened() const {
  return connections_.load();
}

void CurlClient::submit(HttpRequest req) {
  auto c = std::make_unique<Call>();
  c->req = std::move(req);
  {
    std::lock_guard lock(mu_);
    // Components submit only before their client is destroyed; the loop's last pass fails
    // whatever is still queued then.
    queue_.push_back(std::move(c));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

bool CurlClient::take_token(Clock::time_point now, Clock::time_point& next) {
  if (cfg_.rate_limit.count <= 0) return true;
  double per_ns = double(cfg_.rate_limit.count) / double(cfg_.rate_limit.interval.count());
  tokens_ = std::min(double(cfg_.rate_limit.count),
                     tokens_ + per_ns * double(std::chrono::nanoseconds(now - refilled_).count()));
  refilled_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  next = now + std::chrono::nanoseconds(int64_t((1.0 - tokens_) / per_ns) + 1);
  return false;
}

void CurlClient::start(std::unique_ptr<Call> call) {
  Call* c = call.get();
  c->release();
  c->body.clear();
  c->resp_headers.clear();
  c->errbuf[0] = 0;
  ++c->attempt;
  c->pool = pool_.get();
  CURL* e = pool_->take();
  if (e == nullptr) {
    HttpResult r;
    r.error = "libcurl: cannot create a request handle";
    r.attempts = c->attempt;
    c->req.done(std::move(r));
    return;
  }
  c->easy = e;
  curl_easy_setopt(e, CURLOPT_URL, c->req.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(e, CURLOPT_PRIVATE, c);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Call::on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Call::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(
      e, CURLOPT_TIMEOUT_MS,
      long(std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout).count()));
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  const std::string& m = c->req.method;
  if (m == "GET" && c->req.body.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(c->req.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->req.body.data());
    if (m != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
  }
  curl_slist* h = nullptr;
  for (const auto& line : c->req.headers)
    h = curl_slist_append(h, line.c_str());
  if (!cfg_.bearer_token.empty())
    h = curl_slist_append(h, ("Authorization: Bearer " + cfg_.bearer_token).c_str());
  h = curl_slist_append(h, "Expect:"); // no 100-continue round trip for larger bodies
  c->headers = h;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  if (cfg_.basic_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, cfg_.username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, cfg_.password.c_str());
  }
  if (cfg_.tls.enabled) {
    if (cfg_.tls.skip_cert_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!cfg_.tls.root_cas_file.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, cfg_.tls.root_cas_file.c_str());
    if (!cfg_.tls.client_cert_file.empty()) {
      curl_easy_setopt(e, CURLOPT_SSLCERT, cfg_.tls.client_cert_file.c_str());
      curl_easy_setopt(e, CURLOPT_SSLKEY, cfg_.tls.client_key_file.c_str());
    }
  }
  running_[e] = std::move(call);
  curl_multi_add_handle(static_cast<CURLM*>(multi_), e);
}

void CurlClient::finish(Call* c, int code) {
  CURL* e = c->easy;
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), e);
  auto node = running_.extract(e);
  std::unique_ptr<Call> call = std::move(node.mapped());
  long status = 0, connects = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  connections_ += connects;

  const std::string what = c->req.method + " " + c->req.url;
  bool retry = false, ok = false;
  std::string error;
  if (code != CURLE_OK) {
    error = what + ": " +
            (c->errbuf[0] != 0 ? std::string(c->errbuf)
                               : std::string(curl_easy_strerror(static_cast<CURLcode>(code))));
    retry = true;
  } else if (cfg_.drop_on.count(status) != 0) {
    error = what + ": status " + std::to_string(status) + " (drop_on): " + excerpt(c->body);
  } else if (cfg_.backoff_on.count(status) != 0) {
    error = what + ": status " + std::to_string(status) + ": " + excerpt(c->body);
    retry = true;
  } else if ((status >= 200 && status < 300) || cfg_.successful_on.count(status) != 0) {
    ok = true;
  } else {
    error = what + ": status " + std::to_string(status) + ": " + excerpt(c->body);
    retry = true;
  }
  if (!ok && retry && c->attempt <= cfg_.retries) {
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stopping = stop_;
    }
    if (!stopping) {
      auto wait = cfg_.retry_period;
      for (int i = 1; i < c->attempt && wait < cfg_.max_retry_backoff; ++i)
        wait *= 2;
      wait = std::min(wait, cfg_.max_retry_backoff);
      std::lock_guard lock(mu_);
      waiting_.emplace(Clock::now() + wait, std::move(call));
      return;
    }
  }
  HttpResult r;
  r.ok = ok;
  r.status = status;
  r.error = std::move(error);
  r.body = std::move(c->body);
  r.headers = std::move(c->resp_headers);
  r.attempts = c->attempt;
  c->release();
  c->req.done(std::move(r));
}

void CurlClient::loop() {
  auto* m = static_cast<CURLM*>(multi_);
  for (;;) {
    std::vector<std::unique_ptr<Call>> ready;
    auto now = Clock::now();
    Clock::time_point next = now + std::chrono::seconds(1);
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stopping = stop_;
      while (!waiting_.empty() && (waiting_.begin()->first <= now || stopping)) {
        ready.push_back(std::move(waiting_.begin()->second));
        waiting_.erase(waiting_.begin());
      }
      if (!waiting_.empty()) next = std::min(next, waiting_.begin()->first);
      // At most max_in_flight transfers at once (one connection each): the rest wait here, in
      // order, rather than in libcurl's pending list (which it rescans on every change).
      size_t cap = size_t(cfg_.max_in_flight);
      while (!queue_.empty() && (stopping || running_.size() + ready.size() < cap)) {
        if (!stopping && !take_token(now, next)) break;
        ready.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (stopping) {
      for (auto& [e, c] : running_) {
        curl_multi_remove_handle(m, static_cast<CURL*>(e));
        ready.push_back(std::move(c));
      }
      running_.clear();
      for (auto& c : ready) {
        c->release();
        HttpResult r;
        r.error = c->req.method + " " + c->req.url + ": client closed";
        r.attempts = c->attempt;
        c->req.done(std::move(r));
      }
      return;
    }
    for (auto& c : ready)
      start(std::move(c));
    int still = 0;
    curl_multi_perform(m, &still);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Call* c = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &c);
      if (c != nullptr) finish(c, msg->data.result);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    int timeout_ms = int(std::clamp<int64_t>(wait.count(), 0, 1000));
    {
      // Slots freed above and requests waiting for them: start those now, not after the poll.
      std::lock_guard lock(mu_);
      if (!queue_.empty() && running_.size() < size_t(cfg_.max_in_flight) &&
          cfg_.rate_limit.count <= 0)
        timeout_ms = 0;
    }
    curl_multi_poll(m, nullptr, 0, timeout_ms, nullptr);
  }
}

} // namespace plugctl::http
