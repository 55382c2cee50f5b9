// A compiled Bloblang expression, as a method sees its query parameters (the lambda of
// `.map_each(x -> x + 1)`, the predicate of `.filter(...)`).
#pragma once

#include "bloblang/context.hpp"
#include "bloblang/value.hpp"

#include <string>

namespace plugctl::bloblang {

class Query {
public:
  virtual ~Query() = default;
  // Evaluates with `context` as the new context: `this` for a plain expression; for a named
  // lambda `x -> ...` the value bound to `x` (and `this` stays the enclosing context). Throws
  // EvalError / TypeError.
  Value exec(ExecContext& ctx, const Value& context) const;
  // Evaluates in the current context.
  virtual Value eval(ExecContext& ctx) const = 0;
  // How errors name this expression: "field `this.foo`", "method `uppercase`", ...
  virtual std::string annotation() const = 0;
  // A literal (constant) expression: its value, else null.
  virtual const Value* literal() const { return nullptr; }
  // For named lambdas: the name ("" otherwise).
  virtual const std::string& capture_name() const;
  // The expression a lambda wraps (this, otherwise).
  virtual const Query& body() const { return *this; }
};

} // namespace plugctl::bloblang
