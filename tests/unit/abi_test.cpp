// ABI stability: the frozen 1.0 layout is a prefix of the current one; the host fills every
// slot it declares; manifests are validated as untrusted input and grow safely.
#include "abi/layout.h"
#include "host/host.hpp"
#include "loader/manifest.hpp"

#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace plugctl::test {
namespace {

TEST(Abi, Frozen10LayoutIsAPrefixOfTheCurrentOne) {
  size_t n10 = 0, ncur = 0;
  const plugctl_layout_row* v10 = plugctl_layout_v1_0(&n10);
  const plugctl_layout_row* cur = plugctl_layout_current(&ncur);
  ASSERT_GT(n10, 100u);
  ASSERT_GE(ncur, n10);
  // Rows are grouped by struct; within each struct, the 1.0 fields come first, unchanged.
  for (size_t i = 0; i < n10; ++i) {
    const auto& a = v10[i];
    const plugctl_layout_row* b = nullptr;
    for (size_t j = 0; j < ncur; ++j)
      if (std::strcmp(cur[j].type, a.type) == 0 && std::strcmp(cur[j].field, a.field) == 0)
        b = &cur[j];
    ASSERT_NE(b, nullptr) << a.type << "." << a.field << " was removed";
    EXPECT_EQ(b->offset, a.offset) << a.type << "." << a.field << " moved";
    EXPECT_EQ(b->size, a.size) << a.type << "." << a.field << " changed size";
    EXPECT_GE(b->struct_size, a.struct_size) << a.type << " shrank";
  }
}

TEST(Abi, HostFillsEverySlotItDeclares) {
  const plugctl_host* h = core::host_table();
  EXPECT_EQ(h->struct_size, sizeof(plugctl_host));
  EXPECT_EQ(h->abi_major, static_cast<uint32_t>(PLUGCTL_ABI_MAJOR));
  EXPECT_EQ(h->abi_minor, static_cast<uint32_t>(PLUGCTL_ABI_MINOR));
  // Every function pointer after the header is set.
  const char* base = reinterpret_cast<const char*>(h);
  for (size_t off = offsetof(plugctl_host, err_set); off < sizeof(plugctl_host);
       off += sizeof(void*)) {
    void* fn = nullptr;
    std::memcpy(&fn, base + off, sizeof fn);
    EXPECT_NE(fn, nullptr) << "host slot at offset " << off << " is NULL";
  }
}

// A manifest built by hand, as a plugin in any language would.
struct FakePlugin {
  plugctl_processor_vtable vt{};
  std::vector<char> component_mem; // room for a component struct larger than ours
  plugctl_component* component = nullptr;
  const plugctl_component* list[1] = {nullptr};
  plugctl_manifest manifest{};

  static plugctl_status create(const plugctl_ctx*, const plugctl_config*, void** out,
                               plugctl_err*) {
    *out = nullptr;
    return PLUGCTL_OK;
  }
  static plugctl_status process(void*, plugctl_batch*, plugctl_batch*, plugctl_err*) {
    return PLUGCTL_OK;
  }
  static void destroy(void*) {}

  explicit FakePlugin(size_t extra = 0) : component_mem(sizeof(plugctl_component) + extra, 0) {
    vt = {sizeof(plugctl_processor_vtable), 0, &create, &process, nullptr, &destroy};
    component = reinterpret_cast<plugctl_component*>(component_mem.data());
    component->struct_size = static_cast<uint32_t>(sizeof(plugctl_component) + extra);
    component->kind = PLUGCTL_KIND_PROCESSOR;
    component->name = "fake";
    component->summary = "A fake.";
    component->config_spec_json = R"({"type":"object","children":[]})";
    component->vtable = &vt;
    list[0] = component;
    manifest.struct_size = sizeof(plugctl_manifest);
    manifest.abi_major = 1;
    manifest.name = "fake";
    manifest.version = "1.0.0";
    manifest.components = list;
    manifest.n_components = 1;
  }
};

std::string error_of(const plugctl_manifest* m) {
  try {
    core::copy_manifest(m, "/p/libplugctl-fake.so");
  } catch (const core::LoadError& e) {
    return e.what();
  }
  return "";
}

TEST(Abi, ValidManifestIsCopied) {
  FakePlugin p;
  auto m = core::copy_manifest(&p.manifest, "/p/libplugctl-fake.so");
  ASSERT_EQ(m.components.size(), 1u);
  EXPECT_EQ(m.components[0].name, "fake");
  EXPECT_EQ(m.plugin->abi, "1.0");
}

TEST(Abi, ComponentStructFromALaterMinorIsAccepted) {
  FakePlugin p(64); // 64 bytes of fields this host does not know
  auto m = core::copy_manifest(&p.manifest, "x");
  ASSERT_EQ(m.components.size(), 1u);
  EXPECT_EQ(m.components[0].summary, "A fake.");
}

TEST(Abi, UnknownComponentKindIsSkipped) {
  FakePlugin p;
  p.component->kind = 99;
  auto m = core::copy_manifest(&p.manifest, "x");
  EXPECT_TRUE(m.components.empty());
}

TEST(Abi, MalformedManifestsAreRefusedWithTheReason) {
  {
    FakePlugin p;
    p.manifest.struct_size = 8;
    EXPECT_EQ(error_of(&p.manifest),
              "invalid manifest: struct_size 8 is smaller than ABI 1.0's 80");
  }
  {
    FakePlugin p;
    p.component->struct_size = 16;
    EXPECT_EQ(error_of(&p.manifest),
              "invalid manifest: component #0 struct_size 16 is smaller than ABI 1.0's 80");
  }
  {
    FakePlugin p;
    p.vt.process_batch = nullptr;
    EXPECT_EQ(error_of(&p.manifest),
              "invalid manifest: processor 'fake' lacks required process_batch");
  }
  {
    FakePlugin p;
    p.component->name = "Bad-Name";
    EXPECT_EQ(error_of(&p.manifest),
              "invalid manifest: processor 'Bad-Name': name must match [a-z0-9_]+");
  }
  {
    FakePlugin p;
    p.manifest.components = nullptr;
    EXPECT_EQ(error_of(&p.manifest), "invalid manifest: components is NULL with n_components 1");
  }
  {
    FakePlugin p;
    p.manifest.name = nullptr;
    EXPECT_EQ(error_of(&p.manifest), "invalid manifest: plugin name is NULL");
  }
  {
    FakePlugin p;
    p.component->config_spec_json = R"({"type":"object","children":[{"name":"x","type":"strng"}]})";
    EXPECT_NE(error_of(&p.manifest).find("invalid manifest: processor 'fake': invalid config spec"),
              std::string::npos);
  }
  {
    FakePlugin p;
    p.manifest.abi_major = 3;
    p.manifest.abi_minor_built = 2;
    EXPECT_EQ(error_of(&p.manifest),
              "ABI major mismatch: plugin built for plugctl C ABI 3.2, this plugctl provides ABI "
              "1.2; install a build of the plugin for ABI 1.x");
  }
}

} // namespace
} // namespace plugctl::test
