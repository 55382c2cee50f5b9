// Processors `mapping` (a new document from each message), `mutation` (edits each message in
// place) and `bloblang` (the older name of `mapping`).
#include "bloblang/mapping.hpp"

#include "host/host.hpp"

#include <plugctl/sdk.hpp>

namespace plugctl::core::builtins {
namespace {

std::shared_ptr<const bloblang::Mapping> compile(const std::string& text) {
  try {
    return bloblang::Mapping::parse(text);
  } catch (const bloblang::ParseError& e) {
    throw sdk::ConfigError(std::string("failed to parse mapping: ") + e.what() + "\n" + e.caret());
  }
}

template <bool kMutate> class MappingProcessor final : public sdk::Processor {
public:
  MappingProcessor(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), mapping_(compile(cfg.string(""))) {}

  void process(sdk::Batch& in, sdk::Batch& out) override {
    Batch& src = *batch_of(in.mut());
    Batch& dst = *batch_of(out.mut());
    // Every message is mapped against the batch as it came in (functions may look at other
    // messages), so the results are gathered first.
    dst.messages.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      Message result = src.messages[i];
      try {
        if (!mapping_->apply(src, i, result, kMutate)) continue; // root = deleted(): dropped
      } catch (const std::exception& e) {
        result = src.messages[i];
        result.set_error(e.what());
        if (ctx_.log_enabled(PLUGCTL_LOG_DEBUG)) ctx_.debug(e.what());
      }
      dst.messages.push_back(std::move(result));
    }
    src.messages.clear();
  }

private:
  sdk::Context ctx_;
  std::shared_ptr<const bloblang::Mapping> mapping_;
};

constexpr const char* kMappingDescription =
    "Runs a Bloblang mapping on each message and replaces its content with the new document "
    "built from `root` (the message is `this`); metadata assignments (`meta foo = ...`) apply "
    "to the message. `root = deleted()` drops the message on purpose. A mapping that fails "
    "leaves the message as it was, flagged with the error (see `catch` and `errored()`), so "
    "nothing is lost.";

PLUGCTL_REGISTER_PROCESSOR(
    MappingProcessor<false>, .name = "mapping",
    .summary = "Executes a Bloblang mapping, building a new document from each message.",
    .description = kMappingDescription,
    .spec = sdk::Spec::scalar(sdk::Field::bloblang("", "The Bloblang mapping.")
                                  .example("root = this\nroot.id = uuid_v4()")),
    .categories = "Mapping",
    .examples = "pipeline:\n  processors:\n    - mapping: |\n        root.id = this.id\n"
                "        root.name = this.user.name.uppercase()\n");

PLUGCTL_REGISTER_PROCESSOR(
    MappingProcessor<true>, .name = "mutation",
    .summary = "Executes a Bloblang mapping that edits each message in place.",
    .description = "Like `mapping`, but `root` starts as the message itself, so assignments "
                   "edit it rather than build a new document.",
    .spec = sdk::Spec::scalar(
        sdk::Field::bloblang("", "The Bloblang mapping.").example("root.status = \"seen\"")),
    .categories = "Mapping",
    .examples = "pipeline:\n  processors:\n    - mutation: |\n        root.seen_at = now()\n");

PLUGCTL_REGISTER_PROCESSOR(MappingProcessor<false>, .name = "bloblang",
                           .summary = "The former name of `mapping`.",
                           .description = kMappingDescription,
                           .spec = sdk::Spec::scalar(sdk::Field::bloblang("",
                                                                          "The Bloblang mapping.")),
                           .stability = PLUGCTL_STABILITY_DEPRECATED, .categories = "Mapping",
                           .examples = "pipeline:\n  processors:\n    - bloblang: 'root = this'\n");

} // namespace
} // namespace plugctl::core::builtins
