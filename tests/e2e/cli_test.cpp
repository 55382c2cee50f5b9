// The plugctl binary as a user runs it: commands, exit codes, help, lint output, signals.
#include "support/support.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace plugctl::test {
namespace {

std::string dirs() {
  return "--plugins-dir " + test_plugin_dir() + " --plugins-dir " + test_plugin_dir() + "/broken";
}

TEST(Cli, VersionNamesTheAbi) {
  auto e = run_plugctl("version");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.out, "plugctl " PLUGCTL_VERSION "\nplugin ABI 1.2\n");
}

TEST(Cli, EveryCommandHasHelp) {
  for (std::string cmd :
       {"", "run ", "list ", "plugins ", "lint ", "create ", "docs ", "schema ", "version "}) {
    auto e = run_plugctl(cmd + "--help");
    EXPECT_EQ(e.exit_code, 0) << cmd << e.err;
    EXPECT_NE(e.out.find("Usage"), std::string::npos) << cmd << e.out;
  }
  auto top = run_plugctl("--help");
  for (std::string c :
       {"run", "list", "plugins", "lint", "create", "docs", "schema", "version", "--plugins-dir"})
    EXPECT_NE(top.out.find(c), std::string::npos) << c;
}

TEST(Cli, NoConfigRunsStdinToStdout) {
  std::string input;
  for (int i = 0; i < 10000; ++i)
    input += "line " + std::to_string(i) + "\n";
  auto e = run_plugctl("", input);
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, input);
}

TEST(Cli, ListJsonHasPluginsAndComponentsWithSpecs) {
  auto e = run_plugctl(dirs() + " list --format json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto v = boost::json::parse(e.out).as_object();
  bool saw_failed = false, saw_core = false;
  for (const auto& p : v.at("plugins").as_array()) {
    const auto& o = p.as_object();
    for (const char* k : {"name", "version", "abi", "path", "status", "error"})
      EXPECT_TRUE(o.contains(k)) << k;
    if (o.at("name") == "crash") {
      saw_failed = true;
      EXPECT_EQ(o.at("status"), "failed");
      EXPECT_EQ(o.at("error"), "crashed while loading (signal 11, Segmentation fault)");
    }
    if (o.at("name") == "core") saw_core = o.at("path") == "<builtin>";
  }
  EXPECT_TRUE(saw_failed);
  EXPECT_TRUE(saw_core);
  bool saw_stdin = false;
  for (const auto& c : v.at("components").as_array()) {
    const auto& o = c.as_object();
    for (const char* k : {"kind", "name", "plugin", "status", "summary", "description", "config"})
      EXPECT_TRUE(o.contains(k)) << k;
    if (o.at("name") == "stdin") {
      saw_stdin = true;
      EXPECT_EQ(o.at("kind"), "input");
      EXPECT_EQ(o.at("config").as_object().at("type"), "object");
    }
  }
  EXPECT_TRUE(saw_stdin);
}

TEST(Cli, ListTableFiltersByKind) {
  auto e = run_plugctl("list output");
  ASSERT_EQ(e.exit_code, 0);
  EXPECT_NE(e.out.find("stdout"), std::string::npos);
  EXPECT_EQ(e.out.find("stdin"), std::string::npos);
  EXPECT_EQ(run_plugctl("list widgets").exit_code, 2);
}

TEST(Cli, PluginsShowsEachFailureWithPathAndReason) {
  auto e = run_plugctl(dirs() + " plugins");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_NE(e.out.find(test_plugin_dir() + "/broken/libplugctl-noentry.so"), std::string::npos);
  EXPECT_NE(e.out.find("error: no entry symbol plugctl_plugin_entry_v1"), std::string::npos);
  EXPECT_NE(e.out.find("warning: duplicate input 'c_counter'"), std::string::npos);
}

TEST(Cli, LintExitCodesAndMessages) {
  TempDir tmp;
  write_file(tmp.file("good.yaml"), "input:\n  stdin: {}\noutput:\n  stdout: {}\n");
  write_file(tmp.file("bad.yaml"),
             "input:\n  generate:\n    count: many\n    intervl: 1s\noutput:\n  stdot: {}\n");
  auto good = run_plugctl("lint " + tmp.file("good.yaml"));
  EXPECT_EQ(good.exit_code, 0);
  EXPECT_EQ(good.out, "");
  auto bad = run_plugctl("lint " + tmp.file("bad.yaml"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out,
            tmp.file("bad.yaml") + ":3:12: input.generate.count: expected int, got 'many'\n" +
                tmp.file("bad.yaml") +
                ":4:5: input.generate: unknown field 'intervl' (did you mean 'interval'?)\n" +
                tmp.file("bad.yaml") +
                ":6:3: output: unknown output type 'stdot' (did you mean 'stdout'?)\n");
  auto missing = run_plugctl("lint " + tmp.file("nope.yaml"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.out, tmp.file("nope.yaml") + ": cannot read: No such file or directory\n");
}

TEST(Cli, RunRefusesAConfigWithLintErrorsUnlessChilled) {
  TempDir tmp;
  write_file(tmp.file("c.yaml"),
             "input:\n  generate:\n    payload: x\n    count: 3\n    interval: 0s\n"
             "output:\n  stdout:\n    codec: lines\n    colour: blue\n");
  auto refused = run_plugctl("run " + tmp.file("c.yaml"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find(":9:5: output.stdout: unknown field 'colour'"), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.out, "");
  auto chilled = run_plugctl("run --chilled " + tmp.file("c.yaml"));
  EXPECT_EQ(chilled.exit_code, 0) << chilled.err;
  EXPECT_EQ(chilled.out, "x\nx\nx\n");
  auto dash_c = run_plugctl("--chilled -c " + tmp.file("c.yaml"));
  EXPECT_EQ(dash_c.exit_code, 0);
  EXPECT_EQ(dash_c.out, "x\nx\nx\n");
}

TEST(Cli, SigtermDrainsAndExitsZero) {
  TempDir tmp;
  write_file(tmp.file("c.yaml"),
             "input:\n  generate:\n    payload: tick\n    interval: 5ms\noutput:\n  stdout: {}\n"
             "logger:\n  level: INFO\n  format: json\n");
  auto e = run_plugctl("run " + tmp.file("c.yaml"), "", "timeout --preserve-status -s TERM 1");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_GT(e.out.size(), 0u);
  EXPECT_NE(e.err.find("\"msg\":\"Received SIGTERM, shutting down\""), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("\"msg\":\"Pipeline has terminated"), std::string::npos);
}

TEST(Cli, CreatePrintsASkeletonThatLintsClean) {
  TempDir tmp;
  auto e = run_plugctl("create stdin/log,sleep/stdout");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  write_file(tmp.file("s.yaml"), e.out);
  auto lint = run_plugctl("lint " + tmp.file("s.yaml"));
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_NE(e.out.find("sleep:"), std::string::npos);
  auto file = run_plugctl("create file//file");
  ASSERT_EQ(file.exit_code, 0) << file.err;
  write_file(tmp.file("f.yaml"), file.out);
  EXPECT_EQ(run_plugctl("lint " + tmp.file("f.yaml")).exit_code, 0) << file.out;
  auto bad = run_plugctl("create stdin/lgo/stdout");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "plugctl create: unknown processor 'lgo' (did you mean 'log'?)\n");
}

TEST(Cli, EnvironmentInterpolation) {
  TempDir tmp;
  write_file(
      tmp.file("c.yaml"),
      "input:\n  generate:\n    payload: ${GREETING:hello}\n    count: ${N}\n    interval: 0s\n"
      "output:\n  stdout: {}\n");
  auto e = run_plugctl("run " + tmp.file("c.yaml"), "", "N=2");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "hello\nhello\n");
  auto unset = run_plugctl("lint " + tmp.file("c.yaml"));
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_NE(unset.out.find(":4:12: environment variable 'N' is not set"), std::string::npos)
      << unset.out;
}

} // namespace
} // namespace plugctl::test
