// Loader: discovery order, one-line failure reasons for broken plugins, isolation of crashes,
// duplicate components, plain-C and frozen-1.0 plugins, and configs that use a failed plugin.
#include "loader/loader.hpp"
#include "support/support.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sstream>

namespace plugctl::test {
namespace {

const core::PluginRecord* plugin_named(const core::Registry& reg, const std::string& name) {
  for (const auto& p : reg.plugins())
    if (p->name == name) return p.get();
  return nullptr;
}

core::Registry& broken_registry() {
  // The test plugins first, then the broken ones: `dup` must lose to the C plugin.
  static core::Registry reg =
      make_registry({test_plugin_dir(), test_plugin_dir() + "/broken", plugin_dir()});
  return reg;
}

struct Broken {
  std::string name;
  std::string reason; // the exact one-line reason
};

TEST(Loader, EachBrokenPluginFailsAloneWithItsPathAndReason) {
  const auto& reg = broken_registry();
  const std::string dir = test_plugin_dir() + "/broken/";
  const std::vector<Broken> cases = {
      {"notso", "not a shared object (no ELF header)"},
      {"noentry",
       "no entry symbol plugctl_plugin_entry_v1 (not a plugctl plugin, or the symbol is not "
       "exported)"},
      {"abi2",
       "ABI major mismatch: plugin built for plugctl C ABI 2.0, this plugctl provides ABI 1.2; "
       "install a build of the plugin for ABI 1.x"},
      {"newminor",
       "plugin newminor requires plugctl C ABI >= 1.99, this plugctl provides 1.2; upgrade "
       "plugctl or install a build of the plugin for ABI 1.2"},
      {"initfail", "init failed: cannot find libfoo.so.3 (status ERROR)"},
      {"crash", "crashed while loading (signal 11, Segmentation fault)"},
  };
  for (const auto& c : cases) {
    const auto* p = plugin_named(reg, c.name);
    ASSERT_NE(p, nullptr) << c.name;
    EXPECT_EQ(p->status, core::PluginStatus::Failed) << c.name;
    EXPECT_EQ(p->path, dir + "libplugctl-" + c.name + ".so");
    EXPECT_EQ(p->error, c.reason) << c.name;
    EXPECT_EQ(p->error.find('\n'), std::string::npos) << "one line: " << c.name;
  }
  const auto* bad = plugin_named(reg, "badspec");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->status, core::PluginStatus::Failed);
  EXPECT_NE(bad->error.find("invalid config spec"), std::string::npos) << bad->error;
  EXPECT_NE(bad->error.find("strng"), std::string::npos) << bad->error;
  // The healthy plugins around them still load.
  for (std::string ok : {"c", "c_compat10", "testkit", "file"}) {
    const auto* p = plugin_named(reg, ok);
    ASSERT_NE(p, nullptr) << ok;
    EXPECT_EQ(p->status, core::PluginStatus::Loaded) << ok << ": " << p->error;
  }
  EXPECT_NE(reg.find(core::ComponentKind::Input, "c_counter"), nullptr);
  EXPECT_NE(reg.find(core::ComponentKind::Output, "file"), nullptr);
}

TEST(Loader, DuplicateComponentKeepsTheFirstAndWarnsNamingBoth) {
  const auto& reg = broken_registry();
  const auto* dup = plugin_named(reg, "dup");
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->status, core::PluginStatus::Loaded);
  const auto* entry = reg.find(core::ComponentKind::Input, "c_counter");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->plugin->name, "c");
  bool warned = false;
  for (const auto& w : reg.warnings()) {
    if (w == "duplicate input 'c_counter': plugin dup (" + dup->path +
                 ") also provides it; using the one from plugin c (" + entry->plugin->path + ")")
      warned = true;
  }
  EXPECT_TRUE(warned) << "warnings: " << (reg.warnings().empty() ? "" : reg.warnings().front());
}

TEST(Loader, ConfigUsingAFailedPluginSaysWhy) {
  const auto& reg = broken_registry();
  auto r = core::load_config_string("input:\n  initfail: {}\noutput:\n  drop: {}\n", "c.yaml", reg);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(),
            "c.yaml:2:3: input: input type 'initfail' is unavailable: plugin initfail (" +
                test_plugin_dir() +
                "/broken/libplugctl-initfail.so) failed to load: init failed: cannot find "
                "libfoo.so.3 (status ERROR)");
}

TEST(Loader, SearchOrderIsFlagsThenEnvThenNextToTheBinary) {
  core::LoaderOptions o;
  o.dirs = {"/a", "/b"};
  o.env_path = "/c::/d";
  o.exe = "/opt/plugctl/bin/plugctl";
  auto dirs = core::search_dirs(o);
  std::vector<std::string> got;
  for (const auto& d : dirs)
    got.push_back(d.string());
  EXPECT_EQ(got, (std::vector<std::string>{"/a", "/b", "/c", "/d", "/opt/plugctl/bin/plugins",
                                           "/opt/plugctl/lib/plugctl/plugins"}));
}

TEST(Loader, EnvironmentPathIsSearched) {
  auto e = run_plugctl("list --format json", "", "PLUGCTL_PLUGIN_PATH=" + test_plugin_dir());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("\"name\":\"c_counter\""), std::string::npos);
  EXPECT_NE(e.out.find("\"name\":\"recorder\""), std::string::npos);
}

TEST(Loader, AFileFoundTwiceLoadsOnce) {
  auto reg = make_registry({test_plugin_dir(), test_plugin_dir()});
  int c = 0;
  for (const auto& p : reg.plugins())
    c += p->name == "c" ? 1 : 0;
  EXPECT_EQ(c, 1);
  EXPECT_TRUE(reg.warnings().empty());
}

TEST(Loader, InProcessInspectionGivesTheSameManifest) {
  auto a = core::inspect_in_child(test_plugin_dir() + "/libplugctl-c.so");
  auto b = core::load_in_process(test_plugin_dir() + "/libplugctl-c.so");
  ASSERT_EQ(a.components.size(), b.components.size());
  for (size_t i = 0; i < a.components.size(); ++i) {
    EXPECT_EQ(a.components[i].name, b.components[i].name);
    EXPECT_EQ(a.components[i].spec_json, b.components[i].spec_json);
    EXPECT_EQ(a.components[i].flags, b.components[i].flags);
  }
  EXPECT_EQ(a.plugin->version, b.plugin->version);
}

TEST(Loader, PlainCPluginRunsEndToEnd) {
  static auto reg = make_registry({test_plugin_dir()});
  TempDir tmp;
  std::string out = tmp.file("out.txt");
  auto r = run_config("input:\n  c_counter:\n    count: 25\n    batch_size: 4\n"
                      "pipeline:\n  threads: 1\n  processors:\n    - c_upper: {}\n"
                      "output:\n  c_memory:\n    path: " +
                          out + "\n",
                      reg);
  EXPECT_EQ(r.exit_code, 0);
  std::string expect;
  for (int i = 0; i < 25; ++i)
    expect += "MSG-" + std::to_string(i) + "\n";
  EXPECT_EQ(read_file(out), expect);
  EXPECT_EQ(r.stats.acks, 7u);
}

TEST(Loader, PluginBuiltAgainstFrozen10HeaderRuns) {
  static auto reg = make_registry({test_plugin_dir()});
  const auto* e = reg.find(core::ComponentKind::Input, "c_counter10");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->plugin->abi, "1.0");
  TempDir tmp;
  std::string out = tmp.file("out.txt");
  auto r = run_config("input:\n  c_counter10:\n    count: 10\n"
                      "pipeline:\n  threads: 1\n  processors:\n    - c_upper10: {}\n"
                      "output:\n  c_memory10:\n    path: " +
                          out + "\n",
                      reg);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_lines(out).size(), 10u);
  EXPECT_EQ(read_lines(out).front(), "MSG-0");
}

TEST(Loader, TestkitPluginsProveDeliveryAcrossTheABI) {
  // The recorder input and flaky output are separate .so files: acks, nacks and per-message
  // results cross the C ABI. Both append to one record file, so its order is the global order.
  static auto reg = make_registry({test_plugin_dir()});
  TempDir tmp;
  std::string rec = tmp.file("record.txt");
  auto r = run_config(
      "input:\n  recorder:\n    count: 300\n    batch_size: 10\n    record_path: " + rec +
          "\noutput:\n  flaky:\n    fail_first: 8\n    max_in_flight: 2\n"
          "    record_path: " +
          rec + "\n",
      reg);
  EXPECT_EQ(r.exit_code, 0);
  std::map<std::string, int> written;
  std::map<std::string, std::pair<int, int>> ranges; // token -> first,last
  int acks_ok = 0, nacks = 0;
  for (const auto& line : read_lines(rec)) {
    std::istringstream in(line);
    std::string what;
    in >> what;
    if (what == "write") {
      std::string p;
      in >> p;
      ++written[p];
    } else if (what == "read") {
      std::string token, span;
      in >> token >> span;
      auto dash = span.find('-');
      ranges[token] = {std::stoi(span.substr(0, dash)), std::stoi(span.substr(dash + 1))};
    } else if (what == "ack") {
      std::string token, st;
      in >> token >> st;
      if (st == "ok") {
        ++acks_ok;
        ASSERT_TRUE(ranges.count(token)) << line;
        for (int i = ranges[token].first; i <= ranges[token].second; ++i)
          EXPECT_GE(written[std::to_string(i)], 1) << "ack before delivery of " << i;
      }
    } else if (what == "nack") {
      ++nacks;
    } else if (what == "max_outstanding") {
      size_t n = 0;
      in >> n;
      EXPECT_LE(n, r.inflight_bound) << line;
    } else if (what == "max_concurrent") {
      int n = 0;
      in >> n;
      EXPECT_LE(n, 2) << line;
    }
  }
  for (int i = 0; i < 300; ++i)
    EXPECT_GE(written[std::to_string(i)], 1) << "lost " << i;
  EXPECT_GE(nacks, 1);
  EXPECT_EQ(acks_ok, 30);
}

// Tests and tools build several registries in one process: a library is loaded once and
// every registry gets its vtables.
TEST(Loader, EveryRegistryActivatesAPluginLoadedOnce) {
  core::Registry first = make_registry({test_plugin_dir()});
  core::Registry second = make_registry({test_plugin_dir()});
  const core::ComponentEntry* a = first.find(core::ComponentKind::Processor, "c_upper");
  const core::ComponentEntry* b = second.find(core::ComponentKind::Processor, "c_upper");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  core::activate(first, *a);
  ASSERT_NO_THROW(core::activate(second, *b));
  EXPECT_NE(b->vtable, nullptr);
  EXPECT_EQ(a->vtable, b->vtable) << "one library, one vtable";
  // The plugin's other components are activated with it.
  const core::ComponentEntry* counter = second.find(core::ComponentKind::Input, "c_counter");
  ASSERT_NE(counter, nullptr);
  EXPECT_NE(counter->vtable, nullptr);
}

} // namespace
} // namespace plugctl::test
