// The plugin conformance kit: what docs/specs/component.md asks of every input, output and
// processor, checked against the real host (the pipeline engine, in-process). A component joins
// with one line in its plugin's tests folder:
//
//   PLUGCTL_CONFORMANCE_INPUT(FileInput, file_input_fixture());
//   PLUGCTL_CONFORMANCE_OUTPUT(FileOutput, file_output_fixture());
//   PLUGCTL_CONFORMANCE_PROCESSOR(CUpper, c_upper_fixture());
//
// The fixture (a plain struct below) says how to configure the component and how to feed or
// observe it. Each line registers the cases that apply to that fixture as ordinary GoogleTest
// tests named `Conformance/<Name>.<Case>` (`--gtest_filter='Conformance/*'`). A case that does
// not apply (the metadata round trip of an output that keeps no metadata, write failures of an
// output that cannot fail) is not registered at all, so nothing is ever skipped.
//
// The other end of each pipeline is an in-process test component from tests/support: inputs run
// into `test_capture`, outputs and processors are fed by `test_feed`. Failures are injected
// there (capture.fail_writes), or by the fixture's own broken configs.
#pragma once

#include "support/support.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace plugctl::conformance {

using test::TempDir;
using Metadata = std::map<std::string, std::string>;

// The payloads the kit feeds by default: distinct, of varied length, with spaces, punctuation
// and a few non-ASCII bytes, and never a line break (line-based sources and sinks take them).
std::string default_payload(size_t index);

struct InputFixture {
  std::string component;  // the input's name, e.g. "file"
  std::string plugin_dir; // the directory its plugin is in ("" for an in-process component)
  // Writes `payloads` into a source under `dir` and returns the YAML of the input component,
  // the text that goes under `input:` (e.g. "file:\n  paths: [ /tmp/x/in.txt ]\n").
  std::function<std::string(TempDir& dir, const std::vector<std::string>& payloads)> setup;
  // The payload of message `index`. A source that makes its own payloads (a counter) says what
  // they are here; setup is then given exactly these.
  std::function<std::string(size_t index)> payload = default_payload;
  // The metadata every message must carry (a subset of what it has), by the message's index in
  // the source. Null when the input declares none. Called after setup.
  std::function<Metadata(const TempDir& dir, size_t index)> metadata;
  bool ordered = true; // messages leave in source order (one thread, max_in_flight 1)
  // The source ends by itself once drained. When false the kit stops the pipeline itself once
  // every payload was captured.
  bool finite = true;
};

// The YAML of a component set up to fail, and the text its errors must contain (so that a user
// can see what failed, e.g. the path).
struct BrokenSetup {
  std::string yaml;
  std::string error_contains;
};

struct OutputFixture {
  std::string component;
  std::string plugin_dir;
  // Returns the YAML of the output component (the text under `output:`), writing into `dir`.
  std::function<std::string(TempDir& dir)> setup;
  // The payloads found in the destination, in the order the destination keeps them.
  std::function<std::vector<std::string>(TempDir& dir)> read_back;
  // Optional: the metadata of each message found (parallel to read_back), for a destination
  // that keeps metadata.
  std::function<std::vector<Metadata>(TempDir& dir)> read_back_metadata;
  // Optional: a config whose every write fails (an unwritable path).
  std::function<BrokenSetup(TempDir& dir)> broken_setup;
  // Optional: a config whose writes fail some messages on their own (per-message results).
  std::function<std::string(TempDir& dir)> partial_failure_setup;
  bool ordered = true; // with max_in_flight 1 the destination keeps the write order
};

struct ProcessorFixture {
  std::string component;
  std::string plugin_dir;
  std::string yaml; // the processor's YAML, one item of `processors:` (e.g. "c_upper: {}")
  // The payload the processor turns `in` into. The kit's payloads must map to distinct outputs.
  std::function<std::string(const std::string& in)> expect;
  Metadata added_metadata;        // metadata the processor sets on every message
  bool preserves_metadata = true; // metadata of incoming messages survives
  bool preserves_order = true;    // with one thread, messages keep their order
};

// Register the applicable cases; used through the macros below. `name` is the suite suffix.
bool register_input(const char* name, const char* file, int line, InputFixture fixture);
bool register_output(const char* name, const char* file, int line, OutputFixture fixture);
bool register_processor(const char* name, const char* file, int line, ProcessorFixture fixture);

} // namespace plugctl::conformance

#define PLUGCTL_CONFORMANCE_JOIN_(KIND, Name, ...)                                                 \
  [[maybe_unused]] static const bool plugctl_conformance_##Name =                                  \
      ::plugctl::conformance::register_##KIND(#Name, __FILE__, __LINE__, (__VA_ARGS__))

// One line per component, at namespace scope in a test source.
#define PLUGCTL_CONFORMANCE_INPUT(Name, ...) PLUGCTL_CONFORMANCE_JOIN_(input, Name, __VA_ARGS__)
#define PLUGCTL_CONFORMANCE_OUTPUT(Name, ...) PLUGCTL_CONFORMANCE_JOIN_(output, Name, __VA_ARGS__)
#define PLUGCTL_CONFORMANCE_PROCESSOR(Name, ...)                                                   \
  PLUGCTL_CONFORMANCE_JOIN_(processor, Name, __VA_ARGS__)
