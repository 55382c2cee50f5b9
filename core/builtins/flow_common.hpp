// Shared pieces of the flow-control processors (try, catch, switch, for_each, while, branch,
// group_by, resource): building nested processors, Bloblang checks and mappings compiled at
// build time with errors naming the config field, and the helpers that run children over parts
// of a batch.
#pragma once

#include "bloblang/mapping.hpp"
#include "pipeline/components.hpp"
#include "pipeline/nodes.hpp"
#include "telemetry/logging.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::core::builtins::flow {

// The processors nested in `cc` under the JSON pointer `prefix` ("" for a component whose config
// is itself a list of processors, "/processors", "/2/processors"), built in config order.
ProcessorNodes build_children(const ComponentConfig& cc, const std::string& prefix,
                              BuildContext& ctx);

// The config value of `cc` at a JSON pointer ("" for the whole value); null when absent.
const boost::json::value& config_at(const ComponentConfig& cc, std::string_view pointer);
std::string config_string(const ComponentConfig& cc, std::string_view pointer);
bool config_bool(const ComponentConfig& cc, std::string_view pointer);
int64_t config_int(const ComponentConfig& cc, std::string_view pointer);

// Parses a Bloblang mapping of field `field` (a dotted path under the component, e.g. "0.check");
// null for an empty text. Throws std::runtime_error naming the component and the field.
std::shared_ptr<const bloblang::Mapping>
compile_mapping(const ComponentConfig& cc, const std::string& field, const std::string& text);

// A Bloblang query that must give a boolean (`check` fields). An empty check always passes.
class Check {
public:
  Check() = default;
  explicit Check(std::shared_ptr<const bloblang::Mapping> m) : mapping_(std::move(m)) {}
  bool empty() const { return mapping_ == nullptr; }
  // Evaluates against message `index` of `batch`. Throws (bloblang::EvalError, TypeError...) when
  // the query fails or gives anything but a boolean.
  bool test(const Batch& batch, size_t index) const;

private:
  std::shared_ptr<const bloblang::Mapping> mapping_;
};

// The logger of a composite component (tagged with its label and path).
std::shared_ptr<spdlog::logger> logger_of(const ComponentConfig& cc);

// Moves every message of `from` to the end of `to`.
void append(Batch& to, Batch&& from);

// Runs one processor over `unit`, skipping the messages flagged with an error (they stay, in
// front of or behind the processed ones as they were).
void run_skipping_errored(ProcessorNode& p, Batch& unit);

} // namespace plugctl::core::builtins::flow
