// The kafka input and output join the plugin conformance kit (tests/conformance/kit.hpp),
// against the real broker of tests/services/kafka.sh: each case gets a topic of its own.
#include "kafka_test_support.hpp"

#if PLUGCTL_KAFKA_TESTS

#include "conformance/kit.hpp"

namespace plugctl::conformance {
namespace {

namespace k = plugctl::test::kafka;

// The topic each setup made, by the case's temp dir (setup and read_back see the same dir).
std::string& topic_of(const TempDir& dir) {
  static std::mutex mu;
  static std::map<std::string, std::string> topics;
  std::lock_guard lock(mu);
  return topics[dir.path().string()];
}

InputFixture kafka_input_fixture() {
  InputFixture f;
  f.component = "kafka";
  f.plugin_dir = test::plugin_dir();
  f.finite = false;
  f.setup = [](TempDir& dir, const std::vector<std::string>& payloads) {
    const std::string addr = k::broker_address();
    const std::string topic = k::unique_name("conformance-in");
    k::create_topic(addr, topic, 1);
    std::vector<k::Record> recs(payloads.size());
    for (size_t i = 0; i < payloads.size(); ++i) {
      recs[i].value = payloads[i];
      recs[i].key = "key-" + std::to_string(i);
      recs[i].headers = {{"index", std::to_string(i)}};
    }
    k::produce(addr, topic, recs);
    topic_of(dir) = topic;
    return "kafka:\n  addresses: [ \"" + addr + "\" ]\n  topics: [ \"" + topic +
           "\" ]\n  consumer_group: \"" + k::unique_name("conformance") +
           "\"\n  commit_period: 100ms\n";
  };
  f.metadata = [](const TempDir& dir, size_t index) {
    return Metadata{{"kafka_topic", topic_of(dir)},
                    {"kafka_partition", "0"},
                    {"kafka_offset", std::to_string(index)},
                    {"kafka_key", "key-" + std::to_string(index)},
                    {"index", std::to_string(index)}};
  };
  return f;
}

OutputFixture kafka_output_fixture() {
  OutputFixture f;
  f.component = "kafka";
  f.plugin_dir = test::plugin_dir();
  f.setup = [](TempDir& dir) {
    const std::string addr = k::broker_address();
    const std::string topic = k::unique_name("conformance-out");
    k::create_topic(addr, topic, 1);
    topic_of(dir) = topic;
    return "kafka:\n  addresses: [ \"" + addr + "\" ]\n  topic: \"" + topic +
           "\"\n  metadata:\n    include_patterns: [ \".*\" ]\n";
  };
  auto consumed = [](TempDir& dir) {
    const std::string addr = k::broker_address();
    size_t total = 0;
    for (auto& [p, hw] : k::high_watermarks(addr, topic_of(dir), 1))
      total += hw < 0 ? 0 : static_cast<size_t>(hw);
    return k::consume_all(addr, topic_of(dir), total, std::chrono::seconds(30));
  };
  f.read_back = [consumed](TempDir& dir) {
    std::vector<std::string> out;
    for (auto& c : consumed(dir))
      out.push_back(c.value);
    return out;
  };
  f.read_back_metadata = [consumed](TempDir& dir) {
    std::vector<Metadata> out;
    for (auto& c : consumed(dir))
      out.emplace_back(c.headers.begin(), c.headers.end());
    return out;
  };
  // A topic the cluster does not have, named per message (so it is not checked at connect):
  // every delivery fails, naming it.
  f.broken_setup = [](TempDir&) {
    const std::string missing = k::unique_name("conformance-missing");
    return BrokenSetup{"kafka:\n  addresses: [ \"" + k::broker_address() +
                           "\" ]\n  topic: '${! \"" + missing +
                           "\" }'\n  timeout: 2s\n  rdkafka_properties:\n"
                           "    topic.metadata.propagation.max.ms: \"200\"\n",
                       missing};
  };
  return f;
}

} // namespace

PLUGCTL_CONFORMANCE_INPUT(KafkaInput, kafka_input_fixture());
PLUGCTL_CONFORMANCE_OUTPUT(KafkaOutput, kafka_output_fixture());

} // namespace plugctl::conformance

#endif // PLUGCTL_KAFKA_TESTS
