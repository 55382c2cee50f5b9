// Helpers of the kafka plugin's tests: the broker started by tests/services/kafka.sh, topics,
// a producer and readers of what the broker holds (records, committed offsets), and plugctl
// processes running in the background.
#pragma once

#if PLUGCTL_KAFKA_TESTS

#include "support/support.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace plugctl::test::kafka {

// The bootstrap address of the shared test broker, read from the state file that
// `tests/services/kafka.sh start` writes (PLUGCTL_KAFKA_ENV names another one). Throws
// std::runtime_error saying how to start it when there is none.
std::string broker_address();

// A value (KAFKA_SASL_ADDRESS, KAFKA_SASL_USER, ...) of the shared broker's kafka.env.
std::string broker_env(const std::string& key);

// KAFKA_ADDRESS from a kafka.env file of tests/services/kafka.sh (empty when unreadable).
std::string address_from_env_file(const std::string& path);

// Runs tests/services/kafka.sh with `args` and KAFKA_STATE_DIR=state_dir; returns its exit code.
int kafka_script(const std::string& args, const std::string& state_dir);

// A name no other test (or earlier run) uses: prefix-<pid>-<counter>-<random>.
std::string unique_name(const std::string& prefix);

// Built-ins (test_feed, test_capture) and build/plugins (the kafka plugin).
core::Registry& registry();

void create_topic(const std::string& address, const std::string& topic, int partitions);

struct Record {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  int32_t partition = RD_KAFKA_PARTITION_UA;
  bool null_key = false;
};
// Produces the records in order (idempotent producer) and waits until all are delivered.
void produce(const std::string& address, const std::string& topic,
             const std::vector<Record>& records);

struct Consumed {
  std::string key;
  std::string value;
  int32_t partition = -1;
  int64_t offset = -1;
  std::map<std::string, std::string> headers;
};
// Reads every partition of `topic` from the beginning until `expect` records arrived or
// `timeout` passed (no group, nothing committed).
std::vector<Consumed> consume_all(const std::string& address, const std::string& topic,
                                  size_t expect,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Reads a group's committed offsets (no membership: OffsetFetch only).
class CommittedReader {
public:
  CommittedReader(const std::string& address, const std::string& group);
  ~CommittedReader();
  CommittedReader(const CommittedReader&) = delete;
  CommittedReader& operator=(const CommittedReader&) = delete;
  // Partition -> committed offset (-1 when none).
  std::map<int32_t, int64_t> get(const std::string& topic, int partitions);

private:
  rd_kafka_t* rk_ = nullptr;
};

// High watermarks of every partition.
std::map<int32_t, int64_t> high_watermarks(const std::string& address, const std::string& topic,
                                           int partitions);

// The Java client's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written from its
// definition for the tests, and the partition its default partitioner picks for a key.
int32_t java_murmur2(std::string_view data);
int32_t java_partition(std::string_view key, int partitions);

// `plugctl run config` in the background, stdout and stderr into files.
class Plugctl {
public:
  Plugctl(const std::string& config_path, const std::string& log_path);
  ~Plugctl(); // kills it (SIGKILL) if still running
  Plugctl(const Plugctl&) = delete;
  Plugctl& operator=(const Plugctl&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for the exit; returns the exit status (128+signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;

private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// Lines of a file (an incomplete last line is left out).
std::vector<std::string> complete_lines(const std::string& path);

// Polls `cond` every 50 ms until it holds or `timeout` passes; returns its last value.
bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

} // namespace plugctl::test::kafka

#endif // PLUGCTL_KAFKA_TESTS
