#include "http/server.hpp"

#include "host/host.hpp"
#include "telemetry/logging.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <thread>

namespace plugctl::core::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
namespace ws = beast::websocket;
using tcp = net::ip::tcp;

namespace {

constexpr uint64_t kMaxBody = 64ull << 20;              // 64 MiB per request body
constexpr auto kIdleTimeout = std::chrono::seconds(60); // keep-alive connections without requests

// A route's handler with a lock that lets remove_routes wait for running calls.
struct RouteState {
  std::shared_mutex mu;
  bool alive = true;
  uint64_t owner = 0;
  Handler handler;
  std::optional<WsHandlers> ws;
};
using RoutePtr = std::shared_ptr<RouteState>;

std::string endpoint_text(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

} // namespace

class ServerImpl;

// One websocket connection.
class WsSession : public std::enable_shared_from_this<WsSession> {
public:
  WsSession(beast::tcp_stream&& stream, RoutePtr route, std::shared_ptr<ServerImpl> server)
      : ws_(std::move(stream)), route_(std::move(route)), server_(std::move(server)) {}
  ~WsSession();

  void run(bhttp::request<bhttp::string_body> req, std::unique_ptr<Request> upgrade);

  // Closes the connection (server stop); any thread.
  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
  }

  void handshake(bhttp::request<bhttp::string_body> req, std::unique_ptr<Request> upgrade) {
    upgrade_ = std::move(upgrade);
    ws_.set_option(ws::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->call([&](const WsHandlers& h) {
        if (h.fns.open != nullptr) h.fns.open(h.ctx, self->handle(), self->upgrade_.get());
      });
      self->opened_ = true;
      self->read();
    });
  }

  // Any thread.
  plugctl_status send(std::string data, bool binary) {
    if (closed_.load()) return PLUGCTL_NOT_CONNECTED;
    net::post(ws_.get_executor(),
              [self = shared_from_this(), d = std::move(data), binary]() mutable {
                self->outq_.emplace_back(std::move(d), binary);
                if (self->outq_.size() == 1) self->write_next();
              });
    return PLUGCTL_OK;
  }

  plugctl_ws_conn* handle() { return reinterpret_cast<plugctl_ws_conn*>(this); }

private:
  template <class Fn> void call(Fn&& fn) {
    std::shared_lock lock(route_->mu);
    if (route_->alive && route_->ws) fn(*route_->ws);
  }

  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->finish();
        return;
      }
      auto data = self->buf_.cdata();
      bool binary = self->ws_.got_binary();
      self->call([&](const WsHandlers& h) {
        if (h.fns.message != nullptr)
          h.fns.message(h.ctx, self->handle(), static_cast<const char*>(data.data()), data.size(),
                        binary ? 1 : 0);
      });
      self->buf_.consume(self->buf_.size());
      self->read();
    });
  }

  void write_next() {
    if (outq_.empty()) return;
    ws_.binary(outq_.front().second);
    ws_.async_write(net::buffer(outq_.front().first),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->outq_.pop_front();
                      if (ec) return;
                      self->write_next();
                    });
  }

  void finish() {
    if (closed_.exchange(true)) return;
    if (opened_)
      call([&](const WsHandlers& h) {
        if (h.fns.closed != nullptr) h.fns.closed(h.ctx, handle());
      });
  }

  ws::stream<beast::tcp_stream> ws_;
  RoutePtr route_;
  std::shared_ptr<ServerImpl> server_;
  uint64_t live_id_ = 0;
  beast::flat_buffer buf_;
  std::deque<std::pair<std::string, bool>> outq_;
  std::unique_ptr<Request> upgrade_;
  std::atomic<bool> closed_{false};
  bool opened_ = false;
};

// One HTTP connection.
class Session : public std::enable_shared_from_this<Session> {
public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerImpl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint_text(ep);
  }

  ~Session();

  void start();

  // Closes the connection (server stop); any thread.
  void close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
    });
  }

  // Any thread.
  void send(Response res, unsigned version, bool keep_alive) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), res = std::move(res), version, keep_alive]() mutable {
                self->write(std::move(res), version, keep_alive);
              });
  }

private:
  void read();
  void on_read(beast::error_code ec);

  void write(Response res, unsigned version, bool keep_alive) {
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(res.status), version);
    bool has_type = false;
    for (auto& [k, v] : res.headers) {
      if (beast::iequals(k, "content-type")) has_type = true;
      msg->set(k, v);
    }
    if (!has_type && !res.body.empty()) msg->set(bhttp::field::content_type, "text/plain");
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive);
    msg->prepare_payload();
    bhttp::async_write(stream_, *msg,
                       [self = shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
                         if (ec || !keep_alive) {
                           beast::error_code ignored;
                           self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                           return;
                         }
                         self->read();
                       });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<ServerImpl> server_;
  uint64_t live_id_ = 0;
  std::string remote_;
};

class ServerImpl final : public Server, public std::enable_shared_from_this<ServerImpl> {
public:
  explicit ServerImpl(size_t threads) : threads_n_(std::max<size_t>(1, threads)) {}

  void bind(const std::string& address) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos)
      throw std::runtime_error("http address '" + address + "': expected host:port");
    std::string host = address.substr(0, colon);
    std::string port = address.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    try {
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(host, port, tcp::resolver::passive);
      if (results.empty()) throw std::runtime_error("no such address");
      tcp::endpoint ep = *results.begin();
      acceptor_.open(ep.protocol());
      acceptor_.set_option(net::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen(net::socket_base::max_listen_connections);
      address_ = endpoint_text(acceptor_.local_endpoint());
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot listen on '" + address + "': " + e.what());
    }
  }

  void start() {
    accept();
    for (size_t i = 0; i < threads_n_; ++i)
      threads_.emplace_back([this] { ioc_.run(); });
  }

  ~ServerImpl() override { stop(); }

  const std::string& address() const override { return address_; }

  bool add_route(const std::string& path, Handler h, uint64_t owner) override {
    auto r = std::make_shared<RouteState>();
    r->owner = owner;
    r->handler = std::move(h);
    std::unique_lock lock(mu_);
    return routes_.emplace(path, std::move(r)).second;
  }

  bool add_ws_route(const std::string& path, WsHandlers h, uint64_t owner) override {
    auto r = std::make_shared<RouteState>();
    r->owner = owner;
    r->ws = h;
    std::unique_lock lock(mu_);
    return routes_.emplace(path, std::move(r)).second;
  }

  void remove_routes(uint64_t owner) override {
    std::vector<RoutePtr> removed;
    {
      std::unique_lock lock(mu_);
      for (auto it = routes_.begin(); it != routes_.end();) {
        if (it->second->owner == owner) {
          removed.push_back(it->second);
          it = routes_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& r : removed) {
      std::unique_lock lock(r->mu); // waits for running handlers
      r->alive = false;
    }
  }

  void set_root_path(std::string p) {
    while (!p.empty() && p.back() == '/')
      p.pop_back();
    root_path_ = std::move(p);
  }

  // Open connections, closed by stop(). Returns an id for untrack.
  uint64_t track(std::function<void()> closer) {
    std::lock_guard lock(live_mu_);
    live_[++live_next_] = std::move(closer);
    return live_next_;
  }
  void untrack(uint64_t id) {
    std::lock_guard lock(live_mu_);
    live_.erase(id);
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    net::post(ioc_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lock(live_mu_);
      for (auto& [id, c] : live_)
        closers.push_back(c);
    }
    for (auto& c : closers)
      c();
    // With the acceptor and every connection closed, the I/O threads run out of work and
    // return; a connection that does not finish within a moment is cut off.
    bool on_io_thread = false;
    for (auto& t : threads_)
      on_io_thread = on_io_thread || t.get_id() == std::this_thread::get_id();
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!threads_.empty() && !on_io_thread && !ioc_.stopped() &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ioc_.stop();
    for (auto& t : threads_) {
      if (!t.joinable()) continue;
      if (t.get_id() == std::this_thread::get_id())
        t.detach(); // the last session ended on an I/O thread: it is returning anyway
      else
        t.join();
    }
    threads_.clear();
  }

  bool stopped() const { return stopped_.load(); }

  RoutePtr find(const std::string& path) {
    std::shared_lock lock(mu_);
    auto it = routes_.find(path);
    if (it != routes_.end()) return it->second;
    if (!root_path_.empty() && path.size() > root_path_.size() &&
        path.compare(0, root_path_.size(), root_path_) == 0 && path[root_path_.size()] == '/') {
      it = routes_.find(path.substr(root_path_.size()));
      if (it != routes_.end()) return it->second;
    }
    return nullptr;
  }

  // Hands a request to its route, or answers it.
  void dispatch(Request* req) {
    RoutePtr r = find(req->path);
    if (r == nullptr || r->ws) {
      respond(req, Response{404, {}, "not found\n"});
      return;
    }
    std::shared_lock lock(r->mu);
    if (!r->alive) {
      lock.unlock();
      respond(req, Response{404, {}, "not found\n"});
      return;
    }
    r->handler(req);
  }

  net::io_context& ioc() { return ioc_; }

private:
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      } else {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), shared_from_this())->start();
      }
      accept();
    });
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  size_t threads_n_;
  std::vector<std::thread> threads_;
  std::string address_;
  std::string root_path_;
  std::shared_mutex mu_;
  std::map<std::string, RoutePtr> routes_;
  std::atomic<bool> stopped_{false};
  std::mutex live_mu_;
  std::map<uint64_t, std::function<void()>> live_;
  uint64_t live_next_ = 0;
};

Session::~Session() {
  server_->untrack(live_id_);
}

void Session::start() {
  live_id_ = server_->track([w = weak_from_this()] {
    if (auto s = w.lock()) s->close();
  });
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
}

WsSession::~WsSession() {
  server_->untrack(live_id_);
}

void WsSession::run(bhttp::request<bhttp::string_body> req, std::unique_ptr<Request> upgrade) {
  live_id_ = server_->track([w = weak_from_this()] {
    if (auto s = w.lock()) s->close();
  });
  handshake(std::move(req), std::move(upgrade));
}

void Session::read() {
  parser_.emplace();
  parser_->body_limit(kMaxBody);
  stream_.expires_after(kIdleTimeout);
  // The header first: a client that sent `Expect: 100-continue` (curl does for large bodies)
  // waits for the interim response before it sends the body.
  bhttp::async_read_header(
      stream_, buf_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) {
          self->on_read(ec);
          return;
        }
        auto body = [self] {
          bhttp::async_read(self->stream_, self->buf_, *self->parser_,
                            [self](beast::error_code ec2, size_t) { self->on_read(ec2); });
        };
        const auto& h = self->parser_->get();
        if (!self->parser_->is_done() && beast::iequals(h[bhttp::field::expect], "100-continue")) {
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          net::async_write(self->stream_, net::buffer(kContinue),
                           [self, body](beast::error_code ec2, size_t) {
                             if (ec2) {
                               self->on_read(ec2);
                               return;
                             }
                             body();
                           });
          return;
        }
        body();
      });
}

void Session::on_read(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    write(Response{413, {}, "request body too large\n"}, 11, false);
    return;
  }
  if (ec) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  stream_.expires_never(); // the handler decides how long a request may take
  auto msg = parser_->release();
  auto req = std::make_unique<Request>();
  req->method = std::string(msg.method_string());
  std::string_view target = msg.target();
  auto q = target.find('?');
  req->path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req->query = std::string(target.substr(q + 1));
  req->remote = remote_;
  req->version = msg.version();
  req->keep_alive = msg.keep_alive();
  req->headers.reserve(std::distance(msg.begin(), msg.end()));
  for (const auto& f : msg)
    req->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  if (ws::is_upgrade(msg)) {
    RoutePtr r = server_->find(req->path);
    if (r != nullptr && r->ws) {
      auto wss = std::make_shared<WsSession>(std::move(stream_), r, server_);
      wss->run(std::move(msg), std::move(req));
      return;
    }
  }
  req->body = std::move(msg.body());
  req->session = shared_from_this();
  server_->dispatch(req.release());
}

void respond(Request* req, Response res) {
  std::unique_ptr<Request> owned(req);
  if (!owned || !owned->session) return;
  owned->session->send(std::move(res), owned->version, owned->keep_alive);
}

std::shared_ptr<Server> Server::listen(const std::string& address, size_t threads) {
  auto s = std::make_shared<ServerImpl>(threads);
  s->bind(address);
  s->start();
  return s;
}

size_t default_threads() {
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}

uint64_t Server::new_owner() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

namespace {
std::mutex g_service_mu;
std::shared_ptr<Server> g_service;
} // namespace

std::shared_ptr<Server> service_server() {
  std::lock_guard lock(g_service_mu);
  return g_service;
}
void set_service_server(std::shared_ptr<Server> s) {
  std::lock_guard lock(g_service_mu);
  g_service = std::move(s);
}

void set_root_path(Server& s, std::string root) {
  static_cast<ServerImpl&>(s).set_root_path(std::move(root));
}

// --- the plugctl_http_v1 table ----------------------------------------------------------------
} // namespace plugctl::core::http

struct plugctl_http_server {
  std::shared_ptr<plugctl::core::http::Server> server;
  uint64_t owner = 0;
  bool own = false; // a listener of its own, stopped on close
};

namespace plugctl::core::http {
namespace {

plugctl_bytes bytes(const std::string& s) {
  return plugctl_bytes{s.data(), s.size()};
}
void set_text(plugctl_buf* b, const std::string& text) {
  if (b != nullptr) b->data = text;
}

plugctl_status server_open(const plugctl_ctx*, const char* address, size_t len,
                           plugctl_http_server** out, plugctl_buf* error_text) {
  if (out == nullptr) return PLUGCTL_INVALID;
  try {
    auto h = std::make_unique<plugctl_http_server>();
    h->owner = Server::new_owner();
    if (len == 0) {
      h->server = service_server();
      if (!h->server) {
        set_text(error_text, "the service's HTTP server is not running (http.enabled is false, or "
                             "this is not `plugctl run`): set an address of its own");
        return PLUGCTL_INVALID;
      }
    } else {
      h->server = Server::listen(std::string(address, len), default_threads());
      h->own = true;
    }
    *out = h.release();
    return PLUGCTL_OK;
  } catch (const std::exception& e) {
    set_text(error_text, e.what());
    return PLUGCTL_INVALID;
  }
}
plugctl_bytes server_address(const plugctl_http_server* s) {
  if (s == nullptr) return {};
  return bytes(s->server->address());
}
void server_close(plugctl_http_server* s) {
  if (s == nullptr) return;
  s->server->remove_routes(s->owner);
  if (s->own) s->server->stop();
  delete s;
}
plugctl_status route_add(plugctl_http_server* s, const char* path, size_t len,
                         plugctl_http_handler_fn fn, void* ctx, plugctl_buf* error_text) {
  if (s == nullptr || fn == nullptr) return PLUGCTL_INVALID;
  std::string p(path, len);
  if (p.empty() || p[0] != '/') {
    set_text(error_text, "path '" + p + "' must start with '/'");
    return PLUGCTL_INVALID;
  }
  if (!s->server->add_route(
          p, [fn, ctx](Request* r) { fn(ctx, r); }, s->owner)) {
    set_text(error_text, "path '" + p + "' is already served on " + s->server->address());
    return PLUGCTL_EXISTS;
  }
  return PLUGCTL_OK;
}
plugctl_status ws_route_add(plugctl_http_server* s, const char* path, size_t len,
                            const plugctl_ws_handlers* handlers, void* ctx,
                            plugctl_buf* error_text) {
  if (s == nullptr || handlers == nullptr) return PLUGCTL_INVALID;
  WsHandlers h;
  std::memcpy(&h.fns, handlers, std::min<size_t>(handlers->struct_size, sizeof(h.fns)));
  h.ctx = ctx;
  std::string p(path, len);
  if (p.empty() || p[0] != '/') {
    set_text(error_text, "path '" + p + "' must start with '/'");
    return PLUGCTL_INVALID;
  }
  if (!s->server->add_ws_route(p, h, s->owner)) {
    set_text(error_text, "path '" + p + "' is already served on " + s->server->address());
    return PLUGCTL_EXISTS;
  }
  return PLUGCTL_OK;
}
plugctl_bytes req_method(const plugctl_http_request* r) {
  return r == nullptr ? plugctl_bytes{} : bytes(r->method);
}
plugctl_bytes req_path(const plugctl_http_request* r) {
  return r == nullptr ? plugctl_bytes{} : bytes(r->path);
}
plugctl_bytes req_query(const plugctl_http_request* r) {
  return r == nullptr ? plugctl_bytes{} : bytes(r->query);
}
plugctl_bytes req_body(const plugctl_http_request* r) {
  return r == nullptr ? plugctl_bytes{} : bytes(r->body);
}
plugctl_bytes req_remote(const plugctl_http_request* r) {
  return r == nullptr ? plugctl_bytes{} : bytes(r->remote);
}
size_t req_header_count(const plugctl_http_request* r) {
  return r == nullptr ? 0 : r->headers.size();
}
plugctl_status req_header_at(const plugctl_http_request* r, size_t i, plugctl_bytes* name,
                             plugctl_bytes* value) {
  if (r == nullptr || i >= r->headers.size()) return PLUGCTL_NOT_FOUND;
  if (name != nullptr) *name = bytes(r->headers[i].first);
  if (value != nullptr) *value = bytes(r->headers[i].second);
  return PLUGCTL_OK;
}
void respond_c(plugctl_http_request* r, int32_t status, const plugctl_bytes* headers, size_t n,
               const char* body, size_t body_len) {
  if (r == nullptr) return;
  try {
    Response res;
    res.status = status < 100 || status > 999 ? 500 : status;
    for (size_t i = 0; i < n && headers != nullptr; ++i)
      res.headers.emplace_back(std::string(headers[2 * i].ptr, headers[2 * i].len),
                               std::string(headers[2 * i + 1].ptr, headers[2 * i + 1].len));
    if (body_len > 0) res.body.assign(body, body_len);
    respond(r, std::move(res));
  } catch (...) {
    delete r;
  }
}
plugctl_status ws_send(plugctl_ws_conn* c, const char* data, size_t len, int32_t binary) {
  if (c == nullptr) return PLUGCTL_INVALID;
  try {
    return reinterpret_cast<WsSession*>(c)->send(std::string(data, len), binary != 0);
  } catch (...) {
    return PLUGCTL_ERROR;
  }
}

plugctl_http_api make_api() {
  plugctl_http_api a{};
  a.struct_size = sizeof(plugctl_http_api);
  a.server_open = server_open;
  a.server_address = server_address;
  a.server_close = server_close;
  a.route_add = route_add;
  a.ws_route_add = ws_route_add;
  a.req_method = req_method;
  a.req_path = req_path;
  a.req_query = req_query;
  a.req_body = req_body;
  a.req_remote = req_remote;
  a.req_header_count = req_header_count;
  a.req_header_at = req_header_at;
  a.respond = respond_c;
  a.ws_send = ws_send;
  return a;
}

} // namespace

const plugctl_http_api* http_api() {
  static const plugctl_http_api api = make_api();
  return &api;
}

} // namespace plugctl::core::http
