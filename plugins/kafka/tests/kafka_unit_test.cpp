// Fast tests of the kafka plugin that need no broker: the checkpointer's commit rule, and the
// murmur2 partitioning the output asks librdkafka for, against the Java client's known values.
#include "../kafka_checkpoint.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <numeric>
#include <random>
#include <vector>

#if PLUGCTL_KAFKA_TESTS
#include "kafka_test_support.hpp"
#endif

namespace plugctl::kafka {
namespace {

TEST(KafkaCheckpointer, InOrderAcksMoveTheCommitToTheNextOffset) {
  Checkpointer cp;
  EXPECT_EQ(cp.committable(), -1);
  auto a = cp.track(9, 10); // offsets 0..9
  auto b = cp.track(19, 10);
  EXPECT_EQ(cp.pending(), 20u);
  EXPECT_EQ(cp.ack(a), 10);
  EXPECT_EQ(cp.ack(b), 20);
  EXPECT_EQ(cp.committable(), 20);
  EXPECT_EQ(cp.pending(), 0u);
  EXPECT_EQ(cp.spans(), 0u);
}

TEST(KafkaCheckpointer, OutOfOrderAcksNeverPassAnUnacknowledgedSpan) {
  Checkpointer cp(100); // reading started at the committed offset 100
  auto a = cp.track(109, 10);
  auto b = cp.track(119, 10);
  auto c = cp.track(129, 10);
  EXPECT_EQ(cp.ack(c), std::nullopt);
  EXPECT_EQ(cp.committable(), 100) << "the first span is still in flight";
  EXPECT_EQ(cp.ack(a), 110);
  EXPECT_EQ(cp.committable(), 110) << "span b (110..119) is still in flight";
  EXPECT_EQ(cp.pending(), 10u);
  EXPECT_EQ(cp.ack(b), 130) << "b completes the prefix, c was already acknowledged";
}

TEST(KafkaCheckpointer, OffsetGapsCommitTheOffsetAfterTheLastMessage) {
  Checkpointer cp;
  auto a = cp.track(5, 3);   // compacted: 0, 3, 5
  auto b = cp.track(100, 1); // then 100
  EXPECT_EQ(cp.ack(b), std::nullopt);
  EXPECT_EQ(cp.ack(a), 101);
}

TEST(KafkaCheckpointer, RepeatedAndUnknownHandlesAreIgnored) {
  Checkpointer cp;
  auto a = cp.track(0, 1);
  auto b = cp.track(1, 1);
  EXPECT_EQ(cp.ack(a), 1);
  EXPECT_EQ(cp.ack(a), std::nullopt);
  EXPECT_EQ(cp.ack(b + 10), std::nullopt);
  EXPECT_EQ(cp.pending(), 1u);
  EXPECT_EQ(cp.ack(b), 2);
}

// Random acknowledgement orders: after every ack the committable offset is exactly the offset
// of the first unacknowledged message (or the end when none), never beyond it.
TEST(KafkaCheckpointer, RandomOrdersCommitExactlyUpToTheFirstUnacknowledgedMessage) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    Checkpointer cp(0);
    std::vector<int64_t> first_offsets, next_offsets;
    std::vector<uint64_t> handles;
    int64_t offset = 0;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      int64_t count = 1 + rng() % 5;
      int64_t gap = rng() % 3;
      first_offsets.push_back(offset + gap);
      offset += gap + count;
      next_offsets.push_back(offset);
      handles.push_back(cp.track(offset - 1, static_cast<size_t>(count)));
    }
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<bool> acked(static_cast<size_t>(n), false);
    for (int i : order) {
      cp.ack(handles[static_cast<size_t>(i)]);
      acked[static_cast<size_t>(i)] = true;
      size_t first_unacked = 0;
      while (first_unacked < acked.size() && acked[first_unacked])
        ++first_unacked;
      if (first_unacked == acked.size()) {
        ASSERT_EQ(cp.committable(), next_offsets.back());
      } else {
        ASSERT_LE(cp.committable(), first_offsets[first_unacked]);
        int64_t expect = first_unacked == 0 ? 0 : next_offsets[first_unacked - 1];
        ASSERT_EQ(cp.committable(), expect);
      }
    }
    EXPECT_EQ(cp.pending(), 0u);
  }
}

#if PLUGCTL_KAFKA_TESTS
using plugctl::test::kafka::java_murmur2;
using plugctl::test::kafka::java_partition;

// Kafka's own test vectors for Utils.murmur2 (clients/src/test/.../UtilsTest.java).
TEST(KafkaMurmur2, MatchesTheJavaClientsKnownValues) {
  EXPECT_EQ(java_murmur2("21"), -973932308);
  EXPECT_EQ(java_murmur2("foobar"), -790332482);
  EXPECT_EQ(java_murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(java_murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(java_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(java_murmur2("abc"), 479470107);
}

// The output's murmur2_hash partitioner is librdkafka's murmur2_random: for keyed records it
// must pick what the Java client picks.
TEST(KafkaMurmur2, LibrdkafkaPartitionerPicksTheJavaPartition) {
  for (int partitions : {1, 3, 4, 7, 16, 100}) {
    for (int i = 0; i < 2000; ++i) {
      std::string key = "key-" + std::to_string(i * 7919);
      int32_t p = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions,
                                                   nullptr, nullptr);
      ASSERT_EQ(p, java_partition(key, partitions)) << key << " over " << partitions;
    }
  }
  // A negative hash: the sign bit is cleared (toPositive), not negated.
  EXPECT_EQ(java_partition("21", 10), (-973932308 & 0x7fffffff) % 10);
}
#endif

} // namespace
} // namespace plugctl::kafka
