#include "kafka_test_support.hpp"

#if PLUGCTL_KAFKA_TESTS

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace plugctl::test::kafka {

namespace {

rd_kafka_conf_t* base_conf(const std::string& address) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", address.c_str(), err, sizeof err) !=
      RD_KAFKA_CONF_OK)
    throw std::runtime_error(err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  return conf;
}

rd_kafka_t* new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  }
  return rk;
}

void set(rd_kafka_conf_t* conf, const char* k, const char* v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
    throw std::runtime_error(std::string(k) + ": " + err);
}

} // namespace

namespace {
std::string env_file_value(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  return {};
}
std::string env_path() {
  const char* env = std::getenv("PLUGCTL_KAFKA_ENV");
  return env != nullptr && *env != '\0' ? std::string(env)
                                        : source_dir() + "/.services/kafka/kafka.env";
}
} // namespace

std::string address_from_env_file(const std::string& path) {
  return env_file_value(path, "KAFKA_ADDRESS");
}

std::string broker_env(const std::string& key) {
  return env_file_value(env_path(), key);
}

std::string broker_address() {
  std::string path = env_path();
  std::string addr = address_from_env_file(path);
  if (addr.empty())
    throw std::runtime_error("no Kafka broker for the tests: " + path +
                             " is missing. Start one with `tests/services/kafka.sh start` "
                             "(`make test` and `scripts/test-services.sh start` do it).");
  return addr;
}

int kafka_script(const std::string& args, const std::string& state_dir) {
  std::string cmd = "KAFKA_STATE_DIR='" + state_dir + "' '" + source_dir() +
                    "/tests/services/kafka.sh' " + args + " >'" + state_dir + ".log' 2>&1";
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static std::mt19937_64 rng(std::random_device{}());
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rng() % 1000000);
}

core::Registry& registry() {
  static core::Registry reg = make_registry({plugin_dir()});
  return reg;
}

void create_topic(const std::string& address, const std::string& topic, int partitions) {
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, base_conf(address));
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string error;
  if (ev == nullptr) {
    error = "CreateTopics timed out";
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** tr = rd_kafka_CreateTopics_result_topics(res, &n);
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR)
      error = rd_kafka_event_error_string(ev);
    else if (n == 1 && rd_kafka_topic_result_error(tr[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      error = rd_kafka_topic_result_error_string(tr[0]);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  // Wait until the topic's leaders are known to a fresh metadata request.
  for (int i = 0; error.empty() && i < 100; ++i) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    bool ready = false;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ready = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
              md->topics[0].partition_cnt == partitions;
      for (int p = 0; ready && p < md->topics[0].partition_cnt; ++p)
        ready = md->topics[0].partitions[p].leader >= 0;
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    if (ready) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rd_kafka_destroy(rk);
  if (!error.empty()) throw std::runtime_error("create topic " + topic + ": " + error);
}

namespace {
struct DeliveryCount {
  std::atomic<size_t> ok{0};
  std::atomic<size_t> failed{0};
  std::string first_error;
};
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<DeliveryCount*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (d->failed++ == 0) d->first_error = rd_kafka_err2str(m->err);
  } else {
    ++d->ok;
  }
}
} // namespace

void produce(const std::string& address, const std::string& topic,
             const std::vector<Record>& records) {
  DeliveryCount dc;
  rd_kafka_conf_t* conf = base_conf(address);
  set(conf, "enable.idempotence", "true");
  set(conf, "linger.ms", "5");
  rd_kafka_conf_set_opaque(conf, &dc);
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  for (const auto& r : records) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!r.headers.empty()) {
      hdrs = rd_kafka_headers_new(r.headers.size());
      for (const auto& [k, v] : r.headers)
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
    }
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
          RD_KAFKA_V_KEY(r.null_key ? nullptr : r.key.data(), r.null_key ? 0 : r.key.size()),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
        rd_kafka_destroy(rk);
        throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
      }
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 60000);
  rd_kafka_destroy(rk);
  if (dc.failed != 0 || dc.ok != records.size())
    throw std::runtime_error("produce: " + std::to_string(dc.ok.load()) + " of " +
                             std::to_string(records.size()) + " delivered (" + dc.first_error +
                             ")");
}

std::vector<Consumed> consume_all(const std::string& address, const std::string& topic,
                                  size_t expect, std::chrono::milliseconds timeout) {
  rd_kafka_conf_t* conf = base_conf(address);
  set(conf, "group.id", unique_name("reader").c_str());
  set(conf, "enable.auto.commit", "false");
  rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, conf);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  int partitions = 0;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1) partitions = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  auto* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Consumed> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < expect && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Consumed c;
      if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload != nullptr) c.value.assign(static_cast<const char*>(m->payload), m->len);
      c.partition = m->partition;
      c.offset = m->offset;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i)
          c.headers[name] = std::string(static_cast<const char*>(value), value ? size : 0);
      }
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

CommittedReader::CommittedReader(const std::string& address, const std::string& group) {
  rd_kafka_conf_t* conf = base_conf(address);
  set(conf, "group.id", group.c_str());
  set(conf, "enable.auto.commit", "false");
  rk_ = new_client(RD_KAFKA_CONSUMER, conf);
}

CommittedReader::~CommittedReader() {
  rd_kafka_destroy(rk_);
}

std::map<int32_t, int64_t> CommittedReader::get(const std::string& topic, int partitions) {
  auto* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list, 10000);
  std::map<int32_t, int64_t> out;
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i)
    out[list->elems[i].partition] = list->elems[i].offset < 0 ? -1 : list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("committed: ") + rd_kafka_err2str(err));
  return out;
}

std::map<int32_t, int64_t> high_watermarks(const std::string& address, const std::string& topic,
                                           int partitions) {
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, base_conf(address));
  std::map<int32_t, int64_t> out;
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = -1, hi = -1;
    rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000);
    out[p] = hi;
  }
  rd_kafka_destroy(rk);
  return out;
}

int32_t java_murmur2(std::string_view data) {
  // As Kafka's Utils.murmur2: seed 0x9747b28c, m 0x5bd1e995, r 24, little-endian 4-byte words,
  // the tail mixed in from its highest byte down.
  const uint32_t seed = 0x9747b28cu, m = 0x5bd1e995u;
  const int r = 24;
  const auto len = static_cast<uint32_t>(data.size());
  uint32_t h = seed ^ len;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const uint32_t words = len / 4;
  for (uint32_t i = 0; i < words; ++i) {
    uint32_t k = static_cast<uint32_t>(bytes[i * 4]) |
                 (static_cast<uint32_t>(bytes[i * 4 + 1]) << 8) |
                 (static_cast<uint32_t>(bytes[i * 4 + 2]) << 16) |
                 (static_cast<uint32_t>(bytes[i * 4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint32_t tail = words * 4;
  switch (len % 4) {
  case 3:
    h ^= static_cast<uint32_t>(bytes[tail + 2]) << 16;
    [[fallthrough]];
  case 2:
    h ^= static_cast<uint32_t>(bytes[tail + 1]) << 8;
    [[fallthrough]];
  case 1:
    h ^= static_cast<uint32_t>(bytes[tail]);
    h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t java_partition(std::string_view key, int partitions) {
  // Utils.toPositive: clears the sign bit (not abs()).
  return static_cast<int32_t>((static_cast<uint32_t>(java_murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

Plugctl::Plugctl(const std::string& config_path, const std::string& log_path)
    : log_path_(log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::string bin = plugctl_binary();
  std::string run = "run";
  std::string cfg = config_path;
  char* argv[] = {bin.data(), run.data(), cfg.data(), nullptr};
  int rc = posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("spawn plugctl: " + std::string(std::strerror(rc)));
}

Plugctl::~Plugctl() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void Plugctl::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

bool Plugctl::running() {
  if (status_ != -1) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == 0) return true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return false;
}

int Plugctl::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

std::string Plugctl::log() const {
  return read_file(log_path_);
}

std::vector<std::string> complete_lines(const std::string& path) {
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = content.find('\n', start)) != std::string::npos; start = nl + 1)
    out.emplace_back(content, start, nl - start);
  return out;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace plugctl::test::kafka

#endif // PLUGCTL_KAFKA_TESTS
