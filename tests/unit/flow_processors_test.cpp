// The flow-control processors (try, catch, switch, for_each, while, branch, group_by, resource)
// run in-process between test_feed and test_capture: exact payloads, metadata, error flags and
// acknowledgements; nesting; build errors; lint paths of nested fields.
#include "pipeline/nodes.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>
#include <plugctl/sdk.hpp>
#include <set>

namespace plugctl::test {
namespace {

using Strings = std::vector<std::string>;
using Meta = std::map<std::string, std::string>;

core::Registry& registry() {
  static core::Registry reg = make_registry();
  return reg;
}

// Processor flow_test_dup: passes every message on and, after each one containing "dup", adds
// a brand-new message "<payload>+new" (created from nothing, as a splitting plugin would).
class FlowTestDup final : public sdk::Processor {
public:
  FlowTestDup(const sdk::Context&, const sdk::Config&) {}
  void process(sdk::Batch& in, sdk::Batch& out) override {
    for (size_t i = 0, n = in.size(); i < n; ++i) {
      std::string p(in[i].payload());
      out.push(in.take(i));
      if (p.find("dup") != std::string::npos) out.push(p + "+new");
    }
  }
};
PLUGCTL_REGISTER_PROCESSOR(FlowTestDup, .name = "flow_test_dup",
                           .summary = "Test processor (test binary only).");

struct Run {
  int exit_code = -1;
  Strings payloads;
  Strings errors;
  std::vector<Meta> meta;
  Strings acks;
  std::vector<size_t> batch_sizes;
};

// Feeds `payloads` (in batches of `batch`) through the pipeline `processors` (YAML list items
// indented by 4) into test_capture; `extra` is appended at the top level (resources).
Run run_flow(const std::string& name, const Strings& payloads, const std::string& processors,
             size_t batch = 1, const std::string& extra = "", const std::vector<Meta>& meta = {}) {
  reset_channel(name);
  auto& ch = channel(name);
  ch.payloads = payloads;
  ch.metadata = meta;
  std::string yaml = "input:\n  test_feed:\n    channel: " + name +
                     "\n    batch_size: " + std::to_string(batch) +
                     "\npipeline:\n  threads: 1\n  processors:\n" + processors +
                     "output:\n  test_capture:\n    channel: " + name + "\n" + extra;
  auto r = run_config(yaml, registry());
  Run out;
  out.exit_code = r.exit_code;
  std::lock_guard lock(ch.mu);
  out.payloads = ch.received;
  out.errors = ch.received_errors;
  out.meta = ch.received_meta;
  out.acks = ch.acks;
  out.batch_sizes = ch.batch_sizes;
  return out;
}

// One "ok a-b" per input batch of `batch`, nothing nacked.
Strings all_acked(size_t n, size_t batch) {
  Strings out;
  for (size_t i = 0; i < n; i += batch)
    out.push_back("ok " + std::to_string(i) + "-" + std::to_string(std::min(n, i + batch) - 1));
  return out;
}

Strings no_errors(size_t n) {
  return Strings(n, "");
}

// Lints a config and returns "PATH: MESSAGE" of each error.
Strings lint_errors(const std::string& yaml) {
  core::LoadResult r = core::load_config_string(yaml, "test.yaml", registry());
  Strings out;
  for (const auto& e : r.errors)
    out.push_back(e.path + ": " + e.message);
  return out;
}

// Builds the pipeline processors of a config the way the engine does; returns the build error.
std::string build_error(const std::string& yaml) {
  core::Config cfg = parse_config(yaml, registry());
  core::BuildContext ctx{registry(), cfg, std::make_shared<std::atomic<bool>>(false)};
  try {
    auto nodes = core::build_processors(cfg.processors, ctx);
    core::close_processors(nodes);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// --- try -------------------------------------------------------------------------------------

TEST(FlowTry, RunsEveryChildOnEachMessage) {
  auto r = run_flow("try_ok", {R"({"a":1})", R"({"a":2})", R"({"a":3})"}, R"(
    - try:
        - mapping: 'root.b = this.a * 10'
        - mutation: 'root.size = batch_size()'
)",
                    3);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads,
            (Strings{R"({"b":10,"size":1})", R"({"b":20,"size":1})", R"({"b":30,"size":1})"}))
      << "each message goes through the children as a batch of one";
  EXPECT_EQ(r.errors, no_errors(3));
  EXPECT_EQ(r.acks, all_acked(3, 3));
  EXPECT_EQ(r.batch_sizes, (std::vector<size_t>{3}));
}

TEST(FlowTry, AnErrorSkipsTheRestForThatMessageOnlyAndDropsNothing) {
  auto r = run_flow("try_err", {R"({"n":1})", R"({"n":2})", R"({"n":3})", R"({"n":4})"}, R"(
    - test_fail:
        fail_on: '4'
    - try:
        - mapping: 'root = if this.n == 2 { throw("two is bad") } else { this }'
        - mutation: 'root.after = true'
)",
                    2);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{R"({"after":true,"n":1})", R"({"n":2})", R"({"after":true,"n":3})",
                                 R"({"n":4})"}))
      << "mappings serialise objects with sorted keys, as Benthos";
  EXPECT_EQ(r.errors, (Strings{"", "failed assignment (line 1): two is bad", "",
                               "test_fail: payload contains '4'"}));
  EXPECT_EQ(r.acks, all_acked(4, 2));
}

TEST(FlowTry, PartsOfASplitMessageFailIndependently) {
  auto r = run_flow("try_split", {"one dup", "two"}, R"(
    - try:
        - flow_test_dup: {}
        - test_fail:
            fail_on: +new
        - mapping: 'root = content().string() + " ok"'
)",
                    2);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{"one dup ok", "one dup+new", "two ok"}));
  EXPECT_EQ(r.errors, (Strings{"", "test_fail: payload contains '+new'", ""}));
  EXPECT_EQ(r.acks, all_acked(2, 2));
}

// --- catch -----------------------------------------------------------------------------------

TEST(FlowCatch, RunsOnlyOnFailedMessagesSeesTheErrorAndClearsIt) {
  auto r = run_flow("catch_ok", {"fine", "bad 1", "also fine", "bad 2"}, R"(
    - test_fail:
        fail_on: bad
    - catch:
        - mutation: 'meta caught = error()'
        - mapping: |
            root.original = content().string()
            root.was_errored = errored()
            root.error = error()
)",
                    4);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads,
            (Strings{"fine",
                     R"({"error":"test_fail: payload contains 'bad'","original":"bad 1",)"
                     R"("was_errored":true})",
                     "also fine",
                     R"({"error":"test_fail: payload contains 'bad'","original":"bad 2",)"
                     R"("was_errored":true})"}));
  EXPECT_EQ(r.errors, no_errors(4)) << "catch clears the flags";
  EXPECT_EQ(r.meta, (std::vector<Meta>{{},
                                       {{"caught", "test_fail: payload contains 'bad'"}},
                                       {},
                                       {{"caught", "test_fail: payload contains 'bad'"}}}));
  EXPECT_EQ(r.acks, all_acked(4, 4));
}

TEST(FlowCatch, EmptyCatchClearsAndDeletingInsideIsOnPurposeAndAcked) {
  auto r = run_flow("catch_clear", {"a", "bad b", "c", "worse"}, R"(
    - test_fail:
        fail_on: bad
    - catch: []
    - test_fail:
        fail_on: worse
    - catch:
        - mapping: 'root = deleted()'
)",
                    2);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{"a", "bad b", "c"}));
  EXPECT_EQ(r.errors, no_errors(3));
  EXPECT_EQ(r.acks, all_acked(4, 2)) << "the dropped message is still acknowledged";
}

TEST(FlowCatch, AFailureInsideCatchIsClearedToo) {
  // Benthos: the flags of every message leaving a catch are cleared, whatever happened inside.
  auto r = run_flow("catch_fail", {"bad"}, R"(
    - test_fail:
        fail_on: bad
    - catch:
        - mapping: 'root = throw("again")'
        - mutation: 'meta ran = "yes"'
)");
  EXPECT_EQ(r.payloads, (Strings{"bad"}));
  EXPECT_EQ(r.errors, no_errors(1));
  EXPECT_EQ(r.meta, (std::vector<Meta>{{{"ran", "yes"}}}))
      << "caught messages go through every child of the catch";
}

// --- switch ----------------------------------------------------------------------------------

TEST(FlowSwitch, FirstMatchingCaseWinsUnmatchedPassAndOrderIsKept) {
  auto r = run_flow("switch_ok",
                    {R"({"t":"a","i":0})", R"({"t":"b","i":1})", R"({"t":"c","i":2})",
                     R"({"t":"a","i":3})", R"({"t":"drop","i":4})", R"({"t":"b","i":5})"},
                    R"(
    - switch:
        - check: this.t == "a"
          processors:
            - mutation: 'root.case = "A"'
            - mutation: 'root.seen = batch_size()'
        - check: this.t == "drop"
          processors:
            - mapping: root = deleted()
        - check: this.t == "a" || this.t == "b"
          processors:
            - mutation: 'root.case = "B"'
)",
                    6);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads,
            (Strings{R"({"case":"A","i":0,"seen":2,"t":"a"})", R"({"case":"B","i":1,"t":"b"})",
                     R"({"t":"c","i":2})", R"({"case":"A","i":3,"seen":2,"t":"a"})",
                     R"({"case":"B","i":5,"t":"b"})"}))
      << "the messages of a case run as one batch; the batch keeps its order";
  EXPECT_EQ(r.errors, no_errors(5));
  EXPECT_EQ(r.acks, all_acked(6, 6));
  EXPECT_EQ(r.batch_sizes, (std::vector<size_t>{5}));
}

TEST(FlowSwitch, FallthroughRunsTheNextCaseUncheckedAndTheLastCaseKeepsItsMessages) {
  auto r = run_flow("switch_fall", {R"({"n":1})", R"({"n":2})", R"({"n":3})"}, R"(
    - switch:
        - check: this.n >= 2
          fallthrough: true
          processors:
            - mutation: 'root.big = true'
        - check: 'false'
          processors:
            - mutation: 'root.second = true'
        - check: this.n == 3
          fallthrough: true
          processors:
            - mutation: 'root.three = true'
)",
                    3);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{R"({"n":1})", R"({"big":true,"n":2,"second":true})",
                                 R"({"big":true,"n":3,"second":true})"}));
  EXPECT_EQ(r.acks, all_acked(3, 3));

  // A fallthrough on the last case must not lose its messages.
  auto last = run_flow("switch_fall_last", {R"({"n":1})", R"({"n":3})"}, R"(
    - switch:
        - check: this.n == 3
          fallthrough: true
          processors:
            - mutation: 'root.three = true'
)",
                       2);
  EXPECT_EQ(last.payloads, (Strings{R"({"n":1})", R"({"n":3,"three":true})"}));
}

TEST(FlowSwitch, AFailingCheckFlagsTheMessageAndSkipsTheOtherCases) {
  auto r = run_flow("switch_err", {R"({"n":1})", "not json", R"({"n":2})"}, R"(
    - switch:
        - check: this.n == 2
          processors:
            - mutation: 'root.two = true'
        - processors:
            - mapping: 'root = "default " + content().string()'
)",
                    3);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{"default {\"n\":1}", "not json", R"({"n":2,"two":true})"}));
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0], "");
  EXPECT_EQ(r.errors[1].rfind("failed assignment (line 1): unable to reference message as "
                              "structured (with 'this.n')",
                              0),
            0u)
      << r.errors[1];
  EXPECT_EQ(r.errors[2], "");
  EXPECT_EQ(r.acks, all_acked(3, 3));
}

TEST(FlowSwitch, ACheckThatIsNotABooleanIsAnError) {
  auto r = run_flow("switch_type", {R"({"n":1})"}, R"(
    - switch:
        - check: this.n
          processors:
            - mutation: 'root.hit = true'
)");
  EXPECT_EQ(r.payloads, (Strings{R"({"n":1})"}));
  EXPECT_EQ(r.errors, (Strings{"expected bool value, got number from check (1)"}));
}

TEST(FlowSwitch, RoutesOnErroredAndKeepsMessagesAddedByACaseNextToTheirSource) {
  auto r = run_flow("switch_errored", {"ok 1", "bad dup", "ok 2", "bad 3"}, R"(
    - test_fail:
        fail_on: bad
    - switch:
        - check: errored()
          processors:
            - flow_test_dup: {}
            - mapping: 'root = "caught: " + content().string() + " / " + error().or("none")'
)",
                    4);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{"ok 1", "caught: bad dup / test_fail: payload contains 'bad'",
                                 "caught: bad dup+new / none", "ok 2",
                                 "caught: bad 3 / test_fail: payload contains 'bad'"}));
  EXPECT_EQ(r.errors, (Strings{"", "test_fail: payload contains 'bad'", "", "",
                               "test_fail: payload contains 'bad'"}))
      << "switch routes failed messages; it does not clear their flags";
  EXPECT_EQ(r.acks, all_acked(4, 4));
}

// --- for_each --------------------------------------------------------------------------------

TEST(FlowForEach, EachMessageAloneAndErrorsDoNotStopTheChain) {
  auto r = run_flow("foreach", {"x", "bad y", "z"}, R"(
    - for_each:
        - test_fail:
            fail_on: bad
        - mapping: 'root = content().string() + " " + batch_index().string() + "/" + batch_size().string()'
)",
                    3);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{"x 0/1", "bad y 0/1", "z 0/1"}));
  EXPECT_EQ(r.errors, (Strings{"", "test_fail: payload contains 'bad'", ""}))
      << "unlike try, for_each runs every child even after an error";
  EXPECT_EQ(r.acks, all_acked(3, 3));
}

// --- while -----------------------------------------------------------------------------------

TEST(FlowWhile, LoopsWhileTheCheckHolds) {
  auto r = run_flow("while_ok", {R"({"n":0})", R"({"n":7})"}, R"(
    - while:
        check: this.n < 5
        processors:
          - mutation: 'root.n = this.n + 1'
          - mutation: 'root.loops = this.loops.or(0) + 1'
)");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{R"({"loops":5,"n":5})", R"({"n":7})"}));
  EXPECT_EQ(r.errors, no_errors(2));
  EXPECT_EQ(r.acks, all_acked(2, 1));
}

TEST(FlowWhile, AtLeastOnceAndMaxLoops) {
  auto r = run_flow("while_opts", {R"({"n":7})"}, R"(
    - while:
        at_least_once: true
        check: this.n < 5
        processors:
          - mutation: 'root.n = this.n + 1'
    - while:
        check: 'true'
        max_loops: 3
        processors:
          - mutation: 'root.capped = this.capped.or(0) + 1'
)");
  EXPECT_EQ(r.payloads, (Strings{R"({"capped":3,"n":8})"}));
  EXPECT_EQ(r.errors, no_errors(1));
}

TEST(FlowWhile, TheCheckLooksAtTheFirstMessageAndAFailingCheckEndsTheLoop) {
  auto r = run_flow("while_first", {R"({"n":3})", R"({"n":0})", R"({"m":0})"}, R"(
    - while:
        check: this.n < 5
        processors:
          - mutation: 'root.n = this.n.or(10) + 1'
)",
                    3);
  EXPECT_EQ(r.payloads, (Strings{R"({"n":5})", R"({"n":2})", R"({"m":0,"n":12})"}))
      << "two loops: the first message decides for the whole batch";
  EXPECT_EQ(r.errors, no_errors(3));

  auto failing = run_flow("while_fail", {R"({"m":1})"}, R"(
    - while:
        check: this.n < 5
        processors:
          - mutation: 'root.ran = true'
)");
  EXPECT_EQ(failing.payloads, (Strings{R"({"m":1})"})) << "a check that fails ends the loop";
  EXPECT_EQ(failing.errors, no_errors(1)) << "as Benthos: logged, not flagged";
  EXPECT_EQ(failing.acks, all_acked(1, 1));
}

TEST(FlowWhile, EmptyingTheBatchEndsTheLoopAndIsAcked) {
  auto r = run_flow("while_empty", {R"({"n":0})", R"({"n":1})"}, R"(
    - while:
        check: 'true'
        processors:
          - mapping: 'root = deleted()'
)");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.payloads.empty());
  EXPECT_EQ(r.acks, all_acked(2, 1));
}

TEST(FlowWhile, AShutdownCutsTheLoopShortAndFlagsTheMessages) {
  core::Config cfg = parse_config(
      "pipeline:\n  processors:\n    - while:\n        check: 'true'\n        processors:\n"
      "          - mutation: 'root.n = this.n + 1'\n",
      registry());
  auto cancelled = std::make_shared<std::atomic<bool>>(true); // already stopping
  core::BuildContext ctx{registry(), cfg, cancelled};
  auto nodes = core::build_processors(cfg.processors, ctx);
  core::Batch batch;
  batch.messages.emplace_back(R"({"n":0})");
  core::run_processors(nodes, batch); // an endless loop without the shutdown check
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.messages[0].payload(), R"({"n":0})");
  EXPECT_EQ(batch.messages[0].error(), "while: loop stopped by shutdown after 0 iterations");
  core::close_processors(nodes);
}

TEST(FlowWhile, ACheckIsRequired) {
  EXPECT_NE(build_error("pipeline:\n  processors:\n    - while:\n        processors: []\n")
                .find("pipeline.processors.0.while.check: a check query is required"),
            std::string::npos);
}

// --- branch ----------------------------------------------------------------------------------

TEST(FlowBranch, ResultMapMergesTheResultIntoTheOriginal) {
  auto r = run_flow("branch_ok", {R"({"id":1,"user":{"name":"ann"}})"}, R"(
    - branch:
        request_map: |
          meta request = "yes"
          root = this.user.name
        processors:
          - mapping: |
              meta shout = "loud"
              root = content().string().uppercase() + "!"
        result_map: |
          root.user.shout = content().string()
          root.had_request_meta = metadata("request")
          meta shout = metadata("shout")
)",
                    1, "", {{{"origin", "feed"}}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads,
            (Strings{R"({"had_request_meta":"yes","id":1,"user":{"name":"ann","shout":"ANN!"}})"}));
  EXPECT_EQ(r.meta, (std::vector<Meta>{{{"origin", "feed"}, {"shout", "loud"}}}))
      << "metadata of the branch is not copied unless the result map says so";
  EXPECT_EQ(r.errors, no_errors(1));
  EXPECT_EQ(r.acks, all_acked(1, 1));
}

TEST(FlowBranch, WithoutAResultMapOrWithOnlyMetadataThePayloadIsUntouched) {
  const Strings in = {"{\"a\": 1,  \"b\": [1, 2]}", "plain text"};
  auto none = run_flow("branch_none", in, R"(
    - branch:
        processors:
          - mapping: 'root = "replaced"'
)",
                       2);
  EXPECT_EQ(none.payloads, in) << "byte for byte";
  EXPECT_EQ(none.errors, no_errors(2));

  auto meta = run_flow("branch_meta", in, R"(
    - branch:
        request_map: 'root = content().length()'
        processors:
          - mutation: 'meta size = content().string()'
        result_map: 'meta size = metadata("size")'
)",
                       2);
  EXPECT_EQ(meta.payloads, in) << "byte for byte";
  EXPECT_EQ(meta.meta, (std::vector<Meta>{{{"size", "22"}}, {{"size", "10"}}}));
}

TEST(FlowBranch, EmptyRequestMapSendsTheWholeMessageWithMetadata) {
  auto r = run_flow("branch_whole", {R"({"v":2})"}, R"(
    - branch:
        processors:
          - mapping: 'root = {"double": this.v * 2, "key": @key}'
        result_map: 'root.result = this'
)",
                    1, "", {{{"key", "k1"}}});
  EXPECT_EQ(r.payloads, (Strings{R"({"result":{"double":4,"key":"k1"},"v":2})"}));
  EXPECT_EQ(r.meta, (std::vector<Meta>{{{"key", "k1"}}}));
}

TEST(FlowBranch, ErrorsInsideFlagTheOriginalWhichStaysAsItWas) {
  auto r = run_flow("branch_err", {R"({"n":1})", R"({"n":2})", R"({"n":3})", R"({"n":4})"}, R"(
    - branch:
        request_map: 'root = if this.n == 4 { throw("no request") } else { this }'
        processors:
          - mapping: 'root = if this.n == 2 { throw("child failed") } else { this.n * 100 }'
        result_map: 'root.r = if this == 300 { throw("no result") } else { this }'
)",
                    4);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{R"({"n":1,"r":100})", R"({"n":2})", R"({"n":3})", R"({"n":4})"}));
  EXPECT_EQ(r.errors, (Strings{"", "processors failed: failed assignment (line 1): child failed",
                               "result mapping failed: failed assignment (line 1): no result",
                               "request mapping failed: failed assignment (line 1): no request"}));
  EXPECT_EQ(r.acks, all_acked(4, 4));
}

TEST(FlowBranch, ADeletedRequestSkipsTheBranchForThatMessage) {
  auto r = run_flow("branch_skip", {R"({"type":"bar","v":1})", R"({"type":"foo","v":2})"}, R"(
    - branch:
        request_map: 'root = if this.type == "foo" { this } else { deleted() }'
        processors:
          - test_fail:
              fail_on: bar
          - mapping: 'root = "seen " + this.v.string() + " at " + batch_index().string()'
        result_map: 'root.branch = content().string() + ", mapped at " + batch_index().string()'
)",
                    2);
  EXPECT_EQ(r.payloads, (Strings{R"({"type":"bar","v":1})",
                                 R"({"branch":"seen 2 at 0, mapped at 1","type":"foo","v":2})"}))
      << "children see the requests only; result_map sees the index of the original";
  EXPECT_EQ(r.errors, no_errors(2));
}

TEST(FlowBranch, ChildrenThatChangeTheMessageCountFlagTheOriginals) {
  auto r = run_flow("branch_count", {R"({"n":1})", R"({"n":2})"}, R"(
    - branch:
        processors:
          - mapping: 'root = if this.n == 1 { deleted() } else { this }'
        result_map: 'root.r = this'
)",
                    2);
  EXPECT_EQ(r.payloads, (Strings{R"({"n":1})", R"({"n":2})"}));
  const std::string why = "message count from branch processors does not match request, started "
                          "with 2 messages, finished with 1 (filters, splits and archives belong "
                          "before or after a branch)";
  EXPECT_EQ(r.errors, (Strings{why, why}));
  EXPECT_EQ(r.acks, all_acked(2, 2));
}

TEST(FlowBranch, ThePriorErrorOfTheOriginalStaysAndDoesNotEnterTheBranch) {
  auto r = run_flow("branch_prior", {R"({"bad":1})"}, R"(
    - test_fail:
        fail_on: bad
    - branch:
        processors:
          - mapping: 'root = {"inside_errored": errored()}'
        result_map: 'root.r = this'
)");
  EXPECT_EQ(r.payloads, (Strings{R"({"bad":1,"r":{"inside_errored":false}})"}));
  EXPECT_EQ(r.errors, (Strings{"test_fail: payload contains 'bad'"}));
}

TEST(FlowBranch, AtLeastOneChildProcessorIsRequired) {
  EXPECT_NE(build_error("pipeline:\n  processors:\n    - branch:\n        processors: []\n")
                .find("pipeline.processors.0.branch.processors: the branch processor requires at "
                      "least one child processor"),
            std::string::npos);
}

// --- group_by --------------------------------------------------------------------------------

TEST(FlowGroupBy, GroupsAreProcessedAsBatchesAndUnmatchedPass) {
  auto r = run_flow("groupby",
                    {R"({"t":"a","i":0})", R"({"t":"b","i":1})", R"({"t":"c","i":2})",
                     R"({"t":"a","i":3})", "not json", R"({"t":"b","i":5})"},
                    R"(
    - group_by:
        - check: this.t == "b"
          processors:
            - mutation: 'root.group = "b"'
            - mutation: 'root.size = batch_size()'
        - check: this.t == "a"
          processors:
            - mutation: 'meta group = "a"'
)",
                    6);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.payloads, (Strings{R"({"group":"b","i":1,"size":2,"t":"b"})",
                                 R"({"group":"b","i":5,"size":2,"t":"b"})", R"({"i":0,"t":"a"})",
                                 R"({"i":3,"t":"a"})", R"({"t":"c","i":2})", "not json"}))
      << "a metadata-only mutation re-serialises the payload; untouched ones stay as they came";
  EXPECT_EQ(r.meta, (std::vector<Meta>{{}, {}, {{"group", "a"}}, {{"group", "a"}}, {}, {}}));
  EXPECT_EQ(r.errors, no_errors(6)) << "a failing check only means no group";
  EXPECT_EQ(r.acks, all_acked(6, 6));
  EXPECT_EQ(r.batch_sizes, (std::vector<size_t>{6})) << "the groups leave as one batch";
}

// --- resource --------------------------------------------------------------------------------

const char* kResources = R"(processor_resources:
  - label: shout
    mutation: 'root.text = this.text.uppercase()'
  - label: guarded
    try:
      - resource: shout
      - mutation: 'root.guarded = true'
)";

TEST(FlowResource, RunsTheLabelledProcessorWhereverItIsUsed) {
  auto r = run_flow("resource_ok", {R"({"text":"hi"})", R"({"text":5})"}, R"(
    - resource: guarded
    - catch:
        - mutation: 'root.caught = true'
    - switch:
        - processors:
            - resource: shout
)",
                    1, kResources);
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(r.payloads.size(), 2u);
  EXPECT_EQ(r.payloads[0], R"({"guarded":true,"text":"HI"})");
  // `5.uppercase()` fails: inside `guarded` the try stops; catch marks it and clears the flag;
  // the switch's shout fails again and flags it.
  EXPECT_EQ(r.payloads[1], R"({"caught":true,"text":5})");
  EXPECT_EQ(r.errors[0], "");
  EXPECT_EQ(r.errors[1], "failed assignment (line 1): expected string value, got number from "
                         "field `this.text` (5)");
  EXPECT_EQ(r.acks, all_acked(2, 1));
}

TEST(FlowResource, AnUnknownLabelIsABuildErrorNamingIt) {
  std::string err =
      build_error("pipeline:\n  processors:\n    - resource: shuot\n" + std::string(kResources));
  EXPECT_NE(err.find("processor 'resource' at test.yaml:3:7"), std::string::npos) << err;
  EXPECT_NE(err.find("processor resource 'shuot' was not found (did you mean 'shout'?)"),
            std::string::npos)
      << err;

  // The engine refuses it too (nothing runs).
  core::Config cfg = parse_config("input:\n  test_feed:\n    channel: never\npipeline:\n"
                                  "  processors:\n    - switch:\n        - processors:\n"
                                  "            - resource: nope\n"
                                  "output:\n  test_capture:\n    channel: never\n",
                                  registry());
  try {
    core::Engine engine(cfg, registry(), fast_options());
    ADD_FAILURE() << "the engine was built with an unknown resource";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("processor resource 'nope' was not found"),
              std::string::npos)
        << e.what();
  }
}

TEST(FlowResource, AResourceThatRefersToItselfIsABuildError) {
  std::string err = build_error(R"(pipeline:
  processors:
    - resource: a
processor_resources:
  - label: a
    try:
      - resource: b
  - label: b
    switch:
      - processors:
          - resource: a
)");
  EXPECT_NE(err.find("nests resources more than 32 deep: does it refer to itself?"),
            std::string::npos)
      << err;
}

// --- nesting ---------------------------------------------------------------------------------

TEST(FlowNesting, TryInsideSwitchInsideForEachWithCatchAfter) {
  auto r = run_flow("nested",
                    {R"({"k":"num","v":"12"})", R"({"k":"num","v":"x"})",
                     R"({"k":"str","v":"abc"})", R"({"k":"other","v":1})"},
                    R"(
    - for_each:
        - switch:
            - check: this.k == "num"
              processors:
                - try:
                    - mutation: 'root.v = this.v.number()'
                    - mutation: 'root.parsed = true'
            - check: this.k == "str"
              processors:
                - branch:
                    request_map: 'root = this.v'
                    processors:
                      - mapping: 'root = content().string().length()'
                    result_map: 'root.len = this'
    - catch:
        - mutation: 'root.error = error()'
)",
                    4);
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(r.payloads.size(), 4u);
  EXPECT_EQ(r.payloads[0], R"({"k":"num","parsed":true,"v":12})");
  EXPECT_EQ(r.payloads[1],
            R"({"error":"failed assignment (line 1): field `this.v`: )"
            R"(strconv.ParseFloat: parsing \"x\": invalid syntax","k":"num","v":"x"})");
  EXPECT_EQ(r.payloads[2], R"({"k":"str","len":3,"v":"abc"})");
  EXPECT_EQ(r.payloads[3], R"({"k":"other","v":1})");
  EXPECT_EQ(r.errors, no_errors(4));
  EXPECT_EQ(r.acks, all_acked(4, 4));
}

TEST(FlowNesting, NestedSwitchesKeepTheOrderOfEachLevel) {
  auto r = run_flow("nested_switch",
                    {R"({"a":1,"b":1})", R"({"a":0,"b":1})", R"({"a":1,"b":0})", R"({"a":1,"b":1})",
                     R"({"a":0,"b":0})"},
                    R"(
    - switch:
        - check: this.a == 1
          processors:
            - switch:
                - check: this.b == 0
                  processors:
                    - mapping: root = deleted()
                - processors:
                    - mutation: 'root.inner = batch_index()'
        - processors:
            - mutation: 'root.outer = true'
)",
                    5);
  EXPECT_EQ(r.payloads, (Strings{R"({"a":1,"b":1,"inner":0})", R"({"a":0,"b":1,"outer":true})",
                                 R"({"a":1,"b":1,"inner":1})", R"({"a":0,"b":0,"outer":true})"}));
  EXPECT_EQ(r.acks, all_acked(5, 5));
}

TEST(FlowNesting, ManyThreadsShareTheProcessors) {
  Strings in;
  for (int i = 0; i < 400; ++i)
    in.push_back("{\"n\":" + std::to_string(i) + "}");
  reset_channel("threads");
  auto& ch = channel("threads");
  ch.payloads = in;
  auto res = run_config(R"(input:
  test_feed:
    channel: threads
    batch_size: 4
pipeline:
  threads: 4
  processors:
    - switch:
        - check: this.n % 2 == 0
          processors:
            - try:
                - mutation: 'root.even = true'
        - processors:
            - branch:
                processors:
                  - mapping: 'root = this.n * 2'
                result_map: 'root.twice = this'
output:
  test_capture:
    channel: threads
)",
                        registry());
  EXPECT_EQ(res.exit_code, 0);
  std::lock_guard lock(ch.mu);
  std::set<std::string> got(ch.received.begin(), ch.received.end());
  ASSERT_EQ(got.size(), 400u);
  for (int i = 0; i < 400; ++i) {
    std::string want =
        i % 2 == 0 ? "{\"even\":true,\"n\":" + std::to_string(i) + "}"
                   : "{\"n\":" + std::to_string(i) + ",\"twice\":" + std::to_string(i * 2) + "}";
    EXPECT_TRUE(got.count(want)) << want;
  }
  EXPECT_EQ(ch.acks.size(), 100u);
}

// --- lint ------------------------------------------------------------------------------------

TEST(FlowLint, NestedFieldsAreReportedWithTheirFullPath) {
  EXPECT_EQ(lint_errors(R"(pipeline:
  processors:
    - switch:
        - check: this.a ==
          processors:
            - log: {}
            - mapping: root = this.
        - fallthrough: maybe
    - try:
        - log: {}
        - mapping: root =
    - catch:
        - mutation: 'root = '
    - for_each:
        - sleep: {duration: soon}
)"),
            (Strings{"pipeline.processors.0.switch.0.check: bloblang: expected query",
                     "pipeline.processors.0.switch.0.processors.1.mapping: bloblang: expected "
                     "method or field path",
                     "pipeline.processors.0.switch.1.fallthrough: expected bool, got 'maybe'",
                     "pipeline.processors.1.try.1.mapping: bloblang: expected query",
                     "pipeline.processors.2.catch.0.mutation: bloblang: expected query",
                     "pipeline.processors.3.for_each.0.sleep.duration: invalid duration 'soon' "
                     "(examples: 500ms, 10s, 1m30s)"}));

  EXPECT_EQ(lint_errors(R"(pipeline:
  processors:
    - while:
        chek: true
        processors:
          - mapping: root = this.
    - branch:
        request_map: root =
        result_map: 'root.x = '
    - branch:
        processors:
          - mappin: root = this
    - group_by:
        - processors: []
        - check: this.x ==
    - resource: {a: 1}
processor_resources:
  - label: r
    switch:
      - check: 'x =='
)"),
            (Strings{"pipeline.processors.0.while: unknown field 'chek' (did you mean 'check'?)",
                     "pipeline.processors.0.while.processors.0.mapping: bloblang: expected "
                     "method or field path",
                     "pipeline.processors.1.branch: missing required field 'processors'",
                     "pipeline.processors.1.branch.request_map: bloblang: expected query",
                     "pipeline.processors.1.branch.result_map: bloblang: expected query",
                     "pipeline.processors.2.branch.processors.0: unknown processor type "
                     "'mappin' (did you mean 'mapping'?)",
                     "pipeline.processors.3.group_by.0: missing required field 'check'",
                     "pipeline.processors.3.group_by.1.check: bloblang: expected query",
                     "pipeline.processors.4.resource: expected string, got a map",
                     "processor_resources.0.switch.0.check: bloblang: expected query"}));
}

TEST(FlowLint, TheDocumentedExamplesOfEveryFlowProcessorLintClean) {
  for (const char* name :
       {"try", "catch", "switch", "for_each", "while", "branch", "group_by", "resource"}) {
    const core::ComponentEntry* e = registry().find(core::ComponentKind::Processor, name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_FALSE(e->description.empty()) << name;
    ASSERT_FALSE(e->examples.empty()) << name;
    EXPECT_EQ(lint_errors(e->examples), Strings{}) << name << ":\n" << e->examples;
    EXPECT_EQ(build_error(e->examples), "") << name;
  }
}

} // namespace
} // namespace plugctl::test
