#include "registry/registry.hpp"
#include "unit/test_registry.hpp"

#include <gtest/gtest.h>

namespace plugctl::core {
namespace {

using test::make_component;
using test::make_failed_plugin;
using test::make_plugin;

constexpr const char* kEmpty = R"({"type":"object","children":[]})";

TEST(Registry, FindsComponentsByKindAndName) {
  Registry reg;
  reg.add_plugin(make_plugin("file", "/p/a.so"),
                 {make_component(ComponentKind::Input, "file", kEmpty),
                  make_component(ComponentKind::Output, "file", kEmpty),
                  make_component(ComponentKind::Input, "csv", kEmpty)});
  const ComponentEntry* in = reg.find(ComponentKind::Input, "file");
  const ComponentEntry* out = reg.find(ComponentKind::Output, "file");
  ASSERT_NE(in, nullptr);
  ASSERT_NE(out, nullptr);
  EXPECT_NE(in, out);
  EXPECT_EQ(in->kind, ComponentKind::Input);
  EXPECT_EQ(out->kind, ComponentKind::Output);
  EXPECT_EQ(reg.find(ComponentKind::Processor, "file"), nullptr);
  EXPECT_EQ(reg.find(ComponentKind::Input, "fil"), nullptr);
  ASSERT_NE(in->plugin, nullptr);
  EXPECT_EQ(in->plugin->path, "/p/a.so");
  EXPECT_EQ(reg.names(ComponentKind::Input), (std::vector<std::string>{"csv", "file"}));
  EXPECT_EQ(reg.components().size(), 3u);
  auto inputs = reg.components(ComponentKind::Input);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0]->name, "csv");
  ASSERT_EQ(reg.plugins().size(), 1u);
  EXPECT_EQ(reg.plugins()[0]->component_names,
            (std::vector<std::string>{"input/file", "output/file", "input/csv"}));
  EXPECT_TRUE(reg.warnings().empty());
}

TEST(Registry, ParsesSpecJsonAndFillsItFromSpec) {
  Registry reg;
  ComponentEntry from_json = make_component(ComponentKind::Processor, "a",
                                            R"({"type":"object","children":[
      {"name":"n","type":"int","default":1}]})");
  ComponentEntry from_spec = make_component(ComponentKind::Processor, "b", "");
  from_spec.spec.type = FieldType::String;
  reg.add_plugin(make_plugin("p", "/p/p.so"), {from_json, from_spec});
  const ComponentEntry* a = reg.find(ComponentKind::Processor, "a");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->spec.child("n"), nullptr);
  EXPECT_EQ(a->spec.child("n")->default_value->as_int64(), 1);
  const ComponentEntry* b = reg.find(ComponentKind::Processor, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(parse_spec(b->spec_json).type, FieldType::String);
}

TEST(Registry, InvalidSpecSkipsTheComponentWithAWarning) {
  Registry reg;
  reg.add_plugin(make_plugin("bad", "/p/bad.so"),
                 {make_component(ComponentKind::Input, "x", R"({"type":"strng"})"),
                  make_component(ComponentKind::Input, "y", kEmpty)});
  EXPECT_EQ(reg.find(ComponentKind::Input, "x"), nullptr);
  EXPECT_NE(reg.find(ComponentKind::Input, "y"), nullptr);
  ASSERT_EQ(reg.warnings().size(), 1u);
  EXPECT_EQ(reg.warnings()[0], "input 'x' of plugin bad (/p/bad.so) has an invalid config spec "
                               "and is skipped: type: unknown type 'strng'");
}

TEST(Registry, FirstRegisteredWinsOnDuplicates) {
  Registry reg;
  reg.add_plugin(make_plugin("file", "/p/a.so"),
                 {make_component(ComponentKind::Input, "file", kEmpty)});
  reg.add_plugin(make_plugin("other", "/p/b.so"),
                 {make_component(ComponentKind::Input, "file", R"({"type":"string"})"),
                  make_component(ComponentKind::Output, "file", kEmpty)});
  ASSERT_EQ(reg.warnings().size(), 1u);
  EXPECT_EQ(reg.warnings()[0], "duplicate input 'file': plugin other (/p/b.so) also provides it; "
                               "using the one from plugin file (/p/a.so)");
  const ComponentEntry* in = reg.find(ComponentKind::Input, "file");
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->plugin->name, "file");
  EXPECT_EQ(in->spec.type, FieldType::Object);
  // The other plugin's non-clashing component is registered.
  ASSERT_NE(reg.find(ComponentKind::Output, "file"), nullptr);
  EXPECT_EQ(reg.find(ComponentKind::Output, "file")->plugin->name, "other");
  reg.add_warning("extra");
  EXPECT_EQ(reg.warnings().back(), "extra");
}

TEST(Registry, UnavailableReasonNamesTheFailedPlugin) {
  Registry reg;
  reg.add_plugin(make_plugin("file", "/p/libplugctl-file.so"),
                 {make_component(ComponentKind::Input, "file", kEmpty)});
  // Failed before its manifest could be read: only the file name tells what it provides.
  reg.add_plugin(make_failed_plugin("kafka", "/path/libplugctl-kafka.so",
                                    "libsnappy.so.1: cannot open shared object file"),
                 {});
  // Failed after its manifest was read: component_names is authoritative.
  auto amqp = make_failed_plugin("amqp", "/p/libplugctl-amqp.so", "needs ABI 1.3");
  amqp->component_names = {"input/amqp_0_9"};
  reg.add_plugin(std::move(amqp), {});

  EXPECT_EQ(reg.unavailable_reason(ComponentKind::Input, "kafka").value_or(""),
            "plugin kafka (/path/libplugctl-kafka.so) failed to load: libsnappy.so.1: cannot "
            "open shared object file");
  EXPECT_EQ(reg.unavailable_reason(ComponentKind::Output, "kafka").value_or(""),
            "plugin kafka (/path/libplugctl-kafka.so) failed to load: libsnappy.so.1: cannot "
            "open shared object file");
  EXPECT_EQ(reg.unavailable_reason(ComponentKind::Input, "amqp_0_9").value_or(""),
            "plugin amqp (/p/libplugctl-amqp.so) failed to load: needs ABI 1.3");
  EXPECT_FALSE(reg.unavailable_reason(ComponentKind::Output, "amqp_0_9")); // not listed
  EXPECT_FALSE(reg.unavailable_reason(ComponentKind::Input, "amqp"));      // names win
  EXPECT_FALSE(reg.unavailable_reason(ComponentKind::Input, "file"));      // available
  EXPECT_FALSE(reg.unavailable_reason(ComponentKind::Input, "nats"));
}

TEST(Registry, StabilityNames) {
  EXPECT_EQ(stability_name(Stability::Stable), "stable");
  EXPECT_EQ(stability_name(Stability::Beta), "beta");
  EXPECT_EQ(stability_name(Stability::Experimental), "experimental");
  EXPECT_EQ(stability_name(Stability::Deprecated), "deprecated");
}

} // namespace
} // namespace plugctl::core
