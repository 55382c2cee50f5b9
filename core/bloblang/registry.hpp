// The Bloblang standard library registry: every function and method with its spec (name,
// category, parameters, description, examples, status). `plugctl list bloblang-functions`, the
// docs and the parser all read it. Standard library files register with static objects:
//
//   static const bool registered = register_method(
//       {.name = "uppercase", .category = "String Manipulation", .description = "..."},
//       [](ExecContext&, const Value& target, const Args&) {
//         return Value::string(upper(target.get_string()));
//       });
#pragma once

#include "bloblang/context.hpp"
#include "bloblang/value.hpp"

#include <boost/container/small_vector.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plugctl::bloblang {

class Query; // a compiled expression: see ast.hpp

enum class ParamType { Any, String, Int, Float, Bool, Timestamp, Array, Object, Query };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Any;
  std::string description;
  std::optional<json::value> default_value; // used when the argument is absent
  bool optional = false; // may be absent without a default (Args::has is false then)
};

struct Example {
  std::string mapping;
  std::vector<std::pair<std::string, std::string>> results; // input -> output
  std::string summary;
};

enum class ErrorStyle {
  Annotated, // named after the target: "field `this.x`: ..." (type errors say "from field ...")
  TypeOnly,  // only type errors name the target, others stay as they are (sort, sum, merge...)
  Plain,     // as they are (Benthos's plugin-API methods: the ts_* family, abs, int64, zip...)
};

struct Spec {
  std::string name;
  std::string category; // e.g. "String Manipulation"
  std::string description;
  std::string status = "stable"; // stable, beta, experimental, deprecated
  std::vector<ParamSpec> params;
  std::vector<Example> examples;
  bool impure = false; // reads the environment, the clock or randomness
  // Takes any number of positional arguments and no named ones (`format`, `append`, `with`,
  // `zip`...): `params` is empty and Args holds the arguments in call order, all present.
  bool variadic = false;
  // Keeps state per call site (`counter()`): prepare runs for every call site, literal or not,
  // with the literal arguments present and the others absent (Args::has false), and the state
  // it returns reaches every call through Args::state(). Stateful calls are never constant
  // folded.
  bool stateful = false;
  // How a method's errors reach the mapping (upstream registers methods in three ways).
  ErrorStyle errors = ErrorStyle::Annotated;
  // When the target expression itself fails, the call yields its first argument (a default)
  // instead of failing, if one was given (`bool(default)`, `number(default)`).
  bool default_on_target_error = false;
};

// The arguments of one call, evaluated, with defaults filled in. Positional or named in the
// mapping; here always in the spec's parameter order.
class Args {
public:
  size_t size() const { return values_.size(); }
  bool has(size_t i) const { return i < present_.size() && present_[i]; }
  const Value& operator[](size_t i) const { return values_.at(i); }
  // Typed access with TypeError on a mismatch (named after the parameter).
  std::string string(size_t i) const;
  int64_t integer(size_t i) const;
  double number(size_t i) const;
  bool boolean(size_t i) const;
  // A query parameter (a lambda like `x -> x + 1` or any expression, evaluated per element).
  const Query& query(size_t i) const;
  // What the method's prepare step built from literal arguments (a compiled regex...), or null.
  const void* state() const { return site_state_ != nullptr ? site_state_ : state_.get(); }

  // Built by the call site.
  // Small inline buffers: most calls have a few arguments, and building Args happens on every
  // call, so it should not allocate.
  boost::container::small_vector<Value, 4> values_;
  boost::container::small_vector<bool, 4> present_;
  boost::container::small_vector<const Query*, 4> queries_;
  std::shared_ptr<const void> state_; // owned here (tests, standalone calls)
  // Or borrowed from the call site, which outlives the call (no reference count per call).
  const void* site_state_ = nullptr;
  const Spec* spec_ = nullptr;
};

using FunctionImpl = std::function<Value(ExecContext& ctx, const Args& args)>;
using MethodImpl = std::function<Value(ExecContext& ctx, const Value& target, const Args& args)>;
// Runs once per call site at parse time when every argument is a literal; throws
// std::invalid_argument for arguments that can never work (a bad regex), which becomes a parse
// error. The result is handed to every call through Args::state().
using Prepare = std::function<std::shared_ptr<const void>(const Args& literal_args)>;

struct FunctionEntry {
  Spec spec;
  FunctionImpl impl;
  Prepare prepare;
};
struct MethodEntry {
  Spec spec;
  MethodImpl impl;
  Prepare prepare;
};

bool register_function(Spec spec, FunctionImpl impl, Prepare prepare = {});
bool register_method(Spec spec, MethodImpl impl, Prepare prepare = {});
const FunctionEntry* find_function(std::string_view name);
const MethodEntry* find_method(std::string_view name);
std::vector<const FunctionEntry*> all_functions(); // sorted by name
std::vector<const MethodEntry*> all_methods();

} // namespace plugctl::bloblang
