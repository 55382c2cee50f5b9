/*
 * plugctl C ABI extension: the host's HTTP server ("plugctl_http_v1").
 *
 * A plugin that serves HTTP (the http_server input) gets this table with
 *
 *   const plugctl_http_api* api = host->get_api(PLUGCTL_HTTP_API_NAME, 0);
 *
 * (NULL when the host has no HTTP server). The host runs the listeners, parses requests (HTTP/1.1
 * with keep-alive, Boost.Beast) and hands each complete request to the route's handler; the
 * plugin answers when it is ready, from any thread. One server can be the service's own (the
 * `http` config section, an empty address) or a listener of the plugin's own address.
 *
 * The same rules as plugctl.h hold: struct_size first, the table only grows at its end, views are
 * borrowed, and nothing unwinds across the boundary.
 */
#ifndef PLUGCTL_HTTP_H
#define PLUGCTL_HTTP_H

#include <plugctl/plugctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PLUGCTL_HTTP_API_NAME "plugctl_http_v1"

typedef struct plugctl_http_server plugctl_http_server;   /* a listener, or the service's server */
typedef struct plugctl_http_request plugctl_http_request; /* one request awaiting its response */
typedef struct plugctl_ws_conn plugctl_ws_conn;           /* one open websocket connection */

/* Called on a server thread for each request of a route. The request stays valid until
 * respond() is called for it; the handler must make sure respond() is called exactly once
 * (now, or later from any thread, also after route_remove/server_close). */
typedef void (*plugctl_http_handler_fn)(void* handler_ctx, plugctl_http_request* req);

/* Websocket routes: `open` when a connection is upgraded, `message` for each text or binary
 * message (views valid during the call), `closed` once when it ends. All on server threads, never
 * concurrently for one connection. The connection handle is valid until `closed` returns. */
typedef struct plugctl_ws_handlers {
  uint32_t struct_size;
  uint32_t reserved0;
  void (*open)(void* handler_ctx, plugctl_ws_conn* conn, const plugctl_http_request* upgrade);
  void (*message)(void* handler_ctx, plugctl_ws_conn* conn, const char* data, size_t len,
                  int32_t is_binary);
  void (*closed)(void* handler_ctx, plugctl_ws_conn* conn);
} plugctl_ws_handlers;

typedef struct plugctl_http_api {
  uint32_t struct_size;
  uint32_t reserved0;

  /* --- servers ----------------------------------------------------------------------------- */
  /* Opens a listener on `address` ("host:port"; port 0 picks a free one), or, when `address` is
   * empty, returns the service's own server (config `http`). PLUGCTL_INVALID with the reason in
   * `error_text` when the address cannot be bound or the service server is disabled. */
  plugctl_status (*server_open)(const plugctl_ctx* ctx, const char* address, size_t address_len,
                                plugctl_http_server** out, plugctl_buf* error_text);
  /* The bound address ("127.0.0.1:34567"). */
  plugctl_bytes (*server_address)(const plugctl_http_server* server);
  /* Removes the plugin's routes of this handle and, for its own listener, stops it. No handler
   * is called after it returns; requests already handed out must still be responded to. */
  void (*server_close)(plugctl_http_server* server);

  /* --- routes ------------------------------------------------------------------------------ */
  /* Routes requests whose path equals `path` to `fn`. PLUGCTL_EXISTS when the path is taken. */
  plugctl_status (*route_add)(plugctl_http_server* server, const char* path, size_t path_len,
                              plugctl_http_handler_fn fn, void* handler_ctx,
                              plugctl_buf* error_text);
  plugctl_status (*ws_route_add)(plugctl_http_server* server, const char* path, size_t path_len,
                                 const plugctl_ws_handlers* handlers, void* handler_ctx,
                                 plugctl_buf* error_text);

  /* --- requests (thread-safe reads; views valid until respond) ------------------------------ */
  plugctl_bytes (*req_method)(const plugctl_http_request* req);
  plugctl_bytes (*req_path)(const plugctl_http_request* req);  /* without the query */
  plugctl_bytes (*req_query)(const plugctl_http_request* req); /* after '?', may be empty */
  plugctl_bytes (*req_body)(const plugctl_http_request* req);
  plugctl_bytes (*req_remote)(const plugctl_http_request* req); /* "ip:port" of the client */
  size_t (*req_header_count)(const plugctl_http_request* req);
  plugctl_status (*req_header_at)(const plugctl_http_request* req, size_t index,
                                  plugctl_bytes* name, plugctl_bytes* value);
  /* Sends the response (status, header pairs, body) and frees the request. Exactly once per
   * request, from any thread. `headers` holds n_headers (name, value) pairs: 2*n_headers views. */
  void (*respond)(plugctl_http_request* req, int32_t status, const plugctl_bytes* headers,
                  size_t n_headers, const char* body, size_t body_len);

  /* --- websockets -------------------------------------------------------------------------- */
  /* Queues a message to the client (copied); any thread. PLUGCTL_NOT_CONNECTED once closed. */
  plugctl_status (*ws_send)(plugctl_ws_conn* conn, const char* data, size_t len, int32_t is_binary);
} plugctl_http_api;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PLUGCTL_HTTP_H */
