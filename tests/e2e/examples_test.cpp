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

TEST(ConfigExamples, EveryExampleHasARunCheck) {
  const std::set<std::string> checked = {"error_handling.yaml", "hello_file.yaml"};
  for (const auto& name : examples())
    EXPECT_TRUE(checked.count(name)) << name << " is not run by any test: add a run check";
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
