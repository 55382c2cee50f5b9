// The plain-C plugin joins the conformance kit twice: built against the current header
// (c_counter, c_memory, c_upper) and against the frozen ABI 1.0 header (c_counter10, ...). The
// second proves that a plugin built for 1.0 passes on the current host.
#include "conformance/kit.hpp"

#include <gtest/gtest.h>

namespace plugctl::conformance {
namespace {

std::string counter_payload(size_t i) {
  return "msg-" + std::to_string(i);
}

InputFixture c_counter_fixture(const std::string& suffix) {
  InputFixture f;
  f.component = "c_counter" + suffix;
  f.plugin_dir = test::test_plugin_dir();
  f.payload = counter_payload;
  f.setup = [suffix](TempDir&, const std::vector<std::string>& payloads) {
    for (size_t i = 0; i < payloads.size(); ++i) {
      if (payloads[i] != counter_payload(i))
        throw std::invalid_argument("c_counter only makes msg-<index> payloads");
    }
    return "c_counter" + suffix + ":\n  count: " + std::to_string(payloads.size()) +
           "\n  prefix: msg-\n  batch_size: 10\n";
  };
  f.metadata = [](const TempDir&, size_t i) { return Metadata{{"c_index", std::to_string(i)}}; };
  return f;
}

OutputFixture c_memory_fixture(const std::string& suffix) {
  OutputFixture f;
  f.component = "c_memory" + suffix;
  f.plugin_dir = test::test_plugin_dir();
  f.setup = [suffix](TempDir& dir) {
    return "c_memory" + suffix + ":\n  path: " + dir.file("out.txt") + "\n";
  };
  f.read_back = [](TempDir& dir) { return test::read_lines(dir.file("out.txt")); };
  // Every 7th message fails on its own: the host retries only those.
  f.partial_failure_setup = [suffix](TempDir& dir) {
    return "c_memory" + suffix + ":\n  path: " + dir.file("out.txt") + "\n  fail_every: 7\n";
  };
  return f;
}

ProcessorFixture c_upper_fixture(const std::string& suffix) {
  ProcessorFixture f;
  f.component = "c_upper" + suffix;
  f.plugin_dir = test::test_plugin_dir();
  f.yaml = "c_upper" + suffix + ": {}";
  f.expect = [](const std::string& in) {
    std::string out = in;
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
  };
  f.added_metadata = {{"c_upper", "1"}};
  return f;
}

} // namespace

PLUGCTL_CONFORMANCE_INPUT(CCounter, c_counter_fixture(""));
PLUGCTL_CONFORMANCE_OUTPUT(CMemory, c_memory_fixture(""));
PLUGCTL_CONFORMANCE_PROCESSOR(CUpper, c_upper_fixture(""));

PLUGCTL_CONFORMANCE_INPUT(CCounter10, c_counter_fixture("10"));
PLUGCTL_CONFORMANCE_OUTPUT(CMemory10, c_memory_fixture("10"));
PLUGCTL_CONFORMANCE_PROCESSOR(CUpper10, c_upper_fixture("10"));

} // namespace plugctl::conformance
