// Components the engine builds itself from nested components (try, switch, broker...): they are
// registered with their specs like any component, so lint, docs and `plugctl list` see them,
// but flagged kCoreComposite and never created through the ABI.
#pragma once

#include "pipeline/nodes.hpp"

#include <plugctl/sdk.hpp>

namespace plugctl::core::builtins {

struct CompositeProcessorPlaceholder final : sdk::Processor {
  CompositeProcessorPlaceholder(const sdk::Context&, const sdk::Config&) {
    throw sdk::FatalError("this processor is built by the engine, not through the plugin ABI");
  }
  void process(sdk::Batch&, sdk::Batch&) override {}
};

struct CompositeOutputPlaceholder final : sdk::Output {
  CompositeOutputPlaceholder(const sdk::Context&, const sdk::Config&) {
    throw sdk::FatalError("this output is built by the engine, not through the plugin ABI");
  }
  plugctl_status write(const sdk::ConstBatch&, const sdk::Results&) override {
    return PLUGCTL_FATAL;
  }
};

struct CompositeInputPlaceholder final : sdk::Input {
  CompositeInputPlaceholder(const sdk::Context&, const sdk::Config&) {
    throw sdk::FatalError("this input is built by the engine, not through the plugin ABI");
  }
  plugctl_status read(sdk::ReadResult&) override { return PLUGCTL_FATAL; }
  void ack(uint64_t, plugctl_status, std::string_view) override {}
};

} // namespace plugctl::core::builtins
