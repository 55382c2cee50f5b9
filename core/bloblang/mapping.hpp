// A parsed Bloblang mapping, ready to run against messages (thread-safe: many threads may run
// one Mapping at once), and the parse errors users see.
#pragma once

#include "bloblang/context.hpp"
#include "bloblang/query.hpp"
#include "bloblang/value.hpp"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::core {
class Message;
struct Batch;
} // namespace plugctl::core

namespace plugctl::bloblang {

// A mapping that does not parse: `line 1 char 6: expected =`, with the position for lint.
class ParseError : public std::runtime_error {
public:
  ParseError(int line, int column, std::string what, std::string caret)
      : std::runtime_error("line " + std::to_string(line) + " char " + std::to_string(column) +
                           ": " + what),
        line_(line), column_(column), message_(std::move(what)), caret_(std::move(caret)) {}
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }
  // The offending line with a caret under the column, as Benthos prints it.
  const std::string& caret() const { return caret_; }

private:
  int line_, column_;
  std::string message_, caret_;
};

struct MappingImpl;

class Mapping {
public:
  struct Options {
    std::string import_dir = "."; // where `import "x.blobl"` looks
  };
  // Parses a mapping. Throws ParseError.
  static std::shared_ptr<const Mapping> parse(std::string_view text, const Options& opts);
  static std::shared_ptr<const Mapping> parse(std::string_view text) {
    return parse(text, Options{});
  }
  // Parses a single query (for interpolations and `check` fields). Throws ParseError.
  static std::shared_ptr<const Query> parse_query(std::string_view text);

  ~Mapping();

  enum class Outcome { Replaced, Unchanged, Deleted };
  struct Result {
    Outcome outcome = Outcome::Unchanged;
    Value value; // the new root when Replaced
  };
  // Runs against `ctx` (its message, metadata and variables). `start` is the initial root: null
  // for `mapping` (a new document), the parsed message for `mutation`. Throws EvalError with
  // "failed assignment (line N): ..." on failure.
  Result run(ExecContext& ctx, json::value start = nullptr) const;
  // For a mapping that is exactly `root = [ a, b, ... ]`: evaluates the elements one by one and
  // hands each to `each` (valid during the call) without building the array, as run would
  // (deleted() and nothing() elements dropped, errors "failed assignment (line 1): ..."). Returns
  // false, evaluating nothing, for any other mapping. (For plugins' args mappings.)
  bool run_elements(ExecContext& ctx, const std::function<void(const Value&)>& each) const;

  // Runs on message `index` of `batch` and writes the result into `out`: new payload, metadata
  // changes. Returns false when the mapping deleted the message. Throws EvalError.
  bool apply(const core::Batch& batch, size_t index, core::Message& out, bool mutate) const;

  // Evaluates as a query against a standalone context (used by `.bloblang()` and tests).
  const MappingImpl& impl() const { return *impl_; }

private:
  Mapping() = default;
  std::unique_ptr<MappingImpl> impl_;
};

// Writes `v` into a message as Benthos does: strings and bytes raw, anything else JSON.
void set_message_value(core::Message& msg, Value v);
// Applies metadata set by a mapping to a message (typed values become their text).
void apply_meta(const ExecContext& ctx, core::Message& msg);

} // namespace plugctl::bloblang
