// The kafka input against the real Apache Kafka broker of tests/services/kafka.sh: a 100,000
// record round trip, out-of-order acknowledgements checked against the broker's committed
// offsets, kill -9 and restart, and two plugctl instances sharing one consumer group.
#include "kafka_test_support.hpp"

#if PLUGCTL_KAFKA_TESTS

#include <algorithm>
#include <csignal>
#include <set>
#include <sstream>
#include <thread>

namespace plugctl::test::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaInput : public ::testing::Test {
protected:
  void SetUp() override {
    try {
      addr_ = broker_address();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  std::string input_yaml(const std::string& topics, const std::string& group,
                         const std::string& extra = "") const {
    return "input:\n  kafka:\n    addresses: [ \"" + addr_ + "\" ]\n    topics: [ " + topics +
           " ]\n    consumer_group: \"" + group + "\"\n" + extra;
  }
  std::string addr_;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    out.push_back(cur);
  return out;
}

// 100,000 keyed records with headers over 4 partitions, kafka -> file: every payload, key and
// header arrives once, each partition in its order, and the group's commits reach the end.
TEST_F(KafkaInput, RoundTripOfHundredThousandKeyedRecordsWithHeaders) {
  const std::string topic = unique_name("roundtrip"), group = unique_name("g");
  const size_t n = 100000;
  create_topic(addr_, topic, 4);
  std::vector<Record> recs(n);
  for (size_t i = 0; i < n; ++i) {
    recs[i].key = "k-" + std::to_string(i % 1000);
    recs[i].value = "v-" + std::to_string(i);
    recs[i].headers = {{"h1", "h-" + std::to_string(i)}, {"h2", "two words"}};
  }
  produce(addr_, topic, recs);

  TempDir dir;
  const std::string out = dir.file("out.txt");
  auto cfg = parse_config(
      input_yaml("\"" + topic + "\"", group, "    commit_period: 100ms\n") +
          // One processing thread: batches reach the output in the order they were read.
          "pipeline:\n  threads: 1\n  processors:\n    - mapping: |\n"
          "        root = meta(\"kafka_partition\") + \"|\" + meta(\"kafka_offset\") + \"|\" + "
          "meta(\"kafka_key\") + \"|\" + meta(\"h1\") + \"|\" + meta(\"h2\") + \"|\" + "
          "meta(\"kafka_topic\") + \"|\" + meta(\"kafka_lag\") + \"|\" + "
          "meta(\"kafka_timestamp_unix\") + \"|\" + content().string()\n"
          "output:\n  file:\n    path: \"" +
          out + "\"\n",
      registry());
  auto last_check = std::chrono::steady_clock::now();
  auto r = run_until(cfg, registry(), [&] {
    auto now = std::chrono::steady_clock::now();
    if (now - last_check < 200ms) return false;
    last_check = now;
    return complete_lines(out).size() >= n;
  });
  EXPECT_EQ(r.exit_code, 0);

  auto lines = complete_lines(out);
  ASSERT_EQ(lines.size(), n) << "a clean run delivers every record exactly once";
  std::map<int, int64_t> last_offset;
  std::map<int, long> last_index;
  std::set<long> seen;
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  for (const auto& line : lines) {
    auto f = split(line, '|');
    ASSERT_EQ(f.size(), 9u) << line;
    int part = std::stoi(f[0]);
    int64_t off = std::stoll(f[1]);
    ASSERT_EQ(f[8].rfind("v-", 0), 0u) << line;
    long i = std::stol(f[8].substr(2));
    ASSERT_TRUE(i >= 0 && static_cast<size_t>(i) < n) << line;
    EXPECT_EQ(f[2], "k-" + std::to_string(i % 1000)) << line;
    EXPECT_EQ(f[3], "h-" + std::to_string(i)) << line;
    EXPECT_EQ(f[4], "two words") << line;
    EXPECT_EQ(f[5], topic) << line;
    EXPECT_GE(std::stoll(f[6]), 0) << line;
    EXPECT_LE(std::abs(std::stoll(f[7]) - now_s), 600) << line;
    ASSERT_TRUE(part >= 0 && part < 4) << line;
    if (last_offset.count(part)) {
      ASSERT_GT(off, last_offset[part]) << "partition " << part << " out of order: " << line;
      ASSERT_GT(i, last_index[part]) << "partition " << part << " out of order: " << line;
    }
    last_offset[part] = off;
    last_index[part] = i;
    seen.insert(i);
  }
  EXPECT_EQ(seen.size(), n);
  EXPECT_EQ(last_offset.size(), 4u) << "records of every partition";
  // The input committed everything on close: the group resumes at the end of each partition.
  CommittedReader committed(addr_, group);
  EXPECT_EQ(committed.get(topic, 4), high_watermarks(addr_, topic, 4));
}

// Messages acknowledged out of order (one is held by a slow processor while the others are
// delivered): the committed offset, read from the broker while it is held, never passes it.
TEST_F(KafkaInput, OutOfOrderAcksNeverCommitPastAnUnacknowledgedMessage) {
  const std::string topic = unique_name("ooo"), group = unique_name("g"), chan = unique_name("ooo");
  create_topic(addr_, topic, 1);
  std::vector<Record> recs(100);
  for (size_t i = 0; i < recs.size(); ++i)
    recs[i].value = "m-" + std::to_string(i);
  produce(addr_, topic, recs);
  reset_channel(chan);

  auto cfg =
      parse_config(input_yaml("\"" + topic + "\"", group,
                              "    commit_period: 50ms\n    batching:\n      count: 1\n") +
                       "pipeline:\n  threads: 4\n  processors:\n    - switch:\n"
                       "        - check: 'content().string() == \"m-10\"'\n"
                       "          processors:\n            - sleep:\n                duration: 3s\n"
                       "output:\n  test_capture:\n    channel: \"" +
                       chan + "\"\n",
                   registry());
  CommittedReader reader(addr_, group);
  int64_t max_while_held = -1;
  size_t delivered_when_seen_at_hold = 0;
  int64_t final_commit = -1;
  auto last_check = std::chrono::steady_clock::now();
  auto r = run_until(cfg, registry(), [&] {
    auto now = std::chrono::steady_clock::now();
    if (now - last_check < 100ms) return false;
    last_check = now;
    bool held;
    size_t delivered;
    {
      auto& ch = channel(chan);
      std::lock_guard lock(ch.mu);
      delivered = ch.received.size();
      held = std::find(ch.received.begin(), ch.received.end(), "m-10") == ch.received.end();
    }
    int64_t c = reader.get(topic, 1)[0];
    if (held) {
      max_while_held = std::max(max_while_held, c);
      if (c == 10) delivered_when_seen_at_hold = std::max(delivered_when_seen_at_hold, delivered);
      return false;
    }
    final_commit = c;
    return c == 100;
  });
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LE(max_while_held, 10) << "an offset past the held message m-10 was committed";
  EXPECT_GE(delivered_when_seen_at_hold, 50u)
      << "the commit should reach the held message (offset 10) while later messages are "
         "delivered: acknowledgements were not out of order, or commits did not happen";
  EXPECT_EQ(final_commit, 100);
  auto& ch = channel(chan);
  std::lock_guard lock(ch.mu);
  EXPECT_EQ(ch.received.size(), 100u);
}

// A small checkpoint_limit pauses each partition again and again (every read brings more than
// the limit); the pauses are lifted as acknowledgements come back, and everything arrives.
TEST_F(KafkaInput, CheckpointLimitPausesAndResumesPartitions) {
  const std::string topic = unique_name("limit"), group = unique_name("g"),
                    chan = unique_name("limit");
  create_topic(addr_, topic, 2);
  const size_t n = 20000;
  std::vector<Record> recs(n);
  for (size_t i = 0; i < n; ++i) {
    recs[i].value = "l-" + std::to_string(i);
    recs[i].partition = static_cast<int32_t>(i % 2);
  }
  produce(addr_, topic, recs);
  reset_channel(chan);
  channel(chan).delay_ms = 1;
  auto cfg = parse_config(input_yaml("\"" + topic + "\"", group,
                                     "    checkpoint_limit: 100\n    commit_period: 50ms\n") +
                              "output:\n  test_capture:\n    channel: \"" + chan + "\"\n",
                          registry());
  auto r = run_until(cfg, registry(), [&] {
    auto& ch = channel(chan);
    std::lock_guard lock(ch.mu);
    return ch.received.size() >= n;
  });
  EXPECT_EQ(r.exit_code, 0);
  auto& ch = channel(chan);
  std::lock_guard lock(ch.mu);
  std::set<std::string> distinct(ch.received.begin(), ch.received.end());
  EXPECT_EQ(distinct.size(), n) << "a paused partition was not resumed";
  CommittedReader committed(addr_, group);
  EXPECT_EQ(committed.get(topic, 2), high_watermarks(addr_, topic, 2));
}

// kill -9 half way through kafka -> file, then a restart: every record is in the file (read
// again from the last commit); the duplicates are counted and reported.
TEST_F(KafkaInput, KillNineHalfWayThenRestartLosesNothing) {
  const std::string topic = unique_name("crash"), group = unique_name("g");
  const size_t n = 40000;
  create_topic(addr_, topic, 4);
  std::vector<Record> recs(n);
  for (size_t i = 0; i < n; ++i) {
    recs[i].key = std::to_string(i);
    recs[i].value = "r-" + std::to_string(i) + "-" + std::string(64, 'x');
  }
  produce(addr_, topic, recs);

  TempDir dir;
  const std::string out = dir.file("out.txt");
  write_file(dir.file("c.yaml"),
             input_yaml("\"" + topic + "\"", group,
                        "    commit_period: 100ms\n    checkpoint_limit: 2000\n"
                        "    group:\n      session_timeout: 6s\n      heartbeat_interval: 1s\n") +
                 "pipeline:\n  processors:\n    - sleep:\n        duration: 1ms\n"
                 "output:\n  file:\n    path: \"" +
                 out + "\"\nlogger:\n  level: INFO\n");
  auto distinct = [&] {
    std::set<std::string> s;
    for (auto& l : complete_lines(out))
      if (l.rfind("r-", 0) == 0) s.insert(l);
    return s.size();
  };
  {
    Plugctl first(dir.file("c.yaml"), dir.file("first.log"));
    ASSERT_TRUE(wait_for([&] { return complete_lines(out).size() >= n / 3; }, 90s))
        << "the first run did not get a third of the way\n"
        << first.log();
    first.signal(SIGKILL);
    EXPECT_EQ(first.wait(10s), 128 + SIGKILL);
  }
  const size_t before = complete_lines(out).size();
  ASSERT_LT(before, n) << "the first run finished before it was killed: nothing tested";
  Plugctl second(dir.file("c.yaml"), dir.file("second.log"));
  bool all = wait_for([&] { return distinct() == n; }, 120s);
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(30s), 0) << second.log();
  ASSERT_TRUE(all) << distinct() << " of " << n << " records after the restart\n" << second.log();
  auto lines = complete_lines(out);
  const size_t dups = lines.size() - distinct();
  std::cout << "[ kafka ] kill -9 after " << before << " of " << n << " records; " << dups
            << " duplicate(s) after the restart (at-least-once)\n";
  RecordProperty("duplicates", static_cast<int>(dups));
  EXPECT_LT(dups, n) << "the restart should resume from the commits, not from the start";
}

// Two instances in one group share 4 partitions; one stops, the other takes its partitions
// and nothing is lost.
TEST_F(KafkaInput, TwoInstancesShareTheGroupAndOneTakesOverWhenTheOtherStops) {
  const std::string topic = unique_name("group"), group = unique_name("g");
  create_topic(addr_, topic, 4);
  TempDir dir;
  auto config = [&](const std::string& out) {
    return input_yaml("\"" + topic + "\"", group,
                      "    commit_period: 100ms\n"
                      "    group:\n      session_timeout: 6s\n      heartbeat_interval: 1s\n") +
           "output:\n  file:\n    path: \"" + out + "\"\nlogger:\n  level: INFO\n";
  };
  write_file(dir.file("a.yaml"), config(dir.file("a.txt")));
  write_file(dir.file("b.yaml"), config(dir.file("b.txt")));
  // "assigned <topic>[0,1]": how many partitions the latest assignment of an instance holds.
  auto assigned = [&](const std::string& log) {
    auto pos = log.rfind("kafka input: assigned ");
    if (pos == std::string::npos) return -1;
    auto line = log.substr(pos, log.find('\n', pos) - pos);
    if (line.find(topic) == std::string::npos) return 0;
    return static_cast<int>(std::count(line.begin(), line.end(), ',')) + 1;
  };
  auto revoked_after_assigned = [&](const std::string& log) {
    return log.rfind("kafka input: revoked ") > log.rfind("kafka input: assigned ") &&
           log.rfind("kafka input: revoked ") != std::string::npos;
  };
  Plugctl a(dir.file("a.yaml"), dir.file("a.log"));
  Plugctl b(dir.file("b.yaml"), dir.file("b.log"));
  ASSERT_TRUE(wait_for(
      [&] {
        auto la = a.log(), lb = b.log();
        return assigned(la) == 2 && assigned(lb) == 2 && !revoked_after_assigned(la) &&
               !revoked_after_assigned(lb);
      },
      60s))
      << "the group did not settle on 2 partitions each\nA:\n"
      << a.log() << "\nB:\n"
      << b.log();

  auto produce_phase = [&](int phase, int count) {
    std::vector<Record> recs(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      recs[static_cast<size_t>(i)].partition = i % 4;
      recs[static_cast<size_t>(i)].value =
          "p" + std::to_string(i % 4) + "-" + std::to_string(phase) + "-" + std::to_string(i);
    }
    produce(addr_, topic, recs);
  };
  auto union_distinct = [&] {
    std::set<std::string> s;
    for (auto f : {"a.txt", "b.txt"})
      for (auto& l : complete_lines(dir.file(f)))
        s.insert(l);
    return s;
  };
  auto partitions_in = [&](const std::string& file, int phase) {
    std::set<char> ps;
    for (auto& l : complete_lines(dir.file(file)))
      if (l.size() > 3 && l[3] == '0' + phase) ps.insert(l[1]);
    return ps;
  };
  produce_phase(1, 4000);
  ASSERT_TRUE(wait_for([&] { return union_distinct().size() == 4000; }, 60s));
  auto pa = partitions_in("a.txt", 1), pb = partitions_in("b.txt", 1);
  EXPECT_EQ(pa.size(), 2u) << "A should read its 2 partitions";
  EXPECT_EQ(pb.size(), 2u) << "B should read its 2 partitions";
  for (char p : pa)
    EXPECT_FALSE(pb.count(p)) << "partition " << p << " read by both instances";

  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(30s), 0) << b.log();
  produce_phase(2, 4000);
  bool all = wait_for([&] { return union_distinct().size() == 8000; }, 60s);
  ASSERT_TRUE(all) << union_distinct().size() << " of 8000 records\nA:\n" << a.log();
  EXPECT_EQ(partitions_in("a.txt", 2).size(), 4u) << "A took over B's partitions";
  a.signal(SIGTERM);
  EXPECT_EQ(a.wait(30s), 0) << a.log();
}

} // namespace
} // namespace plugctl::test::kafka

#endif // PLUGCTL_KAFKA_TESTS
