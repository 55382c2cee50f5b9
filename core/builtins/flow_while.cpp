// Processor `while`: runs child processors over a batch for as long as a check on it holds.
#include "builtins/composite.hpp"
#include "builtins/flow_common.hpp"

#include <stdexcept>

namespace plugctl::core::builtins {
namespace {

class WhileNode final : public ProcessorNode {
public:
  WhileNode(const ComponentConfig& cc, BuildContext& ctx)
      : check_(flow::compile_mapping(cc, "check", flow::config_string(cc, "/check"))),
        at_least_once_(flow::config_bool(cc, "/at_least_once")),
        max_loops_(flow::config_int(cc, "/max_loops")),
        children_(flow::build_children(cc, "/processors", ctx)), cancelled_(ctx.cancelled),
        log_(flow::logger_of(cc)) {
    if (check_.empty())
      throw std::runtime_error(describe(cc) + ": " + cc.path +
                               ".while.check: a check query is "
                               "required");
  }

  void process(Batch& batch) override {
    int64_t loops = 0;
    bool again = at_least_once_ || holds(batch);
    while (again) {
      if (max_loops_ > 0 && loops >= max_loops_) break;
      if (cancelled_ && cancelled_->load()) {
        // Stopping: the loop is cut short, and the messages say so rather than pass as done.
        std::string why = "while: loop stopped by shutdown after " + std::to_string(loops) +
                          (loops == 1 ? " iteration" : " iterations");
        for (auto& m : batch.messages)
          m.set_error(why);
        return;
      }
      run_processors(children_, batch);
      if (batch.empty()) return;
      again = holds(batch);
      ++loops;
    }
  }

  void close() override { close_processors(children_); }

private:
  // The check against the first message of the batch; a failing check ends the loop.
  bool holds(const Batch& batch) const {
    if (batch.empty()) return false;
    try {
      return check_.test(batch, 0);
    } catch (const std::exception& e) {
      log_->error("query failed for loop: {}", e.what());
      return false;
    }
  }

  flow::Check check_;
  bool at_least_once_;
  int64_t max_loops_;
  ProcessorNodes children_;
  std::shared_ptr<const std::atomic<bool>> cancelled_;
  std::shared_ptr<spdlog::logger> log_;
};

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "while",
    .summary = "Runs child processors over a batch for as long as a check holds.",
    .description =
        "Before each loop `check` is evaluated against the first message of the batch; while "
        "it gives true the child processors run over the whole batch again. With "
        "`at_least_once: true` they run once before the first check (do ... while). "
        "`max_loops` (0 for no limit) caps the loops, against accidental infinite loops.\n\n"
        "The loop also ends when the batch becomes empty, or when the check fails (the error is "
        "logged). A loop cut short by a shutdown flags its messages with an error instead of "
        "passing them on as finished.",
    .spec = sdk::Spec()
                .field(sdk::Field::boolean("at_least_once",
                                           "Whether to run the processors once before "
                                           "the first check.")
                           .default_value(false))
                .field(sdk::Field::integer("max_loops", "The most loops to run per batch; 0 for "
                                                        "no limit.")
                           .default_value(0)
                           .advanced())
                .field(sdk::Field::bloblang("check", "A Bloblang query giving a boolean: "
                                                     "whether to run the processors (again).")
                           .default_value("")
                           .example("errored()")
                           .example("this.urls.unprocessed.length() > 0"))
                .field(sdk::Field::component("processors", "processor",
                                             "The processors to run on each loop.")
                           .list()),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - while:\n        at_least_once: true\n"
                "        max_loops: 10\n        check: this.n < 5\n        processors:\n"
                "          - mutation: root.n = this.n + 1\n");

const bool kFactory =
    register_processor_factory("while", [](const ComponentConfig& cc, BuildContext& ctx) {
      return std::make_unique<WhileNode>(cc, ctx);
    });

} // namespace
} // namespace plugctl::core::builtins
