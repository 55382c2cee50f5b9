// The file plugin's example configs (plugins/file/examples/*.yaml) lint clean, and each one is
// run here in a temp dir (they use relative paths) with its result checked, so they never rot.
// A new example must be added to kExamples below: EveryExampleHasARunCheck says so.
#include "file_test_support.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

namespace plugctl::test::file {
namespace {

namespace fs = std::filesystem;

std::string examples_dir() {
  return source_dir() + "/plugins/file/examples";
}

std::vector<std::string> example_names() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(examples_dir()))
    if (e.path().extension() == ".yaml") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Example {
  const char* name;
  std::function<void(TempDir&)> prepare;
  std::function<void(TempDir&, const Exec&)> check;
};

const Example kExamples[] = {
    {"file_to_file.yaml",
     [](TempDir& d) {
       fs::create_directory(d.file("in"));
       write_file(d.file("in/b.log"), "b1\n");
       write_file(d.file("in/a.log"), "a1\na2");
       write_file(d.file("in/c.txt"), "not a .log file\n");
     },
     [](TempDir& d, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       EXPECT_EQ(read_file(d.file("out/all.log")), "a1\na2\nb1\n");
     }},
    {"whole_files.yaml",
     [](TempDir& d) {
       fs::create_directory(d.file("inbox"));
       write_file(d.file("inbox/1.json"), "{\"id\": 1}\n");
       write_file(d.file("inbox/2.json"), "{\"id\": 2,\n \"tags\": [\"a\", \"b\"]}");
     },
     [](TempDir& d, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       EXPECT_EQ(read_file(d.file("archive/documents.txt")),
                 "{\"id\": 1}\n\n---\n{\"id\": 2,\n \"tags\": [\"a\", \"b\"]}\n---\n");
       EXPECT_FALSE(exists(d.file("inbox/1.json"))) << "delete_on_finish did not delete it";
       EXPECT_FALSE(exists(d.file("inbox/2.json"))) << "delete_on_finish did not delete it";
     }},
    // One output file per input file, named after it (the output path is interpolated).
    {"split_by_source.yaml",
     [](TempDir& d) {
       fs::create_directory(d.file("in"));
       write_file(d.file("in/a.txt"), "x\n");
       write_file(d.file("in/b.txt"), "y\nz\n");
     },
     [](TempDir& d, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       EXPECT_EQ(read_file(d.file("out/a.txt")), "x\n");
       EXPECT_EQ(read_file(d.file("out/b.txt")), "y\nz\n");
     }},
};

TEST(FileExamples, LintClean) {
  auto names = example_names();
  ASSERT_FALSE(names.empty()) << "no examples found in " << examples_dir();
  for (const auto& name : names) {
    auto e = run_plugctl("lint " + examples_dir() + "/" + name);
    EXPECT_EQ(e.exit_code, 0) << name << ":\n" << e.out << e.err;
    EXPECT_EQ(e.out, "") << name;
  }
}

TEST(FileExamples, EveryExampleHasARunCheck) {
  std::set<std::string> known;
  for (const auto& x : kExamples)
    known.insert(x.name);
  for (const auto& name : example_names())
    EXPECT_TRUE(known.count(name)) << name << " is not run by any test: add it to kExamples";
}

TEST(FileExamples, RunInATempDir) {
  for (const auto& x : kExamples) {
    SCOPED_TRACE(x.name);
    TempDir dir;
    fs::copy_file(examples_dir() + "/" + x.name, dir.file(x.name));
    x.prepare(dir);
    auto e = run_plugctl("run " + std::string(x.name), "",
                         "cd " + dir.path().string() + " && timeout 120");
    EXPECT_NE(e.exit_code, 124) << "the example did not finish by itself";
    x.check(dir, e);
  }
}

} // namespace
} // namespace plugctl::test::file
