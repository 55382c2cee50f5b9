// Delivery tests of the pipeline engine with in-process test components: every message is
// delivered or redelivered, never lost; acks come only after delivery; bounds hold.
#include "support/support.hpp"

#include <gtest/gtest.h>
#include <map>
#include <set>

namespace plugctl::test {
namespace {

core::Registry& registry() {
  static core::Registry reg = make_registry();
  return reg;
}

std::vector<std::string> numbers(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(std::to_string(i));
  return out;
}

std::string feed_to_capture(const std::string& name, int batch,
                            const std::string& extra_output = "",
                            const std::string& pipeline = "") {
  return "input:\n  test_feed:\n    channel: " + name +
         "\n    batch_size: " + std::to_string(batch) + "\n" + pipeline +
         "output:\n  test_capture:\n    channel: " + name + "\n" + extra_output;
}

// Parses "ok 3-5" / "nack 3-5 reason" ranges.
std::pair<size_t, size_t> range_of(const std::string& ack) {
  auto sp = ack.find(' ');
  auto dash = ack.find('-', sp);
  auto end = ack.find(' ', dash);
  return {std::stoul(ack.substr(sp + 1, dash - sp - 1)),
          std::stoul(ack.substr(dash + 1, end == std::string::npos ? end : end - dash - 1))};
}

// Every "ack ok a-b" event comes after "recv" of each payload a..b.
void expect_acks_after_delivery(Channel& ch) {
  std::set<std::string> seen;
  for (const auto& e : ch.events) {
    if (e.rfind("recv ", 0) == 0) {
      seen.insert(e.substr(5));
    } else if (e.rfind("ack ok ", 0) == 0) {
      auto [a, b] = range_of(e.substr(4));
      for (size_t i = a; i <= b; ++i)
        EXPECT_TRUE(seen.count(std::to_string(i))) << "ack of " << e << " before payload " << i;
    }
  }
}

TEST(Engine, DeliversEveryMessageInOrderAndAcksEachBatch) {
  reset_channel("plain");
  auto& ch = channel("plain");
  ch.payloads = numbers(1000);
  auto r = run_config(feed_to_capture("plain", 7), registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ch.received, ch.payloads);
  EXPECT_EQ(ch.acks.size(), (1000u + 6) / 7);
  for (const auto& a : ch.acks)
    EXPECT_EQ(a.rfind("ok ", 0), 0u) << a;
  EXPECT_EQ(r.stats.messages_read, 1000u);
  EXPECT_EQ(r.stats.messages_written, 1000u);
  expect_acks_after_delivery(ch);
}

TEST(Engine, FailedWritesAreRetriedThenNackedAndRedeliveredNeverLost) {
  reset_channel("flaky");
  auto& ch = channel("flaky");
  ch.payloads = numbers(200);
  ch.fail_writes = 7; // more than write_retries + 1: the first batch is nacked at least twice
  auto r = run_config(feed_to_capture("flaky", 10), registry());
  EXPECT_EQ(r.exit_code, 0);
  std::multiset<std::string> got(ch.received.begin(), ch.received.end());
  for (const auto& p : ch.payloads)
    EXPECT_GE(got.count(p), 1u) << "lost " << p;
  EXPECT_EQ(got.size(), ch.payloads.size())
      << "a failed write must not deliver anything twice here";
  size_t nacks = 0, oks = 0;
  for (const auto& a : ch.acks)
    (a.rfind("nack", 0) == 0 ? nacks : oks)++;
  EXPECT_EQ(nacks, 2u); // 7 failures / (1 try + 2 retries) per nack
  EXPECT_EQ(oks, 20u);
  EXPECT_EQ(r.stats.nacks, 2u);
  expect_acks_after_delivery(ch);
}

TEST(Engine, OnlyTheFailedMessagesOfABatchAreRetried) {
  reset_channel("permsg");
  auto& ch = channel("permsg");
  ch.payloads = numbers(10);
  ch.fail_payload_times = 1;
  auto r = run_config(feed_to_capture("permsg", 10, "    fail_payload: \"5\"\n"), registry());
  EXPECT_EQ(r.exit_code, 0);
  std::multiset<std::string> got(ch.received.begin(), ch.received.end());
  for (const auto& p : ch.payloads)
    EXPECT_EQ(got.count(p), 1u) << p;
  ASSERT_EQ(ch.batch_sizes.size(), 2u);
  EXPECT_EQ(ch.batch_sizes[0], 9u);
  EXPECT_EQ(ch.batch_sizes[1], 1u);
  EXPECT_EQ(ch.acks, std::vector<std::string>{"ok 0-9"});
}

TEST(Engine, PersistentFailureAppliesBackPressureWithinTheBound) {
  reset_channel("pressure");
  auto& ch = channel("pressure");
  ch.payloads = numbers(500);
  ch.fail_writes = 40;
  auto r = run_config(feed_to_capture("pressure", 5, "    max_in_flight: 4\n"), registry());
  EXPECT_EQ(r.exit_code, 0);
  std::set<std::string> got(ch.received.begin(), ch.received.end());
  EXPECT_EQ(got.size(), 500u);
  EXPECT_LE(ch.max_outstanding, r.inflight_bound);
  EXPECT_LE(r.stats.max_outstanding, r.inflight_bound);
  EXPECT_GT(r.stats.nacks, 0u);
}

TEST(Engine, ConcurrentWritesStayWithinMaxInFlight) {
  reset_channel("conc");
  auto& ch = channel("conc");
  ch.payloads = numbers(300);
  ch.delay_ms = 2;
  auto r =
      run_config(feed_to_capture("conc", 3, "    max_in_flight: 3\n",
                                 "pipeline:\n  threads: 4\n  processors:\n    - test_filter: {}\n"),
                 registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(std::set<std::string>(ch.received.begin(), ch.received.end()).size(), 300u);
  EXPECT_LE(ch.max_concurrent, 3u);
  EXPECT_GE(ch.max_concurrent, 2u) << "writes never overlapped: the test proves nothing";
}

TEST(Engine, BatchingByCountSplitsAndMergesInputBatches) {
  reset_channel("count");
  auto& ch = channel("count");
  ch.payloads = numbers(95);
  auto r = run_config(feed_to_capture("count", 3, "    batching:\n      count: 10\n"), registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ch.received, ch.payloads);
  ASSERT_EQ(ch.batch_sizes.size(), 10u);
  for (size_t i = 0; i < 9; ++i)
    EXPECT_EQ(ch.batch_sizes[i], 10u);
  EXPECT_EQ(ch.batch_sizes[9], 5u) << "the partial batch is flushed when the input drains";
  expect_acks_after_delivery(ch);
}

TEST(Engine, BatchingByByteSize) {
  reset_channel("bytes");
  auto& ch = channel("bytes");
  ch.payloads = std::vector<std::string>(20, "0123456789");
  auto r =
      run_config(feed_to_capture("bytes", 1, "    batching:\n      byte_size: 30\n"), registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ch.received.size(), 20u);
  for (size_t i = 0; i + 1 < ch.batch_sizes.size(); ++i)
    EXPECT_EQ(ch.batch_sizes[i], 3u);
}

TEST(Engine, ProcessorFailureFlagsMessagesAndDropsNothing) {
  reset_channel("flag");
  auto& ch = channel("flag");
  ch.payloads = {"good", "bad one", "good again"};
  auto r = run_config(
      feed_to_capture("flag", 3, "",
                      "pipeline:\n  processors:\n    - test_fail:\n        fail_on: bad\n"),
      registry());
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(ch.received.size(), 3u);
  EXPECT_EQ(ch.received_errors[0], "");
  EXPECT_EQ(ch.received_errors[1], "test_fail: payload contains 'bad'");
  EXPECT_EQ(ch.received_errors[2], "");
}

TEST(Engine, WholeBatchProcessorFailureFlagsEveryMessage) {
  reset_channel("batchfail");
  auto& ch = channel("batchfail");
  ch.payloads = {"a", "b", "boom", "c"};
  auto r = run_config(
      feed_to_capture("batchfail", 4, "",
                      "pipeline:\n  processors:\n    - test_filter:\n        fail_batch: boom\n"),
      registry());
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(ch.received.size(), 4u);
  for (const auto& e : ch.received_errors)
    EXPECT_EQ(e, "test_filter: batch refused");
}

TEST(Engine, FilteredMessagesAreAcknowledged) {
  reset_channel("filter");
  auto& ch = channel("filter");
  ch.payloads = {"keep 1", "drop 2", "drop 3", "keep 4"};
  auto r = run_config(
      feed_to_capture(
          "filter", 2, "",
          "pipeline:\n  threads: 1\n  processors:\n    - test_filter:\n        drop: drop\n"),
      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ch.received, (std::vector<std::string>{"keep 1", "keep 4"}));
  EXPECT_EQ(ch.acks, (std::vector<std::string>{"ok 0-1", "ok 2-3"}));
}

TEST(Engine, InputAndOutputProcessorsRun) {
  reset_channel("procs");
  auto& ch = channel("procs");
  ch.payloads = {"x drop", "y", "z"};
  std::string yaml =
      "input:\n  test_feed:\n    channel: procs\n    batch_size: 3\n  processors:\n    - "
      "test_filter:\n"
      "        drop: drop\noutput:\n  test_capture:\n    channel: procs\n  processors:\n"
      "    - test_fail:\n        fail_on: z\n";
  auto r = run_config(yaml, registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ch.received, (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(ch.received_errors[1], "test_fail: payload contains 'z'");
  EXPECT_EQ(ch.acks, std::vector<std::string>{"ok 0-2"});
}

TEST(Engine, StopDrainsInFlightWorkAndAcksEverythingRead) {
  reset_channel("drain");
  auto& ch = channel("drain");
  ch.payloads = numbers(100000);
  ch.delay_ms = 1;
  auto r = run_config(feed_to_capture("drain", 10, "    max_in_flight: 2\n"), registry(),
                      fast_options(), std::chrono::milliseconds(100));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(ch.received.size(), 100000u) << "stop came after the end: the test proves nothing";
  EXPECT_GT(ch.received.size(), 0u);
  EXPECT_EQ(r.stats.batches_read, ch.acks.size()) << "every batch read was acknowledged";
  for (const auto& a : ch.acks)
    EXPECT_EQ(a.rfind("ok ", 0), 0u);
  expect_acks_after_delivery(ch);
}

TEST(Engine, GenerateToDropFinishesByItself) {
  auto r = run_config("input:\n  generate:\n    payload: hi\n    count: 50\n    interval: 0s\n"
                      "output:\n  drop: {}\n",
                      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stats.messages_read, 50u);
  EXPECT_EQ(r.stats.messages_written, 50u);
  EXPECT_EQ(r.stats.acks, 50u);
}

} // namespace
} // namespace plugctl::test
