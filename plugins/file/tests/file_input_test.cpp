// The file input against the real host (in-process engine, output test_capture): how bytes
// become messages across read chunks, delimiters, whole files, errors, globs, deletion and
// metadata.
#include "file_test_support.hpp"

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

namespace plugctl::test::file {
namespace {

namespace fs = std::filesystem;

// Printable ASCII without line breaks, '<' or '>' (so no delimiter of these tests appears by
// chance).
std::string random_text(std::mt19937& rng, size_t n) {
  static const char kChars[] =
      "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:-_";
  std::string s(n, ' ');
  for (auto& c : s)
    c = kChars[rng() % (sizeof kChars - 1)];
  return s;
}

// Runs `input_yaml` into a fresh test_capture channel.
RunResult read_all(const std::string& name, const std::string& input_yaml) {
  reset_channel(name);
  return run_config(input_yaml + to_capture(name), registry());
}

// Summarises a mismatch of two long lists of (possibly long) messages.
void expect_messages(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  size_t n = std::min(got.size(), want.size());
  for (size_t i = 0; i < n; ++i) {
    if (got[i] == want[i]) continue;
    ADD_FAILURE() << "message " << i << " differs: got " << got[i].size() << " bytes '"
                  << got[i].substr(0, 60) << "', expected " << want[i].size() << " bytes '"
                  << want[i].substr(0, 60) << "'";
    return;
  }
  EXPECT_EQ(got.size(), want.size()) << "message count";
}

TEST(FileInput, LinesAcrossReadChunksArriveWhole) {
  TempDir dir;
  std::mt19937 rng(7);
  std::vector<std::string> want;
  auto add = [&](std::string& text, const std::string& line, const char* end = "\n") {
    text += line + end;
    want.push_back(line);
  };

  // a.txt: "\r\n" straddles the first chunk boundary ('\r' is the chunk's last byte), a line of
  // 1.5 MiB spans whole chunks, and the file is over 3 MiB.
  std::string a;
  while (a.size() < kChunk - 300)
    add(a, random_text(rng, rng() % 120));
  add(a, std::string(kChunk - 1 - a.size(), 'r'), "\r\n");
  ASSERT_EQ(a[kChunk - 1], '\r');
  ASSERT_EQ(a[kChunk], '\n');
  while (a.size() < kChunk + kChunk / 2)
    add(a, random_text(rng, rng() % 200));
  add(a, random_text(rng, kChunk + kChunk / 2));
  add(a, "");
  while (a.size() < 3 * kChunk + 1000)
    add(a, random_text(rng, rng() % 90), "\r\n");
  write_file(dir.file("a.txt"), a);

  // b.txt: a line ends exactly at the chunk boundary ('\n' is the chunk's last byte); the next
  // line starts the second chunk.
  std::string b;
  while (b.size() < kChunk - 300)
    add(b, random_text(rng, rng() % 120));
  add(b, std::string(kChunk - 1 - b.size(), 'b'));
  ASSERT_EQ(b[kChunk - 1], '\n');
  while (b.size() < 2 * kChunk + 10)
    add(b, random_text(rng, rng() % 120));
  write_file(dir.file("b.txt"), b);

  auto r = read_all("chunks", file_input({dir.file("a.txt"), dir.file("b.txt")},
                                         "    scanner:\n      lines:\n"
                                         "        max_buffer_size: 2097152\n"));
  EXPECT_EQ(r.exit_code, 0);
  expect_messages(channel("chunks").received, want);
  EXPECT_GE(r.stats.batches_read, 6u) << "the files were not read in several chunks";
  EXPECT_EQ(r.stats.acks, r.stats.batches_read);
}

TEST(FileInput, LastLineWithoutDelimiterIsAMessage) {
  TempDir dir;
  write_file(dir.file("1.txt"), "one\ntwo\nthree");
  write_file(dir.file("2.txt"), "crlf\r\nlast\r");
  write_file(dir.file("3.txt"), "trailing\n");
  write_file(dir.file("4.txt"), "");
  auto r = read_all("partial", file_input({dir.file("1.txt"), dir.file("2.txt"), dir.file("3.txt"),
                                           dir.file("4.txt")}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("partial").received,
            (std::vector<std::string>{"one", "two", "three", "crlf", "last", "trailing"}));
}

TEST(FileInput, EmptyLinesAreMessagesUnlessOmitted) {
  TempDir dir;
  write_file(dir.file("in.txt"), "a\n\nb\r\n\r\n\nc\n");
  auto r = read_all("empty", file_input({dir.file("in.txt")}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("empty").received, (std::vector<std::string>{"a", "", "b", "", "", "c"}));

  r = read_all("omit", file_input({dir.file("in.txt")},
                                  "    scanner:\n      lines:\n        omit_empty: true\n"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("omit").received, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(FileInput, CustomSingleCharDelimiter) {
  TempDir dir;
  // Line breaks are ordinary bytes with a custom delimiter, and no '\r' is dropped.
  write_file(dir.file("in.txt"), "a|b||multi\nline|cr\r|last");
  auto r = read_all("pipe", file_input({dir.file("in.txt")}, "    scanner:\n      lines:\n"
                                                             "        custom_delimiter: \"|\"\n"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("pipe").received,
            (std::vector<std::string>{"a", "b", "", "multi\nline", "cr\r", "last"}));
}

TEST(FileInput, MultiCharDelimiterAcrossChunkBoundaries) {
  TempDir dir;
  const std::string delim = "<END>";
  std::mt19937 rng(11);
  std::string text;
  std::vector<std::string> want;
  auto add = [&](const std::string& record) {
    text += record + delim;
    want.push_back(record);
  };
  // Near misses inside records: a partial delimiter is data.
  add("<EN");
  add("x<END");
  add("<<END");
  add("");
  while (text.size() < kChunk - 400)
    add(random_text(rng, rng() % 150) + (rng() % 5 ? "" : "<E"));
  // The first chunk ends inside the delimiter: "<EN" | "D>".
  std::string before(kChunk - 3 - text.size(), 'p');
  add(before);
  ASSERT_EQ(text.substr(kChunk - 3, 5), delim);
  // The second chunk starts with that record and the delimiter's start (carried over), so it
  // ends at 2 MiB minus their length: put a delimiter across that boundary too, "<" | "END>".
  const size_t second_end = 2 * kChunk - (before.size() + 3);
  while (text.size() < second_end - 400)
    add(random_text(rng, rng() % 150));
  add(std::string(second_end - 1 - text.size(), 'q'));
  ASSERT_EQ(text.substr(second_end - 1, 5), delim);
  while (text.size() < 2 * kChunk + kChunk / 2)
    add(random_text(rng, rng() % 150));
  text += "tail<EN"; // the last record has no delimiter, only the start of one
  want.push_back("tail<EN");
  write_file(dir.file("in.txt"), text);

  auto r =
      read_all("multi", file_input({dir.file("in.txt")}, "    scanner:\n      lines:\n"
                                                         "        custom_delimiter: \"<END>\"\n"));
  EXPECT_EQ(r.exit_code, 0);
  expect_messages(channel("multi").received, want);
  EXPECT_GE(r.stats.batches_read, 3u);
}

TEST(FileInput, ToTheEndEmitsEachFileWhole) {
  TempDir dir;
  std::mt19937 rng(3);
  std::string big;
  while (big.size() < kChunk + kChunk / 2)
    big += random_text(rng, rng() % 100) + "\r\n";
  write_file(dir.file("1.txt"), big);
  write_file(dir.file("2.txt"), "");
  write_file(dir.file("3.txt"), "no line break at the end");
  auto r = read_all("whole", file_input({dir.file("1.txt"), dir.file("2.txt"), dir.file("3.txt")},
                                        "    scanner:\n      to_the_end: {}\n"));
  EXPECT_EQ(r.exit_code, 0);
  auto& ch = channel("whole");
  expect_messages(ch.received, {big, "", "no line break at the end"});
  ASSERT_EQ(ch.received_meta.size(), 3u);
  EXPECT_EQ(ch.received_meta[0].at("path"), dir.file("1.txt"));
  EXPECT_EQ(ch.received_meta[1].at("path"), dir.file("2.txt"));
  EXPECT_EQ(ch.received_meta[2].at("path"), dir.file("3.txt"));
  EXPECT_EQ(r.stats.batches_read, 3u) << "one batch per file";
}

// A line longer than max_buffer_size ends that file with an error (its path:line is checked
// through the CLI in file_cli_test.cpp): every line before it is delivered, nothing after it in
// that file, and the next file is read.
TEST(FileInput, LineLongerThanMaxBufferSizeSkipsTheRestOfTheFile) {
  TempDir dir;
  std::mt19937 rng(5);
  std::vector<std::string> want;
  // a.txt: the long line is found in the second chunk, between two delimiters.
  std::string a;
  while (a.size() < kChunk + 1000) {
    std::string line = "a " + random_text(rng, rng() % 40);
    a += line + "\n";
    want.push_back(line);
  }
  a += std::string(51, 'x') + "\nafter a\n";
  write_file(dir.file("a.txt"), a);
  // b.txt: the long line starts near the end of the first chunk and has no delimiter there.
  std::string b;
  while (b.size() < kChunk - 200) {
    std::string line = "b " + random_text(rng, rng() % 40);
    b += line + "\n";
    want.push_back(line);
  }
  b += std::string(1000, 'y') + "\nafter b\n";
  write_file(dir.file("b.txt"), b);
  write_file(dir.file("c.txt"), "c1\nc2\n");
  want.push_back("c1");
  want.push_back("c2");

  auto r = read_all("toolong", file_input({dir.file("a.txt"), dir.file("b.txt"), dir.file("c.txt")},
                                          "    scanner:\n      lines:\n"
                                          "        max_buffer_size: 50\n"));
  EXPECT_EQ(r.exit_code, 0) << "a bad line is an error of that file, not of the pipeline";
  expect_messages(channel("toolong").received, want);
}

TEST(FileInput, LineOfExactlyMaxBufferSizeIsAccepted) {
  TempDir dir;
  const std::string ten(10, 't');
  write_file(dir.file("a.txt"), ten + "\n" + ten + "\r\n" + ten);
  write_file(dir.file("b.txt"), ten + "<>" + ten + "x<>" + ten);
  auto r =
      read_all("exact", file_input({dir.file("a.txt")},
                                   "    scanner:\n      lines:\n        max_buffer_size: 10\n"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("exact").received, (std::vector<std::string>{ten, ten, ten}));

  r = read_all("exact2", file_input({dir.file("b.txt")}, "    scanner:\n      lines:\n"
                                                         "        custom_delimiter: \"<>\"\n"
                                                         "        max_buffer_size: 10\n"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("exact2").received, (std::vector<std::string>{ten})) << "11 bytes is too long";
}

// Not a regular file: reads are short and the reader stops at a delimiter instead of filling
// its chunk.
TEST(FileInput, ReadsFromANamedPipe) {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  std::thread writer([&] {
    // Non-blocking open fails (ENXIO) until the input opens its end: retry for a while, so a
    // test that fails before reading cannot hang here.
    int fd = -1;
    for (int i = 0; i < 10000 && fd < 0; ++i) {
      fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (fd < 0) return;
    ::fcntl(fd, F_SETFL, 0);
    for (const char* part : {"first\nsec", "ond\n", "third"}) {
      if (::write(fd, part, std::strlen(part)) < 0) break;
    }
    ::close(fd);
  });
  auto r = read_all("fifo", file_input({fifo}));
  writer.join();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("fifo").received, (std::vector<std::string>{"first", "second", "third"}));
}

// A file that disappears between the expansion of the paths (at create) and its turn is
// reported and skipped; the files after it are read.
TEST(FileInput, FileRemovedAfterCreateIsSkipped) {
  TempDir dir;
  write_file(dir.file("a.txt"), "a\n");
  write_file(dir.file("b.txt"), "b\n");
  write_file(dir.file("c.txt"), "c\n");
  reset_channel("vanished");
  auto cfg = parse_config(file_input({dir.file("*.txt")}) + to_capture("vanished"), registry());
  core::Engine engine(cfg, registry(), fast_options());
  fs::remove(dir.file("b.txt"));
  EXPECT_EQ(engine.run(), 0);
  EXPECT_EQ(channel("vanished").received, (std::vector<std::string>{"a", "c"}));
}

TEST(FileInput, GlobsExpandSortedAndEachFileIsReadOnce) {
  TempDir dir;
  write_file(dir.file("c.txt"), "c\n");
  write_file(dir.file("a.txt"), "a\n");
  write_file(dir.file("b.txt"), "b\n");
  write_file(dir.file("z.log"), "z\n");
  write_file(dir.file("other.dat"), "not matched\n");
  fs::create_directory(dir.file("d.txt")); // a directory matching *.txt is skipped
  auto r = read_all("globs", file_input({dir.file("z.log"), dir.file("*.txt"), dir.file("a.txt"),
                                         dir.file("*.log")}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("globs").received, (std::vector<std::string>{"z", "a", "b", "c"}));
}

TEST(FileInput, GlobMatchingNothingEndsTheInput) {
  TempDir dir;
  auto r = read_all("noglob", file_input({dir.file("*.nothing")}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(channel("noglob").received.empty());
  EXPECT_EQ(r.stats.batches_read, 0u);
}

TEST(FileInput, MissingLiteralPathFailsAtCreateNamingIt) {
  TempDir dir;
  write_file(dir.file("there.txt"), "x\n");
  auto cfg = parse_config(file_input({dir.file("there.txt"), dir.file("missing.txt")}) +
                              to_capture("missing"),
                          registry());
  try {
    core::Engine engine(cfg, registry(), fast_options());
    FAIL() << "the input was created although " << dir.file("missing.txt") << " does not exist";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(dir.file("missing.txt")), std::string::npos) << what;
    EXPECT_NE(what.find("/paths/1"), std::string::npos) << what;
    EXPECT_NE(what.find("No such file or directory"), std::string::npos) << what;
  }
}

TEST(FileInput, DirectoryAsLiteralPathFailsAtCreate) {
  TempDir dir;
  auto cfg = parse_config(file_input({dir.path().string()}) + to_capture("dirpath"), registry());
  try {
    core::Engine engine(cfg, registry(), fast_options());
    FAIL() << "a directory was accepted as a file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(FileInput, EveryMessageCarriesItsFilesMetadata) {
  TempDir dir;
  std::string a;
  while (a.size() < 2 * kChunk + 100)
    a += "a line " + std::to_string(a.size()) + "\n";
  write_file(dir.file("a.txt"), a);
  write_file(dir.file("b.txt"), "b one\nb two");
  set_mod_time(dir.file("a.txt"), 1714564800); // 2024-05-01T12:00:00Z
  set_mod_time(dir.file("b.txt"), 1000000000); // 2001-09-09T01:46:40Z
  auto r = read_all("meta", file_input({dir.file("*.txt")}));
  EXPECT_EQ(r.exit_code, 0);
  auto& ch = channel("meta");
  ASSERT_EQ(ch.received.size(), ch.received_meta.size());
  ASSERT_GT(ch.received.size(), 3u);
  EXPECT_GE(r.stats.batches_read, 4u) << "a.txt should take several batches";
  size_t wrong = 0;
  for (size_t i = 0; i < ch.received.size(); ++i) {
    const bool from_a = ch.received[i].rfind("a ", 0) == 0;
    const std::map<std::string, std::string> want =
        from_a ? std::map<std::string, std::string>{{"path", dir.file("a.txt")},
                                                    {"mod_time_unix", "1714564800"},
                                                    {"mod_time", "2024-05-01T12:00:00Z"}}
               : std::map<std::string, std::string>{{"path", dir.file("b.txt")},
                                                    {"mod_time_unix", "1000000000"},
                                                    {"mod_time", "2001-09-09T01:46:40Z"}};
    if (ch.received_meta[i] != want && wrong++ < 3)
      ADD_FAILURE() << "metadata of message " << i << " ('" << ch.received[i] << "') is wrong";
  }
  EXPECT_EQ(wrong, 0u);
}

// The file is deleted only once all its batches were acknowledged: it is still there during
// every write, including the failed ones that made the host replay its batches.
TEST(FileInput, DeleteOnFinishDeletesOnlyAfterEveryBatchIsAcknowledged) {
  TempDir dir;
  std::string a;
  while (a.size() < 2 * kChunk + 100)
    a += "line " + std::to_string(a.size()) + "\n";
  const std::string path = dir.file("a.txt");
  write_file(path, a);
  reset_channel("delete");
  auto& ch = channel("delete");
  ch.fail_writes = 7; // two nacks (three tries each) and one failed try
  std::vector<bool> present;
  ch.on_write = [&] { present.push_back(exists(path)); };
  auto r = run_config(file_input({path}, "    delete_on_finish: true\n") + to_capture("delete"),
                      registry());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stats.nacks, 2u);
  // Replays may reorder batches: compare the lines, not their order.
  std::vector<std::string> got = ch.received, want;
  for (size_t pos = 0, nl; (nl = a.find('\n', pos)) != std::string::npos; pos = nl + 1)
    want.push_back(a.substr(pos, nl - pos));
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_TRUE(got == want) << "got " << got.size() << " lines, expected " << want.size();
  ASSERT_GE(present.size(), 3u + 7u);
  for (size_t i = 0; i < present.size(); ++i)
    EXPECT_TRUE(present[i]) << "the file was gone during write " << i << ", before its ack";
  EXPECT_FALSE(exists(path)) << "the file was not deleted after every batch was acknowledged";
}

TEST(FileInput, DeleteOnFinishKeepsAFileThatWasNotReadCompletely) {
  TempDir dir;
  write_file(dir.file("bad.txt"), "ok\n" + std::string(100, 'x') + "\nnever read\n");
  write_file(dir.file("good.txt"), "fine\n");
  auto r = read_all("keepbad", file_input({dir.file("bad.txt"), dir.file("good.txt")},
                                          "    scanner:\n      lines:\n"
                                          "        max_buffer_size: 10\n"
                                          "    delete_on_finish: true\n"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("keepbad").received, (std::vector<std::string>{"ok", "fine"}));
  EXPECT_TRUE(exists(dir.file("bad.txt"))) << "a file with an unread rest must never be deleted";
  EXPECT_FALSE(exists(dir.file("good.txt")));
}

TEST(FileInput, WithoutDeleteOnFinishFilesStay) {
  TempDir dir;
  write_file(dir.file("a.txt"), "a\n");
  auto r = read_all("stay", file_input({dir.file("a.txt")}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(channel("stay").received, std::vector<std::string>{"a"});
  EXPECT_TRUE(exists(dir.file("a.txt")));
}

} // namespace
} // namespace plugctl::test::file
