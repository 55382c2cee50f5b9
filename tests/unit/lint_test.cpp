#include "config/config.hpp"
#include "unit/test_registry.hpp"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

namespace plugctl::core {
namespace {

namespace json = boost::json;
using test::formatted;
using test::lint;
using Errors = std::vector<std::string>;

// Raw strings start on the line after R"( for readability; drop that first newline.
std::string Y(std::string_view s) {
  if (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  return std::string(s);
}

#define EXPECT_ERRORS(result, ...)                                                                 \
  EXPECT_EQ(formatted(result), (Errors{__VA_ARGS__})) << testing::PrintToString(formatted(result))

TEST(Lint, GoodConfigBuildsTheTypedTree) {
  auto r = lint(Y(R"(
input:
  label: in_file
  file:
    paths: [ ./a.log, "./b.log" ]
    codec: all-bytes
  processors:
    - sleep:
        duration: 100ms
pipeline:
  threads: 4
  processors:
    - log:
        level: DEBUG
        message: hello ${! this.id }
    - label: slow
      sleep:
        duration: 1m30s
output:
  stdout: {}
logger:
  level: debug
  format: json
  add_timestamp: false
  static_fields:
    app: demo
shutdown_timeout: 5s
)"));
  EXPECT_ERRORS(r);
  ASSERT_TRUE(r.config);
  const Config& c = *r.config;
  EXPECT_EQ(c.file, "test.yaml");

  EXPECT_EQ(c.input.kind, ComponentKind::Input);
  EXPECT_EQ(c.input.type, "file");
  EXPECT_EQ(c.input.label, "in_file");
  EXPECT_EQ(c.input.path, "input");
  EXPECT_EQ(c.input.pos.line, 3);
  EXPECT_EQ(c.input.pos.column, 3);
  ASSERT_NE(c.input.entry, nullptr);
  EXPECT_EQ(c.input.entry, test::test_registry().find(ComponentKind::Input, "file"));
  // Advanced fields get their defaults too: the plugin reads them.
  EXPECT_EQ(c.input.config, json::parse(R"({"paths":["./a.log","./b.log"],"codec":"all-bytes",
      "delete_on_finish":false,"max_buffer":1000000})"));
  ASSERT_EQ(c.input.processors.size(), 1u);
  EXPECT_EQ(c.input.processors[0].kind, ComponentKind::Processor);
  EXPECT_EQ(c.input.processors[0].path, "input.processors.0");
  EXPECT_EQ(c.input.processors[0].type, "sleep");
  EXPECT_EQ(c.input.processors[0].config, json::parse(R"({"duration":"100ms"})"));

  EXPECT_EQ(c.threads, 4);
  ASSERT_EQ(c.processors.size(), 2u);
  EXPECT_EQ(c.processors[0].path, "pipeline.processors.0");
  EXPECT_EQ(c.processors[0].label, "");
  EXPECT_EQ(c.processors[0].config,
            json::parse(R"({"level":"DEBUG","message":"hello ${! this.id }"})"));
  EXPECT_EQ(c.processors[1].label, "slow");
  EXPECT_EQ(c.processors[1].path, "pipeline.processors.1");
  EXPECT_EQ(c.processors[1].pos.line, 16);

  EXPECT_EQ(c.output.type, "stdout");
  EXPECT_EQ(c.output.kind, ComponentKind::Output);
  EXPECT_EQ(c.output.config, json::parse(R"({"codec":"lines"})"));

  EXPECT_EQ(c.logger.level, "DEBUG");
  EXPECT_EQ(c.logger.format, "json");
  EXPECT_FALSE(c.logger.add_timestamp);
  EXPECT_EQ(c.logger.static_fields, (std::map<std::string, std::string>{{"app", "demo"}}));
  EXPECT_EQ(c.shutdown_timeout, std::chrono::seconds(5));
}

TEST(Lint, AbsentInputAndOutputDefaultToStdinAndStdout) {
  for (const char* yaml : {"", "# nothing but a comment\n", "input:\noutput: ~\n"}) {
    auto r = lint(yaml);
    EXPECT_ERRORS(r);
    ASSERT_TRUE(r.config);
    EXPECT_EQ(r.config->input.type, "stdin");
    EXPECT_EQ(r.config->input.path, "input");
    EXPECT_NE(r.config->input.entry, nullptr);
    EXPECT_EQ(r.config->input.config, json::parse(R"({"codec":"lines"})"));
    EXPECT_EQ(r.config->output.type, "stdout");
    EXPECT_EQ(r.config->threads, -1);
    EXPECT_EQ(r.config->logger.level, "INFO");
    EXPECT_EQ(r.config->logger.static_fields.at("@service"), "plugctl");
    EXPECT_EQ(r.config->shutdown_timeout, std::chrono::seconds(20));
  }
  // Without stdin/stdout in the registry, nothing is filled in and nothing is reported.
  Registry empty;
  auto r = load_config_string("", "e.yaml", empty, test::no_env());
  EXPECT_TRUE(r.errors.empty());
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->input.type, "");
  EXPECT_EQ(r.config->input.entry, nullptr);
}

TEST(Lint, YamlSyntaxError) {
  auto r = lint(Y(R"(
input:
  file:
    paths: [a, b
output:
  stdout: {}
)"));
  EXPECT_ERRORS(r, "test.yaml:4:7: yaml: end of sequence flow not found");
  EXPECT_FALSE(r.config); // nothing to build from text that does not parse
  EXPECT_FALSE(r.unreadable);

  auto r2 = lint("input:\n  stdin: {}\n   codec: lines\n");
  EXPECT_ERRORS(r2, "test.yaml:3:4: yaml: end of map not found");
  EXPECT_TRUE(r2.errors[0].path.empty());
}

TEST(Lint, SeveralYamlDocumentsAreRefused) {
  auto r = lint("input:\n  stdin: {}\n---\noutput:\n  stdout: {}\n");
  EXPECT_ERRORS(r, "test.yaml:4:1: yaml: a config holds one document, this is document 2");
}

TEST(Lint, TopLevelMustBeAMap) {
  EXPECT_ERRORS(lint("- input\n- output\n"),
                "test.yaml:1:1: expected a map of config sections, got a list");
}

TEST(Lint, UnknownTopLevelField) {
  EXPECT_ERRORS(lint("inptu:\n  stdin: {}\n"),
                "test.yaml:1:1: unknown field 'inptu' (did you mean 'input'?)");
  EXPECT_ERRORS(lint("output:\n  stdout: {}\nzzzzzz: 1\n"),
                "test.yaml:3:1: unknown field 'zzzzzz'");
  // A byte order mark does not shift columns.
  EXPECT_ERRORS(lint("\xEF\xBB\xBFpipline: {}\n"),
                "test.yaml:1:1: unknown field 'pipline' (did you mean 'pipeline'?)");
}

TEST(Lint, UnknownFieldWithSuggestionAndMissingRequired) {
  auto r = lint(Y(R"(
input:
  file:
    pathz: [a.log]
    delete_on_finish: true
)"));
  EXPECT_ERRORS(r, "test.yaml:2:3: input.file: missing required field 'paths'",
                "test.yaml:3:5: input.file: unknown field 'pathz' (did you mean 'paths'?)");
  // Still built for --chilled, with what could be understood.
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->input.config.at("delete_on_finish"), json::value(true));
  EXPECT_FALSE(r.config->input.config.as_object().contains("pathz"));

  EXPECT_ERRORS(lint("pipeline:\n  processors:\n    - sleep: {}\n"),
                "test.yaml:3:7: pipeline.processors.0.sleep: missing required field 'duration'");
  EXPECT_ERRORS(lint("pipeline:\n  processors:\n    - sleep:\n"),
                "test.yaml:3:7: pipeline.processors.0.sleep: missing required field 'duration'");
}

TEST(Lint, WrongTypes) {
  auto r = lint(Y(R"(
input:
  generate:
    mapping: root = this
    count: abc
    interval: 5 sec
output:
  file:
    path: [a]
    codec: {x: 1}
pipeline:
  processors:
    - http:
        url: http://example.com
        rate: fast
    - http:
        url: 5
        rate: 1
        retries:
          max: 1.5
    - generate: {}
)"));
  EXPECT_ERRORS(r, "test.yaml:4:12: input.generate.count: expected int, got 'abc'",
                "test.yaml:5:15: input.generate.interval: invalid duration '5 sec' (examples: "
                "500ms, 10s, 1m30s)",
                "test.yaml:8:11: output.file.path: expected string, got a list",
                "test.yaml:9:12: output.file.codec: expected string, got a map",
                "test.yaml:14:15: pipeline.processors.0.http.rate: expected float, got 'fast'",
                "test.yaml:19:16: pipeline.processors.1.http.retries.max: expected int, got '1.5'",
                "test.yaml:20:7: pipeline.processors.2: unknown processor type 'generate'");
  ASSERT_TRUE(r.config);
  // Strings take any scalar; floats take integers.
  EXPECT_EQ(r.config->processors[1].config.at("url"), json::value("5"));
  EXPECT_EQ(r.config->processors[1].config.at("rate"), json::value(1.0));
}

TEST(Lint, ScalarsFollowTheYamlCoreSchema) {
  auto r = lint(Y(R"(
input:
  generate:
    mapping: root = ""
    count: "5"
output:
  file:
    path: true
pipeline:
  processors:
    - log:
        message: 12
    - http:
        url: x
        tls:
          enabled: yes
    - http:
        url: x
        tls:
          enabled: TRUE
        retries:
          max: 0x10
)"));
  EXPECT_ERRORS(
      r, "test.yaml:4:12: input.generate.count: expected int, got a quoted string '5'",
      "test.yaml:15:20: pipeline.processors.1.http.tls.enabled: expected bool, got 'yes'");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->output.config.at("path"), json::value("true"));
  EXPECT_EQ(r.config->processors[0].config.at("message"), json::value("12"));
  EXPECT_EQ(r.config->processors[2].config.at("tls").at("enabled"), json::value(true));
  EXPECT_EQ(r.config->processors[2].config.at("retries").at("max"), json::value(16));
}

TEST(Lint, ListsAndMapsExpected) {
  auto r = lint(Y(R"(
input:
  file:
    paths: a.log
pipeline:
  processors:
    - http:
        url: x
        headers: [a, b]
)"));
  EXPECT_ERRORS(r, "test.yaml:3:12: input.file.paths: expected a list, got a scalar",
                "test.yaml:8:18: pipeline.processors.0.http.headers: expected a map, got a list");
}

TEST(Lint, BadEnumValue) {
  EXPECT_ERRORS(lint("input:\n  file:\n    paths: []\n    codec: xx\n"),
                "test.yaml:4:12: input.file.codec: invalid value 'xx', expected one of: lines, "
                "delimiter, all-bytes");
  EXPECT_ERRORS(lint("pipeline:\n  processors:\n    - log:\n        level: info\n"),
                "test.yaml:4:16: pipeline.processors.0.log.level: invalid value 'info', "
                "expected one of: TRACE, DEBUG, INFO, WARN, ERROR");
}

TEST(Lint, Durations) {
  auto r = lint(Y(R"(
pipeline:
  processors:
    - sleep:
        duration: 5
    - sleep:
        duration: 0
    - sleep:
        duration: -1.5h
    - sleep:
        duration: ""
    - http:
        url: x
        batching:
          period: ""
shutdown_timeout: soon
)"));
  EXPECT_ERRORS(r,
                "test.yaml:4:19: pipeline.processors.0.sleep.duration: invalid duration '5' "
                "(examples: 500ms, 10s, 1m30s)",
                "test.yaml:10:19: pipeline.processors.3.sleep.duration: invalid duration '' "
                "(examples: 500ms, 10s, 1m30s)",
                "test.yaml:15:19: shutdown_timeout: invalid duration 'soon' (examples: 500ms, "
                "10s, 1m30s)");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->processors[1].config.at("duration"), json::value("0"));
  EXPECT_EQ(r.config->processors[2].config.at("duration"), json::value("-1.5h"));
  EXPECT_EQ(r.config->shutdown_timeout, std::chrono::seconds(20)); // unchanged on error
}

TEST(Lint, UnknownComponents) {
  auto r = lint(Y(R"(
input:
  fiel:
    paths: [a]
pipeline:
  processors:
    - lgo: {}
    - zzzzzzzz: {}
output:
  lable: x
  stdout: {}
)"));
  EXPECT_ERRORS(r, "test.yaml:2:3: input: unknown input type 'fiel' (did you mean 'file'?)",
                "test.yaml:6:7: pipeline.processors.0: unknown processor type 'lgo' (did you "
                "mean 'log'?)",
                "test.yaml:7:7: pipeline.processors.1: unknown processor type 'zzzzzzzz'",
                "test.yaml:9:3: output: unknown field 'lable' (did you mean 'label'?)");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->input.type, "fiel"); // kept for --chilled, without an entry
  EXPECT_EQ(r.config->input.entry, nullptr);
  EXPECT_EQ(r.config->output.type, "stdout");
}

TEST(Lint, UnavailableComponents) {
  auto r = lint(Y(R"(
input:
  kafka:
    addresses: [localhost:9092]
output:
  amqp_0_9:
    urls: [amqp://localhost]
)"));
  EXPECT_ERRORS(r,
                "test.yaml:2:3: input: input type 'kafka' is unavailable: plugin kafka "
                "(/p/libplugctl-kafka.so) failed to load: libsnappy.so.1: cannot open shared "
                "object file",
                "test.yaml:5:3: output: output type 'amqp_0_9' is unavailable: plugin amqp "
                "(/p/libplugctl-amqp.so) failed to load: needs plugctl ABI 1.3");
}

TEST(Lint, ExactlyOneComponentType) {
  EXPECT_ERRORS(lint("input:\n  file:\n    paths: [a]\n  stdin: {}\n"),
                "test.yaml:4:3: input: expected exactly one input type, got 'file' and 'stdin'");
  EXPECT_ERRORS(lint("input:\n  label: x\n"),
                "test.yaml:1:1: input: expected exactly one input type, got none");
  EXPECT_ERRORS(lint("input: stdin\n"), "test.yaml:1:8: input: expected an input, got a scalar");
  EXPECT_ERRORS(lint("pipeline:\n  processors:\n    - log\n"),
                "test.yaml:3:7: pipeline.processors.0: expected a processor, got a scalar");
  EXPECT_ERRORS(lint("pipeline:\n  processors:\n    log: {}\n"),
                "test.yaml:3:5: pipeline.processors: expected a list, got a map");
}

TEST(Lint, Labels) {
  auto r = lint(Y(R"(
input:
  label: a
  stdin: {}
pipeline:
  processors:
    - label: a
      log: {}
    - label: Bad-Label
      log: {}
    - label: ""
      log: {}
output:
  label: [x]
  stdout: {}
)"));
  EXPECT_ERRORS(r,
                "test.yaml:6:14: pipeline.processors.0.label: label 'a' is already used at "
                "test.yaml:2:10",
                "test.yaml:8:14: pipeline.processors.1.label: invalid label 'Bad-Label' (labels "
                "match [a-z0-9_]+)",
                "test.yaml:13:10: output.label: expected string, got a list");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->input.label, "a");
  EXPECT_EQ(r.config->processors[2].label, "");
}

TEST(Lint, Resources) {
  auto r = lint(Y(R"(
input_resources:
  - label: in_a
    stdin: {}
  - stdin: {}
processor_resources:
  - label: in_a
    log: {}
  - label: proc_b
    sleep:
      duration: 1s
cache_resources:
  - label: mem
    memory:
      default_ttl: 1h
output_resources: {}
)"));
  EXPECT_ERRORS(r, "test.yaml:4:5: input_resources.1: missing required field 'label'",
                "test.yaml:6:12: processor_resources.0.label: label 'in_a' is already used at "
                "test.yaml:2:12",
                "test.yaml:15:19: output_resources: expected a list, got a map");
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.config->input_resources.size(), 1u);
  EXPECT_EQ(r.config->input_resources.at("in_a").path, "input_resources.0");
  ASSERT_EQ(r.config->processor_resources.count("proc_b"), 1u);
  EXPECT_EQ(r.config->processor_resources.at("proc_b").config, json::parse(R"({"duration":"1s"})"));
  const ComponentConfig& mem = r.config->cache_resources.at("mem");
  EXPECT_EQ(mem.kind, ComponentKind::Cache);
  EXPECT_EQ(mem.path, "cache_resources.0");
  EXPECT_EQ(mem.config, json::parse(R"({"default_ttl":"1h"})"));
}

TEST(Lint, NestedObjectsListsAndMaps) {
  auto r = lint(Y(R"(
pipeline:
  processors:
    - http:
        url: http://x/${! this.id }
        headers:
          Content-Type: application/json
          X-Count: 5
          X-Bad: [a]
        tls:
          enabled: maybe
          root_cas: [ok, {a: 1}]
          extra: 1
        retries:
          backoff:
            initial: 2s
            maxx: 1m
)"));
  EXPECT_ERRORS(
      r, "test.yaml:8:18: pipeline.processors.0.http.headers.X-Bad: expected string, got a list",
      "test.yaml:10:20: pipeline.processors.0.http.tls.enabled: expected bool, got 'maybe'",
      "test.yaml:11:26: pipeline.processors.0.http.tls.root_cas.1: expected string, got a map",
      "test.yaml:12:11: pipeline.processors.0.http.tls: unknown field 'extra'",
      "test.yaml:16:13: pipeline.processors.0.http.retries.backoff: unknown field 'maxx' (did you "
      "mean 'max'?)");
  ASSERT_TRUE(r.config);
  const json::value& cfg = r.config->processors[0].config;
  EXPECT_EQ(cfg.at("url"), json::value("http://x/${! this.id }"));
  EXPECT_EQ(cfg.at("headers").at("X-Count"), json::value("5"));
  EXPECT_EQ(cfg.at("retries"), json::parse(R"({"max":3,"backoff":{"initial":"2s","max":"10s"}})"));
}

TEST(Lint, DefaultsAreAppliedRecursively) {
  auto r = lint(Y(R"(
pipeline:
  processors:
    - http:
        url: x
    - http:
        url: y
        verb:
        tls:
        retries:
          backoff: {}
)"));
  EXPECT_ERRORS(r);
  ASSERT_TRUE(r.config);
  // headers: declared default; retries: implied by its children (initial's default is integer
  // nanoseconds, passed on as such); batching: implied although advanced; tls: optional with a
  // child that has no default, so absent; rate: optional, absent.
  EXPECT_EQ(r.config->processors[0].config, json::parse(R"({"url":"x","verb":"POST",
      "headers":{},"retries":{"max":3,"backoff":{"initial":500000000,"max":"10s"}},
      "batching":{"count":0,"period":""}})"));
  // An explicit null takes the default; a null object is linted as an empty one.
  const json::value& second = r.config->processors[1].config;
  EXPECT_EQ(second.at("verb"), json::value("POST"));
  EXPECT_EQ(second.at("tls"), json::parse(R"({"enabled":false})"));
  EXPECT_EQ(second.at("retries"),
            json::parse(R"({"max":3,"backoff":{"initial":500000000,"max":"10s"}})"));
}

// An optional field the user left out stays out, even when its children all have defaults:
// inputs tell `scanner: {lines: {}}` from `scanner: {to_the_end: {}}` by which one is present.
TEST(Lint, AbsentOptionalFieldsStayAbsent) {
  Registry reg;
  reg.add_plugin(test::make_plugin("scan", "/p/libplugctl-scan.so"),
                 {test::make_component(ComponentKind::Input, "scanned", R"({"type":"object",
                   "children":[{"name":"scanner","type":"object","default":{"lines":{}},
                     "children":[
                       {"name":"lines","type":"object","optional":true,"children":[
                         {"name":"max","type":"int","default":5}]},
                       {"name":"to_the_end","type":"object","optional":true,"children":[]}]}]})")});
  auto config_of = [&](const std::string& yaml) {
    auto r = load_config_string(yaml, "test.yaml", reg, test::no_env());
    EXPECT_TRUE(r.errors.empty()) << testing::PrintToString(formatted(r));
    return r.config ? r.config->input.config : json::value();
  };
  EXPECT_EQ(config_of("input:\n  scanned:\n    scanner:\n      lines: {}\n"),
            json::parse(R"({"scanner":{"lines":{"max":5}}})"));
  EXPECT_EQ(config_of("input:\n  scanned:\n    scanner:\n      to_the_end:\n"),
            json::parse(R"({"scanner":{"to_the_end":{}}})"));
  EXPECT_EQ(config_of("input:\n  scanned: {}\n"), json::parse(R"({"scanner":{"lines":{}}})"));
}

TEST(Lint, NestedComponents) {
  auto r = lint(Y(R"(
input:
  broker:
    inputs:
      - file:
          paths: [a]
      - label: gen
        generate:
          mapping: root = {}
          count: x
      - stdni: {}
output:
  fallback:
    - stdout: {}
    - drop: {}
pipeline:
  processors:
    - retry:
        processor:
          log:
            level: WARN
)"));
  EXPECT_ERRORS(r, "test.yaml:9:18: input.broker.inputs.1.generate.count: expected int, got 'x'",
                "test.yaml:10:9: input.broker.inputs.2: unknown input type 'stdni' (did you "
                "mean 'stdin'?)");
  ASSERT_TRUE(r.config);
  const ComponentConfig& in = r.config->input;
  ASSERT_EQ(in.nested.size(), 3u);
  EXPECT_EQ(in.nested[0].first, "/inputs/0");
  EXPECT_EQ(in.nested[0].second.type, "file");
  EXPECT_EQ(in.nested[0].second.kind, ComponentKind::Input);
  EXPECT_EQ(in.nested[0].second.path, "input.broker.inputs.0");
  EXPECT_EQ(in.nested[0].second.config.at("codec"), json::value("lines"));
  EXPECT_EQ(in.nested[1].first, "/inputs/1");
  EXPECT_EQ(in.nested[1].second.label, "gen");
  EXPECT_EQ(in.nested[2].second.entry, nullptr);
  // The parent's config holds the nested component, typed, at the same pointer.
  boost::system::error_code ec;
  const json::value* nested = in.config.find_pointer("/inputs/0/file/paths/0", ec);
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(*nested, json::value("a"));
  EXPECT_EQ(in.config.at("inputs").at(1).at("label"), json::value("gen"));

  // A component whose whole config is a list of outputs.
  const ComponentConfig& out = r.config->output;
  ASSERT_EQ(out.nested.size(), 2u);
  EXPECT_EQ(out.nested[0].first, "/0");
  EXPECT_EQ(out.nested[1].first, "/1");
  EXPECT_EQ(out.nested[1].second.type, "drop");
  EXPECT_EQ(out.nested[1].second.path, "output.fallback.1");

  const ComponentConfig& retry = r.config->processors.at(0);
  ASSERT_EQ(retry.nested.size(), 1u);
  EXPECT_EQ(retry.nested[0].first, "/processor");
  EXPECT_EQ(retry.nested[0].second.path, "pipeline.processors.0.retry.processor");
  EXPECT_EQ(retry.nested[0].second.config.at("level"), json::value("WARN"));
  EXPECT_EQ(retry.config.at("max_retries"), json::value(3));
}

TEST(Lint, ScalarRootAndAnyFields) {
  auto r = lint(Y(R"(
pipeline:
  processors:
    - mapping: root = this.foo
    - mapping: {a: 1}
    - mapping:
    - echo:
        value: [1, 2.5, true, ~, "x", y, "7", {k: -3}]
        extra:
          a: 1e3
          b: null
)"));
  EXPECT_ERRORS(r, "test.yaml:4:16: pipeline.processors.1.mapping: expected string, got a map",
                "test.yaml:5:7: pipeline.processors.2.mapping: expected string, got null");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->processors[0].config, json::value("root = this.foo"));
  EXPECT_EQ(r.config->processors[3].config.at("value"),
            json::parse(R"([1, 2.5, true, null, "x", "y", "7", {"k": -3}])"));
  EXPECT_EQ(r.config->processors[3].config.at("extra"), json::parse(R"({"a":1000.0,"b":null})"));
  EXPECT_EQ(lint("pipeline:\n  processors:\n    - echo: {}\n").errors.at(0).format(),
            "test.yaml:3:7: pipeline.processors.0.echo: missing required field 'value'");
}

TEST(Lint, DuplicateKeys) {
  EXPECT_ERRORS(lint("input:\n  file:\n    paths: [a]\n    paths: [b]\n"),
                "test.yaml:4:5: input.file: field 'paths' is already defined at test.yaml:3:5");
}

TEST(Lint, Sections) {
  auto r = lint(Y(R"(
buffer:
  none: {}
http: {}
metrics:
tests:
  - name: x
tracer:
  jaeger: {}
)"));
  EXPECT_ERRORS(r, "test.yaml:5:1: tests: not supported by this version of plugctl yet",
                "test.yaml:7:1: tracer: not supported by this version of plugctl yet");
  EXPECT_ERRORS(lint("buffer:\n  memory: {}\n"),
                "test.yaml:2:3: buffer: buffer type 'memory' is not supported by this version of "
                "plugctl yet (only 'none' is)");
  EXPECT_ERRORS(lint("buffer:\n  none:\n    limit: 5\n"),
                "test.yaml:3:5: buffer.none: unknown field 'limit'");
  EXPECT_ERRORS(lint("pipeline:\n  threads: many\n  thread: 2\n"),
                "test.yaml:2:12: pipeline.threads: expected int, got 'many'",
                "test.yaml:3:3: pipeline: unknown field 'thread' (did you mean 'threads'?)");
  EXPECT_ERRORS(lint("pipeline:\n  threads: -2\n"),
                "test.yaml:2:12: pipeline.threads: expected -1 (one per CPU) or a number of "
                "threads, got -2");
}

TEST(Lint, Logger) {
  auto r = lint(Y(R"(
logger:
  level: verbose
  format: xml
  add_timestamp: 1
  static_fields: [a]
)"));
  EXPECT_ERRORS(r,
                "test.yaml:2:10: logger.level: invalid value 'verbose', expected one of: OFF, "
                "FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL",
                "test.yaml:3:11: logger.format: invalid value 'xml', expected one of: logfmt, json",
                "test.yaml:4:18: logger.add_timestamp: expected bool, got '1'",
                "test.yaml:5:18: logger.static_fields: expected a map, got a list");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->logger.level, "INFO");
  EXPECT_TRUE(r.config->logger.add_timestamp);
  auto ok = lint("logger:\n  level: Trace\n");
  EXPECT_ERRORS(ok);
  EXPECT_EQ(ok.config->logger.level, "TRACE");
}

TEST(Lint, MultipleErrorsAreReportedInFileOrder) {
  auto r = lint(Y(R"(
input:
  label: dup
  file:
    paths: [${MISSING}]
    codec: bogus
  processors:
    - label: dup
      sleep: {}
pipeline:
  threads: x
  processors:
    - log:
        levl: INFO
output:
  stdot: {}
nope: 1
)"));
  EXPECT_ERRORS(
      r, "test.yaml:4:13: environment variable 'MISSING' is not set",
      "test.yaml:5:12: input.file.codec: invalid value 'bogus', expected one of: lines, delimiter, "
      "all-bytes",
      "test.yaml:7:14: input.processors.0.label: label 'dup' is already used at test.yaml:2:10",
      "test.yaml:8:7: input.processors.0.sleep: missing required field 'duration'",
      "test.yaml:10:12: pipeline.threads: expected int, got 'x'",
      "test.yaml:13:9: pipeline.processors.0.log: unknown field 'levl' (did you mean 'level'?)",
      "test.yaml:15:3: output: unknown output type 'stdot' (did you mean 'stdout'?)",
      "test.yaml:16:1: unknown field 'nope'");
  ASSERT_TRUE(r.config); // --chilled runs what it can
  EXPECT_EQ(r.config->input.type, "file");
}

TEST(Lint, LoadConfigFile) {
  auto missing = load_config_file("/nonexistent/dir/x.yaml", test::test_registry());
  EXPECT_TRUE(missing.unreadable);
  EXPECT_FALSE(missing.config);
  EXPECT_ERRORS(missing, "/nonexistent/dir/x.yaml: cannot read: No such file or directory");
  EXPECT_EQ(missing.errors.at(0).pos.line, 0);

  auto dir = load_config_file("/", test::test_registry());
  EXPECT_TRUE(dir.unreadable);
  EXPECT_ERRORS(dir, "/: cannot read: Is a directory");

  char path[] = "/tmp/plugctl_lint_testXXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "input:\n  stdin:\n    codec: xx\n";
  }
  auto r = load_config_file(path, test::test_registry(), test::no_env());
  std::remove(path);
  EXPECT_FALSE(r.unreadable);
  EXPECT_ERRORS(r, std::string(path) +
                       ":3:12: input.stdin.codec: invalid value 'xx', expected one of: lines, "
                       "delimiter, all-bytes");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->file, path);
}

TEST(LintError, Format) {
  EXPECT_EQ((LintError{{"f.yaml", 3, 7}, "input.file", "missing required field 'paths'"}).format(),
            "f.yaml:3:7: input.file: missing required field 'paths'");
  EXPECT_EQ((LintError{{"f.yaml", 1, 1}, "", "yaml: illegal map value"}).format(),
            "f.yaml:1:1: yaml: illegal map value");
  EXPECT_EQ((LintError{{"f.yaml", 0, 0}, "", "cannot read: Permission denied"}).format(),
            "f.yaml: cannot read: Permission denied");
}

TEST(ClosestName, LevenshteinWithThresholdAndAlphabeticalTies) {
  EXPECT_EQ(closest_name("pathz", {"codec", "paths"}), "paths");
  EXPECT_EQ(closest_name("inptu", {"input", "output"}), "input");
  EXPECT_EQ(closest_name("x", {"abc"}), "");         // distance 3 > max(2, 0)
  EXPECT_EQ(closest_name("ab", {"ac", "aa"}), "aa"); // tie: alphabetical first
  EXPECT_EQ(closest_name("abcdefghijkl", {"abcdefghWXYZ"}), "abcdefghWXYZ"); // 4 <= 12/3
  EXPECT_EQ(closest_name("abcdefghijkl", {"abcdefgVWXYZ"}), "");             // 5 > 4
  EXPECT_EQ(closest_name("paths", {}), "");
  EXPECT_EQ(closest_name("lgo", {"log", "sleep", "http"}), "log");
}

} // namespace
} // namespace plugctl::core
