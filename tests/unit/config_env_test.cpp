#include "config/config.hpp"
#include "unit/test_registry.hpp"

#include <cstdlib>
#include <gtest/gtest.h>

namespace plugctl::core {
namespace {

using test::env_of;
using test::formatted;
using test::lint;

std::string expand(std::string_view text, const EnvLookup& env,
                   std::vector<LintError>* errors_out = nullptr) {
  std::vector<LintError> errors;
  std::string out = expand_env(text, "f.yaml", env, errors);
  if (errors_out != nullptr) *errors_out = errors;
  return out;
}

TEST(ExpandEnv, SubstitutesSetVariables) {
  auto env = env_of({{"DIR", "/var/log"}, {"N", "5"}});
  EXPECT_EQ(expand("paths: [${DIR}/a.log, ${DIR}/b.log]\ncount: ${N}\n", env),
            "paths: [/var/log/a.log, /var/log/b.log]\ncount: 5\n");
}

TEST(ExpandEnv, DefaultsApplyWhenUnsetOrEmpty) {
  auto env = env_of({{"SET", "x"}, {"EMPTY", ""}});
  EXPECT_EQ(expand("${UNSET:dflt}", env), "dflt");
  EXPECT_EQ(expand("${SET:dflt}", env), "x");
  EXPECT_EQ(expand("${EMPTY:dflt}", env), "dflt");
  EXPECT_EQ(expand("a${UNSET:}b", env), "ab"); // an empty default is a default
  EXPECT_EQ(expand("${UNSET:http://localhost:4195/x}", env), "http://localhost:4195/x");
  std::vector<LintError> errors;
  EXPECT_EQ(expand("[${EMPTY}]", env, &errors), "[]"); // set but empty: no error
  EXPECT_TRUE(errors.empty());
}

TEST(ExpandEnv, MissingVariableIsAnErrorAtItsPosition) {
  std::vector<LintError> errors;
  EXPECT_EQ(expand("a: 1\nb: x${NOPE}y ${ALSO_NOPE}\n", env_of({}), &errors), "a: 1\nb: xy \n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].format(), "f.yaml:2:5: environment variable 'NOPE' is not set");
  EXPECT_EQ(errors[1].format(), "f.yaml:2:14: environment variable 'ALSO_NOPE' is not set");
  EXPECT_EQ(errors[0].path, "");
}

TEST(ExpandEnv, EscapesAndBloblangAreLeftAlone) {
  std::vector<LintError> errors;
  auto env = env_of({{"FOO", "bar"}});
  EXPECT_EQ(expand("$${FOO}", env, &errors), "${FOO}");
  EXPECT_EQ(expand("$${NOPE:x} ${FOO}", env, &errors), "${NOPE:x} bar");
  EXPECT_EQ(expand(R"(${! meta("kafka_key") } ${!this.id})", env, &errors),
            R"(${! meta("kafka_key") } ${!this.id})");
  EXPECT_EQ(expand("${FOO", env, &errors), "${FOO");           // unterminated
  EXPECT_EQ(expand("${FOO:a\n}", env, &errors), "${FOO:a\n}"); // defaults stay on one line
  EXPECT_EQ(expand("${ FOO }", env, &errors), "${ FOO }");
  EXPECT_EQ(expand("$FOO $ {FOO} cost: 5$", env, &errors), "$FOO $ {FOO} cost: 5$");
  // The interpolation escape "$${!" reaches the component as written.
  EXPECT_EQ(expand("out-$${!literal}-${FOO}", env, &errors), "out-$${!literal}-bar");
  EXPECT_TRUE(errors.empty());
}

TEST(ExpandEnv, ProcessEnvReadsTheEnvironment) {
  ASSERT_EQ(setenv("PLUGCTL_CONFIG_TEST_VAR", "hello", 1), 0);
  EnvLookup env = process_env();
  EXPECT_EQ(env("PLUGCTL_CONFIG_TEST_VAR").value_or(""), "hello");
  unsetenv("PLUGCTL_CONFIG_TEST_VAR");
  EXPECT_FALSE(env("PLUGCTL_CONFIG_TEST_VAR"));
}

TEST(ConfigEnv, ExpandedValuesReachTheConfig) {
  auto r = lint("input:\n  file:\n    paths: [ \"${DIR:/tmp}/in.log\" ]\n    codec: ${CODEC}\n",
                env_of({{"CODEC", "all-bytes"}}));
  EXPECT_TRUE(r.errors.empty()) << testing::PrintToString(formatted(r));
  ASSERT_TRUE(r.config);
  EXPECT_EQ(boost::json::serialize(r.config->input.config.at("paths")), R"(["/tmp/in.log"])");
  EXPECT_EQ(r.config->input.config.at("codec").as_string(), "all-bytes");
}

TEST(ConfigEnv, MissingVariableIsALintErrorAndTheRestIsStillLinted) {
  auto r = lint("input:\n  file:\n    paths: [ \"${DIR}/in.log\" ]\n    codex: lines\n");
  EXPECT_EQ(formatted(r),
            (std::vector<std::string>{
                "test.yaml:3:15: environment variable 'DIR' is not set",
                "test.yaml:4:5: input.file: unknown field 'codex' (did you mean 'codec'?)"}));
  ASSERT_TRUE(r.config);
  EXPECT_EQ(boost::json::serialize(r.config->input.config.at("paths")), R"(["/in.log"])");
}

TEST(ConfigEnv, PositionsAfterASubstitutionPointIntoTheOriginalLine) {
  // ${C:lines} (10 bytes) becomes "lines" (5 bytes), ${LONG} becomes 30 bytes: lint positions
  // later on the same line must still be those of the file as written.
  std::string yaml = "input:\n  stdin: { codec: ${C:lines}, bogus: ${LONG}, nope: 1 }\n";
  auto r = lint(yaml, env_of({{"LONG", std::string(30, 'x')}}));
  ASSERT_EQ(r.errors.size(), 2u) << testing::PrintToString(formatted(r));
  int bogus_col = int(yaml.find("bogus") - yaml.find("  stdin")) + 1;
  int nope_col = int(yaml.find("nope") - yaml.find("  stdin")) + 1;
  EXPECT_EQ(r.errors[0].format(),
            "test.yaml:2:" + std::to_string(bogus_col) + ": input.stdin: unknown field 'bogus'");
  EXPECT_EQ(r.errors[1].format(),
            "test.yaml:2:" + std::to_string(nope_col) + ": input.stdin: unknown field 'nope'");
  // A wrong value that came from a variable is reported where the variable is.
  auto bad = lint("input:\n  file:\n    paths: []\n    codec: ${C}\n", env_of({{"C", "xml"}}));
  EXPECT_EQ(formatted(bad), (std::vector<std::string>{
                                "test.yaml:4:12: input.file.codec: invalid value 'xml', expected "
                                "one of: lines, delimiter, all-bytes"}));
}

TEST(ConfigEnv, LiteralDollarBraceSurvivesIntoTheConfig) {
  auto r = lint("pipeline:\n  processors:\n    - log:\n        message: 'cost $${PRICE}'\n");
  EXPECT_TRUE(r.errors.empty()) << testing::PrintToString(formatted(r));
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.config->processors.size(), 1u);
  EXPECT_EQ(r.config->processors[0].config.at("message").as_string(), "cost ${PRICE}");
}

} // namespace
} // namespace plugctl::core
