// The kafka output against the real broker (Java-compatible partitioning, headers, per-message
// results, a broker restart during writes), and what a user sees with a bad config.
#include "kafka_test_support.hpp"

#if PLUGCTL_KAFKA_TESTS

#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

namespace plugctl::test::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaOutput : public ::testing::Test {
protected:
  void SetUp() override {
    try {
      addr_ = broker_address();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  std::string addr_;
};

std::string run_briefly_yaml(const std::string& yaml);

std::string feed(const std::string& chan, size_t batch_size) {
  return "input:\n  test_feed:\n    channel: \"" + chan +
         "\"\n    batch_size: " + std::to_string(batch_size) + "\n";
}

// Keys land where the Java client puts them; metadata chosen by the include rules become
// headers; records keep the order of their partition.
TEST_F(KafkaOutput, KeyedRecordsLandInTheJavaPartitionWithTheirHeaders) {
  const std::string topic = unique_name("out"), chan = unique_name("out");
  create_topic(addr_, topic, 4);
  reset_channel(chan);
  const size_t n = 2000;
  {
    auto& ch = channel(chan);
    for (size_t i = 0; i < n; ++i) {
      ch.payloads.push_back("payload-" + std::to_string(i));
      ch.metadata.push_back({{"id", std::to_string(i)},
                             {"trace_id", "t" + std::to_string(i)},
                             {"app_name", "demo"},
                             {"secret", "not a header"}});
    }
  }
  auto cfg = parse_config(feed(chan, 50) + "output:\n  kafka:\n    addresses: [ \"" + addr_ +
                              "\" ]\n    topic: \"" + topic +
                              "\"\n    key: 'key-${! meta(\"id\") }'\n"
                              "    metadata:\n      include_prefixes: [ trace_ ]\n"
                              "      include_patterns: [ '^app_.*$' ]\n"
                              "    timestamp: '1700000000.5'\n",
                          registry());
  auto r = run_until(cfg, registry());
  EXPECT_EQ(r.exit_code, 0);
  auto got = consume_all(addr_, topic, n);
  ASSERT_EQ(got.size(), n);
  std::map<int32_t, long> last;
  for (const auto& c : got) {
    ASSERT_EQ(c.value.rfind("payload-", 0), 0u);
    long i = std::stol(c.value.substr(8));
    EXPECT_EQ(c.key, "key-" + std::to_string(i));
    EXPECT_EQ(c.partition, java_partition(c.key, 4)) << c.key;
    EXPECT_EQ(c.headers.size(), 2u) << c.value;
    EXPECT_EQ(c.headers.count("trace_id") ? c.headers.at("trace_id") : "", "t" + std::to_string(i));
    EXPECT_EQ(c.headers.count("app_name") ? c.headers.at("app_name") : "", "demo");
    if (last.count(c.partition)) {
      EXPECT_GT(i, last[c.partition]) << "partition order";
    }
    last[c.partition] = i;
  }
}

// One message of a batch is refused (larger than max_msg_bytes): only it fails and is retried;
// the others are written once.
TEST_F(KafkaOutput, OnlyTheFailedMessageOfABatchIsRetried) {
  const std::string topic = unique_name("partial"), chan = unique_name("partial");
  create_topic(addr_, topic, 2);
  reset_channel(chan);
  {
    auto& ch = channel(chan);
    ch.payloads = {"first", std::string(5000, 'x'), "third"};
  }
  auto cfg = parse_config(feed(chan, 3) + "output:\n  kafka:\n    addresses: [ \"" + addr_ +
                              "\" ]\n    topic: \"" + topic +
                              "\"\n    partitioner: round_robin\n    max_msg_bytes: 2000\n",
                          registry());
  auto r = run_until(cfg, registry(), [&] {
    auto& ch = channel(chan);
    std::lock_guard lock(ch.mu);
    return !ch.acks.empty();
  });
  // test_feed reads a nacked batch again as a new transaction: each transaction writes the two
  // good messages once and tries the big one 1 + write_retries times.
  size_t txns = 0;
  {
    auto& ch = channel(chan);
    std::lock_guard lock(ch.mu);
    txns = ch.acks.size();
    ASSERT_GE(txns, 1u);
    for (const auto& a : ch.acks) {
      EXPECT_EQ(a.rfind("nack", 0), 0u) << a;
      EXPECT_NE(a.find("larger than max_msg_bytes"), std::string::npos) << a;
    }
  }
  EXPECT_EQ(r.stats.write_failures, txns * 3) << "the big message: one write and two retries";
  auto got = consume_all(addr_, topic, 2 * txns, 5s);
  std::multiset<std::string> values;
  for (auto& c : got)
    values.insert(c.value);
  EXPECT_EQ(values.count("first"), txns) << "a retry wrote a delivered message again";
  EXPECT_EQ(values.count("third"), txns) << "a retry wrote a delivered message again";
  EXPECT_EQ(values.size(), 2 * txns);
}

// The broker stops in the middle of the writes and comes back (same storage, same port):
// every message arrives.
TEST_F(KafkaOutput, EveryMessageArrivesAcrossABrokerRestart) {
  TempDir dir;
  const std::string state = dir.file("broker");
  ASSERT_EQ(kafka_script("start", state), 0) << read_file(state + ".log");
  struct StopBroker {
    std::string state;
    ~StopBroker() { kafka_script("stop", state); }
  } stop_broker{state};
  const std::string addr = address_from_env_file(state + "/kafka.env");
  ASSERT_FALSE(addr.empty());
  const std::string topic = unique_name("restart");
  // A fresh broker on a loaded 2-core machine can take a while to take admin requests: retry,
  // and on failure show its log.
  for (int attempt = 1;; ++attempt) {
    try {
      create_topic(addr, topic, 2);
      break;
    } catch (const std::exception& e) {
      // A timed-out attempt may still have created it.
      if (std::string(e.what()).find("already exists") != std::string::npos) break;
      if (attempt == 3) {
        std::string log = read_file(state + "/logs/broker.log");
        FAIL() << e.what() << "\nbroker log (tail):\n"
               << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
      }
      std::this_thread::sleep_for(2s);
    }
  }
  const int n = 20000;
  write_file(dir.file("c.yaml"),
             "input:\n  generate:\n    count: " + std::to_string(n) +
                 "\n    interval: 10ms\n    batch_size: 20\n"
                 "    mapping: 'root = \"m-%d\".format(counter() - 1)'\n"
                 "output:\n  kafka:\n    addresses: [ \"" +
                 addr + "\" ]\n    topic: \"" + topic +
                 "\"\n    key: ${! content() }\n    timeout: 120s\nlogger:\n  level: WARN\n");
  Plugctl p(dir.file("c.yaml"), dir.file("plugctl.log"));
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(p.running()) << p.log();
  ASSERT_EQ(kafka_script("halt", state), 0) << read_file(state + ".log");
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(kafka_script("resume", state), 0) << read_file(state + ".log");
  EXPECT_EQ(p.wait(150s), 0) << p.log();
  auto got = consume_all(addr, topic, n, 60s);
  std::set<std::string> values;
  for (auto& c : got)
    values.insert(c.value);
  EXPECT_EQ(values.size(), static_cast<size_t>(n)) << "lost messages across the restart";
  EXPECT_TRUE(values.count("m-0") && values.count("m-" + std::to_string(n - 1)));
  std::cout << "[ kafka ] " << got.size() << " records for " << n << " messages across the "
            << "broker restart\n";
}

// Both components through the broker's SASL_PLAINTEXT listener with PLAIN; a wrong password is
// reported as an authentication failure.
TEST_F(KafkaOutput, SaslPlainRoundTripAndAWrongPasswordIsReported) {
  const std::string sasl_addr = broker_env("KAFKA_SASL_ADDRESS");
  ASSERT_FALSE(sasl_addr.empty()) << "the test broker has no SASL listener";
  const std::string user = broker_env("KAFKA_SASL_USER"), pass = broker_env("KAFKA_SASL_PASSWORD");
  const std::string topic = unique_name("sasl"), in_chan = unique_name("sasl"),
                    out_chan = unique_name("sasl");
  create_topic(addr_, topic, 1);
  reset_channel(in_chan);
  reset_channel(out_chan);
  channel(in_chan).payloads = {"one", "two", "three"};
  auto sasl = [&](const std::string& password) {
    return "    sasl:\n      mechanism: PLAIN\n      user: \"" + user + "\"\n      password: \"" +
           password + "\"\n";
  };
  auto wcfg = parse_config(feed(in_chan, 3) + "output:\n  kafka:\n    addresses: [ \"" + sasl_addr +
                               "\" ]\n    topic: \"" + topic + "\"\n" + sasl(pass),
                           registry());
  EXPECT_EQ(run_until(wcfg, registry()).exit_code, 0);
  auto rcfg = parse_config("input:\n  kafka:\n    addresses: [ \"" + sasl_addr +
                               "\" ]\n    topics: [ \"" + topic + ":0\" ]\n" + sasl(pass) +
                               "output:\n  test_capture:\n    channel: \"" + out_chan + "\"\n",
                           registry());
  run_until(rcfg, registry(), [&] {
    auto& ch = channel(out_chan);
    std::lock_guard lock(ch.mu);
    return ch.received.size() >= 3;
  });
  {
    auto& ch = channel(out_chan);
    std::lock_guard lock(ch.mu);
    EXPECT_EQ(ch.received, (std::vector<std::string>{"one", "two", "three"}));
  }
  auto bad = run_briefly_yaml("input:\n  kafka:\n    addresses: [ \"" + sasl_addr +
                              "\" ]\n    topics: [ \"" + topic + ":0\" ]\n" + sasl("wrong") +
                              "output:\n  drop: {}\n");
  EXPECT_NE(bad.find("Authentication failed"), std::string::npos) << bad;
}

// Both components through the broker's SSL listener, trusting the test CA with root_cas_file;
// without it the broker's certificate is refused and the log says why, and skip_cert_verify
// connects anyway.
TEST_F(KafkaOutput, TlsRoundTripAndAnUntrustedCertificateIsReported) {
  const std::string tls_addr = broker_env("KAFKA_TLS_ADDRESS");
  const std::string ca = broker_env("KAFKA_TLS_CA");
  ASSERT_FALSE(tls_addr.empty()) << "the test broker has no SSL listener";
  const std::string topic = unique_name("tls"), in_chan = unique_name("tls"),
                    out_chan = unique_name("tls"), skip_chan = unique_name("tls");
  create_topic(addr_, topic, 1);
  reset_channel(in_chan);
  reset_channel(out_chan);
  reset_channel(skip_chan);
  channel(in_chan).payloads = {"alpha", "beta", "gamma"};
  const std::string tls = "    tls:\n      enabled: true\n      root_cas_file: \"" + ca + "\"\n";
  auto wcfg = parse_config(feed(in_chan, 3) + "output:\n  kafka:\n    addresses: [ \"" + tls_addr +
                               "\" ]\n    topic: \"" + topic + "\"\n" + tls,
                           registry());
  EXPECT_EQ(run_until(wcfg, registry()).exit_code, 0);
  auto read_into = [&](const std::string& chan, const std::string& tls_yaml) {
    auto rcfg = parse_config("input:\n  kafka:\n    addresses: [ \"" + tls_addr +
                                 "\" ]\n    topics: [ \"" + topic + ":0\" ]\n" + tls_yaml +
                                 "output:\n  test_capture:\n    channel: \"" + chan + "\"\n",
                             registry());
    run_until(rcfg, registry(), [&] {
      auto& ch = channel(chan);
      std::lock_guard lock(ch.mu);
      return ch.received.size() >= 3;
    });
    auto& ch = channel(chan);
    std::lock_guard lock(ch.mu);
    EXPECT_EQ(ch.received, (std::vector<std::string>{"alpha", "beta", "gamma"})) << tls_yaml;
  };
  read_into(out_chan, tls);
  read_into(skip_chan, "    tls:\n      enabled: true\n      skip_cert_verify: true\n");
  auto bad = run_briefly_yaml("input:\n  kafka:\n    addresses: [ \"" + tls_addr +
                              "\" ]\n    topics: [ \"" + topic + ":0\" ]\n" +
                              "    tls:\n      enabled: true\n" + "output:\n  drop: {}\n");
  EXPECT_NE(bad.find("certificate verify failed"), std::string::npos) << bad;
}

// --- bad configs: a clear error, and no hang at shutdown ----------------------------------------

// Runs `yaml` with plugctl, sends SIGTERM after `run_for`, and returns its exit code and log;
// a plugctl that does not exit within 20 s of the signal fails the test.
struct Outcome {
  int code;
  std::string log;
  std::chrono::milliseconds exit_after_signal;
};
Outcome run_briefly(const std::string& yaml, std::chrono::milliseconds run_for) {
  TempDir dir;
  write_file(dir.file("c.yaml"), yaml);
  Plugctl p(dir.file("c.yaml"), dir.file("log"));
  std::this_thread::sleep_for(run_for);
  auto t0 = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  int code = p.wait(20s);
  auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  return {code, p.log(), took};
}

std::string run_briefly_yaml(const std::string& yaml) {
  auto o = run_briefly(yaml, std::chrono::seconds(5));
  EXPECT_NE(o.code, -1) << "plugctl did not exit after SIGTERM\n" << o.log;
  return o.log;
}

TEST_F(KafkaOutput, WrongAddressReportsTheBrokerAndStopsPromptly) {
  // A port nothing listens on (the broker's own, plus one, is taken by its controller: use a
  // port from the privileged range no test service binds).
  const std::string bad = "127.0.0.1:9";
  auto in = run_briefly("input:\n  kafka:\n    addresses: [ \"" + bad +
                            "\" ]\n    topics: [ t ]\n    consumer_group: g\n"
                            "output:\n  drop: {}\n",
                        2s);
  EXPECT_NE(in.code, -1) << "plugctl did not exit after SIGTERM\n" << in.log;
  EXPECT_NE(in.log.find("cannot reach the Kafka brokers at " + bad), std::string::npos) << in.log;
  EXPECT_NE(in.log.find("Connection refused"), std::string::npos) << in.log;

  auto out = run_briefly("input:\n  generate:\n    count: 10\n    interval: 1ms\n"
                         "    payload: hello\noutput:\n  kafka:\n    addresses: [ \"" +
                             bad + "\" ]\n    topic: t\nshutdown_timeout: 3s\n",
                         6s); // the first connect gives up after 5 s: its error is logged
  EXPECT_NE(out.code, -1) << "plugctl did not exit after SIGTERM\n" << out.log;
  EXPECT_NE(out.log.find("cannot reach the Kafka brokers at " + bad), std::string::npos) << out.log;
}

TEST_F(KafkaOutput, UnknownTopicIsNamedAndDoesNotHang) {
  const std::string missing = unique_name("missing");
  auto in = run_briefly("input:\n  kafka:\n    addresses: [ \"" + addr_ + "\" ]\n    topics: [ \"" +
                            missing + "\" ]\n    consumer_group: g\noutput:\n  drop: {}\n",
                        4s);
  EXPECT_NE(in.code, -1) << "plugctl did not exit after SIGTERM\n" << in.log;
  EXPECT_NE(in.log.find("unknown topic '" + missing + "'"), std::string::npos) << in.log;

  auto out = run_briefly("input:\n  generate:\n    count: 10\n    interval: 1ms\n"
                         "    payload: hello\noutput:\n  kafka:\n    addresses: [ \"" +
                             addr_ + "\" ]\n    topic: \"" + missing + "\"\nshutdown_timeout: 3s\n",
                         4s);
  EXPECT_NE(out.code, -1) << "plugctl did not exit after SIGTERM\n" << out.log;
  EXPECT_NE(out.log.find("unknown topic '" + missing + "'"), std::string::npos) << out.log;
}

TEST_F(KafkaOutput, BadSaslMechanismIsAConfigErrorNamingTheField) {
  TempDir dir;
  write_file(dir.file("c.yaml"), "input:\n  kafka:\n    addresses: [ \"" + addr_ +
                                     "\" ]\n    topics: [ t ]\n    consumer_group: g\n"
                                     "    sasl:\n      mechanism: SCRAM-SHA-1024\n"
                                     "      user: u\n      password: p\noutput:\n  drop: {}\n");
  auto e = run_plugctl("run " + dir.file("c.yaml"), "", "timeout -k 5 30");
  EXPECT_EQ(e.exit_code, 1) << e.err;
  EXPECT_NE(e.err.find("sasl.mechanism"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("SCRAM-SHA-1024"), std::string::npos) << e.err;

  // Past lint (--chilled runs a config with lint errors): the component refuses it by name.
  auto c = run_plugctl("run --chilled " + dir.file("c.yaml"), "", "timeout -k 5 30");
  EXPECT_EQ(c.exit_code, 1) << c.err;
  EXPECT_NE(c.err.find("field /sasl/mechanism: unknown SASL mechanism 'SCRAM-SHA-1024'"),
            std::string::npos)
      << c.err;
}

TEST_F(KafkaOutput, ExamplesLintClean) {
  for (const auto& e :
       std::filesystem::directory_iterator(source_dir() + "/plugins/kafka/examples")) {
    if (e.path().extension() != ".yaml") continue;
    auto r = run_plugctl("lint " + e.path().string());
    EXPECT_EQ(r.exit_code, 0) << e.path() << ":\n" << r.out << r.err;
  }
}

} // namespace
} // namespace plugctl::test::kafka

#endif // PLUGCTL_KAFKA_TESTS
