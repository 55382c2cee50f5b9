// The host's HTTP server (Boost.Beast on Asio): the service's own endpoints (/ping, /ready,
// /metrics...) and the routes components add, either on the service's server or on listeners of
// their own (the http_server input). Plugins reach it through the plugctl_http_v1 table
// (abi/include/plugctl/http.h); this is its C++ side.
//
// Contract:
//  - A handler is called on a server thread with a complete request and must arrange for
//    respond() to be called exactly once, now or later from any thread.
//  - remove_routes() returns once no handler of those routes runs and none will be called again.
//  - A connection reads its next request only after the previous response was written
//    (HTTP/1.1 keep-alive, no pipelining), so a slow handler holds back only its own client.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <plugctl/http.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugctl::core::http {
class Session;
}

// One request awaiting its response (the ABI's opaque plugctl_http_request).
struct plugctl_http_request {
  std::string method;
  std::string path;
  std::string query;
  std::string body;
  std::string remote;
  std::vector<std::pair<std::string, std::string>> headers;
  unsigned version = 11;
  bool keep_alive = true;
  std::shared_ptr<plugctl::core::http::Session> session; // where the response goes
};

namespace plugctl::core::http {

using Request = plugctl_http_request;

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends the response and frees the request. Any thread; exactly once per request.
void respond(Request* req, Response res);

using Handler = std::function<void(Request*)>;

struct WsHandlers {
  plugctl_ws_handlers fns{};
  void* ctx = nullptr;
};

class Server {
public:
  // Binds `address` ("host:port"; port 0 picks a free one) and starts `threads` I/O threads.
  // Throws std::runtime_error naming the address when it cannot be bound.
  static std::shared_ptr<Server> listen(const std::string& address, size_t threads);
  virtual ~Server() = default;

  // "127.0.0.1:4195" as bound.
  virtual const std::string& address() const = 0;
  // Adds a route for `path` owned by `owner` (an id from new_owner()). False when taken.
  virtual bool add_route(const std::string& path, Handler h, uint64_t owner) = 0;
  virtual bool add_ws_route(const std::string& path, WsHandlers h, uint64_t owner) = 0;
  // Removes every route of `owner`, waiting for handlers of them that are running.
  virtual void remove_routes(uint64_t owner) = 0;
  // Stops accepting, closes connections and joins the I/O threads.
  virtual void stop() = 0;

  static uint64_t new_owner();
};

// I/O threads of a server: the CPUs, at most 4 (a request's work is handed off at once).
size_t default_threads();

// Also serves every route under `root` ("/plugctl/ping" as "/ping").
void set_root_path(Server& s, std::string root);

// The service's own server, when `http.enabled` (set by `plugctl run`); NULL otherwise.
std::shared_ptr<Server> service_server();
void set_service_server(std::shared_ptr<Server> s);

// The plugctl_http_v1 table handed out by host->get_api.
const plugctl_http_api* http_api();

} // namespace plugctl::core::http
