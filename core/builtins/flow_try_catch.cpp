// Processors `try`, `catch` and `for_each`: child processors applied to each message of a batch
// as its own batch of one; `try` stops at the first error of a message, `catch` runs only on
// messages flagged with an error and clears the flags afterwards.
#include "builtins/composite.hpp"
#include "builtins/flow_common.hpp"

namespace plugctl::core::builtins {
namespace {

using flow::append;

enum class Mode { ForEach, Try, Catch };

template <Mode kMode> class PerMessageNode final : public ProcessorNode {
public:
  explicit PerMessageNode(ProcessorNodes children) : children_(std::move(children)) {}

  void process(Batch& batch) override {
    if (kMode == Mode::Catch && children_.empty()) {
      for (auto& m : batch.messages)
        m.clear_error();
      return;
    }
    Batch out;
    out.messages.reserve(batch.size());
    for (auto& m : batch.messages) {
      // try: a message that failed before the block skips it; catch: only those are caught.
      const bool skip = kMode == Mode::Try     ? m.has_error()
                        : kMode == Mode::Catch ? !m.has_error()
                                               : false;
      Batch unit;
      unit.messages.push_back(std::move(m));
      if (!skip) {
        for (auto& p : children_) {
          if (unit.empty()) break;
          if (kMode == Mode::Try)
            flow::run_skipping_errored(*p, unit);
          else
            p->process(unit);
        }
      }
      if (kMode == Mode::Catch)
        for (auto& r : unit.messages)
          r.clear_error();
      append(out, std::move(unit));
    }
    batch = std::move(out);
  }

  void close() override { close_processors(children_); }

private:
  ProcessorNodes children_;
};

template <Mode kMode>
std::unique_ptr<ProcessorNode> make_per_message(const ComponentConfig& cc, BuildContext& ctx) {
  return std::make_unique<PerMessageNode<kMode>>(flow::build_children(cc, "", ctx));
}

sdk::Spec processor_list_spec(const char* description) {
  return sdk::Spec::scalar(sdk::Field::component("", "processor", description)
                               .list()
                               .default_value(sdk::Json::empty_array()));
}

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "try",
    .summary = "Runs child processors on each message until one of them flags it with an error.",
    .description =
        "Like `for_each`, the child processors are applied to each message of a batch as its own "
        "batch of one. Once a message is flagged with an error (by a child processor, or by any "
        "processor before the `try`), the remaining child processors are skipped for it; the "
        "message keeps flowing with its error flag, ready for a following `catch` (or a "
        "`switch` on `errored()`). Nothing is dropped because of an error.\n\n"
        "As `catch` clears errors only after its children ran, a `try` nested directly in a "
        "`catch` skips everything; put an empty `catch: []` before it to clear the errors first.",
    .spec = processor_list_spec("The processors to run on each message, in order."),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - try:\n        - mapping: 'root = this.doc'\n"
                "        - mapping: 'root.size = this.body.length()'\n"
                "    - catch:\n        - log:\n            level: ERROR\n"
                "            message: 'processing failed: ${! error() }'\n");

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "catch",
    .summary = "Runs child processors only on messages flagged with an error, then clears the "
               "flags.",
    .description =
        "The child processors are applied to each message that a previous processing step "
        "flagged with an error, each message as its own batch of one (`error()` gives the "
        "error text, `errored()` is true inside). Messages without an error pass untouched. "
        "When messages leave the `catch` their error flags are cleared, so it is the place to "
        "recover failed messages, log them or rewrite them for a dead-letter destination "
        "(`mapping: root = deleted()` drops them on purpose). An empty `catch: []` just clears "
        "the flags.",
    .spec = processor_list_spec("The processors to run on each failed message, in order."),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - mapping: 'root = this.payload.parse_json()'\n"
                "    - catch:\n        - log:\n            level: WARN\n"
                "            message: 'not JSON: ${! error() }'\n"
                "        - mapping: 'root = {\"raw\": content().string(), \"error\": error()}'\n");

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "for_each",
    .summary = "Runs child processors on each message of a batch individually.",
    .description =
        "Each message of a batch goes through the child processors as its own batch of one, "
        "so processors that work on whole batches (archives, `batch_index()`...) see one "
        "message at a time. The results are gathered back into one batch in the original "
        "order; a child that flags a message with an error does not stop the other children "
        "(use `try` for that).",
    .spec = processor_list_spec("The processors to run on each message, in order."),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - for_each:\n"
                "        - mutation: 'root.alone = batch_size() == 1'\n");

const bool kFactories = register_processor_factory("try", make_per_message<Mode::Try>) &&
                        register_processor_factory("catch", make_per_message<Mode::Catch>) &&
                        register_processor_factory("for_each", make_per_message<Mode::ForEach>);

} // namespace
} // namespace plugctl::core::builtins
