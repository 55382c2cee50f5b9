#include "pipeline/nodes.hpp"

#include "loader/loader.hpp"
#include "pipeline/components.hpp"

#include <map>
#include <mutex>

namespace plugctl::core {
namespace {

std::map<std::string, ProcessorFactory>& factories() {
  static std::map<std::string, ProcessorFactory> f;
  return f;
}

// A processor provided through the ABI (a plugin's, or a simple built-in).
class PluginProcessor final : public ProcessorNode {
public:
  PluginProcessor(const ComponentConfig& cc, BuildContext& ctx) : comp_(cc, ctx.cancelled) {}
  void process(Batch& batch) override {
    Batch out;
    out.messages.reserve(batch.size());
    comp_.process(batch, out);
    batch = std::move(out);
  }
  void close() override { comp_.close(); }

private:
  ProcessorComponent comp_;
};

} // namespace

bool register_processor_factory(const std::string& name, ProcessorFactory f) {
  factories()[name] = std::move(f);
  return true;
}

std::unique_ptr<ProcessorNode> build_processor(const ComponentConfig& cc, BuildContext& ctx) {
  if (cc.entry == nullptr) throw std::runtime_error(describe(cc) + ": unknown component");
  if ((cc.entry->flags & kCoreComposite) != 0) {
    auto it = factories().find(cc.type);
    if (it == factories().end())
      throw std::runtime_error(describe(cc) + ": no factory for this composite processor");
    return it->second(cc, ctx);
  }
  try {
    activate(ctx.reg, *cc.entry);
  } catch (const std::exception& e) {
    throw std::runtime_error(describe(cc) + ": " + e.what());
  }
  return std::make_unique<PluginProcessor>(cc, ctx);
}

ProcessorNodes build_processors(const std::vector<ComponentConfig>& ccs, BuildContext& ctx) {
  ProcessorNodes out;
  for (const auto& cc : ccs)
    out.push_back(build_processor(cc, ctx));
  return out;
}

std::vector<const ComponentConfig*> nested_under(const ComponentConfig& cc,
                                                 const std::string& prefix) {
  std::vector<const ComponentConfig*> out;
  for (const auto& [ptr, child] : cc.nested) {
    if (ptr.compare(0, prefix.size(), prefix) != 0) continue;
    // Only direct elements: prefix + "/<index>".
    std::string rest = ptr.substr(prefix.size());
    if (rest.size() < 2 || rest[0] != '/' || rest.find('/', 1) != std::string::npos) continue;
    out.push_back(&child);
  }
  return out;
}

void run_processors(ProcessorNodes& chain, Batch& batch) {
  for (auto& p : chain) {
    if (batch.empty()) return;
    p->process(batch);
  }
}

void close_processors(ProcessorNodes& chain) {
  for (auto& p : chain)
    p->close();
}

} // namespace plugctl::core
