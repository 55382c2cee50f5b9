// Config of the http plugin's components: field names, specs (what lint, docs and `create` see)
// and the parsers that turn a validated config into the structs the components run on.
#pragma once

#include <chrono>
#include <cstdint>
#include <plugctl/sdk.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace plugctl::http {

namespace sdk = plugctl::sdk;

// A token bucket: at most `count` events per `interval` (count 0: unlimited).
struct RateLimitConfig {
  int64_t count = 0;
  std::chrono::nanoseconds interval{std::chrono::seconds(1)};
};

struct TlsConfig {
  bool enabled = false;
  bool skip_cert_verify = false;
  std::string root_cas_file;
  std::string client_cert_file;
  std::string client_key_file;
};

// Which response (or request) headers become metadata.
struct HeaderFilter {
  std::vector<std::string> prefixes; // case-insensitive
  std::vector<std::string> patterns; // ECMAScript regular expressions, case-insensitive
  bool empty() const { return prefixes.empty() && patterns.empty(); }
};

enum class BatchFormat { Individual, Multipart, JsonArray, Lines };

struct ClientConfig {
  std::string url; // interpolated
  std::string verb = "POST";
  std::vector<std::pair<std::string, std::string>> headers; // values interpolated
  std::chrono::nanoseconds timeout{std::chrono::seconds(5)};
  int64_t retries = 3;
  std::chrono::nanoseconds retry_period{std::chrono::seconds(1)};
  std::chrono::nanoseconds max_retry_backoff{std::chrono::seconds(300)};
  std::set<long> backoff_on{429};
  std::set<long> drop_on;
  std::set<long> successful_on;
  RateLimitConfig rate_limit;
  bool basic_auth = false;
  std::string username, password;
  std::string bearer_token;
  TlsConfig tls;
  BatchFormat batch_format = BatchFormat::Individual;
  int64_t max_in_flight = 64;
  HeaderFilter extract_headers; // processor: response headers copied to metadata
};

struct SyncResponseConfig {
  std::string status = "200";                               // interpolated
  std::vector<std::pair<std::string, std::string>> headers; // values interpolated
  HeaderFilter metadata_headers;                            // metadata copied to headers
};

struct ServerConfig {
  std::string address; // empty: the service's HTTP server
  std::string path = "/post";
  std::string ws_path; // empty: no websocket endpoint
  std::vector<std::string> allowed_verbs{"POST"};
  std::chrono::nanoseconds timeout{std::chrono::seconds(5)};
  RateLimitConfig rate_limit;
  SyncResponseConfig sync_response;
};

sdk::Spec client_output_spec();
sdk::Spec client_processor_spec();
sdk::Spec server_spec();
sdk::Spec sync_response_spec();

extern const char* const kClientOutputDescription;
extern const char* const kClientProcessorDescription;
extern const char* const kServerDescription;
extern const char* const kSyncResponseDescription;
extern const char* const kClientOutputExamples;
extern const char* const kClientProcessorExamples;
extern const char* const kServerExamples;

// Throw sdk::ConfigError naming the field.
ClientConfig parse_client_config(const sdk::Config& cfg, bool output);
ServerConfig parse_server_config(const sdk::Config& cfg);

} // namespace plugctl::http
