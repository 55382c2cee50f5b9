#include "pipeline/nodes.hpp"

#include "loader/loader.hpp"
#include "pipeline/components.hpp"

#include <chrono>
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

// The standard processor metrics around any processor node (a plugin's or a composite).
class MeteredProcessor final : public ProcessorNode {
public:
  MeteredProcessor(std::unique_ptr<ProcessorNode> inner, std::unique_ptr<ProcessorMetrics> m)
      : inner_(std::move(inner)), m_(std::move(m)) {}
  void process(Batch& batch) override {
    size_t in = batch.size(), flagged_in = flagged(batch);
    auto start = std::chrono::steady_clock::now();
    inner_->process(batch);
    auto took = std::chrono::steady_clock::now() - start;
    m_->received->Increment(double(in));
    m_->sent->Increment(double(batch.size()));
    size_t flagged_out = flagged(batch);
    if (flagged_out > flagged_in) m_->error->Increment(double(flagged_out - flagged_in));
    m_->latency->Observe(double(std::chrono::nanoseconds(took).count()));
  }
  void close() override { inner_->close(); }

private:
  static size_t flagged(const Batch& b) {
    size_t n = 0;
    for (const auto& m : b.messages)
      n += m.has_error() ? 1 : 0;
    return n;
  }
  std::unique_ptr<ProcessorNode> inner_;
  std::unique_ptr<ProcessorMetrics> m_;
};

std::unique_ptr<ProcessorNode> metered(std::unique_ptr<ProcessorNode> node,
                                       const ComponentConfig& cc) {
  auto m = make_processor_metrics({cc.label, cc.path, cc.type});
  if (!m) return node;
  return std::make_unique<MeteredProcessor>(std::move(node), std::move(m));
}

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
    return metered(it->second(cc, ctx), cc);
  }
  try {
    activate(ctx.reg, *cc.entry);
  } catch (const std::exception& e) {
    throw std::runtime_error(describe(cc) + ": " + e.what());
  }
  return metered(std::make_unique<PluginProcessor>(cc, ctx), cc);
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
