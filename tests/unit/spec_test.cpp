#include "registry/spec.hpp"

#include <gtest/gtest.h>
#include <limits>
#include <stdexcept>
#include <string>

namespace plugctl::core {
namespace {

namespace json = boost::json;

// The message of the invalid_argument parse_spec throws, or "" when it does not throw.
std::string spec_error(std::string_view text) {
  try {
    parse_spec(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, ParsesEveryAttribute) {
  FieldSpec s = parse_spec(R"({"type":"object","children":[
    {"name":"paths","type":"string","kind":"list","description":"Files.","optional":true,
     "advanced":true,"secret":true,"deprecated":true,"interpolated":true,"version":"1.2.0",
     "examples":[["a.log"],["b.log"]]},
    {"name":"codec","type":"string","options":["lines","all-bytes"],"default":"lines"},
    {"name":"tls","type":"object","children":[{"name":"enabled","type":"bool","default":true}]},
    {"name":"headers","type":"any","kind":"map"}]})");
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.type, FieldType::Object);
  ASSERT_EQ(s.children.size(), 4u);
  const FieldSpec& paths = s.children[0];
  EXPECT_EQ(paths.name, "paths");
  EXPECT_EQ(paths.type, FieldType::String);
  EXPECT_EQ(paths.kind, FieldKind::List);
  EXPECT_EQ(paths.description, "Files.");
  EXPECT_TRUE(paths.optional);
  EXPECT_TRUE(paths.advanced);
  EXPECT_TRUE(paths.secret);
  EXPECT_TRUE(paths.deprecated);
  EXPECT_TRUE(paths.interpolated);
  EXPECT_EQ(paths.version, "1.2.0");
  ASSERT_EQ(paths.examples.size(), 2u);
  EXPECT_EQ(json::serialize(paths.examples[1]), R"(["b.log"])");
  EXPECT_FALSE(paths.required()); // optional

  const FieldSpec* codec = s.child("codec");
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->options, (std::vector<std::string>{"lines", "all-bytes"}));
  ASSERT_TRUE(codec->default_value);
  EXPECT_EQ(codec->default_value->as_string(), "lines");
  EXPECT_FALSE(codec->required());

  const FieldSpec* tls = s.child("tls");
  ASSERT_NE(tls, nullptr);
  ASSERT_NE(tls->child("enabled"), nullptr);
  EXPECT_EQ(tls->child("enabled")->type, FieldType::Bool);
  EXPECT_TRUE(s.child("headers")->required());
  EXPECT_EQ(s.child("headers")->kind, FieldKind::Map);
  EXPECT_EQ(s.child("nope"), nullptr);
}

// Verbatim output of the SDK (abi/include/plugctl/sdk.hpp) for
//   Spec().field(Field::string("paths", "Files to read.").list().example(Json("a.log")))
//         .field(Field::duration("poll", "Poll interval.").default_value("1s").advanced())
//         .field(Field::component("then", "processor", "Runs after.").optional())
//         .batching().max_in_flight(64)
// and Spec::scalar(Field::bloblang("mapping", "The mapping.")). The SDK header itself cannot be
// included here: GCC 12 refuses its `namespace plugctl::sdk PLUGCTL_SDK_HIDDEN {`.
constexpr const char* kSdkSpec =
    R"({"type":"object","children":[{"name":"paths","type":"string","kind":"list",)"
    R"("description":"Files to read.","examples":["a.log"]},{"name":"poll","type":"duration",)"
    R"("description":"Poll interval.","default":"1s","advanced":true},{"name":"then",)"
    R"("type":"processor","description":"Runs after.","optional":true},{"name":"batching",)"
    R"("type":"object","description":"Groups messages into batches before writing.",)"
    R"("advanced":true,"children":[{"name":"count","type":"int","description":"Messages per )"
    R"(batch; 0 disables the count limit.","default":0},{"name":"byte_size","type":"int",)"
    R"("description":"Bytes per batch; 0 disables the size limit.","default":0},)"
    R"({"name":"period","type":"duration","description":"Flushes an incomplete batch after )"
    R"(this long; empty disables it.","default":""}]},{"name":"max_in_flight","type":"int",)"
    R"("description":"Maximum number of batches written at once.","default":64}]})";
constexpr const char* kSdkScalarSpec =
    R"({"name":"mapping","type":"bloblang","description":"The mapping."})";

TEST(Spec, ParsesWhatTheSdkEmits) {
  FieldSpec s = parse_spec(kSdkSpec);
  ASSERT_EQ(s.children.size(), 5u);
  EXPECT_EQ(s.child("paths")->kind, FieldKind::List);
  EXPECT_TRUE(s.child("paths")->required());
  EXPECT_EQ(s.child("poll")->type, FieldType::Duration);
  EXPECT_TRUE(s.child("poll")->advanced);
  EXPECT_EQ(s.child("then")->type, FieldType::Processor);
  EXPECT_EQ(s.child("max_in_flight")->default_value->as_int64(), 64);
  // batching has no default of its own, but every child has one (period's "" is accepted as a
  // duration default: it means "disabled").
  const FieldSpec* batching = s.child("batching");
  ASSERT_NE(batching, nullptr);
  EXPECT_FALSE(batching->default_value);
  auto implied = implied_default(*batching);
  ASSERT_TRUE(implied);
  EXPECT_EQ(json::serialize(*implied), R"({"count":0,"byte_size":0,"period":""})");

  // A scalar root built with Spec::scalar carries a name; the parsed root has none.
  FieldSpec scalar = parse_spec(kSdkScalarSpec);
  EXPECT_EQ(scalar.name, "");
  EXPECT_EQ(scalar.type, FieldType::Bloblang);
  EXPECT_TRUE(scalar.required());
}

TEST(Spec, RejectsBadSpecsNamingTheJsonPath) {
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"a","type":"string"},
      {"name":"b","type":"int"},{"name":"c","type":"strng"}]})"),
            "children[2].type: unknown type 'strng'");
  EXPECT_EQ(spec_error(R"({"type":"strng"})"), "type: unknown type 'strng'");
  EXPECT_EQ(spec_error(R"({"kind":"list"})"), "type: missing type");
  EXPECT_EQ(spec_error(R"({"type":"string","kind":"set"})"), "kind: unknown kind 'set'");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"a","type":"int",
      "optional":"yes"}]})"),
            "children[0].optional: expected true or false, got \"yes\"");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"a","type":"int",
      "advanced":1}]})"),
            "children[0].advanced: expected true or false, got 1");
  EXPECT_EQ(spec_error(R"({"type":"string","children":[{"name":"a","type":"int"}]})"),
            "children: only fields of type object have children, this one is string");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"a","type":"int"},
      {"name":"a","type":"string"}]})"),
            "children[1].name: duplicate field name 'a'");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"Paths","type":"int"}]})"),
            "children[0].name: invalid field name 'Paths' (names match [a-z0-9_]+)");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"","type":"int"}]})"),
            "children[0].name: invalid field name '' (names match [a-z0-9_]+)");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"type":"int"}]})"),
            "children[0].name: missing field name");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"tls","type":"object",
      "children":[{"name":"enabled","type":"bool"},{"name":"x","type":"flaot"}]}]})"),
            "children[0].children[1].type: unknown type 'flaot'");
  EXPECT_EQ(spec_error(R"({"type":"object","children":{}})"),
            "children: expected an array, got {}");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[5]})"),
            "children[0]: expected a field descriptor object, got 5");
  EXPECT_EQ(spec_error(R"({"type":"string","options":["a",1]})"),
            "options[1]: expected a string, got 1");
  EXPECT_EQ(spec_error(R"({"type":"string","description":5})"),
            "description: expected a string, got 5");
  EXPECT_EQ(spec_error(R"([1,2])"), "expected a field descriptor object, got [1,2]");
  EXPECT_EQ(spec_error(R"({"type":"object",)").substr(0, 13), "invalid JSON:");
}

TEST(Spec, DefaultsMustMatchTheirType) {
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"n","type":"int",
      "default":"abc"}]})"),
            "children[0].default: expected int, got \"abc\"");
  EXPECT_EQ(spec_error(R"({"type":"int","default":1.5})"), "default: expected int, got 1.5E0");
  EXPECT_EQ(spec_error(R"({"type":"bool","default":"true"})"),
            "default: expected bool, got \"true\"");
  EXPECT_EQ(spec_error(R"({"type":"duration","default":"5 sec"})"),
            "default: expected duration, got \"5 sec\"");
  EXPECT_EQ(spec_error(R"({"type":"string","kind":"list","default":"a"})"),
            "default: expected an array, got \"a\"");
  EXPECT_EQ(spec_error(R"({"type":"int","kind":"list","default":[1,"x"]})"),
            "default: /1: expected int, got \"x\"");
  EXPECT_EQ(spec_error(R"({"type":"string","options":["a","b"],"default":"c"})"),
            "default: invalid value 'c', expected one of: a, b");
  EXPECT_EQ(spec_error(R"({"type":"object","children":[{"name":"tls","type":"object",
      "default":{"enabled":5},"children":[{"name":"enabled","type":"bool"}]}]})"),
            "children[0].default: /enabled: expected bool, got 5");
  EXPECT_EQ(spec_error(R"({"type":"object","default":{"nope":1},"children":[]})"),
            "default: /nope: unknown field 'nope'");

  // Valid defaults of every type.
  EXPECT_EQ(spec_error(R"({"type":"object","children":[
      {"name":"a","type":"int","default":-3},
      {"name":"b","type":"float","default":2},
      {"name":"c","type":"duration","default":"1m30s"},
      {"name":"d","type":"duration","default":1000},
      {"name":"e","type":"duration","default":""},
      {"name":"f","type":"any","default":{"x":[1,null]}},
      {"name":"g","type":"string","kind":"map","default":{"k":"v"}},
      {"name":"h","type":"processor","kind":"list","default":[]},
      {"name":"i","type":"int","default":null}]})"),
            "");
  // "default": null is the same as no default.
  EXPECT_TRUE(parse_spec(R"({"type":"int","default":null})").required());
}

TEST(Spec, UnknownDescriptorKeysAreIgnoredForForwardCompatibility) {
  FieldSpec s = parse_spec(R"({"type":"int","linter":"root = this","min":0})");
  EXPECT_EQ(s.type, FieldType::Int);
}

TEST(Spec, ToJsonIsNormalisedAndRoundTrips) {
  FieldSpec s = parse_spec(R"({"type":"object","children":[
      {"name":"codec","type":"string","options":["lines"],"default":"lines","advanced":true},
      {"name":"paths","type":"string","kind":"list"}]})");
  json::value j = spec_to_json(s);
  const json::object& child = j.at("children").at(1).as_object();
  EXPECT_EQ(child.at("kind").as_string(), "list");
  EXPECT_EQ(child.at("optional").as_bool(), false);
  EXPECT_EQ(child.at("examples").as_array().size(), 0u);
  EXPECT_FALSE(child.contains("default")); // absent default: the field is required
  EXPECT_FALSE(j.as_object().contains("name"));
  EXPECT_EQ(j.at("children").at(0).at("advanced").as_bool(), true);
  EXPECT_EQ(json::serialize(spec_to_json(parse_spec(j))), json::serialize(j));
}

TEST(Spec, KindAndTypeNames) {
  for (auto k : {ComponentKind::Input, ComponentKind::Output, ComponentKind::Processor,
                 ComponentKind::Cache})
    EXPECT_EQ(parse_kind(kind_name(k)), k);
  EXPECT_EQ(kind_name(ComponentKind::Processor), "processor");
  EXPECT_FALSE(parse_kind("buffer"));
  EXPECT_EQ(field_type_name(FieldType::Bloblang), "bloblang");
  EXPECT_EQ(parse_field_type("duration"), FieldType::Duration);
  EXPECT_FALSE(parse_field_type("Duration"));
  EXPECT_EQ(field_kind_name(FieldKind::Map), "map");
  EXPECT_EQ(parse_field_kind("list"), FieldKind::List);
}

TEST(Spec, ImpliedDefaults) {
  FieldSpec s = parse_spec(R"({"type":"object","children":[
      {"name":"retries","type":"object","children":[
        {"name":"max","type":"int","default":3},
        {"name":"backoff","type":"object","children":[
          {"name":"initial","type":"duration","default":"1s"}]}]},
      {"name":"auth","type":"object","children":[
        {"name":"user","type":"string"},{"name":"mode","type":"string","default":"basic"}]},
      {"name":"opt","type":"object","children":[
        {"name":"user","type":"string","optional":true}]}]})");
  auto retries = implied_default(*s.child("retries"));
  ASSERT_TRUE(retries);
  EXPECT_EQ(json::serialize(*retries), R"({"max":3,"backoff":{"initial":"1s"}})");
  EXPECT_FALSE(implied_default(*s.child("auth"))); // `user` has none
  // Optional children are left out, so an object of only optional fields defaults to {}.
  EXPECT_EQ(json::serialize(*implied_default(*s.child("opt"))), "{}");
  EXPECT_FALSE(implied_default(s));
}

TEST(Spec, CheckJsonValue) {
  FieldSpec s = parse_spec(R"({"type":"object","children":[
      {"name":"tls","type":"object","children":[{"name":"enabled","type":"bool"}]},
      {"name":"n","type":"int","kind":"map"}]})");
  EXPECT_FALSE(check_json_value(s, json::parse(R"({"tls":{"enabled":true},"n":{"a":1}})")));
  EXPECT_EQ(check_json_value(s, json::parse(R"({"tls":{"enabled":5}})")).value_or(""),
            "/tls/enabled: expected bool, got 5");
  EXPECT_EQ(check_json_value(s, json::parse(R"({"n":{"a/b":"x"}})")).value_or(""),
            "/n/a~1b: expected int, got \"x\"");
}

TEST(Duration, ParsesGoDurations) {
  constexpr int64_t kMs = 1000000, kS = 1000000000, kM = 60 * kS, kH = 60 * kM;
  EXPECT_EQ(parse_duration_ns("300ms"), 300 * kMs);
  EXPECT_EQ(parse_duration_ns("-1.5h"), -(kH + 30 * kM));
  EXPECT_EQ(parse_duration_ns("2h45m"), 2 * kH + 45 * kM);
  EXPECT_EQ(parse_duration_ns("1us"), 1000);
  EXPECT_EQ(parse_duration_ns("1\xC2\xB5s"), 1000); // U+00B5 micro sign
  EXPECT_EQ(parse_duration_ns("1\xCE\xBCs"), 1000); // U+03BC greek mu
  EXPECT_EQ(parse_duration_ns("7ns"), 7);
  EXPECT_EQ(parse_duration_ns("0"), 0);
  EXPECT_EQ(parse_duration_ns("-0"), 0);
  EXPECT_EQ(parse_duration_ns("0s"), 0);
  EXPECT_EQ(parse_duration_ns("1.5s"), 1500 * kMs);
  EXPECT_EQ(parse_duration_ns(".5s"), 500 * kMs);
  EXPECT_EQ(parse_duration_ns("1.s"), kS);
  EXPECT_EQ(parse_duration_ns("+2s"), 2 * kS);
  EXPECT_EQ(parse_duration_ns("1h2m3s4ms5us6ns"), kH + 2 * kM + 3 * kS + 4 * kMs + 5006);
  EXPECT_EQ(parse_duration_ns("9223372036854775807ns"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_duration_ns("-9223372036854775808ns"), std::numeric_limits<int64_t>::min());
  for (const char* bad : {"", "5", "-", "5 sec", "s", ".s", "-.s", "1x", "1e3s", "1s ", " 1s",
                          "1.2.3s", "9223372036854775808ns", "3000000h", "1S"})
    EXPECT_FALSE(parse_duration_ns(bad)) << bad;
}

TEST(Duration, JsonValuesAndFormatting) {
  EXPECT_EQ(duration_ns(json::value(5)), 5);
  EXPECT_EQ(duration_ns(json::value("1ms")), 1000000);
  EXPECT_FALSE(duration_ns(json::value("")));
  EXPECT_FALSE(duration_ns(json::value(true)));
  EXPECT_FALSE(duration_ns(json::value(1.5)));

  EXPECT_EQ(format_duration_ns(0), "0s");
  EXPECT_EQ(format_duration_ns(90 * 1000000000LL), "1m30s");
  EXPECT_EQ(format_duration_ns(3600 * 1000000000LL), "1h");
  EXPECT_EQ(format_duration_ns(3661 * 1000000000LL), "1h1m1s");
  EXPECT_EQ(format_duration_ns(250000000), "250ms");
  EXPECT_EQ(format_duration_ns(-5000), "-5us");
  EXPECT_EQ(format_duration_ns(7), "7ns");
  for (int64_t ns : {int64_t(0), int64_t(1), int64_t(1500000000), int64_t(7322000000000),
                     std::numeric_limits<int64_t>::min()})
    EXPECT_EQ(parse_duration_ns(format_duration_ns(ns)), ns) << ns;
}

} // namespace
} // namespace plugctl::core
