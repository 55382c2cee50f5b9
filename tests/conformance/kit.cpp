// The conformance cases. Each runs a real pipeline in-process (core::Engine with the short
// retry and backoff times of test::fast_options) between the component under test and the
// in-process test components, then checks what the component contract promises: delivery
// exactly once without failures, at least once with them, order where promised, acknowledgement
// only after delivery, nothing lost on a graceful stop.
#include "conformance/kit.hpp"

#include "registry/spec.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace plugctl::conformance {
namespace {

using core::ComponentKind;
using test::Channel;
using test::channel;

// Messages of the delivery cases; enough for many batches and for threads to interleave.
constexpr size_t kMessages = 1000;
// Messages of the concurrent input case (a few MiB: several batches of a chunked reader).
constexpr size_t kManyMessages = 200000;
// Messages of the sources that a graceful stop interrupts: far more than can be in flight at
// once (the engine's inflight bound is a handful of batches, and a file input batch is 1 MiB).
constexpr size_t kLongSource = 500000;
// Batches of test_feed, when it feeds an output or a processor.
constexpr size_t kFeedBatch = 10;
// Whole-write failures injected at test_capture: more than one try and its retries
// (fast_options: 1 + 2), so at least one batch is nacked and must come again.
constexpr int kInjectedFailures = 7;

// --- plumbing --------------------------------------------------------------------------------

// One registry per plugin directory (inspecting plugins takes a child process each).
const core::Registry& registry_for(const std::string& plugin_dir) {
  static std::map<std::string, std::unique_ptr<core::Registry>> cache;
  auto& slot = cache[plugin_dir];
  if (!slot) {
    std::vector<std::string> dirs;
    if (!plugin_dir.empty()) dirs.push_back(plugin_dir);
    if (plugin_dir != test::test_plugin_dir()) dirs.push_back(test::test_plugin_dir());
    slot = std::make_unique<core::Registry>(test::make_registry(dirs));
  }
  return *slot;
}

std::string indent(const std::string& yaml, size_t n) {
  std::string out, pad(n, ' ');
  std::istringstream in(yaml);
  for (std::string line; std::getline(in, line);)
    out += (line.empty() ? "" : pad) + line + "\n";
  return out;
}

// `yaml` as one item of a block list at `n` spaces: "- first line", the rest under it.
std::string list_item(const std::string& yaml, size_t n) {
  std::string body = indent(yaml, n + 2);
  body.replace(n, 2, "- ");
  return body;
}

using Outcome = test::RunResult;

// Runs the pipeline; `stop_when` (polled) asks for a graceful stop once it holds.
Outcome run(const core::Config& cfg, const std::string& plugin_dir,
            const std::function<bool()>& stop_when = {}) {
  return test::run_until(cfg, registry_for(plugin_dir), stop_when);
}

core::Config parse(const std::string& yaml, const std::string& plugin_dir) {
  return test::parse_config(yaml, registry_for(plugin_dir));
}

// Sets the output's max_in_flight when its spec has one (a host-level field, docs/abi.md).
void set_max_in_flight(core::Config& cfg, int64_t n) {
  if (cfg.output.entry == nullptr || cfg.output.entry->spec.child("max_in_flight") == nullptr)
    return;
  if (auto* o = cfg.output.config.if_object()) (*o)["max_in_flight"] = n;
}

size_t count_of(const Channel& ch, std::string_view prefix) {
  size_t n = 0;
  for (const auto& a : ch.acks)
    if (a.rfind(prefix, 0) == 0) ++n;
  return n;
}

size_t locked_size(Channel& ch, const std::vector<std::string> Channel::*member) {
  std::lock_guard lock(ch.mu);
  return (ch.*member).size();
}

// An ack of test_feed: "ok 3-5" or "nack 3-5 <reason>".
struct Ack {
  bool ok = false;
  size_t first = 0, last = 0;
  std::string reason;
};
std::vector<Ack> parse_acks(const Channel& ch) {
  std::vector<Ack> out;
  for (const auto& a : ch.acks) {
    Ack ack;
    std::istringstream in(a);
    std::string verdict, span;
    in >> verdict >> span;
    std::getline(in, ack.reason);
    ack.ok = verdict == "ok";
    auto dash = span.find('-');
    EXPECT_TRUE(verdict == "ok" || verdict == "nack") << "unexpected ack record: " << a;
    if (dash == std::string::npos) continue;
    ack.first = std::stoul(span.substr(0, dash));
    ack.last = std::stoul(span.substr(dash + 1));
    out.push_back(std::move(ack));
  }
  return out;
}

std::vector<std::string> make_payloads(const std::function<std::string(size_t)>& payload,
                                       size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back(payload(i));
  return out;
}

// Compares what arrived with what was sent, reporting a summary instead of two long lists.
// ordered: the same sequence; otherwise the same multiset.
void expect_exactly_once(const std::vector<std::string>& got, const std::vector<std::string>& want,
                         bool ordered, const std::string& where) {
  if (ordered) {
    size_t n = std::min(got.size(), want.size());
    for (size_t i = 0; i < n; ++i) {
      if (got[i] != want[i]) {
        ADD_FAILURE() << where << ": message " << i << " is '" << got[i] << "', expected '"
                      << want[i] << "' (order or content differ)";
        return;
      }
    }
    EXPECT_EQ(got.size(), want.size()) << where << ": message count";
    return;
  }
  std::multiset<std::string> g(got.begin(), got.end()), w(want.begin(), want.end());
  size_t missing = 0, extra = 0;
  std::string first_missing, first_extra;
  for (const auto& p : w) {
    if (g.count(p) < w.count(p) && missing++ == 0) first_missing = p;
  }
  for (const auto& p : g) {
    if (g.count(p) > w.count(p) && extra++ == 0) first_extra = p;
  }
  EXPECT_EQ(missing, 0u) << where << ": lost messages, first '" << first_missing << "'";
  EXPECT_EQ(extra, 0u) << where << ": duplicated or foreign messages, first '" << first_extra
                       << "'";
  EXPECT_EQ(got.size(), want.size()) << where << ": message count";
}

// Every payload at least once and nothing that was not sent.
void expect_at_least_once(const std::vector<std::string>& got, const std::vector<std::string>& want,
                          const std::string& where) {
  std::unordered_set<std::string> g(got.begin(), got.end()), w(want.begin(), want.end());
  size_t lost = 0, foreign = 0;
  for (const auto& p : w) {
    if (!g.count(p) && lost++ == 0) ADD_FAILURE() << where << ": lost '" << p << "'";
  }
  for (const auto& p : g) {
    if (!w.count(p) && foreign++ == 0) ADD_FAILURE() << where << ": never sent '" << p << "'";
  }
  EXPECT_EQ(lost, 0u) << where << ": messages lost";
  EXPECT_EQ(foreign, 0u) << where << ": messages never sent";
}

// A graceful stop delivers what was read and nothing else: distinct messages of the source,
// a prefix of it when the component keeps the order.
void expect_clean_prefix(const std::vector<std::string>& got, const std::vector<std::string>& want,
                         bool ordered, const std::string& where) {
  EXPECT_GT(got.size(), 0u) << where << ": nothing was delivered before the stop";
  EXPECT_LT(got.size(), want.size())
      << where << ": the stop came after the end of the source; the case proves nothing";
  if (ordered) {
    std::vector<std::string> prefix(
        want.begin(),
        want.begin() + static_cast<std::ptrdiff_t>(std::min(got.size(), want.size())));
    expect_exactly_once(got, prefix, true, where);
    return;
  }
  std::unordered_set<std::string> w(want.begin(), want.end()), seen;
  for (const auto& p : got) {
    EXPECT_TRUE(w.count(p)) << where << ": never sent '" << p << "'";
    EXPECT_TRUE(seen.insert(p).second) << where << ": delivered twice without a failure: " << p;
  }
}

// `want` is a subset of `got`. Reports the first few messages that differ, counts them all.
void check_metadata(const Metadata& got, const Metadata& want, size_t index, size_t& failures) {
  for (const auto& [key, value] : want) {
    auto m = got.find(key);
    if (m != got.end() && m->second == value) continue;
    if (failures++ < 5) {
      ADD_FAILURE() << "message " << index << ": metadata '" << key << "' is "
                    << (m == got.end() ? std::string("missing") : "'" + m->second + "'")
                    << ", expected '" << value << "'";
    }
    return;
  }
}

// Every range test_feed saw acknowledged OK is in `delivered`: nothing is acked before it is
// written.
void expect_acked_are_delivered(const std::vector<Ack>& acks, const std::vector<std::string>& sent,
                                const std::vector<std::string>& delivered,
                                const std::string& where) {
  std::unordered_set<std::string> d(delivered.begin(), delivered.end());
  for (const auto& a : acks) {
    if (!a.ok) continue;
    for (size_t i = a.first; i <= a.last && i < sent.size(); ++i) {
      if (!d.count(sent[i])) {
        ADD_FAILURE() << where << ": message " << i << " ('" << sent[i]
                      << "') was acknowledged but is not in the destination";
        return;
      }
    }
  }
}

// Every message of the feed ended in an OK ack (after any number of nacks).
void expect_all_acked_ok(const std::vector<Ack>& acks, size_t n, const std::string& where) {
  std::vector<char> ok(n, 0);
  for (const auto& a : acks)
    if (a.ok)
      for (size_t i = a.first; i <= a.last && i < n; ++i)
        ok[i] = 1;
  size_t missing = static_cast<size_t>(std::count(ok.begin(), ok.end(), 0));
  EXPECT_EQ(missing, 0u) << where << ": messages never acknowledged OK";
}

// The engine's view: every transaction ended in exactly one acknowledgement. An input that
// replays nacks itself (no AUTO_REPLAY flag) sees the nacks; the host hides them otherwise.
void expect_balanced(const core::EngineStats& s, bool auto_replay, const std::string& where) {
  if (auto_replay) {
    EXPECT_EQ(s.acks, s.batches_read) << where << ": every batch read must end acknowledged OK";
  } else {
    EXPECT_EQ(s.acks + s.nacks, s.batches_read)
        << where << ": every batch read must be acknowledged or nacked exactly once";
  }
}

const core::ComponentEntry* entry_of(ComponentKind kind, const std::string& name,
                                     const std::string& plugin_dir) {
  return registry_for(plugin_dir).find(kind, name);
}

std::string plugin_failures(const core::Registry& reg) {
  std::string out;
  for (const auto& p : reg.plugins())
    if (p->status == core::PluginStatus::Failed) out += "\n  " + p->path + ": " + p->error;
  return out.empty() ? " (no plugin failed to load)" : out;
}

void check_fields(const core::FieldSpec& spec, const std::string& path, const std::string& where) {
  for (const auto& child : spec.children) {
    std::string p = path.empty() ? child.name : path + "." + child.name;
    EXPECT_FALSE(child.description.empty()) << where << ": field " << p << " has no description";
    check_fields(child, p, where);
  }
}

// The standard declarations: loaded from the expected plugin, a one-line summary, a spec that
// parses with a description on every field, examples that lint clean.
void check_declared(ComponentKind kind, const std::string& name, const std::string& plugin_dir) {
  const core::Registry& reg = registry_for(plugin_dir);
  const std::string where = std::string(core::kind_name(kind)) + " " + name;
  const core::ComponentEntry* e = reg.find(kind, name);
  ASSERT_NE(e, nullptr) << where
                        << " is not registered; plugin load failures:" << plugin_failures(reg);
  ASSERT_NE(e->plugin, nullptr);
  if (!plugin_dir.empty()) {
    EXPECT_EQ(e->plugin->path.rfind(plugin_dir + "/", 0), 0u)
        << where << " comes from " << e->plugin->path << ", not from " << plugin_dir;
  }
  EXPECT_EQ(e->plugin->status, core::PluginStatus::Loaded) << e->plugin->error;
  EXPECT_FALSE(e->summary.empty()) << where << ": empty summary";
  EXPECT_EQ(e->summary.find('\n'), std::string::npos) << where << ": summary is not one line";
  EXPECT_NO_THROW(core::parse_spec(e->spec_json)) << where << ": spec " << e->spec_json;
  EXPECT_EQ(e->spec.type, core::FieldType::Object) << where << ": the config root is an object";
  check_fields(e->spec, "", where);

  // Examples are whole configs (or sections of one), several separated by a line "---".
  std::istringstream in(e->examples);
  std::vector<std::string> docs(1);
  for (std::string line; std::getline(in, line);) {
    if (line == "---")
      docs.emplace_back();
    else
      docs.back() += line + "\n";
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].find_first_not_of(" \n") == std::string::npos) continue;
    auto r = core::load_config_string(docs[i], where + " example " + std::to_string(i), reg);
    for (const auto& err : r.errors)
      ADD_FAILURE() << err.format() << "\nin:\n" << docs[i];
  }
}

// --- inputs ----------------------------------------------------------------------------------

std::string input_pipeline(const std::string& input_yaml, const std::string& capture,
                           size_t threads) {
  std::string y = "input:\n" + indent(input_yaml, 2);
  y += "pipeline:\n  threads: " + std::to_string(threads) + "\n";
  // A pass-through processor, so that several pipeline threads really run.
  if (threads > 1) y += "  processors:\n    - test_filter: {}\n";
  y += "output:\n  test_capture:\n    channel: " + capture + "\n";
  y += "    max_in_flight: " + std::to_string(threads > 1 ? 4 : 1) + "\n";
  y += "shutdown_timeout: 30s\n";
  return y;
}

bool input_auto_replay(const InputFixture& f) {
  const auto* e = entry_of(ComponentKind::Input, f.component, f.plugin_dir);
  return e != nullptr && (e->flags & PLUGCTL_FLAG_AUTO_REPLAY_NACKS) != 0;
}

// Stops an endless source once `n` messages were captured (finite sources end by themselves).
std::function<bool()> input_stop(const InputFixture& f, Channel& cap, size_t n) {
  if (f.finite) return {};
  return [&cap, n] { return locked_size(cap, &Channel::received) >= n; };
}

void input_open_close(const std::string& id, const InputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& cap = channel(id);
  auto cfg = parse(input_pipeline(f.setup(dir, {}), id, 1), f.plugin_dir);
  Outcome o = run(
      cfg, f.plugin_dir, f.finite ? std::function<bool()>{} : [] { return true; });
  EXPECT_EQ(o.exit_code, 0) << "an empty source must end cleanly";
  EXPECT_TRUE(cap.received.empty()) << "an empty source produced '" << cap.received.front() << "'";
  EXPECT_EQ(o.stats.nacks, 0u);
  expect_balanced(o.stats, input_auto_replay(f), id);
}

void input_delivery(const std::string& id, const InputFixture& f, size_t threads, size_t n) {
  TempDir dir;
  test::reset_channel(id);
  Channel& cap = channel(id);
  auto payloads = make_payloads(f.payload, n);
  auto cfg = parse(input_pipeline(f.setup(dir, payloads), id, threads), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir, input_stop(f, cap, payloads.size()));
  EXPECT_EQ(o.exit_code, 0);
  expect_exactly_once(cap.received, payloads, f.ordered && threads == 1, id);
  for (const auto& e : cap.received_errors)
    EXPECT_EQ(e, "") << "a message arrived flagged";
  EXPECT_EQ(o.stats.messages_read, payloads.size());
  EXPECT_EQ(o.stats.nacks, 0u) << "nothing failed, yet something was nacked";
  EXPECT_EQ(o.stats.acks, o.stats.batches_read) << "every batch is acknowledged OK once";
  if (threads > 1) {
    EXPECT_GE(o.stats.batches_read, 2u) << "one batch cannot run on several threads";
  }
}

void input_sequential(const std::string& id, const InputFixture& f) {
  input_delivery(id, f, 1, kMessages);
}
// More messages: an input that batches by size (the file input reads 1 MiB at a time) must
// hand out several batches for the threads to share.
void input_concurrent(const std::string& id, const InputFixture& f) {
  input_delivery(id, f, 4, kManyMessages);
}

void input_metadata(const std::string& id, const InputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& cap = channel(id);
  auto payloads = make_payloads(f.payload, 100);
  auto cfg = parse(input_pipeline(f.setup(dir, payloads), id, 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir, input_stop(f, cap, payloads.size()));
  EXPECT_EQ(o.exit_code, 0);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < payloads.size(); ++i)
    index.emplace(payloads[i], i);
  ASSERT_EQ(cap.received.size(), payloads.size());
  size_t failures = 0;
  for (size_t k = 0; k < cap.received.size(); ++k) {
    auto it = index.find(cap.received[k]);
    ASSERT_NE(it, index.end()) << "never sent: " << cap.received[k];
    const Metadata want = f.metadata(dir, it->second);
    EXPECT_FALSE(want.empty()) << "the fixture declares no metadata for message " << it->second;
    check_metadata(cap.received_meta[k], want, it->second, failures);
  }
  EXPECT_EQ(failures, 0u) << "messages with missing or wrong metadata";
}

void input_nack_redelivery(const std::string& id, const InputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& cap = channel(id);
  cap.fail_writes = kInjectedFailures;
  auto payloads = make_payloads(f.payload, kMessages);
  auto cfg = parse(input_pipeline(f.setup(dir, payloads), id, 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir, input_stop(f, cap, payloads.size()));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(cap.fail_writes, 0) << "the injected failures were not all used";
  EXPECT_GE(o.stats.nacks, 1u) << "no batch was nacked: the case proves nothing";
  expect_at_least_once(cap.received, payloads, id);
  expect_balanced(o.stats, input_auto_replay(f), id);
}

void input_clean_shutdown(const std::string& id, const InputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& cap = channel(id);
  cap.delay_ms = 5; // a slow destination: the source is far from drained when the stop comes
  auto payloads = make_payloads(f.payload, kLongSource);
  auto cfg = parse(input_pipeline(f.setup(dir, payloads), id, 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir, [&cap] { return locked_size(cap, &Channel::received) > 0; });
  EXPECT_EQ(o.exit_code, 0) << "a graceful stop exits 0";
  expect_clean_prefix(cap.received, payloads, f.ordered, id);
  EXPECT_EQ(o.stats.nacks, 0u);
  EXPECT_EQ(o.stats.acks, o.stats.batches_read) << "every batch read must be acknowledged";
  EXPECT_EQ(o.stats.messages_read, cap.received.size())
      << "every message read must be delivered before the pipeline closes";
}

// --- outputs ---------------------------------------------------------------------------------

std::string feed_pipeline(const std::string& feed, const std::string& output_yaml, size_t threads) {
  std::string y = "input:\n  test_feed:\n    channel: " + feed +
                  "\n    batch_size: " + std::to_string(kFeedBatch) + "\n";
  y += "pipeline:\n  threads: " + std::to_string(threads) + "\n";
  if (threads > 1) y += "  processors:\n    - test_filter: {}\n";
  y += "output:\n" + indent(output_yaml, 2);
  y += "shutdown_timeout: 30s\n";
  return y;
}

void output_open_close(const std::string& id, const OutputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  auto cfg = parse(feed_pipeline(id, f.setup(dir), 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  auto back = f.read_back(dir);
  EXPECT_TRUE(back.empty()) << "nothing was sent, yet the destination has '" << back.front() << "'";
}

void output_delivery(const std::string& id, const OutputFixture& f, size_t threads) {
  TempDir dir;
  test::reset_channel(id);
  Channel& feed = channel(id);
  feed.payloads = make_payloads(default_payload, kMessages);
  auto cfg = parse(feed_pipeline(id, f.setup(dir), threads), f.plugin_dir);
  set_max_in_flight(cfg, threads > 1 ? 4 : 1);
  Outcome o = run(cfg, f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  expect_exactly_once(f.read_back(dir), feed.payloads, f.ordered && threads == 1, id);
  auto acks = parse_acks(feed);
  EXPECT_EQ(acks.size(), (kMessages + kFeedBatch - 1) / kFeedBatch);
  EXPECT_EQ(count_of(feed, "nack"), 0u) << "nothing failed, yet something was nacked";
  expect_all_acked_ok(acks, kMessages, id);
  EXPECT_EQ(o.stats.messages_written, kMessages);
}

void output_sequential(const std::string& id, const OutputFixture& f) {
  output_delivery(id, f, 1);
}
void output_concurrent(const std::string& id, const OutputFixture& f) {
  output_delivery(id, f, 4);
}

void output_metadata(const std::string& id, const OutputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& feed = channel(id);
  feed.payloads = make_payloads(default_payload, 100);
  for (size_t i = 0; i < feed.payloads.size(); ++i)
    feed.metadata.push_back({{"conformance_index", std::to_string(i)}, {"conformance", "yes"}});
  auto cfg = parse(feed_pipeline(id, f.setup(dir), 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  auto back = f.read_back(dir);
  auto meta = f.read_back_metadata(dir);
  ASSERT_EQ(meta.size(), back.size());
  ASSERT_EQ(back.size(), feed.payloads.size());
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < feed.payloads.size(); ++i)
    index.emplace(feed.payloads[i], i);
  for (size_t k = 0; k < back.size(); ++k) {
    auto it = index.find(back[k]);
    ASSERT_NE(it, index.end()) << "never sent: " << back[k];
    EXPECT_EQ(meta[k], feed.metadata[it->second]) << "metadata of message " << it->second;
  }
}

void output_failed_writes(const std::string& id, const OutputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& feed = channel(id);
  feed.payloads = make_payloads(default_payload, 50);
  BrokenSetup broken = f.broken_setup(dir);
  auto cfg = parse(feed_pipeline(id, broken.yaml, 1), f.plugin_dir);
  // test_feed sends a nacked batch again: two nacks prove the redelivery failed too.
  Outcome o = run(cfg, f.plugin_dir, [&feed] {
    std::lock_guard lock(feed.mu);
    return count_of(feed, "nack") >= 2;
  });
  EXPECT_EQ(o.exit_code, 0) << "the stop resolves every failing write as a nack";
  auto acks = parse_acks(feed);
  size_t nacks = 0;
  for (const auto& a : acks) {
    EXPECT_FALSE(a.ok) << "messages " << a.first << "-" << a.last
                       << " were acknowledged OK although every write fails";
    if (a.ok) continue;
    ++nacks;
    EXPECT_NE(a.reason.find(broken.error_contains), std::string::npos)
        << "the nack reason does not say what failed: " << a.reason;
  }
  EXPECT_GE(nacks, 2u);
  EXPECT_EQ(o.stats.messages_written, 0u);
  EXPECT_GT(o.stats.write_failures, 0u);
  auto back = f.read_back(dir);
  EXPECT_TRUE(back.empty()) << "a failing output still wrote '" << back.front() << "'";
}

void output_partial_failures(const std::string& id, const OutputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& feed = channel(id);
  feed.payloads = make_payloads(default_payload, kMessages);
  auto cfg = parse(feed_pipeline(id, f.partial_failure_setup(dir), 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_GT(o.stats.write_failures, 0u) << "no message failed: the case proves nothing";
  auto back = f.read_back(dir);
  expect_at_least_once(back, feed.payloads, id);
  auto acks = parse_acks(feed);
  expect_all_acked_ok(acks, kMessages, id);
  expect_acked_are_delivered(acks, feed.payloads, back, id);
  // Per-message results: a message is written again only when its whole batch was nacked and
  // sent again; the messages that succeeded beside a failed one are not retried.
  std::vector<size_t> nacked(kMessages, 0);
  for (const auto& a : acks)
    if (!a.ok)
      for (size_t i = a.first; i <= a.last && i < kMessages; ++i)
        ++nacked[i];
  std::unordered_map<std::string, size_t> times;
  for (const auto& p : back)
    ++times[p];
  for (size_t i = 0; i < kMessages; ++i) {
    EXPECT_LE(times[feed.payloads[i]], 1 + nacked[i])
        << "message " << i << " was written more often than its batch was sent";
  }
}

void output_clean_shutdown(const std::string& id, const OutputFixture& f) {
  TempDir dir;
  test::reset_channel(id);
  Channel& feed = channel(id);
  feed.payloads = make_payloads(default_payload, kLongSource);
  auto cfg = parse(feed_pipeline(id, f.setup(dir), 1), f.plugin_dir);
  Outcome o = run(cfg, f.plugin_dir, [&feed] {
    std::lock_guard lock(feed.mu);
    return !feed.acks.empty();
  });
  EXPECT_EQ(o.exit_code, 0) << "a graceful stop exits 0";
  auto back = f.read_back(dir);
  auto acks = parse_acks(feed);
  EXPECT_EQ(count_of(feed, "nack"), 0u);
  EXPECT_EQ(o.stats.acks, o.stats.batches_read) << "every batch read must be acknowledged";
  expect_acked_are_delivered(acks, feed.payloads, back, id);
  expect_clean_prefix(back, feed.payloads, f.ordered, id);
  EXPECT_EQ(back.size(), o.stats.messages_read)
      << "every message read must be in the destination once the pipeline closed";
}

// --- processors ------------------------------------------------------------------------------

std::string processor_pipeline(const ProcessorFixture& f, const std::string& id, size_t threads) {
  std::string y = "input:\n  test_feed:\n    channel: " + id +
                  "\n    batch_size: " + std::to_string(kFeedBatch) + "\n";
  y += "pipeline:\n  threads: " + std::to_string(threads) + "\n  processors:\n";
  y += list_item(f.yaml, 4);
  y += "output:\n  test_capture:\n    channel: " + id + "\n";
  y += "    max_in_flight: " + std::to_string(threads > 1 ? 4 : 1) + "\n";
  y += "shutdown_timeout: 30s\n";
  return y;
}

std::vector<std::string> expected_of(const ProcessorFixture& f,
                                     const std::vector<std::string>& in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (const auto& p : in)
    out.push_back(f.expect(p));
  return out;
}

void processor_open_close(const std::string& id, const ProcessorFixture& f) {
  test::reset_channel(id);
  Channel& ch = channel(id);
  Outcome o = run(parse(processor_pipeline(f, id, 1), f.plugin_dir), f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(ch.received.empty());
  EXPECT_EQ(o.stats.batches_read, 0u);
}

void processor_delivery(const std::string& id, const ProcessorFixture& f, size_t threads) {
  test::reset_channel(id);
  Channel& ch = channel(id);
  ch.payloads = make_payloads(default_payload, kMessages);
  const auto want = expected_of(f, ch.payloads);
  Outcome o = run(parse(processor_pipeline(f, id, threads), f.plugin_dir), f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  expect_exactly_once(ch.received, want, f.preserves_order && threads == 1, id);
  for (const auto& e : ch.received_errors) {
    EXPECT_EQ(e, "") << "the processor flagged a message";
    if (!e.empty()) break;
  }
  auto acks = parse_acks(ch);
  EXPECT_EQ(count_of(ch, "nack"), 0u);
  expect_all_acked_ok(acks, kMessages, id);
}

void processor_sequential(const std::string& id, const ProcessorFixture& f) {
  processor_delivery(id, f, 1);
}
void processor_concurrent(const std::string& id, const ProcessorFixture& f) {
  processor_delivery(id, f, 4);
}

void processor_metadata(const std::string& id, const ProcessorFixture& f) {
  test::reset_channel(id);
  Channel& ch = channel(id);
  ch.payloads = make_payloads(default_payload, 100);
  for (size_t i = 0; i < ch.payloads.size(); ++i)
    ch.metadata.push_back({{"conformance_index", std::to_string(i)}});
  const auto want = expected_of(f, ch.payloads);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_TRUE(index.emplace(want[i], i).second) << "the kit's payloads must map to distinct "
                                                     "outputs; two give '"
                                                  << want[i] << "'";
  Outcome o = run(parse(processor_pipeline(f, id, 1), f.plugin_dir), f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  ASSERT_EQ(ch.received.size(), want.size());
  size_t failures = 0;
  for (size_t k = 0; k < ch.received.size(); ++k) {
    auto it = index.find(ch.received[k]);
    ASSERT_NE(it, index.end()) << "unexpected output '" << ch.received[k] << "'";
    Metadata expected = f.added_metadata;
    if (f.preserves_metadata) expected["conformance_index"] = std::to_string(it->second);
    check_metadata(ch.received_meta[k], expected, it->second, failures);
  }
  EXPECT_EQ(failures, 0u) << "messages with missing or wrong metadata";
}

void processor_nack_redelivery(const std::string& id, const ProcessorFixture& f) {
  test::reset_channel(id);
  Channel& ch = channel(id);
  ch.payloads = make_payloads(default_payload, kMessages);
  ch.fail_writes = kInjectedFailures;
  const auto want = expected_of(f, ch.payloads);
  Outcome o = run(parse(processor_pipeline(f, id, 1), f.plugin_dir), f.plugin_dir);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_GE(count_of(ch, "nack"), 1u) << "no batch was nacked: the case proves nothing";
  // Redelivered batches go through the processor again and come out the same.
  expect_at_least_once(ch.received, want, id);
  expect_all_acked_ok(parse_acks(ch), kMessages, id);
}

void processor_clean_shutdown(const std::string& id, const ProcessorFixture& f) {
  test::reset_channel(id);
  Channel& ch = channel(id);
  ch.payloads = make_payloads(default_payload, kLongSource);
  ch.delay_ms = 5;
  const auto want = expected_of(f, ch.payloads);
  Outcome o = run(parse(processor_pipeline(f, id, 1), f.plugin_dir), f.plugin_dir,
                  [&ch] { return locked_size(ch, &Channel::received) > 0; });
  EXPECT_EQ(o.exit_code, 0) << "a graceful stop exits 0";
  EXPECT_EQ(count_of(ch, "nack"), 0u);
  EXPECT_EQ(o.stats.acks, o.stats.batches_read) << "every batch read must be acknowledged";
  expect_clean_prefix(ch.received, want, f.preserves_order, id);
  expect_acked_are_delivered(parse_acks(ch), want, ch.received, id);
  EXPECT_EQ(o.stats.messages_read, ch.received.size());
}

// --- registration ----------------------------------------------------------------------------

class KitCase : public testing::Test {
public:
  explicit KitCase(std::function<void()> body) : body_(std::move(body)) {}
  void TestBody() override { body_(); }

private:
  std::function<void()> body_;
};

template <class Fixture> struct Case {
  const char* name;
  bool (*applies)(const Fixture&);
  void (*body)(const std::string& id, const Fixture&);
};

template <class Fixture> bool always(const Fixture&) {
  return true;
}

template <class Fixture, size_t N>
bool register_cases(const char* name, const char* file, int line, ComponentKind kind,
                    Fixture fixture, const Case<Fixture> (&cases)[N]) {
  auto shared = std::make_shared<const Fixture>(std::move(fixture));
  const std::string suite = std::string("Conformance/") + name;
  testing::RegisterTest(suite.c_str(), "Declares", nullptr, nullptr, file, line, [shared, kind] {
    return new KitCase(
        [shared, kind] { check_declared(kind, shared->component, shared->plugin_dir); });
  });
  for (const auto& c : cases) {
    if (!c.applies(*shared)) continue;
    const std::string id = "conformance." + std::string(name) + "." + c.name;
    auto body = c.body;
    testing::RegisterTest(suite.c_str(), c.name, nullptr, nullptr, file, line, [shared, id, body] {
      return new KitCase([shared, id, body] { body(id, *shared); });
    });
  }
  return true;
}

} // namespace

std::string default_payload(size_t index) {
  static const char* const kTails[] = {"",
                                       " plain words",
                                       " with  two  spaces",
                                       " tab\tinside",
                                       " \xc3\xa9t\xc3\xa9 \xc3\xbc \xc3\x9f",
                                       " {\"json\": [1, 2]}",
                                       " ~!@#$%^&*()_+=`|",
                                       " -- --- ----"};
  std::string s = "message " + std::to_string(index);
  s += kTails[index % (sizeof kTails / sizeof kTails[0])];
  s.append(index % 13, 'x');
  return s;
}

bool register_input(const char* name, const char* file, int line, InputFixture fixture) {
  static const Case<InputFixture> kCases[] = {
      {"OpenCloseEmptySource", always<InputFixture>, input_open_close},
      {"SequentialDeliveryExactlyOnce", always<InputFixture>, input_sequential},
      {"ConcurrentDeliveryExactlyOnce", always<InputFixture>, input_concurrent},
      {"MetadataReachesTheOutput", [](const InputFixture& f) { return bool(f.metadata); },
       input_metadata},
      {"NackThenRedelivery", always<InputFixture>, input_nack_redelivery},
      {"CleanShutdownMidStream", always<InputFixture>, input_clean_shutdown},
  };
  return register_cases(name, file, line, ComponentKind::Input, std::move(fixture), kCases);
}

bool register_output(const char* name, const char* file, int line, OutputFixture fixture) {
  static const Case<OutputFixture> kCases[] = {
      {"OpenCloseNothingWritten", always<OutputFixture>, output_open_close},
      {"SequentialDeliveryExactlyOnce", always<OutputFixture>, output_sequential},
      {"ConcurrentDeliveryExactlyOnce", always<OutputFixture>, output_concurrent},
      {"MetadataRoundTrip", [](const OutputFixture& f) { return bool(f.read_back_metadata); },
       output_metadata},
      {"FailedWritesAreNackedNeverAcked",
       [](const OutputFixture& f) { return bool(f.broken_setup); }, output_failed_writes},
      {"PerMessageWriteErrors",
       [](const OutputFixture& f) { return bool(f.partial_failure_setup); },
       output_partial_failures},
      {"CleanShutdownMidStream", always<OutputFixture>, output_clean_shutdown},
  };
  return register_cases(name, file, line, ComponentKind::Output, std::move(fixture), kCases);
}

bool register_processor(const char* name, const char* file, int line, ProcessorFixture fixture) {
  static const Case<ProcessorFixture> kCases[] = {
      {"OpenCloseEmptySource", always<ProcessorFixture>, processor_open_close},
      {"SequentialDeliveryExactlyOnce", always<ProcessorFixture>, processor_sequential},
      {"ConcurrentDeliveryExactlyOnce", always<ProcessorFixture>, processor_concurrent},
      {"MetadataSurvives",
       [](const ProcessorFixture& f) { return f.preserves_metadata || !f.added_metadata.empty(); },
       processor_metadata},
      {"NackThenRedelivery", always<ProcessorFixture>, processor_nack_redelivery},
      {"CleanShutdownMidStream", always<ProcessorFixture>, processor_clean_shutdown},
  };
  return register_cases(name, file, line, ComponentKind::Processor, std::move(fixture), kCases);
}

} // namespace plugctl::conformance
