// What the kafka input and output share around librdkafka: building a configuration from the
// properties of the config fields (errors name the field), routing librdkafka's logs and errors
// into plugctl's log, and remembering the last error for the messages users see.
#pragma once

#include "kafka_config.hpp"

#include <librdkafka/rdkafka.h>
#include <memory>
#include <mutex>
#include <string>

namespace plugctl::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

inline PartitionList new_partition_list(int size = 0) {
  return PartitionList(rd_kafka_topic_partition_list_new(size));
}

// Sets every property on a new librdkafka configuration. Throws sdk::ConfigError naming the
// field a refused property came from.
inline void apply_properties(rd_kafka_conf_t* conf, const Properties& props) {
  char err[512];
  for (const auto& p : props) {
    if (rd_kafka_conf_set(conf, p.name.c_str(), p.value.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK)
      throw sdk::ConfigError("field " + p.field + ": librdkafka refused " + p.name + "=" +
                             (p.name.find("password") != std::string::npos ? "***" : p.value) +
                             ": " + err);
  }
}

// The logging and error side of one librdkafka client. Its address is the client's opaque
// (rd_kafka_conf_set_opaque), so it must outlive the rd_kafka_t.
class ClientEvents {
public:
  ClientEvents(const sdk::Context& ctx, std::string what) : ctx_(ctx), what_(std::move(what)) {}
  virtual ~ClientEvents() = default;

  // Installs the callbacks and sets this object as the client's opaque.
  void install(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_log_cb(conf, &ClientEvents::on_log);
    rd_kafka_conf_set_error_cb(conf, &ClientEvents::on_error);
  }

  std::string last_error() const {
    std::lock_guard lock(mu_);
    return last_error_;
  }
  const sdk::Context& ctx() const { return ctx_; }
  const std::string& what() const { return what_; }

  static ClientEvents* of(rd_kafka_t* rk) {
    return static_cast<ClientEvents*>(rd_kafka_opaque(rk));
  }

private:
  static void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    auto* self = static_cast<ClientEvents*>(rd_kafka_opaque(rk));
    if (self == nullptr) return;
    int32_t lvl = level <= 3   ? PLUGCTL_LOG_ERROR
                  : level == 4 ? PLUGCTL_LOG_WARN
                  : level <= 6 ? PLUGCTL_LOG_INFO
                               : PLUGCTL_LOG_DEBUG;
    if (!self->ctx_.log_enabled(lvl)) return;
    self->ctx_.log(lvl, self->what_ + ": librdkafka " + fac + ": " + buf);
  }
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<ClientEvents*>(opaque);
    (void)rk;
    if (self == nullptr) return;
    std::string text = std::string(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err))) + ": " +
                       (reason == nullptr ? "" : reason);
    // librdkafka before 2.6.1 sends a SCRAM client-final nonce that Kafka 4.x brokers reject
    // as invalid credentials (librdkafka#4895); Debian 12 ships 2.0.2. Say so, or users chase
    // passwords.
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && reason != nullptr &&
        std::string_view(reason).find("SCRAM") != std::string_view::npos &&
        rd_kafka_version() < 0x020601ff)
      text += " (note: librdkafka " + std::string(rd_kafka_version_str()) +
              " cannot authenticate with SCRAM against Kafka 4.x brokers, fixed in librdkafka "
              "2.6.1; with this librdkafka use PLAIN over TLS, or a 3.x broker)";
    {
      std::lock_guard lock(self->mu_);
      self->last_error_ = text;
    }
    self->ctx_.warn(self->what_ + ": " + text);
  }

  sdk::Context ctx_;
  std::string what_;
  mutable std::mutex mu_;
  std::string last_error_;
};

// Asks the cluster for its metadata (all topics): throws sdk::NotConnected naming the brokers
// and the last connection error when it cannot be reached within `timeout_ms`.
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

inline MetadataPtr fetch_metadata(rd_kafka_t* rk, const ClientEvents& ev,
                                  const std::string& addresses, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string last = ev.last_error();
    throw sdk::NotConnected("cannot reach the Kafka brokers at " + addresses + ": " +
                            rd_kafka_err2str(err) + (last.empty() ? "" : " (" + last + ")"));
  }
  return MetadataPtr(md);
}

// The partition count of `topic` in the metadata, or -1 when the cluster has no such topic.
inline int topic_partitions(const rd_kafka_metadata_t* md, const std::string& topic) {
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (topic == t.topic) return t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? t.partition_cnt : -1;
  }
  return -1;
}

// Whether the cluster has `topic`, asking for it by name: a producer's request lets a broker
// with auto.create.topics.enable create it. Unreachable brokers throw sdk::NotConnected.
inline bool topic_exists(rd_kafka_t* rk, const ClientEvents& ev, const std::string& addresses,
                         const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (rkt == nullptr) return false;
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string last = ev.last_error();
    throw sdk::NotConnected("cannot reach the Kafka brokers at " + addresses + ": " +
                            rd_kafka_err2str(err) + (last.empty() ? "" : " (" + last + ")"));
  }
  MetadataPtr hold(md);
  if (md->topic_cnt != 1) return false;
  // LEADER_NOT_AVAILABLE: being created (auto-creation), it will be there.
  return md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR ||
         md->topics[0].err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
}

inline std::string joined_addresses(const ClientConfig& c) {
  std::string s;
  for (const auto& a : c.addresses)
    s += (s.empty() ? "" : ",") + a;
  return s;
}

} // namespace plugctl::kafka
