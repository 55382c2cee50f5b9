// Brokers under fault injection: every message is counted in and out. Nothing may be lost, a
// healthy output of a fan_out is never written twice, acks wait for every routed output, and a
// failing output applies back pressure within the bound.
#include "support/support.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace plugctl::test {
namespace {

core::Registry& registry() {
  static core::Registry reg = make_registry({plugin_dir()});
  return reg;
}

std::vector<std::string> numbers(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(std::to_string(i));
  return out;
}

std::string feed(const std::string& ch, int batch) {
  return "input:\n  test_feed:\n    channel: " + ch + "\n    batch_size: " + std::to_string(batch) +
         "\n";
}

std::map<std::string, int> counts(const std::vector<std::string>& v) {
  std::map<std::string, int> m;
  for (const auto& x : v)
    ++m[x];
  return m;
}

TEST(Broker, FanOutRetriesTheFailingOutputAloneAndAcksAfterBoth) {
  reset_channel("fo_in");
  reset_channel("fo_ok");
  reset_channel("fo_bad");
  channel("fo_in").payloads = numbers(200);
  channel("fo_bad").fail_writes = 25; // down for a while, then recovers
  auto r = run_config(
      feed("fo_in", 10) +
          "output:\n  broker:\n    pattern: fan_out\n    outputs:\n"
          "      - test_capture:\n          channel: fo_ok\n          events_channel: fo_in\n"
          "      - test_capture:\n          channel: fo_bad\n          events_channel: fo_in\n",
      registry());
  EXPECT_EQ(r.exit_code, 0);
  auto ok = counts(channel("fo_ok").received);
  auto bad = counts(channel("fo_bad").received);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(ok[std::to_string(i)], 1)
        << "healthy output wrote " << i << " " << ok[std::to_string(i)] << " times";
    EXPECT_EQ(bad[std::to_string(i)], 1)
        << "recovered output got " << i << " " << bad[std::to_string(i)] << " times";
  }
  // Every ack comes after both outputs received the batch's messages.
  std::set<std::string> seen_ok, seen_bad;
  size_t acks = 0;
  for (const auto& e : channel("fo_in").events) {
    if (e.rfind("recv fo_ok ", 0) == 0)
      seen_ok.insert(e.substr(11));
    else if (e.rfind("recv fo_bad ", 0) == 0)
      seen_bad.insert(e.substr(12));
    else if (e.rfind("ack ok ", 0) == 0) {
      ++acks;
      auto dash = e.find('-', 7);
      int a = std::stoi(e.substr(7, dash - 7)), b = std::stoi(e.substr(dash + 1));
      for (int i = a; i <= b; ++i) {
        EXPECT_TRUE(seen_ok.count(std::to_string(i))) << e;
        EXPECT_TRUE(seen_bad.count(std::to_string(i)))
            << e << " acked before the failing output got " << i;
      }
    } else if (e.rfind("ack nack", 0) == 0) {
      ADD_FAILURE() << "fan_out nacked instead of retrying: " << e;
    }
  }
  EXPECT_EQ(acks, 20u);
  EXPECT_GT(r.stats.write_failures, 0u);
}

TEST(Broker, FallbackPutsEveryMessageInExactlyOneDestination) {
  reset_channel("fb_in");
  reset_channel("fb_main");
  reset_channel("fb_dead");
  channel("fb_in").payloads = numbers(100);
  // The main output refuses messages whose payload is "13"; everything else goes there.
  auto r =
      run_config(feed("fb_in", 7) +
                     "output:\n  fallback:\n"
                     "    - test_capture:\n        channel: fb_main\n        fail_payload: \"13\"\n"
                     "    - test_capture:\n        channel: fb_dead\n",
                 registry());
  EXPECT_EQ(r.exit_code, 0);
  auto main = counts(channel("fb_main").received);
  auto dead = counts(channel("fb_dead").received);
  for (int i = 0; i < 100; ++i) {
    std::string p = std::to_string(i);
    EXPECT_EQ(main[p] + dead[p], 1) << p;
  }
  ASSERT_EQ(channel("fb_dead").received, std::vector<std::string>{"13"});
  EXPECT_EQ(channel("fb_dead").received_meta[0].at("fallback_error"), "refused payload 13");
  for (const auto& a : channel("fb_in").acks)
    EXPECT_EQ(a.rfind("ok ", 0), 0u) << a;
}

TEST(Broker, FallbackNacksWhenTheLastOutputFailsToo) {
  reset_channel("fb2_in");
  channel("fb2_in").payloads = {"x"};
  auto cfg = parse_config(feed("fb2_in", 1) +
                              "output:\n  fallback:\n    - reject: 'first ${! content() }'\n"
                              "    - reject: 'second: ${! @fallback_error }'\n",
                          registry());
  auto& ch = channel("fb2_in");
  auto r = run_until(cfg, registry(), [&] {
    std::lock_guard lock(ch.mu);
    return !ch.acks.empty();
  });
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_FALSE(ch.acks.empty());
  EXPECT_EQ(ch.acks[0], "nack 0-0 second: first x");
}

TEST(Broker, SwitchRoutesByContentAndStrictModeRefusesTheUnmatched) {
  reset_channel("sw_in");
  reset_channel("sw_even");
  reset_channel("sw_big");
  channel("sw_in").payloads = numbers(30);
  std::string outputs = "    cases:\n"
                        "      - check: this % 2 == 0\n        continue: true\n        output:\n   "
                        "       test_capture:\n"
                        "            channel: sw_even\n"
                        "      - check: this >= 20\n        output:\n          test_capture:\n     "
                        "       channel: sw_big\n";
  auto r = run_config(feed("sw_in", 5) + "output:\n  switch:\n" + outputs, registry());
  EXPECT_EQ(r.exit_code, 0);
  std::vector<std::string> even, big;
  for (int i = 0; i < 30; ++i) {
    if (i % 2 == 0) even.push_back(std::to_string(i));
    if (i >= 20) big.push_back(std::to_string(i));
  }
  EXPECT_EQ(channel("sw_even").received, even);
  EXPECT_EQ(channel("sw_big").received, big) << "continue sends even numbers >= 20 to both";
  for (const auto& a : channel("sw_in").acks)
    EXPECT_EQ(a.rfind("ok ", 0), 0u) << "unmatched messages are dropped: " << a;

  // strict_mode: the unmatched odd numbers below 20 are refused, never silently dropped.
  reset_channel("sw2_in");
  reset_channel("sw_even");
  reset_channel("sw_big");
  channel("sw2_in").payloads = {"1", "2"};
  auto cfg = parse_config(
      feed("sw2_in", 2) + "output:\n  switch:\n    strict_mode: true\n" + outputs, registry());
  auto& ch = channel("sw2_in");
  auto r2 = run_until(cfg, registry(), [&] {
    std::lock_guard lock(ch.mu);
    return !ch.acks.empty();
  });
  EXPECT_EQ(r2.exit_code, 0);
  ASSERT_FALSE(ch.acks.empty());
  EXPECT_EQ(ch.acks[0], "nack 0-1 no switch case matched the message (strict_mode)");
}

TEST(Broker, RoundRobinAndGreedySpreadEveryMessageOnce) {
  for (std::string pattern : {"round_robin", "greedy", "fan_out_sequential"}) {
    reset_channel("rr_in");
    reset_channel("rr_a");
    reset_channel("rr_b");
    channel("rr_in").payloads = numbers(60);
    auto r = run_config(feed("rr_in", 3) + "output:\n  broker:\n    pattern: " + pattern +
                            "\n    outputs:\n      - test_capture:\n          channel: rr_a\n"
                            "      - test_capture:\n          channel: rr_b\n",
                        registry());
    EXPECT_EQ(r.exit_code, 0) << pattern;
    auto a = counts(channel("rr_a").received), b = counts(channel("rr_b").received);
    for (int i = 0; i < 60; ++i) {
      std::string p = std::to_string(i);
      if (pattern == "fan_out_sequential") {
        EXPECT_EQ(a[p], 1) << pattern << " " << p;
        EXPECT_EQ(b[p], 1) << pattern << " " << p;
      } else {
        EXPECT_EQ(a[p] + b[p], 1) << pattern << " " << p;
      }
    }
    if (pattern == "round_robin") {
      EXPECT_EQ(channel("rr_a").received.size(), 30u);
      EXPECT_EQ(channel("rr_b").received.size(), 30u);
    }
  }
}

TEST(Broker, RetryOutputRetriesWithItsOwnPolicy) {
  reset_channel("rt_in");
  reset_channel("rt_out");
  channel("rt_in").payloads = numbers(10);
  channel("rt_out").fail_writes = 6; // more than the engine's own retries: `retry` must cover it
  auto r = run_config(
      feed("rt_in", 10) +
          "output:\n  retry:\n    max_retries: 0\n    backoff:\n      initial_interval: 1ms\n"
          "      max_interval: 2ms\n    output:\n      test_capture:\n        channel: rt_out\n",
      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("rt_out").received, numbers(10));
  EXPECT_EQ(channel("rt_in").acks, std::vector<std::string>{"ok 0-9"})
      << "no nack: retry covered it";
  EXPECT_EQ(r.stats.write_failures, 60u);
}

TEST(Broker, ResourceOutputsAndOutputProcessors) {
  reset_channel("res_in");
  reset_channel("res_out");
  channel("res_in").payloads = {"a", "b"};
  auto r = run_config(
      feed("res_in", 2) +
          "output:\n  resource: store\n  processors:\n    - mapping: 'root = "
          "content().uppercase()'\n"
          "output_resources:\n  - label: store\n    test_capture:\n      channel: res_out\n",
      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("res_out").received, (std::vector<std::string>{"A", "B"}));
  auto bad =
      core::load_config_string(feed("x", 1) + "output:\n  resource: nope\n", "r.yaml", registry());
  ASSERT_TRUE(bad.config);
  try {
    core::Engine e(*bad.config, registry(), fast_options());
    FAIL() << "an unknown resource was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no output resource labelled 'nope'"), std::string::npos)
        << e.what();
  }
}

TEST(Broker, BrokerLevelBatchingGroupsBeforeDistributing) {
  reset_channel("bb_in");
  reset_channel("bb_a");
  reset_channel("bb_b");
  channel("bb_in").payloads = numbers(40);
  auto r = run_config(
      feed("bb_in", 1) +
          "output:\n  broker:\n    pattern: round_robin\n    batching:\n      count: 10\n"
          "    outputs:\n      - test_capture:\n          channel: bb_a\n"
          "      - test_capture:\n          channel: bb_b\n",
      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("bb_a").batch_sizes, (std::vector<size_t>{10, 10}));
  EXPECT_EQ(channel("bb_b").batch_sizes, (std::vector<size_t>{10, 10}));
}

TEST(BrokerInput, MergesInputsEachWithItsProcessorsAndAcksEachSource) {
  reset_channel("bi_a");
  reset_channel("bi_b");
  reset_channel("bi_out");
  channel("bi_a").payloads = {"a1", "a2", "a3"};
  channel("bi_b").payloads = {"b1", "b2"};
  channel("bi_out").fail_writes = 2; // nacks must go back to the right source
  auto r = run_config("input:\n  broker:\n    inputs:\n"
                      "      - test_feed:\n          channel: bi_a\n        processors:\n"
                      "          - mapping: 'root = content() + \"-from-a\"'\n"
                      "      - test_feed:\n          channel: bi_b\n"
                      "  processors:\n    - mapping: 'root = content().uppercase()'\n"
                      "output:\n  test_capture:\n    channel: bi_out\n",
                      registry());
  EXPECT_EQ(r.exit_code, 0);
  std::set<std::string> got(channel("bi_out").received.begin(), channel("bi_out").received.end());
  EXPECT_EQ(got, (std::set<std::string>{"A1-FROM-A", "A2-FROM-A", "A3-FROM-A", "B1", "B2"}));
  auto oks = [](const Channel& c) {
    size_t n = 0;
    for (const auto& a : c.acks)
      n += a.rfind("ok ", 0) == 0 ? 1 : 0;
    return n;
  };
  EXPECT_EQ(oks(channel("bi_a")), 3u);
  EXPECT_EQ(oks(channel("bi_b")), 2u);
}

TEST(BrokerInput, SequenceReadsOneInputAfterTheOther) {
  reset_channel("seq_a");
  reset_channel("seq_b");
  reset_channel("seq_out");
  channel("seq_a").payloads = numbers(50);
  channel("seq_b").payloads = {"last"};
  auto r = run_config("input:\n  sequence:\n    inputs:\n"
                      "      - test_feed:\n          channel: seq_a\n          batch_size: 7\n"
                      "      - test_feed:\n          channel: seq_b\n"
                      "output:\n  test_capture:\n    channel: seq_out\n",
                      registry());
  EXPECT_EQ(r.exit_code, 0);
  auto expect = numbers(50);
  expect.push_back("last");
  EXPECT_EQ(channel("seq_out").received, expect);
}

TEST(BrokerInput, ResourceInputs) {
  reset_channel("ri");
  reset_channel("ri_out");
  channel("ri").payloads = {"x"};
  auto r = run_config(
      "input:\n  resource: src\n  processors:\n    - mapping: 'root = content() + \"!\"'\n"
      "input_resources:\n  - label: src\n    test_feed:\n      channel: ri\n"
      "output:\n  test_capture:\n    channel: ri_out\n",
      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("ri_out").received, std::vector<std::string>{"x!"});
}

size_t rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

// With the only output down, the input keeps offering data for 60 s: in-flight work and memory
// stay bounded, then everything flows once the output recovers, without operator action.
TEST(Broker, PersistentFailureHoldsTheInputWithinBoundsThenRecovers) {
  reset_channel("bp_in");
  reset_channel("bp_out");
  auto& in = channel("bp_in");
  auto& out = channel("bp_out");
  in.payloads = numbers(200000);
  out.fail_writes = 1 << 30; // down until we say so
  auto cfg = parse_config(
      feed("bp_in", 50) +
          "output:\n  broker:\n    pattern: fan_out\n    outputs:\n"
          "      - test_capture:\n          channel: bp_out\n          max_in_flight: 2\n",
      registry());
  core::Engine engine(cfg, registry(), fast_options());
  size_t bound = engine.inflight_bound();
  size_t rss_start = rss_kib(), rss_max = rss_start;
  std::thread runner([&] { engine.run(); });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    rss_max = std::max(rss_max, rss_kib());
    std::lock_guard lock(in.mu);
    ASSERT_LE(in.max_outstanding, bound) << "unacknowledged batches above the bound";
  }
  EXPECT_LT(rss_max - rss_start, 64u * 1024)
      << "memory grew by " << (rss_max - rss_start) << " KiB";
  size_t read_while_down;
  {
    std::lock_guard lock(in.mu);
    read_while_down = in.acks.size();
  }
  EXPECT_EQ(read_while_down, 0u) << "nothing can be acknowledged while the output is down";
  {
    std::lock_guard lock(out.mu);
    out.fail_writes = 0; // recovery
  }
  runner.join();
  EXPECT_EQ(std::set<std::string>(out.received.begin(), out.received.end()).size(), 200000u);
  std::lock_guard lock(in.mu);
  EXPECT_EQ(in.acks.size(), 4000u);
  for (const auto& a : in.acks)
    EXPECT_EQ(a.rfind("ok ", 0), 0u) << a;
}

// kill -9 in the middle of a file -> file run, then run again: no line is missing.
TEST(Broker, KillNineThenRerunLosesNoLine) {
  constexpr int kLines = 3000000;
  TempDir tmp;
  {
    std::ofstream f(tmp.file("in.txt"));
    for (int i = 0; i < kLines; ++i)
      f << "line-" << i << "\n";
  }
  write_file(tmp.file("c.yaml"), "input:\n  file:\n    paths: [ " + tmp.file("in.txt") +
                                     " ]\noutput:\n  file:\n    path: " + tmp.file("out.txt") +
                                     "\n    max_in_flight: 4\nlogger:\n  level: ERROR\n");
  // Killed once a fifth of the input is in the output (whatever the machine's speed).
  const uintmax_t in_bytes = std::filesystem::file_size(tmp.file("in.txt"));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    execl(plugctl_binary().c_str(), "plugctl", "run", tmp.file("c.yaml").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  bool exited = false;
  for (;;) {
    std::error_code ec;
    auto size = std::filesystem::file_size(tmp.file("out.txt"), ec);
    if (!ec && size >= in_bytes / 5) break;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_FALSE(exited) << "plugctl ended before a fifth of the lines were written";
  kill(pid, SIGKILL);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the first run should have been killed mid-way";
  size_t after_kill = read_lines(tmp.file("out.txt")).size();
  EXPECT_LT(after_kill, static_cast<size_t>(kLines))
      << "killed after the end: the test proves nothing";
  auto again = run_plugctl("run " + tmp.file("c.yaml"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::map<std::string, int> seen;
  for (const auto& l : read_lines(tmp.file("out.txt")))
    ++seen[l];
  size_t dups = 0;
  for (int i = 0; i < kLines; ++i) {
    auto it = seen.find("line-" + std::to_string(i));
    ASSERT_NE(it, seen.end()) << "lost line-" << i;
    dups += static_cast<size_t>(it->second - 1);
  }
  std::cout << "kill -9 after " << after_kill << " lines written; rerun: " << dups
            << " duplicate lines\n";
  EXPECT_LE(dups, after_kill) << "only what the killed run wrote may come twice";
}

} // namespace
} // namespace plugctl::test
