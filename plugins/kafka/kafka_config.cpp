#include "kafka_config.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <set>
#include <string>

namespace plugctl::kafka {

using sdk::Field;
using sdk::Json;

namespace {

int64_t int_or(const sdk::Config& cfg, const std::string& p, int64_t def) {
  return cfg.has(p) ? cfg.integer(p) : def;
}
bool bool_or(const sdk::Config& cfg, const std::string& p, bool def) {
  return cfg.has(p) ? cfg.boolean(p) : def;
}
std::string string_or(const sdk::Config& cfg, const std::string& p, const std::string& def) {
  return cfg.has(p) ? cfg.string(p) : def;
}
std::chrono::nanoseconds duration_or(const sdk::Config& cfg, const std::string& p,
                                     std::chrono::nanoseconds def) {
  if (!cfg.has(p)) return def;
  // An empty duration string counts as absent for the host: "disabled".
  if (cfg.optional_string(p).value_or("x").empty()) return std::chrono::nanoseconds(0);
  return cfg.duration(p);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t'))
    ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
    --e;
  return std::string(s.substr(b, e - b));
}

// Splits each element on commas ("a:9092,b:9092" is two addresses), dropping empty pieces.
std::vector<std::pair<std::string, std::string>> split_list(const sdk::Config& cfg,
                                                            const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out; // (value, field pointer)
  auto items = cfg.strings(name);
  for (size_t i = 0; i < items.size(); ++i) {
    std::string_view s = items[i];
    const std::string where = "/" + name + "/" + std::to_string(i);
    size_t start = 0;
    for (;;) {
      size_t comma = s.find(',', start);
      auto piece = trim(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
      if (!piece.empty()) out.emplace_back(piece, where);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

int32_t parse_partition(std::string_view s, const std::string& where, std::string_view entry) {
  int32_t v = -1;
  auto s2 = trim(s);
  auto [p, ec] = std::from_chars(s2.data(), s2.data() + s2.size(), v);
  if (ec != std::errc() || p != s2.data() + s2.size() || v < 0)
    throw sdk::ConfigError("field " + where + ": bad partition '" + s2 + "' in '" +
                           std::string(entry) +
                           "' (expected topic:N or topic:N-M with partition numbers >= 0)");
  return v;
}

Field addresses_field() {
  return Field::string(field::kAddresses,
                       "Brokers to connect to first (host:port). An item may hold several "
                       "addresses separated by commas.")
      .list()
      .example(Json{"localhost:9092"})
      .example(Json{"broker-1:9092,broker-2:9092"});
}

Field client_id_field() {
  return Field::string(field::kClientId, "An identifier of this client, sent to the brokers.")
      .default_value("plugctl")
      .advanced();
}

Field tls_field() {
  return Field::object(
             field::kTls, "Custom TLS settings (the connection is plaintext unless enabled).",
             {Field::boolean(field::kEnabled, "Whether to connect with TLS.").default_value(false),
              Field::boolean(field::kSkipCertVerify,
                             "Whether to skip verifying the brokers' certificates (insecure).")
                  .default_value(false),
              Field::string(field::kRootCasFile,
                            "A PEM file of certificate authorities to verify the brokers with; "
                            "empty uses the system's.")
                  .default_value("")
                  .example("./root_cas.pem"),
              Field::object(
                  field::kClientCerts,
                  "A client certificate for mutual TLS (at most one: librdkafka "
                  "presents one certificate).",
                  {Field::string(field::kCertFile, "The certificate (PEM file)."),
                   Field::string(field::kKeyFile, "Its private key (PEM file)."),
                   Field::string(field::kPassword, "The password of an encrypted private key.")
                       .default_value("")
                       .secret()})
                  .list()
                  .default_value(Json::empty_array())})
      .advanced();
}

Field sasl_field() {
  return Field::object(
             field::kSasl, "SASL authentication.",
             {Field::string(field::kMechanism, "The SASL mechanism; `none` disables SASL.")
                  .default_value("none")
                  .options({"none", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}),
              Field::string(field::kUser, "The user name.").default_value(""),
              Field::string(field::kPassword, "The password.").default_value("").secret()})
      .advanced();
}

Field properties_field() {
  return Field::string(field::kRdkafkaProperties,
                       "librdkafka configuration properties set after every other field, for "
                       "what the fields above do not cover (see librdkafka's "
                       "CONFIGURATION.md). A property librdkafka does not know is an error.")
      .map()
      .default_value(Json::empty_object())
      .example(Json::raw(R"({"fetch.wait.max.ms":"50","socket.keepalive.enable":"true"})"))
      .advanced();
}

ClientConfig parse_client(const sdk::Config& cfg) {
  ClientConfig c;
  for (auto& [addr, where] : split_list(cfg, field::kAddresses)) {
    if (addr.find(':') == std::string::npos)
      throw sdk::ConfigError("field " + where + ": address '" + addr +
                             "' has no port (expected host:port)");
    c.addresses.push_back(addr);
  }
  if (c.addresses.empty())
    throw sdk::ConfigError("field /addresses: list at least one broker address (host:port)");
  c.client_id = string_or(cfg, "/client_id", "plugctl");
  c.tls.enabled = bool_or(cfg, "/tls/enabled", false);
  c.tls.skip_cert_verify = bool_or(cfg, "/tls/skip_cert_verify", false);
  c.tls.root_cas_file = string_or(cfg, "/tls/root_cas_file", "");
  if (cfg.has("/tls/client_certs")) {
    size_t n = cfg.size("/tls/client_certs");
    if (n > 1)
      throw sdk::ConfigError(
          "field /tls/client_certs: librdkafka presents one client certificate; list one");
    if (n == 1) {
      c.tls.cert_file = cfg.string("/tls/client_certs/0/cert_file");
      c.tls.key_file = cfg.string("/tls/client_certs/0/key_file");
      c.tls.key_password = string_or(cfg, "/tls/client_certs/0/password", "");
    }
  }
  std::string mech = string_or(cfg, "/sasl/mechanism", "none");
  if (mech != "none" && mech != "PLAIN" && mech != "SCRAM-SHA-256" && mech != "SCRAM-SHA-512")
    throw sdk::ConfigError("field /sasl/mechanism: unknown SASL mechanism '" + mech +
                           "' (expected none, PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
  if (mech != "none") {
    c.sasl.mechanism = mech;
    c.sasl.user = string_or(cfg, "/sasl/user", "");
    c.sasl.password = string_or(cfg, "/sasl/password", "");
    if (c.sasl.user.empty())
      throw sdk::ConfigError("field /sasl/user: required with mechanism " + mech);
  }
  for (auto& [k, v] : cfg.string_map(field::kRdkafkaProperties))
    c.extra.push_back({k, v, std::string("/rdkafka_properties/") + sdk::Config::escape(k)});
  return c;
}

std::string ms(std::chrono::nanoseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

} // namespace

TopicPartitions parse_topic_entry(std::string_view entry, const std::string& where) {
  TopicPartitions tp;
  size_t colon = entry.find(':');
  tp.topic = trim(entry.substr(0, colon));
  if (tp.topic.empty())
    throw sdk::ConfigError("field " + where + ": empty topic name in '" + std::string(entry) + "'");
  if (colon == std::string_view::npos) return tp;
  std::string_view spec = entry.substr(colon + 1);
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) {
    tp.partitions.push_back(parse_partition(spec, where, entry));
    return tp;
  }
  int32_t lo = parse_partition(spec.substr(0, dash), where, entry);
  int32_t hi = parse_partition(spec.substr(dash + 1), where, entry);
  if (hi < lo)
    throw sdk::ConfigError("field " + where + ": partition range '" + std::string(spec) + "' in '" +
                           std::string(entry) + "' ends before it starts");
  for (int32_t p = lo; p <= hi; ++p)
    tp.partitions.push_back(p);
  return tp;
}

sdk::Spec input_spec() {
  return sdk::Spec()
      .field(addresses_field())
      .field(Field::string(field::kTopics,
                           "Topics to consume. Whole topics (`foo`) are consumed as a member of "
                           "`consumer_group`, which spreads their partitions over every "
                           "instance of the group. Explicit partitions (`foo:0`, or a range "
                           "`foo:0-3`) are read by this instance alone, with no rebalancing; "
                           "the two forms cannot be mixed. An item may list several topics "
                           "separated by commas.")
                 .list()
                 .example(Json{"orders"})
                 .example(Json{"orders:0", "payments:0-3"}))
      .field(Field::string(field::kConsumerGroup,
                           "The consumer group. Required for whole topics; optional with explicit "
                           "partitions, where it is only used to store and resume offsets "
                           "(without it every run starts according to `start_from_oldest`).")
                 .default_value("")
                 .example("plugctl-orders"))
      .field(client_id_field())
      .field(Field::string(field::kRackId,
                           "The rack of this client (client.rack), for fetching from the "
                           "closest replica.")
                 .default_value("")
                 .advanced())
      .field(Field::boolean(field::kStartFromOldest,
                            "Where to start in a partition that has no committed offset: the "
                            "oldest message (true) or only messages written from now on (false).")
                 .default_value(true))
      .field(Field::integer(field::kCheckpointLimit,
                            "Most messages of one partition that may be in flight (read, not yet "
                            "acknowledged) at once. A partition at its limit gets no more until "
                            "acknowledgements come back; this bounds the redelivery after a crash "
                            "and the memory a slow output can hold.")
                 .default_value(Json(kDefaultCheckpointLimit)))
      .field(Field::duration(field::kCommitPeriod,
                             "How often the acknowledged offsets are committed to the group.")
                 .default_value("1s")
                 .advanced())
      .field(Field::integer(field::kFetchBufferCap,
                            "How many fetched messages of a partition at its checkpoint_limit "
                            "wait in the input before the partition's fetching is paused. "
                            "(librdkafka's own prefetch is tuned with rdkafka_properties, e.g. "
                            "queued.min.messages.)")
                 .default_value(Json(kDefaultFetchBufferCap))
                 .advanced())
      .field(Field::object(
                 field::kGroup, "Timeouts of the consumer group membership.",
                 {Field::duration(field::kSessionTimeout,
                                  "How long the group waits for a silent member before giving "
                                  "its partitions to the others.")
                      .default_value("10s"),
                  Field::duration(field::kHeartbeatInterval, "How often the member heartbeats.")
                      .default_value("3s"),
                  Field::duration(field::kRebalanceTimeout,
                                  "How long a rebalance waits for every member to rejoin.")
                      .default_value("60s")})
                 .advanced())
      .field(Field::object(
                 field::kBatching,
                 "How messages are grouped into batches (each batch is one transaction). By "
                 "default a read hands out what has arrived, up to 1024 messages, without "
                 "waiting.",
                 {Field::integer(field::kCount,
                                 "Messages per batch; 0 hands out what has arrived (at most "
                                 "1024).")
                      .default_value(0),
                  Field::integer(field::kByteSize, "Payload bytes per batch; 0 for no limit.")
                      .default_value(0),
                  Field::duration(field::kPeriod,
                                  "How long to wait for a batch to fill before handing out what "
                                  "there is; empty does not wait.")
                      .default_value("")})
                 .advanced())
      .field(tls_field())
      .field(sasl_field())
      .field(properties_field());
}

sdk::Spec output_spec() {
  return sdk::Spec()
      .field(addresses_field())
      .field(Field::string(field::kTopic, "The topic to write each message to.")
                 .interpolated()
                 .example("orders")
                 .example("events-${! meta(\"kind\") }"))
      .field(Field::string(field::kKey,
                           "The record key of each message; empty writes records without a key.")
                 .interpolated()
                 .default_value("")
                 .example("${! json(\"customer_id\") }"))
      .field(Field::string(field::kPartitioner,
                           "How a record's partition is chosen: `murmur2_hash` (the Java "
                           "client's default: murmur2 of the key, so equal keys land in the "
                           "same partition as with Java producers; records without a key go to "
                           "a random partition), `random`, `round_robin`, or `manual` (the "
                           "`partition` field).")
                 .default_value("murmur2_hash")
                 .options({"murmur2_hash", "random", "round_robin", "manual"}))
      .field(Field::string(field::kPartition,
                           "The partition of each record with the `manual` partitioner.")
                 .interpolated()
                 .default_value("")
                 .example("${! meta(\"kafka_partition\") }"))
      .field(client_id_field())
      .field(Field::string(field::kCompression, "The compression codec of record batches.")
                 .default_value("none")
                 .options({"none", "snappy", "lz4", "gzip", "zstd"}))
      .field(Field::boolean(field::kIdempotentWrite,
                            "Idempotent producer: the broker drops duplicates of retried "
                            "writes and keeps each partition's order across retries. Implies "
                            "acknowledgement by all in-sync replicas.")
                 .default_value(true))
      .field(Field::object(
                 field::kMetadata, "Which metadata keys are written as record headers.",
                 {Field::string(field::kIncludePrefixes, "Keys starting with any of these.")
                      .list()
                      .default_value(Json::empty_array())
                      .example(Json{"trace_", "app_"}),
                  Field::string(field::kIncludePatterns,
                                "Keys matching any of these regular expressions (ECMAScript, "
                                "whole key). `.*` writes every key.")
                      .list()
                      .default_value(Json::empty_array())
                      .example(Json{".*"})})
                 .optional())
      .field(Field::string(field::kTimestamp,
                           "The record timestamp, in seconds since the epoch (fractions allowed); "
                           "empty uses the time of writing.")
                 .interpolated()
                 .default_value("")
                 .example("${! meta(\"kafka_timestamp_unix\") }")
                 .advanced())
      .max_in_flight(kDefaultMaxInFlight)
      .batching()
      .field(Field::boolean(field::kAckReplicas,
                            "Wait for every in-sync replica to have a record before it counts as "
                            "written (acks=all); otherwise the leader alone (acks=1). Always on "
                            "with idempotent_write.")
                 .default_value(false))
      .field(Field::integer(field::kMaxMsgBytes,
                            "Largest record (and record batch) sent, in bytes. A larger message "
                            "fails with an error naming its size.")
                 .default_value(Json(kDefaultMaxMsgBytes))
                 .advanced())
      .field(Field::duration(field::kTimeout,
                             "How long librdkafka keeps trying to deliver a record (across "
                             "broker restarts and leader changes) before the write fails and "
                             "plugctl retries it.")
                 .default_value("60s")
                 .advanced())
      .field(tls_field())
      .field(sasl_field())
      .field(properties_field());
}

InputConfig parse_input_config(const sdk::Config& cfg) {
  InputConfig c;
  c.client = parse_client(cfg);
  bool any_explicit = false, any_whole = false;
  for (auto& [entry, where] : split_list(cfg, field::kTopics)) {
    auto tp = parse_topic_entry(entry, where);
    if (tp.partitions.empty()) {
      any_whole = true;
      c.topics.push_back(tp.topic);
    } else {
      any_explicit = true;
      c.explicit_tps.push_back(std::move(tp));
    }
  }
  if (!any_whole && !any_explicit) throw sdk::ConfigError("field /topics: list at least one topic");
  if (any_whole && any_explicit)
    throw sdk::ConfigError("field /topics: whole topics (consumer group) and explicit "
                           "topic:partition entries cannot be mixed");
  c.consumer_group = string_or(cfg, "/consumer_group", "");
  if (any_whole && c.consumer_group.empty())
    throw sdk::ConfigError("field /consumer_group: required to consume whole topics (or list "
                           "explicit partitions like topic:0)");
  c.rack_id = string_or(cfg, "/rack_id", "");
  c.start_from_oldest = bool_or(cfg, "/start_from_oldest", true);
  int64_t limit = int_or(cfg, "/checkpoint_limit", kDefaultCheckpointLimit);
  if (limit < 1) throw sdk::ConfigError("field /checkpoint_limit must be at least 1");
  c.checkpoint_limit = static_cast<size_t>(limit);
  c.commit_period = duration_or(cfg, "/commit_period", std::chrono::seconds(1));
  if (c.commit_period <= std::chrono::nanoseconds(0))
    throw sdk::ConfigError("field /commit_period must be a positive duration");
  c.fetch_buffer_cap = int_or(cfg, "/fetch_buffer_cap", kDefaultFetchBufferCap);
  if (c.fetch_buffer_cap < 1) throw sdk::ConfigError("field /fetch_buffer_cap must be at least 1");
  c.session_timeout = duration_or(cfg, "/group/session_timeout", c.session_timeout);
  c.heartbeat_interval = duration_or(cfg, "/group/heartbeat_interval", c.heartbeat_interval);
  c.rebalance_timeout = duration_or(cfg, "/group/rebalance_timeout", c.rebalance_timeout);
  int64_t count = int_or(cfg, "/batching/count", 0);
  int64_t bytes = int_or(cfg, "/batching/byte_size", 0);
  if (count < 0) throw sdk::ConfigError("field /batching/count must not be negative");
  if (bytes < 0) throw sdk::ConfigError("field /batching/byte_size must not be negative");
  c.batch_count = static_cast<size_t>(count);
  c.batch_bytes = static_cast<size_t>(bytes);
  c.batch_period = duration_or(cfg, "/batching/period", std::chrono::nanoseconds(0));
  return c;
}

OutputConfig parse_output_config(const sdk::Config& cfg) {
  OutputConfig c;
  c.client = parse_client(cfg);
  c.topic = cfg.string(field::kTopic);
  if (c.topic.empty()) throw sdk::ConfigError("field /topic must not be empty");
  c.key = string_or(cfg, "/key", "");
  std::string p = string_or(cfg, "/partitioner", "murmur2_hash");
  if (p == "murmur2_hash")
    c.partitioner = Partitioner::Murmur2Hash;
  else if (p == "random")
    c.partitioner = Partitioner::Random;
  else if (p == "round_robin")
    c.partitioner = Partitioner::RoundRobin;
  else if (p == "manual")
    c.partitioner = Partitioner::Manual;
  else
    throw sdk::ConfigError("field /partitioner: unknown partitioner '" + p +
                           "' (expected murmur2_hash, random, round_robin or manual)");
  c.partition = string_or(cfg, "/partition", "");
  if (c.partitioner == Partitioner::Manual && c.partition.empty())
    throw sdk::ConfigError("field /partition: required with partitioner manual");
  if (c.partitioner != Partitioner::Manual && !c.partition.empty())
    throw sdk::ConfigError("field /partition: only used with partitioner manual (partitioner is " +
                           p + ")");
  c.compression = string_or(cfg, "/compression", "none");
  static const std::set<std::string> kCodecs = {"none", "snappy", "lz4", "gzip", "zstd"};
  if (!kCodecs.count(c.compression))
    throw sdk::ConfigError("field /compression: unknown codec '" + c.compression +
                           "' (expected none, snappy, lz4, gzip or zstd)");
  c.idempotent_write = bool_or(cfg, "/idempotent_write", true);
  c.include_prefixes = cfg.strings("/metadata/include_prefixes");
  c.include_patterns = cfg.strings("/metadata/include_patterns");
  for (size_t i = 0; i < c.include_patterns.size(); ++i) {
    try {
      std::regex re(c.include_patterns[i]);
    } catch (const std::regex_error& e) {
      throw sdk::ConfigError("field /metadata/include_patterns/" + std::to_string(i) +
                             ": bad regular expression '" + c.include_patterns[i] +
                             "': " + e.what());
    }
  }
  c.timestamp = string_or(cfg, "/timestamp", "");
  c.max_in_flight = int_or(cfg, "/max_in_flight", kDefaultMaxInFlight);
  if (c.max_in_flight < 1) throw sdk::ConfigError("field /max_in_flight must be at least 1");
  c.ack_replicas = bool_or(cfg, "/ack_replicas", false);
  c.max_msg_bytes = int_or(cfg, "/max_msg_bytes", kDefaultMaxMsgBytes);
  if (c.max_msg_bytes < 1000 || c.max_msg_bytes > 1000000000)
    throw sdk::ConfigError("field /max_msg_bytes must be between 1000 and 1000000000");
  c.timeout = duration_or(cfg, "/timeout", std::chrono::seconds(60));
  if (c.timeout < std::chrono::milliseconds(1))
    throw sdk::ConfigError("field /timeout must be a positive duration");
  return c;
}

Properties client_properties(const ClientConfig& c) {
  Properties p;
  std::string servers;
  for (const auto& a : c.addresses)
    servers += (servers.empty() ? "" : ",") + a;
  p.push_back({"bootstrap.servers", servers, "/addresses"});
  p.push_back({"client.id", c.client_id, "/client_id"});
  const bool sasl = !c.sasl.mechanism.empty();
  const char* protocol =
      c.tls.enabled ? (sasl ? "sasl_ssl" : "ssl") : (sasl ? "sasl_plaintext" : "plaintext");
  p.push_back({"security.protocol", protocol, c.tls.enabled ? "/tls/enabled" : "/sasl/mechanism"});
  if (c.tls.enabled) {
    if (c.tls.skip_cert_verify)
      p.push_back({"enable.ssl.certificate.verification", "false", "/tls/skip_cert_verify"});
    if (!c.tls.root_cas_file.empty())
      p.push_back({"ssl.ca.location", c.tls.root_cas_file, "/tls/root_cas_file"});
    if (!c.tls.cert_file.empty())
      p.push_back({"ssl.certificate.location", c.tls.cert_file, "/tls/client_certs/0/cert_file"});
    if (!c.tls.key_file.empty())
      p.push_back({"ssl.key.location", c.tls.key_file, "/tls/client_certs/0/key_file"});
    if (!c.tls.key_password.empty())
      p.push_back({"ssl.key.password", c.tls.key_password, "/tls/client_certs/0/password"});
  }
  if (sasl) {
    p.push_back({"sasl.mechanisms", c.sasl.mechanism, "/sasl/mechanism"});
    p.push_back({"sasl.username", c.sasl.user, "/sasl/user"});
    p.push_back({"sasl.password", c.sasl.password, "/sasl/password"});
  }
  return p;
}

Properties input_properties(const InputConfig& c) {
  Properties p = client_properties(c.client);
  // A group id is needed by librdkafka's consumer even when nothing is committed; explicit
  // partitions without a consumer_group get a private one that is never committed to.
  p.push_back({"group.id", c.consumer_group.empty() ? "plugctl-no-group" : c.consumer_group,
               "/consumer_group"});
  // Offsets are committed by the input's checkpointer only.
  p.push_back({"enable.auto.commit", "false", "/commit_period"});
  p.push_back({"enable.auto.offset.store", "false", "/commit_period"});
  p.push_back(
      {"auto.offset.reset", c.start_from_oldest ? "earliest" : "latest", "/start_from_oldest"});
  // librdkafka's own prefetch (queued.min.messages, 100000 by default) is left alone: below it,
  // librdkafka 2.0 only fetches again on its next one-second wakeup once its queue was full.
  p.push_back({"session.timeout.ms", ms(c.session_timeout), "/group/session_timeout"});
  p.push_back({"heartbeat.interval.ms", ms(c.heartbeat_interval), "/group/heartbeat_interval"});
  p.push_back({"max.poll.interval.ms",
               ms(std::max<std::chrono::nanoseconds>(c.rebalance_timeout, c.session_timeout)),
               "/group/rebalance_timeout"});
  if (!c.rack_id.empty()) p.push_back({"client.rack", c.rack_id, "/rack_id"});
  // Partition EOF events are of no use to a stream.
  p.push_back({"enable.partition.eof", "false", "/topics"});
  for (const auto& e : c.client.extra)
    p.push_back(e);
  return p;
}

Properties output_properties(const OutputConfig& c) {
  Properties p = client_properties(c.client);
  p.push_back({"enable.idempotence", c.idempotent_write ? "true" : "false", "/idempotent_write"});
  if (!c.idempotent_write) p.push_back({"acks", c.ack_replicas ? "all" : "1", "/ack_replicas"});
  p.push_back({"compression.codec", c.compression, "/compression"});
  p.push_back({"message.max.bytes", std::to_string(c.max_msg_bytes), "/max_msg_bytes"});
  p.push_back({"message.timeout.ms", ms(c.timeout), "/timeout"});
  // Many small writes should share a request: wait a little for more before sending.
  p.push_back({"linger.ms", "5", "/batching"});
  if (c.partitioner == Partitioner::Murmur2Hash)
    p.push_back({"partitioner", "murmur2_random", "/partitioner"});
  else if (c.partitioner == Partitioner::Random)
    p.push_back({"partitioner", "random", "/partitioner"});
  for (const auto& e : c.client.extra)
    p.push_back(e);
  return p;
}

const char* const kInputDescription = R"(Consumes records from Kafka topics, as a member of a
consumer group (the partitions are spread over every plugctl instance of the group, and move when
one joins or leaves) or from explicit partitions (`topic:N`, `topic:N-M`).

Every message carries the metadata `kafka_key`, `kafka_topic`, `kafka_partition`,
`kafka_offset`, `kafka_timestamp_unix` (seconds), `kafka_timestamp_ms`, `kafka_lag` (messages
behind the partition's high watermark after this one) and, for a record without a value,
`kafka_tombstone_message`; each record header becomes a metadata key of its own.

### Delivery

Offsets are committed by a per-partition checkpointer: only the offset below which every message
was acknowledged is committed, so a message finishing late (a slow processor, a retried write)
holds its partition's commits back instead of being skipped. Kafka has no nack: a batch that
could not be delivered is replayed by plugctl, with backoff, until it is, and nothing new is
read meanwhile (back pressure). `checkpoint_limit` bounds the messages of one partition in flight;
a partition at the limit is paused until acknowledgements return. Commits are sent every
`commit_period` and once more when the input closes.

On a rebalance, revoked partitions stop being read, their acknowledged offsets are committed,
and acknowledgements arriving later for them commit nothing (the new owner reads from the last
commit, which is at-least-once delivery). Assigned partitions resume from the committed offset,
or per `start_from_oldest` when the group has none.)";

const char* const kOutputDescription = R"(Writes messages to Kafka as records, with the topic,
key and partition chosen per message.

### Delivery

A write is acknowledged per message from librdkafka's delivery reports: a message counts as
written once the broker has it (the leader, or every in-sync replica with `ack_replicas` or
`idempotent_write`). When some messages of a batch fail, only those are reported failed and
retried. librdkafka retries on its own while the brokers are unreachable or a leader moves, for
up to `timeout`; after that the write fails and plugctl retries it (with `idempotent_write`, the
default, retries within `timeout` never duplicate records nor reorder a partition).

### Partitioning

`murmur2_hash` places a record like the Java client's default partitioner does (the positive
murmur2 hash of the key modulo the partition count), so records of one key land in the same
partition as those written by Java producers. Records without a key go to a random partition.)";

const char* const kInputExamples =
    R"(# A consumer group: run as many instances as there are partitions
input:
  kafka:
    addresses: [ localhost:9092 ]
    topics: [ orders ]
    consumer_group: plugctl-orders
    checkpoint_limit: 1024
---
# Explicit partitions, offsets stored under a group
input:
  kafka:
    addresses: [ localhost:9092 ]
    topics: [ "orders:0-3" ]
    consumer_group: plugctl-replay
    start_from_oldest: true
)";

const char* const kOutputExamples = R"(# Keyed records, Java-compatible partitioning
output:
  kafka:
    addresses: [ localhost:9092 ]
    topic: orders
    key: ${! json("customer_id") }
    compression: lz4
---
# Forward records with their headers, into the same partition numbers
output:
  kafka:
    addresses: [ localhost:9092 ]
    topic: orders-copy
    key: ${! meta("kafka_key") }
    partitioner: manual
    partition: ${! meta("kafka_partition") }
    metadata:
      include_patterns: [ "^[a-z]+_id$" ]
)";

} // namespace plugctl::kafka
