// Activation: a plugin library is loaded into the process once, and every registry that uses
// one of its components gets the component's vtable (tests and tools build several registries
// in one process).
#include "loader/loader.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>

namespace plugctl::test {
namespace {

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
