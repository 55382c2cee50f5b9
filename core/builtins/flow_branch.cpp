// Processor `branch`: builds a request from each message, runs child processors on the requests
// and maps each result back onto its original message.
#include "builtins/composite.hpp"
#include "builtins/flow_common.hpp"

#include <stdexcept>

namespace plugctl::core::builtins {
namespace {

class BranchNode final : public ProcessorNode {
public:
  BranchNode(const ComponentConfig& cc, BuildContext& ctx)
      : request_map_(
            flow::compile_mapping(cc, "request_map", flow::config_string(cc, "/request_map"))),
        result_map_(
            flow::compile_mapping(cc, "result_map", flow::config_string(cc, "/result_map"))),
        children_(flow::build_children(cc, "/processors", ctx)), log_(flow::logger_of(cc)) {
    if (children_.empty())
      throw std::runtime_error(describe(cc) + ": " + cc.path +
                               ".branch.processors: the branch processor requires at least one "
                               "child processor");
  }

  void process(Batch& batch) override {
    Batch requests;
    std::vector<size_t> origin; // requests.messages[k] was built from batch.messages[origin[k]]
    requests.messages.reserve(batch.size());
    origin.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      Message req = batch.messages[i];
      req.clear_error(); // the branch starts clean; the original keeps its flag
      if (request_map_) {
        req.set_payload(std::string_view()); // a mapping that assigns no root gives an empty one
        try {
          if (!request_map_->apply(batch, i, req, false)) continue; // deleted(): no branch
        } catch (const std::exception& e) {
          log_->debug("failed to map request {}: {}", i, e.what());
          batch.messages[i].set_error(std::string("request mapping failed: ") + e.what());
          continue;
        }
      }
      requests.messages.push_back(std::move(req));
      origin.push_back(i);
    }
    if (requests.empty()) return;

    run_processors(children_, requests);
    if (requests.size() != origin.size()) {
      std::string why = "message count from branch processors does not match request, started "
                        "with " +
                        std::to_string(origin.size()) + " messages, finished with " +
                        std::to_string(requests.size()) +
                        " (filters, splits and archives belong before or after a branch)";
      log_->error("{}", why);
      for (size_t i : origin)
        batch.messages[i].set_error(why);
      return;
    }
    // Results aligned with the batch (as Benthos: `batch_index()` in result_map is the index of
    // the original message; skipped messages leave an empty slot).
    Batch results;
    results.messages.resize(batch.size());
    for (size_t k = 0; k < origin.size(); ++k)
      results.messages[origin[k]] = std::move(requests.messages[k]);
    for (size_t i : origin) {
      Message& original = batch.messages[i];
      const Message& result = results.messages[i];
      if (result.has_error()) {
        original.set_error("processors failed: " + std::string(result.error()));
        continue;
      }
      if (!result_map_) continue;
      try {
        overlay(batch, results, i);
      } catch (const std::exception& e) {
        log_->debug("failed to map result {}: {}", i, e.what());
        original.set_error(std::string("result mapping failed: ") + e.what());
      }
    }
  }

  void close() override { close_processors(children_); }

private:
  // result_map: `this` (and content(), metadata) is the branch result, `root` starts as the
  // original document; the payload changes only when the mapping changed the document.
  void overlay(Batch& batch, const Batch& results, size_t index) const {
    Message& original = batch.messages[index];
    const boost::json::value* before = nullptr;
    {
      bloblang::ExecContext octx(&batch, index);
      try {
        before = &octx.parsed(); // kept alive by the message's structured cache
      } catch (const bloblang::EvalError&) {
        before = nullptr; // not JSON: root starts empty
      }
    }
    std::shared_ptr<const boost::json::value> keep = original.structured();
    if (before != nullptr && keep.get() != before) before = nullptr; // not cached: don't borrow
    bloblang::ExecContext ctx(&results, index);
    bloblang::Mapping::Result r =
        result_map_->run(ctx, before != nullptr ? *before : boost::json::value(nullptr));
    if (r.outcome == bloblang::Mapping::Outcome::Replaced &&
        !(before != nullptr && bloblang::equal(r.value, bloblang::Value::ref(*before))))
      bloblang::set_message_value(original, std::move(r.value));
    bloblang::apply_meta(ctx, original);
  }

  std::shared_ptr<const bloblang::Mapping> request_map_, result_map_;
  ProcessorNodes children_;
  std::shared_ptr<spdlog::logger> log_;
};

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "branch",
    .summary = "Runs child processors on a request built from each message and maps the result "
               "back into the original.",
    .description =
        "`request_map` builds a request from each message (empty: an exact copy of the "
        "message, metadata included); the child processors run on the requests; `result_map` "
        "merges each result back into its original message. In `result_map`, `this`, "
        "`content()` and `metadata()` are the result of the branch and `root` starts as the "
        "original document, so `root.user.id = this.id` adds a field and keeps the rest; "
        "metadata assignments apply to the original (`meta = metadata()` copies all of the "
        "result's). Without `result_map`, or when it does not change it, the original stays "
        "as it was: the branch is then only for its side effects.\n\n"
        "A request mapping that gives `deleted()` skips the branch for that message. When the "
        "request mapping fails, the children flag a result with an error, or the result "
        "mapping fails, the original message is flagged with the error (and otherwise left "
        "as it was), so the usual error handling applies. The children must keep one result "
        "per request, in order: filters, splits and archives belong before or after the "
        "branch.",
    .spec = sdk::Spec()
                .field(sdk::Field::bloblang("request_map",
                                            "A Bloblang mapping building the request from the "
                                            "message. Empty: the whole message.")
                           .default_value("")
                           .example("root = {\"id\": this.doc.id}")
                           .example("root = if this.type == \"foo\" { this.foo } else { "
                                    "deleted() }"))
                .field(sdk::Field::component("processors", "processor",
                                             "The processors to run on the requests.")
                           .list())
                .field(sdk::Field::bloblang("result_map",
                                            "A Bloblang mapping merging the result (`this`) "
                                            "into the original message (`root`). Empty: the "
                                            "original is left unchanged.")
                           .default_value("")
                           .example("root.enrichment = this")
                           .example("meta code = metadata(\"code\")\nroot.result = this")),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - branch:\n"
                "        request_map: 'root = this.user.name'\n        processors:\n"
                "          - mapping: 'root = content().string().uppercase()'\n"
                "        result_map: 'root.user.shout = content().string()'\n");

const bool kFactory =
    register_processor_factory("branch", [](const ComponentConfig& cc, BuildContext& ctx) {
      return std::make_unique<BranchNode>(cc, ctx);
    });

} // namespace
} // namespace plugctl::core::builtins
