// The kit checks itself against the in-process reference components of tests/support
// (test_feed, test_capture): they are known to keep the contract, so a failure here is a bug of
// the kit. test_capture also keeps metadata, which exercises the kit's output metadata case.
#include "conformance/kit.hpp"

#include <gtest/gtest.h>

namespace plugctl::conformance {
namespace {

// The components' channels are named after the fixture's temp dir: unique per case.
std::string channel_of(const TempDir& dir) {
  return dir.path().string();
}

InputFixture test_feed_fixture() {
  InputFixture f;
  f.component = "test_feed";
  f.setup = [](TempDir& dir, const std::vector<std::string>& payloads) {
    test::Channel& ch = test::channel(channel_of(dir));
    ch.payloads = payloads;
    for (size_t i = 0; i < payloads.size(); ++i)
      ch.metadata.push_back({{"feed_index", std::to_string(i)}});
    return "test_feed:\n  channel: " + channel_of(dir) + "\n  batch_size: 10\n";
  };
  f.metadata = [](const TempDir&, size_t i) { return Metadata{{"feed_index", std::to_string(i)}}; };
  return f;
}

OutputFixture test_capture_fixture() {
  OutputFixture f;
  f.component = "test_capture";
  f.setup = [](TempDir& dir) { return "test_capture:\n  channel: " + channel_of(dir) + "\n"; };
  f.read_back = [](TempDir& dir) { return test::channel(channel_of(dir)).received; };
  f.read_back_metadata = [](TempDir& dir) { return test::channel(channel_of(dir)).received_meta; };
  f.broken_setup = [](TempDir& dir) {
    test::channel(channel_of(dir)).fail_writes = 1 << 30;
    return BrokenSetup{"test_capture:\n  channel: " + channel_of(dir) + "\n", "injected failure"};
  };
  // Refuses one message twice: its retries alone go out again.
  f.partial_failure_setup = [](TempDir& dir) {
    test::channel(channel_of(dir)).fail_payload_times = 2;
    return "test_capture:\n  channel: " + channel_of(dir) + "\n  fail_payload: \"" +
           default_payload(1) + "\"\n";
  };
  return f;
}

} // namespace

PLUGCTL_CONFORMANCE_INPUT(ReferenceTestFeed, test_feed_fixture());
PLUGCTL_CONFORMANCE_OUTPUT(ReferenceTestCapture, test_capture_fixture());

} // namespace plugctl::conformance
