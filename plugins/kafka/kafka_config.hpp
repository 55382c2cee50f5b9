// Config of the kafka input and output: field names, specs (what lint, docs and `create` see),
// the parsers that turn a validated config into the structs the components run on, and the
// librdkafka properties each field becomes (so a property librdkafka refuses is reported against
// the field it came from).
#pragma once

#include <chrono>
#include <cstdint>
#include <plugctl/sdk.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::kafka {

namespace sdk = plugctl::sdk;

namespace field {
inline constexpr const char kAddresses[] = "addresses";
inline constexpr const char kTopics[] = "topics";
inline constexpr const char kTopic[] = "topic";
inline constexpr const char kConsumerGroup[] = "consumer_group";
inline constexpr const char kClientId[] = "client_id";
inline constexpr const char kRackId[] = "rack_id";
inline constexpr const char kStartFromOldest[] = "start_from_oldest";
inline constexpr const char kCheckpointLimit[] = "checkpoint_limit";
inline constexpr const char kCommitPeriod[] = "commit_period";
inline constexpr const char kFetchBufferCap[] = "fetch_buffer_cap";
inline constexpr const char kGroup[] = "group";
inline constexpr const char kSessionTimeout[] = "session_timeout";
inline constexpr const char kHeartbeatInterval[] = "heartbeat_interval";
inline constexpr const char kRebalanceTimeout[] = "rebalance_timeout";
inline constexpr const char kBatching[] = "batching";
inline constexpr const char kCount[] = "count";
inline constexpr const char kByteSize[] = "byte_size";
inline constexpr const char kPeriod[] = "period";
inline constexpr const char kTls[] = "tls";
inline constexpr const char kEnabled[] = "enabled";
inline constexpr const char kSkipCertVerify[] = "skip_cert_verify";
inline constexpr const char kRootCasFile[] = "root_cas_file";
inline constexpr const char kClientCerts[] = "client_certs";
inline constexpr const char kCertFile[] = "cert_file";
inline constexpr const char kKeyFile[] = "key_file";
inline constexpr const char kPassword[] = "password";
inline constexpr const char kSasl[] = "sasl";
inline constexpr const char kMechanism[] = "mechanism";
inline constexpr const char kUser[] = "user";
inline constexpr const char kRdkafkaProperties[] = "rdkafka_properties";
inline constexpr const char kKey[] = "key";
inline constexpr const char kPartitioner[] = "partitioner";
inline constexpr const char kPartition[] = "partition";
inline constexpr const char kCompression[] = "compression";
inline constexpr const char kIdempotentWrite[] = "idempotent_write";
inline constexpr const char kMetadata[] = "metadata";
inline constexpr const char kIncludePrefixes[] = "include_prefixes";
inline constexpr const char kIncludePatterns[] = "include_patterns";
inline constexpr const char kTimestamp[] = "timestamp";
inline constexpr const char kMaxInFlight[] = "max_in_flight";
inline constexpr const char kAckReplicas[] = "ack_replicas";
inline constexpr const char kMaxMsgBytes[] = "max_msg_bytes";
inline constexpr const char kTimeout[] = "timeout";
} // namespace field

// Metadata keys the input sets on every message (besides one key per record header).
namespace meta {
inline constexpr std::string_view kKey = "kafka_key";
inline constexpr std::string_view kTopic = "kafka_topic";
inline constexpr std::string_view kPartition = "kafka_partition";
inline constexpr std::string_view kOffset = "kafka_offset";
inline constexpr std::string_view kTimestampUnix = "kafka_timestamp_unix";
inline constexpr std::string_view kTimestampMs = "kafka_timestamp_ms";
inline constexpr std::string_view kLag = "kafka_lag";
inline constexpr std::string_view kTombstone = "kafka_tombstone_message";
} // namespace meta

inline constexpr int64_t kDefaultCheckpointLimit = 8192;
inline constexpr int64_t kDefaultFetchBufferCap = 10000;
inline constexpr int64_t kDefaultMaxInFlight = 64;
inline constexpr int64_t kDefaultMaxMsgBytes = 1000000;
// Messages one read hands out at most when `batching` sets no count.
inline constexpr size_t kDefaultReadBatch = 1024;

// One librdkafka property and the config field it came from (for error messages).
struct Property {
  std::string name;
  std::string value;
  std::string field; // JSON pointer, e.g. /tls/root_cas_file
};
using Properties = std::vector<Property>;

struct TlsConfig {
  bool enabled = false;
  bool skip_cert_verify = false;
  std::string root_cas_file;
  std::string cert_file;
  std::string key_file;
  std::string key_password;
};

struct SaslConfig {
  std::string mechanism; // empty: none
  std::string user;
  std::string password;
};

// What the input and the output share: where the brokers are and how to reach them.
struct ClientConfig {
  std::vector<std::string> addresses; // host:port, commas already split
  std::string client_id = "plugctl";
  TlsConfig tls;
  SaslConfig sasl;
  Properties extra; // rdkafka_properties, applied last
};

// `topic:partition` entries of the input: explicit partitions, read without a group rebalance.
struct TopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;
};

struct InputConfig {
  ClientConfig client;
  std::vector<std::string> topics;           // consumer-group mode: whole topics
  std::vector<TopicPartitions> explicit_tps; // explicit mode: topic:partition entries
  std::string consumer_group;                // empty: no commits (explicit mode only)
  std::string rack_id;
  bool start_from_oldest = true;
  size_t checkpoint_limit = kDefaultCheckpointLimit;
  std::chrono::nanoseconds commit_period = std::chrono::seconds(1);
  int64_t fetch_buffer_cap = kDefaultFetchBufferCap;
  std::chrono::nanoseconds session_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds heartbeat_interval = std::chrono::seconds(3);
  std::chrono::nanoseconds rebalance_timeout = std::chrono::seconds(60);
  size_t batch_count = 0; // 0: whatever is there, up to kDefaultReadBatch
  size_t batch_bytes = 0;
  std::chrono::nanoseconds batch_period{0}; // 0: do not wait for a batch to fill
};

enum class Partitioner { Murmur2Hash, Random, RoundRobin, Manual };

struct OutputConfig {
  ClientConfig client;
  std::string topic; // interpolated
  std::string key;   // interpolated; empty: no key
  Partitioner partitioner = Partitioner::Murmur2Hash;
  std::string partition; // interpolated, with Partitioner::Manual
  std::string compression = "none";
  bool idempotent_write = true;
  std::vector<std::string> include_prefixes;
  std::vector<std::string> include_patterns; // ECMAScript regular expressions
  std::string timestamp;                     // interpolated, unix seconds; empty: now
  int64_t max_in_flight = kDefaultMaxInFlight;
  bool ack_replicas = false;
  int64_t max_msg_bytes = kDefaultMaxMsgBytes;
  std::chrono::nanoseconds timeout = std::chrono::seconds(60);
};

sdk::Spec input_spec();
sdk::Spec output_spec();
extern const char* const kInputDescription;
extern const char* const kOutputDescription;
extern const char* const kInputExamples;
extern const char* const kOutputExamples;

// Both throw sdk::ConfigError naming the field.
InputConfig parse_input_config(const sdk::Config& cfg);
OutputConfig parse_output_config(const sdk::Config& cfg);

// "foo" -> {foo, {}}; "foo:3" -> {foo, {3}}; "foo:0-2" -> {foo, {0,1,2}}. Throws
// sdk::ConfigError with `where` (the field) for a malformed entry.
TopicPartitions parse_topic_entry(std::string_view entry, const std::string& where);

// The librdkafka properties of the shared fields (addresses, client id, TLS, SASL), then the
// input's or the output's own, then rdkafka_properties.
Properties client_properties(const ClientConfig& c);
Properties input_properties(const InputConfig& c);
Properties output_properties(const OutputConfig& c);

} // namespace plugctl::kafka
