// The bundled example configs (config/examples/*.yaml) lint clean and run to their documented
// result, so the docs never rot. A new example must be added to the run checks below.
#include "support/support.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <set>

namespace plugctl::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> examples() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(source_dir() + "/config/examples"))
    if (e.path().extension() == ".yaml") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ConfigExamples, LintClean) {
  auto names = examples();
  ASSERT_FALSE(names.empty());
  for (const auto& name : names) {
    auto e = run_plugctl("lint " + source_dir() + "/config/examples/" + name);
    EXPECT_EQ(e.exit_code, 0) << name << ":\n" << e.out << e.err;
    EXPECT_EQ(e.out, "") << name;
  }
}

// Every example below has a run check; a new example must get one.
const std::set<std::string> kRunChecked = {"dead_letter.yaml", "error_handling.yaml",
                                           "hello_file.yaml"};

TEST(ConfigExamples, EveryExampleHasARunCheck) {
  for (const auto& name : examples())
    EXPECT_TRUE(kRunChecked.count(name)) << name << " is not run by any test: add a run check";
}

// What `make run` does: from the source dir, the file plugin reads the data file and stdout
// prints every line; the pipeline ends by itself.
TEST(ConfigExamples, HelloFilePrintsTheDataFile) {
  auto e = run_plugctl("run config/examples/hello_file.yaml", "",
                       "cd " + source_dir() + " && timeout 120");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, read_file(source_dir() + "/config/examples/data/hello.txt"));
  EXPECT_NE(e.err.find("a line passed through the pipeline"), std::string::npos) << e.err;
}

// The dead-letter pattern: good orders in orders.jsonl, refused ones with their reason in
// dead-letter.jsonl, every order in exactly one of them.
TEST(ConfigExamples, DeadLetterRoutesRefusedOrdersWithTheirError) {
  TempDir tmp;
  auto e = run_plugctl("run " + source_dir() + "/config/examples/dead_letter.yaml", "",
                       "cd " + tmp.path().string() + " && timeout 120");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  auto good = read_lines(tmp.file("orders.jsonl"));
  auto dead = read_lines(tmp.file("dead-letter.jsonl"));
  // Output batches are in flight concurrently, so the order within a file is not fixed.
  std::sort(good.begin(), good.end());
  std::sort(dead.begin(), dead.end());
  EXPECT_EQ(good, (std::vector<std::string>{R"({"amount":10,"amount_cents":1000,"id":1})",
                                            R"({"amount":20,"amount_cents":2000,"id":2})",
                                            R"({"amount":40,"amount_cents":4000,"id":4})",
                                            R"({"amount":50,"amount_cents":5000,"id":5})"}));
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(
      dead[0],
      R"x({"error":"order 3 refused: failed assignment (line 2): cannot multiply types string (from field `this.amount`) and number (from number literal)","order":{"amount":"not a number","id":3}})x");
  EXPECT_NE(dead[1].find("\"id\":6"), std::string::npos) << dead[1];
}

// try/catch: the orders whose pricing fails are logged and rewritten as rejections, the others
// priced; every generated order comes out, in order, and the pipeline ends by itself.
TEST(ConfigExamples, ErrorHandlingRecoversTheFailedOrders) {
  auto e = run_plugctl("run config/examples/error_handling.yaml", "",
                       "cd " + source_dir() + " && timeout 120");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  const std::string why = "failed assignment (line 2): cannot multiply types string (from field "
                          "`this.qty`) and number (from number literal)";
  EXPECT_EQ(e.out, "{\"id\":1,\"status\":\"priced\",\"total\":10}\n"
                   "{\"id\":2,\"status\":\"priced\",\"total\":20}\n"
                   "{\"id\":3,\"reason\":\"" +
                       why +
                       "\",\"status\":\"rejected\"}\n"
                       "{\"id\":4,\"status\":\"priced\",\"total\":40}\n"
                       "{\"id\":5,\"status\":\"priced\",\"total\":50}\n"
                       "{\"id\":6,\"reason\":\"" +
                       why + "\",\"status\":\"rejected\"}\n");
  EXPECT_NE(e.err.find("level=warn msg=\"order 3 failed: " + why), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("level=warn msg=\"order 6 failed: " + why), std::string::npos) << e.err;
  EXPECT_EQ(e.err.find("order 1 failed"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("6 message(s) read, 6 written"), std::string::npos) << e.err;
}

} // namespace
} // namespace plugctl::test
