// The http_server input (requests become messages, answered once delivered) and the
// sync_response output (hands the processed message back to the request it came from).
#include "curl_client.hpp" // RateLimiter
#include "http_config.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <plugctl/http.h>
#include <random>
#include <regex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace plugctl::http {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The metadata key that ties a message to the request it came from.
constexpr std::string_view kRequestIdKey = "http_server_request_id";
constexpr size_t kMaxBatch = 1024;   // requests per batch read
constexpr size_t kMaxQueued = 16384; // requests waiting to be read; more get 503

// Responses handed back by sync_response outputs, by request id.
struct SyncSlot {
  std::mutex mu;
  std::vector<sdk::Message> messages;
};

class SyncRegistry {
public:
  void add(const std::string& id, std::shared_ptr<SyncSlot> slot) {
    std::lock_guard lock(mu_);
    slots_[id] = std::move(slot);
  }
  std::shared_ptr<SyncSlot> find(std::string_view id) {
    std::lock_guard lock(mu_);
    auto it = slots_.find(std::string(id));
    return it == slots_.end() ? nullptr : it->second;
  }
  void erase(const std::string& id) {
    std::lock_guard lock(mu_);
    slots_.erase(id);
  }

private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<SyncSlot>> slots_;
};

SyncRegistry& sync_registry() {
  static SyncRegistry r;
  return r;
}

const plugctl_http_api* http_api() {
  const auto& h = sdk::host();
  if (h.get_api == nullptr) return nullptr;
  auto* api = static_cast<const plugctl_http_api*>(h.get_api(PLUGCTL_HTTP_API_NAME, 0));
  if (api == nullptr || api->struct_size < sizeof(plugctl_http_api)) return nullptr;
  return api;
}

std::string_view sv(plugctl_bytes b) {
  return {b.ptr, b.len};
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

// One request (or websocket message) waiting for its message to be delivered.
struct Pending {
  plugctl_http_request* req = nullptr; // NULL once answered, and for websocket messages
  plugctl_ws_conn* ws = nullptr;
  std::string id;
  std::string body; // websocket messages only (requests keep theirs)
  Clock::time_point deadline;
  std::shared_ptr<SyncSlot> slot;
};
using PendingPtr = std::shared_ptr<Pending>;

class HttpServerInput final : public sdk::Input {
public:
  HttpServerInput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_server_config(cfg)), limiter_(cfg_.rate_limit),
        status_(ctx, cfg_.sync_response.status) {
    api_ = http_api();
    if (api_ == nullptr)
      throw sdk::FatalError("this plugctl has no HTTP server API (" +
                            std::string(PLUGCTL_HTTP_API_NAME) + ")");
    for (const auto& [k, v] : cfg_.sync_response.headers)
      headers_.emplace_back(k, sdk::Interpolated(ctx, v));
    for (const auto& p : cfg_.sync_response.metadata_headers.prefixes)
      meta_prefixes_.push_back(lower(p));
    for (const auto& p : cfg_.sync_response.metadata_headers.patterns)
      meta_patterns_.emplace_back(p, std::regex::ECMAScript | std::regex::icase);
    std::random_device rd;
    id_prefix_ = std::to_string(rd()) + "-" + std::to_string(rd()) + "-";

    // Without a sync_response message, static settings give the same answer every time.
    static_response_ = status_.is_static() && meta_prefixes_.empty() && meta_patterns_.empty();
    for (const auto& h : headers_)
      static_response_ = static_response_ && h.second.is_static();
    if (static_response_) {
      sdk::OwnedBatch b(1);
      b.push(std::string_view());
      sdk::Buffer buf;
      std::string st(status_.eval(b, 0, buf));
      try {
        static_status_ = std::stoi(st);
      } catch (const std::exception&) {
        static_status_ = 0;
      }
      if (static_status_ < 100 || static_status_ > 999)
        throw sdk::ConfigError("field sync_response.status: '" + st + "' is not a status code");
      for (const auto& [k, v] : headers_)
        static_headers_.emplace_back(k, std::string(v.eval(b, 0, buf)));
    }
    sdk::Buffer err;
    if (api_->server_open(ctx.raw(), cfg_.address.data(), cfg_.address.size(), &server_,
                          err.raw()) != PLUGCTL_OK)
      throw sdk::ConfigError("http_server: " + std::string(err.data()));
    if (api_->route_add(server_, cfg_.path.data(), cfg_.path.size(), &HttpServerInput::on_request,
                        this, err.raw()) != PLUGCTL_OK) {
      api_->server_close(server_);
      throw sdk::ConfigError("http_server: " + std::string(err.data()));
    }
    if (!cfg_.ws_path.empty()) {
      plugctl_ws_handlers h{};
      h.struct_size = sizeof h;
      h.open = &HttpServerInput::on_ws_open;
      h.message = &HttpServerInput::on_ws_message;
      h.closed = &HttpServerInput::on_ws_closed;
      if (api_->ws_route_add(server_, cfg_.ws_path.data(), cfg_.ws_path.size(), &h, this,
                             err.raw()) != PLUGCTL_OK) {
        api_->server_close(server_);
        throw sdk::ConfigError("http_server: " + std::string(err.data()));
      }
    }
    address_ = std::string(sv(api_->server_address(server_)));
    ctx_.info("listening on http://" + address_ + cfg_.path);
    sweeper_ = std::thread([this] { sweep(); });
  }

  ~HttpServerInput() override {
    // Anything never acknowledged (a hard stop) is answered first, while the server still
    // sends responses: the client can retry.
    std::unordered_map<uint64_t, std::vector<PendingPtr>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(inflight_);
    }
    for (auto& [token, list] : left)
      for (auto& p : list)
        fail(*p, 503, "shutting down");
    close();
  }

  plugctl_status read(sdk::ReadResult& out) override {
    std::vector<PendingPtr> taken;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, 200ms, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) return closed_ ? PLUGCTL_END_OF_INPUT : PLUGCTL_AGAIN;
      size_t n = std::min(queue_.size(), kMaxBatch);
      taken.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + long(n)));
      queue_.erase(queue_.begin(), queue_.begin() + long(n));
    }
    sdk::OwnedBatch batch(taken.size());
    for (auto& p : taken) {
      if (p->ws != nullptr) {
        auto m = batch.push(p->body);
        m.set_meta(kRequestIdKey, p->id);
        continue;
      }
      plugctl_http_request* r = p->req;
      auto m = batch.push(sv(api_->req_body(r)));
      size_t nh = api_->req_header_count(r);
      for (size_t i = 0; i < nh; ++i) {
        plugctl_bytes k{}, v{};
        api_->req_header_at(r, i, &k, &v);
        m.set_meta(sv(k), sv(v));
        if (lower(sv(k)) == "user-agent") m.set_meta("http_server_user_agent", sv(v));
      }
      std::string_view q = sv(api_->req_query(r));
      while (!q.empty()) {
        auto amp = q.find('&');
        std::string_view kv = q.substr(0, amp);
        auto eq = kv.find('=');
        if (!kv.empty())
          m.set_meta(url_decode(kv.substr(0, eq)),
                     eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1)));
        q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
      }
      m.set_meta("http_server_request_path", sv(api_->req_path(r)));
      m.set_meta("http_server_verb", sv(api_->req_method(r)));
      std::string_view remote = sv(api_->req_remote(r));
      auto colon = remote.rfind(':');
      m.set_meta("http_server_remote_ip",
                 colon == std::string_view::npos ? remote : remote.substr(0, colon));
      m.set_meta(kRequestIdKey, p->id);
    }
    uint64_t token;
    {
      std::lock_guard lock(mu_);
      token = ++next_token_;
      inflight_[token] = std::move(taken);
    }
    out.batch = std::move(batch);
    out.token = token;
    return PLUGCTL_OK;
  }

  void ack(uint64_t token, plugctl_status status, std::string_view reason) override {
    std::vector<PendingPtr> list;
    {
      std::lock_guard lock(mu_);
      auto it = inflight_.find(token);
      if (it == inflight_.end()) return;
      list = std::move(it->second);
      inflight_.erase(it);
    }
    for (auto& p : list) {
      if (status == PLUGCTL_OK)
        succeed(*p);
      else
        fail(*p, 500, "message delivery failed: " + std::string(reason));
    }
  }

  void close() override {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true; // from now on new requests get 503 at once
    }
    cv_.notify_all();
    cv_sweep_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
    // Answer what was never read while the server still sends responses, then remove the routes
    // (and stop our own listener).
    std::deque<PendingPtr> queued;
    {
      std::lock_guard lock(mu_);
      queued.swap(queue_);
    }
    for (auto& p : queued)
      fail(*p, 503, "shutting down");
    api_->server_close(server_); // no handler runs after this
  }

private:
  static void on_request(void* self, plugctl_http_request* req) {
    static_cast<HttpServerInput*>(self)->request(req);
  }
  static void on_ws_open(void* self, plugctl_ws_conn* c, const plugctl_http_request*) {
    auto* in = static_cast<HttpServerInput*>(self);
    std::lock_guard lock(in->ws_mu_);
    in->ws_live_.insert(c);
  }
  static void on_ws_message(void* self, plugctl_ws_conn* c, const char* data, size_t len, int32_t) {
    auto* in = static_cast<HttpServerInput*>(self);
    auto p = std::make_shared<Pending>();
    p->ws = c;
    p->body.assign(data, len);
    in->enqueue(std::move(p));
  }
  static void on_ws_closed(void* self, plugctl_ws_conn* c) {
    auto* in = static_cast<HttpServerInput*>(self);
    std::lock_guard lock(in->ws_mu_);
    in->ws_live_.erase(c);
  }

  void respond(plugctl_http_request* r, int status, std::string_view body,
               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::vector<plugctl_bytes> hv;
    for (const auto& [k, v] : headers) {
      hv.push_back({k.data(), k.size()});
      hv.push_back({v.data(), v.size()});
    }
    api_->respond(r, status, hv.data(), headers.size(), body.data(), body.size());
  }

  void request(plugctl_http_request* r) {
    std::string method(sv(api_->req_method(r)));
    if (std::find(cfg_.allowed_verbs.begin(), cfg_.allowed_verbs.end(), method) ==
        cfg_.allowed_verbs.end()) {
      std::string allow;
      for (const auto& v : cfg_.allowed_verbs)
        allow += (allow.empty() ? "" : ", ") + v;
      respond(r, 405, "method not allowed\n", {{"Allow", allow}});
      return;
    }
    if (!limiter_.try_take()) {
      respond(r, 429, "rate limit exceeded\n", {{"Retry-After", "1"}});
      return;
    }
    auto p = std::make_shared<Pending>();
    p->req = r;
    enqueue(std::move(p));
  }

  void enqueue(PendingPtr p) {
    p->id = id_prefix_ + std::to_string(next_id_.fetch_add(1));
    p->deadline = Clock::now() + cfg_.timeout;
    p->slot = std::make_shared<SyncSlot>();
    sync_registry().add(p->id, p->slot);
    const char* refused = nullptr;
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        refused = "shutting down";
      } else if (queue_.size() >= kMaxQueued) {
        refused = "too many requests waiting";
      } else {
        queue_.push_back(p);
        if (p->req != nullptr) timeouts_.push_back(p);
      }
    }
    if (refused != nullptr) {
      fail(*p, 503, refused);
      return;
    }
    cv_.notify_one();
  }

  // Takes the request out of `p` exactly once (an ack and a timeout may race).
  plugctl_http_request* claim(Pending& p) {
    std::lock_guard lock(claim_mu_);
    return std::exchange(p.req, nullptr);
  }

  void fail(Pending& p, int status, const std::string& why) {
    sync_registry().erase(p.id);
    if (p.ws != nullptr) {
      ctx_.warn("websocket message not delivered: " + why);
      return;
    }
    if (auto* r = claim(p)) respond(r, status, why + "\n");
  }

  bool meta_header(std::string_view key) const {
    std::string k = lower(key);
    if (k == kRequestIdKey) return false;
    for (const auto& p : meta_prefixes_)
      if (k.compare(0, p.size(), p) == 0) return true;
    for (const auto& re : meta_patterns_)
      if (std::regex_search(k, re)) return true;
    return false;
  }

  void succeed(Pending& p) {
    sync_registry().erase(p.id);
    std::vector<sdk::Message> msgs;
    {
      std::lock_guard lock(p.slot->mu);
      msgs.swap(p.slot->messages);
    }
    if (p.ws != nullptr) {
      std::lock_guard lock(ws_mu_);
      if (ws_live_.count(p.ws) == 0) return;
      for (auto& m : msgs) {
        auto payload = m.ref().payload();
        api_->ws_send(p.ws, payload.data(), payload.size(), 0);
      }
      return;
    }
    plugctl_http_request* r = claim(p);
    if (r == nullptr) return; // answered by the timeout already
    if (msgs.empty() && static_response_) {
      respond(r, static_status_, {}, static_headers_);
      return;
    }
    // Status and headers are interpolated on the (first) response message.
    sdk::OwnedBatch b(1);
    if (!msgs.empty())
      b.push(sdk::Message(sdk::host().msg_copy(msgs.front().ref().raw())));
    else
      b.push(std::string_view());
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    sdk::Buffer buf;
    try {
      std::string s(status_.eval(b, 0, buf));
      status = std::stoi(s);
      if (status < 100 || status > 999) throw std::invalid_argument(s);
      for (const auto& [k, v] : headers_)
        headers.emplace_back(k, std::string(v.eval(b, 0, buf)));
    } catch (const std::exception& e) {
      respond(r, 500, "sync_response: bad status or header: " + std::string(e.what()) + "\n");
      return;
    }
    if (!meta_prefixes_.empty() || !meta_patterns_.empty()) {
      auto m = b.at(0);
      for (size_t i = 0, n = m.meta_count(); i < n; ++i) {
        auto [k, v] = m.meta_at(i);
        if (meta_header(k)) headers.emplace_back(std::string(k), std::string(v));
      }
    }
    if (msgs.size() <= 1) {
      respond(r, status, msgs.empty() ? std::string_view() : b[0].payload(), headers);
      return;
    }
    // Several messages: a multipart/mixed body, one part each.
    std::string boundary = id_prefix_ + p.id;
    std::string body;
    for (auto& m : msgs) {
      body += "--" + boundary + "\r\n\r\n";
      body += m.ref().payload();
      body += "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    std::erase_if(headers, [](const auto& h) { return lower(h.first) == "content-type"; });
    headers.emplace_back("Content-Type", "multipart/mixed; boundary=" + boundary);
    respond(r, status, body, headers);
  }

  // Answers 408 to requests not delivered within `timeout` (their messages may still be).
  void sweep() {
    std::unique_lock lock(mu_);
    while (!closed_) {
      cv_sweep_.wait_for(lock, 50ms);
      auto now = Clock::now();
      std::vector<PendingPtr> late;
      while (!timeouts_.empty()) {
        PendingPtr p = timeouts_.front().lock();
        if (p && p->deadline > now) break;
        timeouts_.pop_front();
        if (p) late.push_back(std::move(p));
      }
      lock.unlock();
      for (auto& p : late)
        if (auto* r = claim(*p)) respond(r, 408, "request timed out before delivery\n");
      lock.lock();
    }
  }

  sdk::Context ctx_;
  ServerConfig cfg_;
  RateLimiter limiter_;
  sdk::Interpolated status_;
  std::vector<std::pair<std::string, sdk::Interpolated>> headers_;
  std::vector<std::string> meta_prefixes_;
  std::vector<std::regex> meta_patterns_;
  const plugctl_http_api* api_ = nullptr;
  plugctl_http_server* server_ = nullptr;
  bool static_response_ = false;
  int static_status_ = 200;
  std::vector<std::pair<std::string, std::string>> static_headers_;
  std::string address_;
  std::string id_prefix_;
  std::atomic<uint64_t> next_id_{1};

  std::mutex mu_;
  std::condition_variable cv_, cv_sweep_;
  std::deque<PendingPtr> queue_;
  std::deque<std::weak_ptr<Pending>> timeouts_; // in arrival order (one timeout for all)
  std::unordered_map<uint64_t, std::vector<PendingPtr>> inflight_;
  uint64_t next_token_ = 0;
  bool closed_ = false;
  std::mutex claim_mu_;
  std::mutex ws_mu_;
  std::unordered_set<plugctl_ws_conn*> ws_live_;
  std::thread sweeper_;
};

// --- sync_response output
// --------------------------------------------------------------------------
class SyncResponseOutput final : public sdk::Output {
public:
  SyncResponseOutput(const sdk::Context&, const sdk::Config&) {}
  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results&) override {
    for (size_t i = 0, n = batch.size(); i < n; ++i) {
      auto m = batch[i];
      auto id = m.meta(kRequestIdKey);
      if (!id) continue; // not from an http_server: nothing to answer
      auto slot = sync_registry().find(*id);
      if (!slot) continue; // answered already (timed out)
      sdk::Message copy(sdk::host().msg_copy(m.raw()));
      std::lock_guard lock(slot->mu);
      slot->messages.push_back(std::move(copy));
    }
    return PLUGCTL_OK;
  }
};

} // namespace

PLUGCTL_REGISTER_INPUT(HttpServerInput, .name = "http_server",
                       .summary = "Receives messages as HTTP requests (and websocket messages); "
                                  "answers each once its message is delivered.",
                       .description = kServerDescription, .spec = server_spec(),
                       .stability = PLUGCTL_STABILITY_BETA, .flags = 0, .categories = "Network",
                       .examples = kServerExamples);

PLUGCTL_REGISTER_OUTPUT(SyncResponseOutput, .name = "sync_response",
                        .summary = "Returns the processed message to the http_server request "
                                   "it came from, as the response body.",
                        .description = kSyncResponseDescription, .spec = sync_response_spec(),
                        .stability = PLUGCTL_STABILITY_BETA, .flags = 0, .categories = "Utility",
                        .examples = "");

} // namespace plugctl::http
