// The building blocks of a pipeline as the engine sees them: processor nodes (a plugin's
// processor, or a composite built by the core from nested processors: try, switch, branch...),
// built from the config tree. Composite components are registered with their specs like any
// component (for lint, docs and `list`), flagged kCoreComposite, and built by a factory here
// instead of through the ABI.
#pragma once

#include "config/config.hpp"
#include "message/message.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace plugctl::core {

// Host-internal component flag: the engine builds the component itself (never set by plugins;
// the loader clears it on plugin manifests).
constexpr uint64_t kCoreComposite = uint64_t(1) << 63;

struct BuildContext {
  const Registry& reg;
  const Config& cfg; // for resources
  std::shared_ptr<const std::atomic<bool>> cancelled;
  int depth = 0; // resource recursion guard
};

class ProcessorNode {
public:
  virtual ~ProcessorNode() = default;
  // Processes the batch in place: messages may be changed, dropped on purpose, added or
  // flagged with an error; a failure never loses a message (it is flagged and kept).
  virtual void process(Batch& batch) = 0;
  virtual void close() {}
};
using ProcessorNodes = std::vector<std::unique_ptr<ProcessorNode>>;

using ProcessorFactory =
    std::function<std::unique_ptr<ProcessorNode>(const ComponentConfig&, BuildContext&)>;
// Registers the factory of a composite processor (its spec is registered separately with
// register_composite_spec). Call from static initialisers.
bool register_processor_factory(const std::string& name, ProcessorFactory f);

// Builds one processor (plugin or composite). Throws std::runtime_error naming the component.
std::unique_ptr<ProcessorNode> build_processor(const ComponentConfig& cc, BuildContext& ctx);
ProcessorNodes build_processors(const std::vector<ComponentConfig>& ccs, BuildContext& ctx);
// The nested components of `cc` whose JSON pointer starts with `prefix`, in config order
// ("/processors" gives "/processors/0", "/processors/1"...).
std::vector<const ComponentConfig*> nested_under(const ComponentConfig& cc,
                                                 const std::string& prefix);

// Runs a chain over the batch.
void run_processors(ProcessorNodes& chain, Batch& batch);
void close_processors(ProcessorNodes& chain);

} // namespace plugctl::core
