#include "http_config.hpp"

#include <algorithm>
#include <regex>

namespace plugctl::http {

using sdk::Field;
using sdk::Json;

namespace {

Field rate_limit_field(const char* what) {
  return Field::object(
             "rate_limit",
             std::string("Limits ") + what +
                 " to `count` per `interval` (a token bucket local to this "
                 "component); `count: 0` means no limit.",
             {Field::integer("count", "Events allowed per interval; 0 disables the limit.")
                  .default_value(0),
              Field::duration("interval", "The interval the count applies to.")
                  .default_value("1s")})
      .advanced();
}

Field header_filter_field(const char* name, const char* description) {
  return Field::object(
             name, description,
             {Field::string("include_prefixes", "Keys starting with one of these (any case).")
                  .list()
                  .default_value(Json::empty_array()),
              Field::string("include_patterns",
                            "Keys matching one of these regular expressions (ECMAScript, any "
                            "case).")
                  .list()
                  .default_value(Json::empty_array())})
      .advanced();
}

sdk::Spec client_spec(bool output) {
  sdk::Spec s;
  s.field(Field::string("url", "The URL to request; interpolated per message (per batch for the "
                               "batched formats, from its first message).")
              .interpolated()
              .example("http://localhost:8080/post")
              .example("http://api.example.com/users/${! this.id }"));
  s.field(Field::string("verb", "The HTTP method.")
              .default_value("POST")
              .example("GET")
              .example("PUT")
              .example("DELETE"));
  s.field(Field::string("headers", "Request headers; values are interpolated per message.")
              .map()
              .interpolated()
              .default_value(Json::raw(R"({"Content-Type":"application/octet-stream"})"))
              .example(Json::raw(
                  R"({"Content-Type":"application/json","X-Trace":"${! meta(\"trace\") }"})")));
  s.field(Field::duration("timeout", "How long one request may take (connecting, sending and "
                                     "reading the whole response).")
              .default_value("5s"));
  s.field(Field::integer("retries", "Attempts after the first before a request fails.")
              .default_value(3)
              .advanced());
  s.field(Field::duration("retry_period", "The wait before the first retry; it doubles with every "
                                          "further retry.")
              .default_value("1s")
              .advanced());
  s.field(Field::duration("max_retry_backoff", "The longest wait between retries.")
              .default_value("300s")
              .advanced());
  s.field(Field::integer("backoff_on", "Status codes that fail the attempt and are retried "
                                       "with backoff.")
              .list()
              .default_value(Json{429})
              .advanced());
  s.field(Field::integer("drop_on", "Status codes that fail the request at once, without "
                                    "retries (the message is flagged or its write fails; it is "
                                    "never lost).")
              .list()
              .default_value(Json::empty_array())
              .advanced());
  s.field(Field::integer("successful_on",
                         "Status codes that count as success besides 2XX (a 2XX code listed in "
                         "`backoff_on` or `drop_on` is not a success).")
              .list()
              .default_value(Json::empty_array())
              .advanced());
  s.field(rate_limit_field("requests"));
  s.field(Field::object("basic_auth", "HTTP basic authentication.",
                        {Field::boolean("enabled", "Sends the credentials.").default_value(false),
                         Field::string("username", "The user name.").default_value(""),
                         Field::string("password", "The password.").default_value("").secret()})
              .advanced());
  s.field(Field::string("bearer_token", "Sent as `Authorization: Bearer <token>` when not empty.")
              .default_value("")
              .secret()
              .advanced());
  s.field(Field::object(
              "tls", "TLS for https URLs.",
              {Field::boolean("enabled", "Applies the settings below.").default_value(false),
               Field::boolean("skip_cert_verify", "Accepts any server certificate (tests only).")
                   .default_value(false),
               Field::string("root_cas_file", "PEM file of CAs to trust instead of the system's.")
                   .default_value(""),
               Field::string("client_cert_file", "PEM client certificate.").default_value(""),
               Field::string("client_key_file", "PEM key of the client certificate.")
                   .default_value("")})
              .advanced());
  s.field(Field::boolean("batch_as_multipart", "Sends a batch as one multipart/mixed request "
                                               "(RFC 1341), as `batch_format: multipart`.")
              .default_value(false)
              .advanced());
  s.field(Field::string("batch_format",
                        "How a batch of several messages is sent: `individual` (one request per "
                        "message, concurrently), `json_array` (one request whose body is a JSON "
                        "array of the payloads, each parsed as JSON or else a string), `lines` "
                        "(one request, payloads separated by newlines) or `multipart`.")
              .default_value("individual")
              .options({"individual", "json_array", "lines", "multipart"})
              .advanced());
  if (output) {
    s.max_in_flight(64);
    s.batching();
  } else {
    s.field(
        Field::integer("max_in_flight", "Requests of one batch sent at once.").default_value(64));
    s.field(header_filter_field("extract_headers",
                                "Response headers copied into the message's metadata "
                                "(lower-cased keys)."));
  }
  return s;
}

std::vector<std::pair<std::string, std::string>> header_map(const sdk::Config& cfg,
                                                            std::string_view path) {
  return cfg.string_map(path);
}

std::set<long> codes(const sdk::Config& cfg, const std::string& path) {
  std::set<long> out;
  if (!cfg.has(path)) return out;
  size_t n = cfg.size(path);
  for (size_t i = 0; i < n; ++i) {
    int64_t c = cfg.integer(path + "/" + std::to_string(i));
    if (c < 100 || c > 999)
      throw sdk::ConfigError("field " + path + ": " + std::to_string(c) +
                             " is not an HTTP status code");
    out.insert(static_cast<long>(c));
  }
  return out;
}

RateLimitConfig parse_rate_limit(const sdk::Config& cfg) {
  RateLimitConfig r;
  if (cfg.has("rate_limit/count")) r.count = cfg.integer("rate_limit/count");
  if (r.count < 0) throw sdk::ConfigError("field rate_limit.count must not be negative");
  if (cfg.has("rate_limit/interval")) r.interval = cfg.duration("rate_limit/interval");
  if (r.count > 0 && r.interval.count() <= 0)
    throw sdk::ConfigError("field rate_limit.interval must be positive");
  return r;
}

HeaderFilter parse_filter(const sdk::Config& cfg, const std::string& base) {
  HeaderFilter f;
  f.prefixes = cfg.strings(base + "/include_prefixes");
  f.patterns = cfg.strings(base + "/include_patterns");
  for (const auto& p : f.patterns) {
    try {
      std::regex re(p, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      throw sdk::ConfigError("field " + base + ".include_patterns: bad pattern '" + p +
                             "': " + e.what());
    }
  }
  return f;
}

} // namespace

sdk::Spec client_output_spec() {
  return client_spec(true);
}
sdk::Spec client_processor_spec() {
  return client_spec(false);
}

sdk::Spec server_spec() {
  return sdk::Spec()
      .field(Field::string("address",
                           "Where to listen (`host:port`). Empty: the routes are added to "
                           "plugctl's own HTTP server (the `http` config section).")
                 .default_value("")
                 .example("127.0.0.1:8080")
                 .example("0.0.0.0:8080"))
      .field(Field::string("path", "The path requests are accepted on.").default_value("/post"))
      .field(Field::string("ws_path", "A path that accepts websocket connections, each message "
                                      "of which becomes a message; empty: none.")
                 .default_value("")
                 .advanced())
      .field(Field::string("allowed_verbs", "HTTP methods accepted on `path`; others get 405.")
                 .list()
                 .default_value(Json{"POST"}))
      .field(Field::duration("timeout",
                             "How long a request waits for its message to be delivered before "
                             "it is answered 408 (the message may still be delivered).")
                 .default_value("5s"))
      .field(rate_limit_field("accepted requests (others get 429)"))
      .field(Field::object(
                 "sync_response",
                 "The response sent once the message is delivered. Its body is the message a "
                 "`sync_response` output received (the processed message); without one it is "
                 "empty.",
                 {Field::string("status", "The status code, interpolated on the response "
                                          "message.")
                      .interpolated()
                      .default_value("200")
                      .example("${! meta(\"status\").or(\"200\") }"),
                  Field::string("headers", "Response headers, interpolated on the response "
                                           "message.")
                      .map()
                      .interpolated()
                      .default_value(Json::raw(R"({"Content-Type":"application/octet-stream"})")),
                  header_filter_field("metadata_headers",
                                      "Metadata of the response message sent as headers.")})
                 .advanced());
}

sdk::Spec sync_response_spec() {
  return sdk::Spec();
}

ClientConfig parse_client_config(const sdk::Config& cfg, bool output) {
  ClientConfig c;
  c.url = cfg.string("url");
  if (c.url.empty()) throw sdk::ConfigError("field url must not be empty");
  if (cfg.has("verb")) c.verb = cfg.string("verb");
  if (c.verb.empty()) throw sdk::ConfigError("field verb must not be empty");
  c.headers = header_map(cfg, "headers");
  if (cfg.has("timeout")) c.timeout = cfg.duration("timeout");
  if (cfg.has("retries")) c.retries = cfg.integer("retries");
  if (c.retries < 0) throw sdk::ConfigError("field retries must not be negative");
  if (cfg.has("retry_period")) c.retry_period = cfg.duration("retry_period");
  if (cfg.has("max_retry_backoff")) c.max_retry_backoff = cfg.duration("max_retry_backoff");
  if (cfg.has("backoff_on")) c.backoff_on = codes(cfg, "backoff_on");
  c.drop_on = codes(cfg, "drop_on");
  c.successful_on = codes(cfg, "successful_on");
  c.rate_limit = parse_rate_limit(cfg);
  if (cfg.has("basic_auth/enabled")) c.basic_auth = cfg.boolean("basic_auth/enabled");
  if (c.basic_auth) {
    c.username = cfg.string("basic_auth/username");
    c.password = cfg.string("basic_auth/password");
  }
  if (cfg.has("bearer_token")) c.bearer_token = cfg.string("bearer_token");
  if (cfg.has("tls/enabled")) c.tls.enabled = cfg.boolean("tls/enabled");
  if (c.tls.enabled) {
    c.tls.skip_cert_verify = cfg.boolean("tls/skip_cert_verify");
    c.tls.root_cas_file = cfg.string("tls/root_cas_file");
    c.tls.client_cert_file = cfg.string("tls/client_cert_file");
    c.tls.client_key_file = cfg.string("tls/client_key_file");
    if (c.tls.client_cert_file.empty() != c.tls.client_key_file.empty())
      throw sdk::ConfigError("field tls: client_cert_file and client_key_file go together");
  }
  std::string fmt = cfg.has("batch_format") ? cfg.string("batch_format") : "individual";
  if (fmt == "individual")
    c.batch_format = BatchFormat::Individual;
  else if (fmt == "json_array")
    c.batch_format = BatchFormat::JsonArray;
  else if (fmt == "lines")
    c.batch_format = BatchFormat::Lines;
  else if (fmt == "multipart")
    c.batch_format = BatchFormat::Multipart;
  else
    throw sdk::ConfigError("field batch_format: unknown format '" + fmt + "'");
  if (cfg.has("batch_as_multipart") && cfg.boolean("batch_as_multipart")) {
    if (c.batch_format != BatchFormat::Individual && c.batch_format != BatchFormat::Multipart)
      throw sdk::ConfigError("field batch_as_multipart: conflicts with batch_format '" + fmt + "'");
    c.batch_format = BatchFormat::Multipart;
  }
  if (cfg.has("max_in_flight")) c.max_in_flight = cfg.integer("max_in_flight");
  if (c.max_in_flight < 1) throw sdk::ConfigError("field max_in_flight must be at least 1");
  if (!output && cfg.has("extract_headers"))
    c.extract_headers = parse_filter(cfg, "extract_headers");
  return c;
}

ServerConfig parse_server_config(const sdk::Config& cfg) {
  ServerConfig s;
  if (cfg.has("address")) s.address = cfg.string("address");
  if (cfg.has("path")) s.path = cfg.string("path");
  if (s.path.empty() || s.path[0] != '/') throw sdk::ConfigError("field path must start with '/'");
  if (cfg.has("ws_path")) s.ws_path = cfg.string("ws_path");
  if (!s.ws_path.empty() && s.ws_path[0] != '/')
    throw sdk::ConfigError("field ws_path must start with '/'");
  if (!s.ws_path.empty() && s.ws_path == s.path)
    throw sdk::ConfigError("field ws_path must differ from path");
  if (cfg.has("allowed_verbs")) s.allowed_verbs = cfg.strings("allowed_verbs");
  if (s.allowed_verbs.empty()) throw sdk::ConfigError("field allowed_verbs must not be empty");
  for (auto& v : s.allowed_verbs)
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char ch) { return char(std::toupper(ch)); });
  if (cfg.has("timeout")) s.timeout = cfg.duration("timeout");
  if (s.timeout.count() <= 0) throw sdk::ConfigError("field timeout must be positive");
  s.rate_limit = parse_rate_limit(cfg);
  if (cfg.has("sync_response/status")) s.sync_response.status = cfg.string("sync_response/status");
  if (cfg.has("sync_response/headers"))
    s.sync_response.headers = header_map(cfg, "sync_response/headers");
  if (cfg.has("sync_response/metadata_headers"))
    s.sync_response.metadata_headers = parse_filter(cfg, "sync_response/metadata_headers");
  return s;
}

} // namespace plugctl::http
