// The file plugin through the plugctl binary: what a user sees (exit codes, errors on stderr)
// and the file -> file pipeline at scale.
#include "file_test_support.hpp"

#include <random>

namespace plugctl::test::file {
namespace {

// `plugctl run` on `yaml` (written into dir), killed after `limit` so that a pipeline that does
// not end by itself fails the test (exit 124) instead of hanging it.
Exec run_yaml(TempDir& dir, const std::string& yaml, const std::string& limit = "300") {
  write_file(dir.file("config.yaml"), yaml);
  return run_plugctl("run " + dir.file("config.yaml"), "", "timeout " + limit);
}

TEST(FileCli, FileToFileMillionLinesByteIdentical) {
  TempDir dir;
  std::mt19937 rng(2024);
  std::string in;
  in.reserve(64u << 20);
  for (size_t i = 0; i < 1000000; ++i) {
    switch (rng() % 40) {
    case 0:
      in += "\n";
      break; // empty line
    case 1:
      in += "tab\tand carriage\rreturn inside\n";
      break; // a '\r' not before '\n' stays
    case 2:
      in += "\xc3\xa9t\xc3\xa9 " + std::to_string(i) + "\n";
      break;
    default:
      in += "line " + std::to_string(i) + " " + std::string(rng() % 80, 'a' + i % 26) + "\n";
    }
  }
  write_file(dir.file("in.txt"), in);
  auto e = run_yaml(dir, file_input({dir.file("in.txt")}) + file_output(dir.file("out/out.txt")) +
                             "logger:\n  level: WARN\n");
  EXPECT_NE(e.exit_code, 124) << "plugctl did not finish by itself";
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(std::system(("cmp -s " + dir.file("in.txt") + " " + dir.file("out/out.txt")).c_str()),
            0)
      << "the output is not byte-identical to the input";
  EXPECT_EQ(read_file(dir.file("out/out.txt")).size(), in.size());
}

TEST(FileCli, LineLongerThanMaxBufferSizeIsReportedWithPathAndLine) {
  TempDir dir;
  write_file(dir.file("a.txt"), "one\ntwo\n" + std::string(51, 'x') + "\nnever\n");
  write_file(dir.file("b.txt"), "three\n");
  auto e = run_yaml(dir, file_input({dir.file("a.txt"), dir.file("b.txt")},
                                    "    scanner:\n      lines:\n        max_buffer_size: 50\n") +
                             file_output(dir.file("out.txt")));
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.err.find(dir.file("a.txt") + ":3: line longer than max_buffer_size (50 bytes)"),
            std::string::npos)
      << e.err;
  EXPECT_EQ(read_file(dir.file("out.txt")), "one\ntwo\nthree\n");
}

TEST(FileCli, GlobMatchingNothingWarnsAndTheInputEnds) {
  TempDir dir;
  auto e = run_yaml(dir, file_input({dir.file("*.nothing")}) + "output:\n  drop: {}\n");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.err.find("pattern " + dir.file("*.nothing") + " matches no file"), std::string::npos)
      << e.err;
  EXPECT_NE(e.err.find("Input has ended"), std::string::npos) << e.err;
}

TEST(FileCli, MissingLiteralPathFailsNamingIt) {
  TempDir dir;
  auto e = run_yaml(dir, file_input({dir.file("missing.txt")}) + "output:\n  drop: {}\n");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("cannot read " + dir.file("missing.txt") + ": No such file or directory"),
            std::string::npos)
      << e.err;
}

// The writes keep failing (the output's parent is a regular file) until plugctl is told to
// stop: its batch is never acknowledged, so delete_on_finish must leave the file alone. The
// pipeline cannot drain and exits 1 after shutdown_timeout.
TEST(FileCli, DeleteOnFinishKeepsAFileWhoseWritesFailed) {
  TempDir dir;
  write_file(dir.file("in.txt"), "precious\n");
  write_file(dir.file("regular"), "");
  write_file(dir.file("config.yaml"),
             file_input({dir.file("in.txt")}, "    delete_on_finish: true\n") +
                 file_output(dir.file("regular/out.txt")) + "shutdown_timeout: 500ms\n");
  auto e = run_plugctl("run " + dir.file("config.yaml"), "", "timeout --preserve-status -s TERM 2");
  EXPECT_EQ(e.exit_code, 1) << e.err;
  EXPECT_NE(e.err.find("Received SIGTERM"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("cannot open " + dir.file("regular/out.txt")), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("still unacknowledged"), std::string::npos) << e.err;
  EXPECT_EQ(read_file(dir.file("in.txt")), "precious\n") << "the undelivered file was deleted";
}

} // namespace
} // namespace plugctl::test::file
