// Processors `switch` (each message goes through the processors of the first case whose check
// passes, and of the next ones while cases fall through) and `group_by` (messages grouped by the
// first matching check, each group processed as a batch of its own).
#include "builtins/composite.hpp"
#include "builtins/flow_common.hpp"

#include <algorithm>

namespace plugctl::core::builtins {
namespace {

using flow::append;
using flow::Check;

struct Case {
  Check check;
  ProcessorNodes processors;
  bool fallthrough = false;
};

// The cases (or groups) of a component whose config is a list of {check, processors, ...}.
std::vector<Case> build_cases(const ComponentConfig& cc, BuildContext& ctx, bool with_fallthrough) {
  std::vector<Case> cases;
  const auto& list = cc.config;
  if (!list.is_array()) return cases;
  for (size_t i = 0; i < list.get_array().size(); ++i) {
    const std::string at = "/" + std::to_string(i);
    Case c;
    c.check = Check(flow::compile_mapping(cc, std::to_string(i) + ".check",
                                          flow::config_string(cc, at + "/check")));
    c.processors = flow::build_children(cc, at + "/processors", ctx);
    if (with_fallthrough) c.fallthrough = flow::config_bool(cc, at + "/fallthrough");
    cases.push_back(std::move(c));
  }
  return cases;
}

void close_cases(std::vector<Case>& cases) {
  for (auto& c : cases)
    close_processors(c.processors);
}

class SwitchNode final : public ProcessorNode {
public:
  SwitchNode(const ComponentConfig& cc, BuildContext& ctx)
      : cases_(build_cases(cc, ctx, true)), log_(flow::logger_of(cc)) {}

  void process(Batch& batch) override {
    const size_t n = batch.size();
    // Each message is tagged with its position (1-based) so that the result can be put back in
    // the order the batch came in, whatever the cases did; the tags of an enclosing switch are
    // restored at the end.
    std::vector<uint64_t> outer(n);
    for (size_t i = 0; i < n; ++i) {
      outer[i] = batch.messages[i].order_tag();
      batch.messages[i].set_order_tag(i + 1);
    }
    std::vector<std::pair<uint64_t, Message>> result; // (position, message)
    result.reserve(n);
    auto emit = [&](Batch& out, uint64_t first) {
      // Messages a child created from nothing (no tag) follow the message before them.
      uint64_t key = first;
      for (auto& m : out.messages) {
        if (m.order_tag() != 0 && m.order_tag() <= n) key = m.order_tag();
        result.emplace_back(key, std::move(m));
      }
      out.messages.clear();
    };

    Batch remaining = std::move(batch);
    Batch carry; // processed by a case that falls through: into the next case unchecked
    for (size_t k = 0; k < cases_.size(); ++k) {
      Case& c = cases_[k];
      Batch passed = std::move(carry);
      carry = Batch{};
      // Every check runs against the intact batch of the messages still unmatched.
      enum class Test : uint8_t { Pass, Fail, Error };
      std::vector<Test> tests(remaining.size(), Test::Pass);
      std::vector<std::string> errors(c.check.empty() ? 0 : remaining.size());
      if (!c.check.empty()) {
        for (size_t j = 0; j < remaining.size(); ++j) {
          try {
            tests[j] = c.check.test(remaining, j) ? Test::Pass : Test::Fail;
          } catch (const std::exception& e) {
            tests[j] = Test::Error;
            errors[j] = e.what();
          }
        }
      }
      Batch failed;
      for (size_t j = 0; j < remaining.size(); ++j) {
        Message& m = remaining.messages[j];
        if (tests[j] == Test::Error) {
          // Flagged, and not tested against the other cases.
          log_->error("failed to test case {}: {}", k, errors[j]);
          m.set_error(errors[j]);
          uint64_t tag = m.order_tag();
          result.emplace_back(tag, std::move(m));
          continue;
        }
        (tests[j] == Test::Pass ? passed : failed).messages.push_back(std::move(m));
      }
      remaining = std::move(failed);
      if (passed.empty()) continue;
      uint64_t first = passed.messages.front().order_tag();
      run_processors(c.processors, passed);
      if (c.fallthrough) {
        // Keep the position of messages a child created from nothing before they move on.
        uint64_t key = first;
        for (auto& m : passed.messages) {
          if (m.order_tag() == 0)
            m.set_order_tag(key);
          else
            key = m.order_tag();
        }
        carry = std::move(passed);
      } else {
        emit(passed, first);
      }
    }
    // The last case fell through into nothing: its messages are done, not lost.
    if (!carry.empty()) emit(carry, carry.messages.front().order_tag());
    for (auto& m : remaining.messages)
      result.emplace_back(m.order_tag(), std::move(m));

    std::stable_sort(result.begin(), result.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    batch.messages.clear();
    batch.messages.reserve(result.size());
    for (auto& [key, m] : result) {
      m.set_order_tag(key >= 1 && key <= n ? outer[key - 1] : 0);
      batch.messages.push_back(std::move(m));
    }
  }

  void close() override { close_cases(cases_); }

private:
  std::vector<Case> cases_;
  std::shared_ptr<spdlog::logger> log_;
};

class GroupByNode final : public ProcessorNode {
public:
  GroupByNode(const ComponentConfig& cc, BuildContext& ctx)
      : groups_(build_cases(cc, ctx, false)), log_(flow::logger_of(cc)) {}

  void process(Batch& batch) override {
    // Every check runs against the intact batch before any message moves.
    std::vector<size_t> group_of(batch.size(), groups_.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      for (size_t g = 0; g < groups_.size(); ++g) {
        bool hit = false;
        try {
          hit = groups_[g].check.test(batch, i);
        } catch (const std::exception& e) {
          log_->error("failed to test group {}: {}", g, e.what());
        }
        if (hit) {
          group_of[i] = g;
          break;
        }
      }
    }
    std::vector<Batch> groups(groups_.size() + 1); // the last one: no group
    for (size_t i = 0; i < batch.size(); ++i)
      groups[group_of[i]].messages.push_back(std::move(batch.messages[i]));
    Batch groupless = std::move(groups.back());
    groups.pop_back();
    batch.messages.clear();
    for (size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].empty()) continue;
      run_processors(groups_[g].processors, groups[g]);
      append(batch, std::move(groups[g]));
    }
    append(batch, std::move(groupless));
  }

  void close() override { close_cases(groups_); }

private:
  std::vector<Case> groups_;
  std::shared_ptr<spdlog::logger> log_;
};

sdk::Field case_processors(const char* description) {
  return sdk::Field::component("processors", "processor", description)
      .list()
      .default_value(sdk::Json::empty_array());
}

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "switch",
    .summary = "Runs different processors on messages depending on their contents.",
    .description =
        "Each message is tested against the `check` of every case in order and goes through "
        "the processors of the first case that passes (a case without a check always passes). "
        "With `fallthrough: true` the messages a case processed also go through the processors "
        "of the next case, without testing its check. Messages that match no case pass "
        "unchanged. A check that fails (or gives anything but a boolean) flags the message "
        "with the error, and the message is not tested against the other cases.\n\n"
        "The messages of a case are processed together as one batch. Afterwards the batch keeps "
        "the order it came in, whatever the cases did; messages a case adds follow the message "
        "they came from.",
    .spec = sdk::Spec::scalar(
        sdk::Field::object(
            "", "The cases, tested in order.",
            {sdk::Field::bloblang("check",
                                  "A Bloblang query giving a boolean: whether the message goes "
                                  "through the processors of this case. Empty always passes.")
                 .default_value("")
                 .example("this.type == \"foo\"")
                 .example("errored()"),
             case_processors("The processors to run on the messages of this case."),
             sdk::Field::boolean("fallthrough", "Whether the messages this case processed also "
                                                "go through the processors of the next case.")
                 .default_value(false)
                 .advanced()})
            .list()),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - switch:\n"
                "        - check: this.user.name.first == \"George\"\n"
                "          processors:\n            - mapping: root = deleted()\n"
                "        - check: errored()\n          processors:\n"
                "            - log:\n                level: ERROR\n"
                "                message: 'failed: ${! error() }'\n"
                "        - processors:\n            - mutation: root.checked = true\n");

PLUGCTL_REGISTER_PROCESSOR(
    CompositeProcessorPlaceholder, .name = "group_by",
    .summary = "Groups the messages of a batch by the first matching check and processes each "
               "group as a batch.",
    .description =
        "Each message joins the group of the first `check` that passes for it (a check that "
        "fails counts as not passing and is logged). Each group then goes through its own "
        "processors as one batch, so they can label, archive or otherwise treat the group as a "
        "whole. Messages that match no group pass unchanged.\n\n"
        "The groups leave in the order of the list, followed by the unmatched messages, in one "
        "batch (plugctl does not split a batch inside the pipeline yet).",
    .spec = sdk::Spec::scalar(
        sdk::Field::object("", "The groups, tested in order.",
                           {sdk::Field::bloblang("check",
                                                 "A Bloblang query giving a boolean: whether the "
                                                 "message belongs to this group.")
                                .example("this.type == \"foo\"")
                                .example("content().contains(\"this is a foo\")"),
                            case_processors("The processors to run on the group.")})
            .list()),
    .flags = kCoreComposite, .categories = "Composition",
    .examples = "pipeline:\n  processors:\n    - group_by:\n"
                "        - check: content().contains(\"foo\")\n"
                "          processors:\n            - mapping: 'meta grouping = \"foo\"'\n");

const bool kFactories =
    register_processor_factory("switch",
                               [](const ComponentConfig& cc, BuildContext& ctx) {
                                 return std::make_unique<SwitchNode>(cc, ctx);
                               }) &&
    register_processor_factory("group_by", [](const ComponentConfig& cc, BuildContext& ctx) {
      return std::make_unique<GroupByNode>(cc, ctx);
    });

} // namespace
} // namespace plugctl::core::builtins
