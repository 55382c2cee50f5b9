// Internal: the Bloblang expression and statement nodes built by the parser.
#pragma once

#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plugctl::bloblang {

using QueryPtr = std::unique_ptr<Query>;
using Path = std::vector<std::string>;

std::string path_to_dot(const Path& p);

// Where the members named by the first segments of a path were found last time (their index in
// the object): documents of one shape keep their keys in the same order, so a lookup usually
// checks one member. Shared by the threads running a mapping (relaxed atomics: a stale hint
// only costs a search).
using PathHints = std::array<std::atomic<uint32_t>, 4>;

// The node at `path` below `root`, or null. Numeric segments index arrays.
const json::value* lookup(const json::value& root, const Path& path, PathHints* hints = nullptr);

// `value` as seen through `path` (a reference into it when it is JSON).
Value get_path(const Value& value, const Path& path, PathHints* hints = nullptr);

struct Literal final : Query {
  Value value;
  std::string ann;
  explicit Literal(Value v, std::string annotation = {});
  // JSON literals are lent, not copied (the mapping outlives every evaluation).
  Value eval(ExecContext&) const override {
    return value.is_json() ? Value::ref(value.json()) : value;
  }
  std::string annotation() const override { return ann; }
  const Value* literal() const override { return &value; }
};

// this.a.b, bare a.b, named captures (x.a), and root.a.
struct FieldRef final : Query {
  enum class From { This, Root, Capture };
  From from = From::This;
  std::string name; // capture name
  Path path;
  mutable PathHints hints{};
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override;
};

struct VarRef final : Query {
  std::string name;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "variable `" + name + "`"; }
};

struct MetaRef final : Query {
  std::optional<std::string> key; // none: all metadata
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override {
    return key ? "metadata value `" + *key + "`" : "metadata object";
  }
};

// expr.a.b on an arbitrary expression.
struct GetField final : Query {
  QueryPtr target;
  Path path;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override;
};

struct ArrayLit final : Query {
  std::vector<QueryPtr> items;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "array literal"; }
};

struct ObjectLit final : Query {
  std::vector<std::pair<QueryPtr, QueryPtr>> members; // key query, value query
  // When every key is a distinct string literal: the object with every key (null values), which
  // an evaluation copies and fills by position instead of inserting key by key.
  std::optional<json::object> shape;
  void seal(); // sets `shape` (after parsing the members)
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "object literal"; }
};

struct Arith final : Query {
  enum class Op { Add, Sub, Mul, Div, Mod, Eq, Neq, Gt, Lt, Gte, Lte, And, Or, Pipe };
  Op op = Op::Add;
  QueryPtr lhs, rhs;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return rhs->annotation(); }
};

struct Not final : Query {
  QueryPtr inner;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "not " + inner->annotation(); }
};

struct IfExpr final : Query {
  std::vector<std::pair<QueryPtr, QueryPtr>> branches; // condition, result
  QueryPtr otherwise;                                  // may be null
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "if expression"; }
};

struct MatchExpr final : Query {
  QueryPtr subject; // may be null: cases see the current context
  struct Case {
    QueryPtr when; // null for `_`
    QueryPtr result;
  };
  std::vector<Case> cases;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "match expression"; }
};

// `name -> body`
struct Lambda final : Query {
  std::string name;
  QueryPtr inner;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return inner->annotation(); }
  const std::string& capture_name() const override { return name; }
  const Query& body() const override { return *inner; }
};

// target.(query)
struct MapExpr final : Query {
  QueryPtr target, query;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return target->annotation(); }
};

// A call's arguments as parsed: literal values are evaluated once, others per call.
struct CallArgs {
  const Spec* spec = nullptr;
  std::vector<QueryPtr> queries;           // one per parameter, null when absent
  std::vector<std::optional<Value>> fixed; // literal or default values
  std::shared_ptr<const void> state;       // from the entry's Prepare
  // The arguments built once, when every one is a literal, a default or absent (most calls):
  // a call then builds nothing.
  std::unique_ptr<const Args> prebuilt;
  Args build(ExecContext& ctx) const;
  // Sets `prebuilt` when the arguments never change (after `state` is set).
  void seal();
};

struct FunctionCall final : Query {
  const FunctionEntry* entry = nullptr;
  CallArgs args;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "function `" + entry->spec.name + "`"; }
};

struct MethodCall final : Query {
  const MethodEntry* entry = nullptr;
  QueryPtr target;
  CallArgs args;
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return "method `" + entry->spec.name + "`"; }

private:
  Value eval_general(ExecContext& ctx) const; // arguments built per call, or target defaults
};

// The methods that need the unevaluated target: catch, or, apply, from, from_all, bloblang.
struct SpecialMethod final : Query {
  enum class Kind { Catch, Or, Apply, Not };
  Kind kind;
  QueryPtr target;
  QueryPtr arg;                          // fallback / map name
  const struct MapTable* maps = nullptr; // owned by the mapping
  Value eval(ExecContext& ctx) const override;
  std::string annotation() const override { return target->annotation(); }
};

// --- statements ------------------------------------------------------------------------------
struct Statement {
  virtual ~Statement() = default;
  // Executes against ctx.root(). Throws EvalError carrying "failed assignment (line N): ...".
  virtual void exec(ExecContext& ctx) const = 0;
  int line = 0;
};
using StatementPtr = std::unique_ptr<Statement>;

struct AssignRoot final : Statement {
  Path path;
  QueryPtr query;
  // How many fields the root object is sized for when this statement creates it (the number of
  // top-level assignments of its block).
  size_t root_hint = 0;
  void exec(ExecContext& ctx) const override;
};

struct AssignMeta final : Statement {
  std::optional<std::string> key;
  QueryPtr query;
  void exec(ExecContext& ctx) const override;
};

struct AssignVar final : Statement {
  std::string name;
  QueryPtr query;
  void exec(ExecContext& ctx) const override;
};

struct IfStatement final : Statement {
  std::vector<std::pair<QueryPtr, std::vector<StatementPtr>>> branches;
  std::vector<StatementPtr> otherwise;
  bool has_else = false;
  void exec(ExecContext& ctx) const override;
};

// Named maps of a mapping, filled while parsing; `apply` looks them up when it runs.
struct MapTable {
  std::map<std::string, std::vector<StatementPtr>, std::less<>> maps;
};

// A block whose statements assign distinct single keys of root (`root.a = ...`; metadata and
// variable assignments may come between them) in a mapping that never reads `root`: its root
// object is copied from one with every key, each assignment writes its member by position, and
// the keys no assignment set (nothing(), deleted()) are removed at the end.
struct RootPlan {
  json::object shape;     // every key, in statement order, null values
  std::vector<int> slots; // per statement: the member it assigns, -1 = not a root assignment
};
// The plan of a block, or null when it does not qualify.
std::unique_ptr<RootPlan> plan_root(const std::vector<StatementPtr>& stmts);
// Runs a planned block on a fresh root (ctx.root() is nothing()).
void run_planned(const RootPlan& plan, const std::vector<StatementPtr>& stmts, ExecContext& ctx);

// Sizes the root objects the statements of a block create (AssignRoot::root_hint).
void set_root_hints(const std::vector<StatementPtr>& stmts);

// Runs statements with `context` as `this` and a fresh root and variables; returns the root.
Value run_map(const std::vector<StatementPtr>& stmts, ExecContext& ctx, const Value& context);

// "failed assignment (line N): <what>".
[[noreturn]] void fail_assignment(int line, const std::exception& e);

} // namespace plugctl::bloblang
