#include "config/config.hpp"
#include "unit/test_registry.hpp"

#include <gtest/gtest.h>
#include <stdexcept>

namespace plugctl::core {
namespace {

namespace json = boost::json;
using test::formatted;
using test::test_registry;

std::string create_error(const Registry& reg, std::string_view expr) {
  try {
    create_skeleton(reg, expr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// Creates the skeleton and lints it; returns the config it builds.
Config create_and_lint(const Registry& reg, std::string_view expr) {
  std::string yaml = create_skeleton(reg, expr);
  auto r = load_config_string(yaml, "skeleton.yaml", reg, test::no_env());
  EXPECT_TRUE(r.errors.empty()) << expr << "\n" << yaml << testing::PrintToString(formatted(r));
  EXPECT_TRUE(r.config) << expr;
  return r.config ? *r.config : Config{};
}

TEST(Create, StdinLogSleepStdout) {
  std::string yaml = create_skeleton(test_registry(), "stdin/log,sleep/stdout");
  EXPECT_EQ(yaml, R"(input:
  label: ""
  stdin:
    codec: lines
pipeline:
  threads: -1
  processors:
    - label: ""
      log:
        level: INFO
        message: ""
    - label: ""
      sleep:
        duration: "100ms"
output:
  label: ""
  stdout:
    codec: lines
)");
  Config c = create_and_lint(test_registry(), "stdin/log,sleep/stdout");
  EXPECT_EQ(c.input.type, "stdin");
  ASSERT_EQ(c.processors.size(), 2u);
  EXPECT_EQ(c.processors[1].config, json::parse(R"({"duration":"100ms"})"));
  EXPECT_EQ(c.output.type, "stdout");
}

TEST(Create, EmptyPartsDefaultToStdinAndStdout) {
  for (std::string_view expr : {"", "stdin", "//stdout", "/", " / / ", "stdin/"}) {
    Config c = create_and_lint(test_registry(), expr);
    EXPECT_EQ(c.input.type, "stdin") << expr;
    EXPECT_TRUE(c.processors.empty()) << expr;
    EXPECT_EQ(c.output.type, "stdout") << expr;
  }
  Config c = create_and_lint(test_registry(), "file/ /file");
  EXPECT_EQ(c.input.type, "file");
  EXPECT_EQ(c.output.type, "file");
  Config two = create_and_lint(test_registry(), "generate/mapping");
  EXPECT_EQ(two.input.type, "generate");
  ASSERT_EQ(two.processors.size(), 1u);
  EXPECT_EQ(two.processors[0].type, "mapping");
  EXPECT_EQ(two.output.type, "stdout");
}

TEST(Create, RequiredFieldsGetPlaceholdersAndAdvancedOnesAreLeftOut) {
  std::string yaml = create_skeleton(test_registry(), "file/http/file");
  // paths: the first example; output path: "" (no example); max_buffer: advanced.
  EXPECT_NE(yaml.find("    paths:\n      - \"./data/*.log\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("    path: \"\"\n"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("max_buffer"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("batching"), std::string::npos) << yaml; // advanced, implied
  EXPECT_EQ(yaml.find("tls"), std::string::npos) << yaml;      // optional without default
  // Integer-nanosecond defaults are written as durations lint accepts.
  EXPECT_NE(yaml.find("initial: \"500ms\""), std::string::npos) << yaml;
  Config c = create_and_lint(test_registry(), "file/http/file");
  EXPECT_EQ(c.input.config.at("paths"), json::parse(R"(["./data/*.log"])"));
  EXPECT_EQ(c.processors.at(0).config.at("retries").at("backoff").at("initial"),
            json::value("500ms"));
}

TEST(Create, EveryComboLintsClean) {
  for (std::string_view expr :
       {"generate/log,sleep,http,mapping,retry,echo/drop", "broker/retry/fallback",
        "stdin/echo/file", "file/mapping,mapping/stdout"}) {
    Config c = create_and_lint(test_registry(), expr);
    EXPECT_FALSE(c.input.type.empty()) << expr;
  }
  // Required component fields get a placeholder component.
  Config c = create_and_lint(test_registry(), "stdin/retry/stdout");
  ASSERT_EQ(c.processors.size(), 1u);
  ASSERT_EQ(c.processors[0].nested.size(), 1u);
  EXPECT_EQ(c.processors[0].nested[0].second.kind, ComponentKind::Processor);
}

TEST(Create, SdkStyleSpecsLintClean) {
  // Specs as the SDK writes them, with values YAML would misread unless quoted.
  Registry reg;
  std::vector<ComponentEntry> comps;
  comps.push_back(
      test::make_component(ComponentKind::Input, "stdin", R"({"type":"object","children":[]})"));
  comps.push_back(test::make_component(ComponentKind::Output, "stdout", R"({"type":"object",
      "children":[{"name":"max_in_flight","type":"int","default":64},
      {"name":"batching","type":"object","children":[
        {"name":"count","type":"int","default":0},{"name":"period","type":"duration",
         "default":""}]}]})"));
  comps.push_back(test::make_component(ComponentKind::Processor, "tricky", R"({"type":"object",
      "children":[
        {"name":"yes_str","type":"string","default":"yes"},
        {"name":"num_str","type":"string","default":"5"},
        {"name":"colon","type":"string","default":"a: b # c"},
        {"name":"empty","type":"string","default":""},
        {"name":"ratio","type":"float","default":1},
        {"name":"bool_on","type":"bool","default":true},
        {"name":"every","type":"duration","default":90000000000},
        {"name":"anything","type":"any","default":{"k":[1,"two",null]}},
        {"name":"tags","type":"string","kind":"map","default":{"a b":"c"}},
        {"name":"when","type":"duration"},
        {"name":"kind","type":"string","options":["x-y","z"]},
        {"name":"check","type":"bloblang"},
        {"name":"nums","type":"int","kind":"list"},
        {"name":"flag","type":"bool"},
        {"name":"blob","type":"any"},
        {"name":"auth","type":"object","children":[{"name":"user","type":"string"}]}]})"));
  reg.add_plugin(test::make_plugin("p", "/p/p.so"), std::move(comps));
  ASSERT_TRUE(reg.warnings().empty()) << reg.warnings().front();
  Config c = create_and_lint(reg, "/tricky/");
  ASSERT_EQ(c.processors.size(), 1u);
  EXPECT_EQ(c.processors[0].config, json::parse(R"({"yes_str":"yes","num_str":"5",
      "colon":"a: b # c","empty":"","ratio":1.0,"bool_on":true,"every":"1m30s",
      "anything":{"k":[1,"two",null]},"tags":{"a b":"c"},"when":"0s","kind":"x-y",
      "check":"root = this","nums":[],"flag":false,"blob":{},"auth":{"user":""}})"));
  // batching is implied from defaults and not advanced here, so it is written out.
  EXPECT_EQ(c.output.config.at("batching"), json::parse(R"({"count":0,"period":""})"));
}

TEST(Create, UnknownOrUnavailableComponents) {
  EXPECT_EQ(create_error(test_registry(), "stdin/lgo/stdout"),
            "unknown processor 'lgo' (did you mean 'log'?)");
  EXPECT_EQ(create_error(test_registry(), "fiel"), "unknown input 'fiel' (did you mean 'file'?)");
  EXPECT_EQ(create_error(test_registry(), "//zzzzzz"), "unknown output 'zzzzzz'");
  EXPECT_EQ(create_error(test_registry(), "kafka//"),
            "input 'kafka' is unavailable: plugin kafka (/p/libplugctl-kafka.so) failed to load: "
            "libsnappy.so.1: cannot open shared object file");
  EXPECT_EQ(create_error(test_registry(), "a/b/c/d"),
            "expected INPUT/PROCESSOR,PROCESSOR/OUTPUT, got 'a/b/c/d'");
  Registry empty;
  EXPECT_EQ(create_error(empty, ""), "unknown input 'stdin'");
}

} // namespace
} // namespace plugctl::core
