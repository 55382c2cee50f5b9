// The built-in components through the binary: stdin scanners, stdout codecs, generate, drop,
// log and sleep.
#include "support/support.hpp"

#include <gtest/gtest.h>

namespace plugctl::test {
namespace {

Exec run_yaml(const std::string& yaml, const std::string& input = "") {
  TempDir tmp;
  write_file(tmp.file("c.yaml"), yaml);
  return run_plugctl("run " + tmp.file("c.yaml"), input);
}

TEST(Builtins, StdinCustomDelimiterAndStdoutDelimiterCodec) {
  auto e =
      run_yaml("input:\n  stdin:\n    scanner:\n      lines:\n        custom_delimiter: \"||\"\n"
               "output:\n  stdout:\n    codec: \"delimiter:,\"\n",
               "a||bb||ccc||tail");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "a,bb,ccc,tail,");
}

TEST(Builtins, StdinLongLinesAreSplitAndFlaggedNotDropped) {
  std::string longline(25, 'z');
  auto e = run_yaml("input:\n  stdin:\n    scanner:\n      lines:\n        max_buffer_size: 10\n"
                    "output:\n  stdout: {}\n",
                    "short\n" + longline + "\nafter\n");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "short\nzzzzzzzzzz\nzzzzzzzzzz\nzzzzz\nafter\n");
}

TEST(Builtins, StdinToTheEndIsOneMessage) {
  auto e = run_yaml("input:\n  stdin:\n    scanner:\n      to_the_end: {}\n"
                    "output:\n  stdout:\n    codec: \"delimiter:<END>\"\n",
                    "one\ntwo\nthree\n");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "one\ntwo\nthree\n<END>");
}

TEST(Builtins, StdoutAllBytes) {
  auto e = run_yaml("input:\n  stdin: {}\noutput:\n  stdout:\n    codec: all-bytes\n", "a\nb\n");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.out, "ab");
}

TEST(Builtins, StdoutRejectsAnUnknownCodecAtStart) {
  auto e = run_yaml("input:\n  stdin: {}\noutput:\n  stdout:\n    codec: morse\n", "a\n");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("output 'stdout'"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("unknown codec 'morse'"), std::string::npos) << e.err;
}

TEST(Builtins, GenerateCountEndsTheRun) {
  auto e = run_yaml("input:\n  generate:\n    payload: ping\n    count: 4\n    interval: 1ms\n"
                    "    batch_size: 3\noutput:\n  stdout: {}\n");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "ping\nping\nping\nping\n");
}

TEST(Builtins, DropAcknowledgesEverything) {
  auto e = run_yaml("input:\n  stdin: {}\noutput:\n  drop: {}\n", "1\n2\n3\n");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.out, "");
  EXPECT_NE(e.err.find("3 message(s) read, 3 written"), std::string::npos) << e.err;
}

TEST(Builtins, LogProcessorLogsAtItsLevelAndPassesMessagesOn) {
  auto e =
      run_yaml("input:\n  stdin: {}\npipeline:\n  processors:\n    - label: audit\n      log:\n"
               "        level: WARN\n        message: seen one\noutput:\n  stdout: {}\n"
               "logger:\n  level: WARN\n  add_timestamp: false\n",
               "x\ny\n");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "x\ny\n");
  size_t n = 0;
  for (size_t p = 0; (p = e.err.find("level=warn msg=\"seen one\" @service=plugctl label=audit "
                                     "path=pipeline.processors.0",
                                     p)) != std::string::npos;
       ++p)
    ++n;
  EXPECT_EQ(n, 2u) << e.err;
}

TEST(Builtins, LoggerLevelFiltersAndJsonFormat) {
  auto e =
      run_yaml("input:\n  stdin: {}\npipeline:\n  processors:\n    - log:\n        level: DEBUG\n"
               "        message: hidden\noutput:\n  stdout: {}\nlogger:\n  level: INFO\n"
               "  format: json\n",
               "x\n");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.err.find("hidden"), std::string::npos);
  EXPECT_NE(e.err.find("{\"time\":"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("\"level\":\"info\""), std::string::npos);
}

TEST(Builtins, GenerateTakesAnEmptyIntervalAsFastAsPossible) {
  // As in Benthos: `interval: ""` lints clean and generates without waiting.
  auto e = run_yaml("input:\n  generate:\n    payload: q\n    count: 3\n    interval: \"\"\n"
                    "output:\n  stdout: {}\n");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "q\nq\nq\n");
}

TEST(Builtins, SleepDelaysEachBatch) {
  // The run must take at least 3 x 50ms: a lower bound on behaviour, not a speed target.
  auto start = std::chrono::steady_clock::now();
  auto e = run_yaml("input:\n  generate:\n    payload: z\n    count: 3\n    interval: 0s\n"
                    "pipeline:\n  threads: 1\n  processors:\n    - sleep:\n        duration: 50ms\n"
                    "output:\n  stdout: {}\n");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.out, "z\nz\nz\n");
  EXPECT_GE(took, std::chrono::milliseconds(150));
}

} // namespace
} // namespace plugctl::test
