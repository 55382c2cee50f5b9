// Processor `resource`: runs the processor declared under `processor_resources` with a label.
#include "builtins/composite.hpp"
#include "builtins/flow_common.hpp"

#include <stdexcept>

namespace plugctl::core::builtins {
namespace {

// Resources that use resources: deeper than this is a resource reaching itself again.
constexpr int kMaxResourceDepth = 32;

class ResourceNode final : public ProcessorNode {
public:
  explicit ResourceNode(std::unique_ptr<ProcessorNode> inner) : inner_(std::move(inner)) {}
  void process(Batch& batch) override { inner_->process(batch); }
  void close() override { inner_->close(); }

private:
  std::unique_ptr<ProcessorNode> inner_;
};

std::unique_ptr<ProcessorNode> make_resource(const ComponentConfig& cc, BuildContext& ctx) {
  const std::string label = flow::config_string(cc, "");
  const auto& resources = ctx.cfg.processor_resources;
  auto it = resources.find(label);
  if (it == resources.end()) {
    std::string msg = describe(cc) + ": processor resource '" + label + "' was not found";
    std::vector<std::string> labels;
    for (const auto& [l, _] : resources)
      labels.push_back(l);
    if (std::string near = closest_name(label, labels); !near.empty())
      msg += " (did you mean '" + near + "'?)";
    else if (labels.empty())
      msg += " (processor_resources is empty)";
    throw std::runtime_error(msg);
  }
  if (ctx.depth >= kMaxResourceDepth)
    throw std::runtime_error(describe(cc) + ": processor resource '" + label +
                             "' nests resources more than " + std::to_string(kMaxResourceDepth) +
                             " deep: does it refer to itself?");
  struct Deeper {
    int& depth;
    explicit Deeper(int& d) : depth(d) { ++depth; }
    ~Deeper() { --depth; }
    Deeper(const Deeper&) = delete;
    Deeper& operator=(const Deeper&) = delete;
  } deeper(ctx.depth);
  return std::make_unique<ResourceNode>(build_processor(it->second, ctx));
}

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "resource",
    .summary = "Runs a processor declared under `processor_resources`.",
    .description =
        "The value is the `label` of an entry of `processor_resources`: the messages go "
        "through that processor as if it were written here, so one definition serves several "
        "places of a config. A label that names no resource is an error when the pipeline is "
        "built; so is a resource that (through others) refers to itself.",
    .spec = sdk::Spec::scalar(
        sdk::Field::string("", "The label of the processor resource.").example("foo")),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "pipeline:\n  processors:\n    - resource: shout\n"
                "processor_resources:\n  - label: shout\n"
                "    mutation: 'root.text = this.text.uppercase()'\n");

const bool kFactory = register_processor_factory("resource", make_resource);

} // namespace
} // namespace plugctl::core::builtins
