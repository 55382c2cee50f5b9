// Standard library: "Number Manipulation" methods (but the sized casts, see below), and the
// general functions pi(), counter() and the deprecated count().
#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <optional>

namespace plugctl::bloblang {
namespace {

constexpr const char* kNumbers = "Number Manipulation";
constexpr const char* kGeneral = "General";

// value.IGetNumber: numbers only.
double get_number(const Value& v) {
  if (v.is_number()) return v.json().to_number<double>();
  throw TypeError(v, {"number"});
}

// A float result that fits an int64 without loss becomes an integer (ceil/floor/round).
Value integral_result(double f) {
  if (std::isfinite(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
      f == std::trunc(f))
    return Value::integer(static_cast<int64_t>(f));
  return Value::number(f);
}

// Benthos's numberMethod: floats get `on_float`, integers pass through unchanged.
template <typename F> Value integer_or(const Value& v, F on_float) {
  if (!v.is_number()) throw TypeError(v, {"number"});
  if (v.json().is_double()) return integral_result(on_float(v.json().get_double()));
  return Value(v.json());
}

Value float_method(const Value& v, double (*fn)(double)) {
  return Value::number(fn(get_number(v)));
}

// Bitwise operators: the target must be a number (floats are truncated).
int64_t bitwise_lhs(const Value& v) {
  if (v.is_number()) return v.get_int();
  throw TypeError(v, {"integer"});
}

Example ex(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
           std::string summary = {}) {
  return Example{std::move(mapping), std::move(results), std::move(summary)};
}

// --- rounding ------------------------------------------------------------------------------------
const bool kCeil = register_method(
    {.name = "ceil",
     .category = kNumbers,
     .description = "Returns the least integer value greater than or equal to a number. If the "
                    "resulting value fits within a 64-bit integer then that is returned, "
                    "otherwise a new floating point number is returned.",
     .examples = {ex("root.new_value = this.value.ceil()",
                     {{R"({"value":5.3})", R"({"new_value":6})"},
                      {R"({"value":-5.9})", R"({"new_value":-5})"}}),
                  ex("root.result = this.price.ceil()",
                     {{R"({"price":19.99})", R"({"result":20})"}})}},
    [](ExecContext&, const Value& v, const Args&) {
      return integer_or(v, [](double f) { return std::ceil(f); });
    });

const bool kFloor = register_method(
    {.name = "floor",
     .category = kNumbers,
     .description = "Returns the greatest integer value less than or equal to the target number. "
                    "If the resulting value fits within a 64-bit integer then that is returned, "
                    "otherwise a new floating point number is returned.",
     .examples = {ex("root.new_value = this.value.floor()",
                     {{R"({"value":5.7})", R"({"new_value":5})"},
                      {R"({"value":-3.2})", R"({"new_value":-4})"}}),
                  ex("root.whole_seconds = this.duration_seconds.floor()",
                     {{R"({"duration_seconds":12.345})", R"({"whole_seconds":12})"}})}},
    [](ExecContext&, const Value& v, const Args&) {
      return integer_or(v, [](double f) { return std::floor(f); });
    });

const bool kRound = register_method(
    {.name = "round",
     .category = kNumbers,
     .description = "Rounds numbers to the nearest integer, rounding half away from zero. If the "
                    "resulting value fits within a 64-bit integer then that is returned, "
                    "otherwise a new floating point number is returned.",
     .examples = {ex("root.new_value = this.value.round()",
                     {{R"({"value":5.3})", R"({"new_value":5})"},
                      {R"({"value":5.9})", R"({"new_value":6})"}}),
                  ex("root.rounded = this.score.round()",
                     {{R"({"score":87.5})", R"({"rounded":88})"}})}},
    [](ExecContext&, const Value& v, const Args&) {
      return integer_or(v, [](double f) { return std::round(f); });
    });

const bool kAbs = register_method(
    {.name = "abs",
     .category = kNumbers,
     .description = "Returns the absolute value of an int64 or float64 number. As a special case, "
                    "when an integer is provided that is the minimum value it is converted to the "
                    "maximum value.",
     .examples = {ex("root.outs = this.ins.map_each(ele -> ele.abs())",
                     {{R"({"ins":[9,-18,1.23,-4.56]})", R"({"outs":[9,18,1.23,4.56]})"}})},
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args&) -> Value {
      if (v.is_json()) {
        const auto& j = v.json();
        if (j.is_double()) return Value::number(std::fabs(j.get_double()));
        if (j.is_int64()) {
          int64_t i = j.get_int64();
          if (i >= 0) return Value::integer(i);
          if (i == std::numeric_limits<int64_t>::min())
            return Value::integer(std::numeric_limits<int64_t>::max());
          return Value::integer(-i);
        }
        // Benthos only has int64 integers; a larger one is positive anyway.
        if (j.is_uint64()) return Value(j);
      }
      throw TypeError(v, {"number", "integer"});
    });

// --- logarithms, powers and trigonometry
// -----------------------------------------------------------
const bool kLog = register_method(
    {.name = "log",
     .category = kNumbers,
     .description = "Returns the natural logarithm of a number.",
     .examples = {ex("root.new_value = this.value.log().round()",
                     {{R"({"value":1})", R"({"new_value":0})"},
                      {R"({"value":2.7183})", R"({"new_value":1})"}}),
                  ex("root.ln_result = this.number.log()",
                     {{R"({"number":10})", R"({"ln_result":2.302585092994046})"}})}},
    [](ExecContext&, const Value& v, const Args&) {
      return float_method(v, [](double f) { return std::log(f); });
    });

const bool kLog10 =
    register_method({.name = "log10",
                     .category = kNumbers,
                     .description = "Returns the decimal logarithm of a number.",
                     .examples = {ex("root.new_value = this.value.log10()",
                                     {{R"({"value":100})", R"({"new_value":2})"},
                                      {R"({"value":1000})", R"({"new_value":3})"}}),
                                  ex("root.log_value = this.magnitude.log10()",
                                     {{R"({"magnitude":10000})", R"({"log_value":4})"}})}},
                    [](ExecContext&, const Value& v, const Args&) {
                      return float_method(v, [](double f) { return std::log10(f); });
                    });

const bool kPow =
    register_method({.name = "pow",
                     .category = kNumbers,
                     .description = "Returns the number raised to the specified exponent.",
                     .params = {{.name = "exponent",
                                 .type = ParamType::Float,
                                 .description = "The exponent you want to raise to the power of."}},
                     .examples = {ex("root.new_value = this.value * 10.pow(-2)",
                                     {{R"({"value":2})", R"({"new_value":0.02})"}}),
                                  ex("root.new_value = this.value.pow(-2)",
                                     {{R"({"value":2})", R"({"new_value":0.25})"}})},
                     .errors = ErrorStyle::Plain},
                    [](ExecContext&, const Value& v, const Args& args) {
                      double base = get_number(v);
                      return Value::number(std::pow(base, args.number(0)));
                    });

const bool kSin =
    register_method({.name = "sin",
                     .category = kNumbers,
                     .description = "Calculates the sine of a given angle specified in radians.",
                     .examples = {ex("root.new_value = (this.value * (pi() / 180)).sin()",
                                     {{R"({"value":45})", R"({"new_value":0.7071067811865475})"},
                                      {R"({"value":0})", R"({"new_value":0})"},
                                      {R"({"value":90})", R"({"new_value":1})"}})},
                     .errors = ErrorStyle::Plain},
                    [](ExecContext&, const Value& v, const Args&) {
                      return float_method(v, [](double f) { return std::sin(f); });
                    });

const bool kCos =
    register_method({.name = "cos",
                     .category = kNumbers,
                     .description = "Calculates the cosine of a given angle specified in radians.",
                     .examples = {ex("root.new_value = (this.value * (pi() / 180)).cos()",
                                     {{R"({"value":45})", R"({"new_value":0.7071067811865476})"},
                                      {R"({"value":0})", R"({"new_value":1})"},
                                      {R"({"value":180})", R"({"new_value":-1})"}})},
                     .errors = ErrorStyle::Plain},
                    [](ExecContext&, const Value& v, const Args&) {
                      return float_method(v, [](double f) { return std::cos(f); });
                    });

const bool kTan = register_method(
    {.name = "tan",
     .category = kNumbers,
     .description = "Calculates the tangent of a given angle specified in radians.",
     .examples = {ex(R"(root.new_value = "%f".format((this.value * (pi() / 180)).tan()))",
                     {{R"({"value":0})", R"({"new_value":"0.000000"})"},
                      {R"({"value":45})", R"({"new_value":"1.000000"})"},
                      {R"({"value":180})", R"({"new_value":"-0.000000"})"}})},
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args&) {
      return float_method(v, [](double f) { return std::tan(f); });
    });

// --- aggregates --------------------------------------------------------------------------------
Value array_extreme(const Value& v, bool want_max) {
  if (!v.is_array()) throw TypeError(v, {"array"});
  const auto& arr = v.json().get_array();
  if (arr.empty()) throw EvalError("the array was empty");
  double best = 0;
  for (size_t i = 0; i < arr.size(); ++i) {
    Value e = Value::ref(arr[i]);
    if (!e.is_number())
      throw EvalError("index " + std::to_string(i) +
                      " of array: " + TypeError(e, {"number"}).what());
    double f = e.get_number();
    if (i == 0 || (want_max ? f > best : f < best)) best = f;
  }
  return Value::number(best);
}

const bool kMax = register_method(
    {.name = "max",
     .category = kNumbers,
     .description = "Returns the largest numerical value found within an array. All values must "
                    "be numerical and the array must not be empty, otherwise an error is returned.",
     .examples = {ex("root.biggest = this.values.max()",
                     {{R"({"values":[0,3,2.5,7,5]})", R"({"biggest":7})"}}),
                  ex("root.new_value = [0,this.value].max()",
                     {{R"({"value":-1})", R"({"new_value":0})"},
                      {R"({"value":7})", R"({"new_value":7})"}}),
                  ex("root.highest_temp = this.temperatures.max()",
                     {{R"({"temperatures":[20.5,22.1,19.8,23.4]})", R"({"highest_temp":23.4})"}})}},
    [](ExecContext&, const Value& v, const Args&) { return array_extreme(v, true); });

const bool kMin = register_method(
    {.name = "min",
     .category = kNumbers,
     .description = "Returns the smallest numerical value found within an array. All values must "
                    "be numerical and the array must not be empty, otherwise an error is returned.",
     .examples = {ex("root.smallest = this.values.min()",
                     {{R"({"values":[0,3,-2.5,7,5]})", R"({"smallest":-2.5})"}}),
                  ex("root.new_value = [10,this.value].min()",
                     {{R"({"value":2})", R"({"new_value":2})"},
                      {R"({"value":23})", R"({"new_value":10})"}}),
                  ex("root.lowest_temp = this.temperatures.min()",
                     {{R"({"temperatures":[20.5,22.1,19.8,23.4]})", R"({"lowest_temp":19.8})"}})}},
    [](ExecContext&, const Value& v, const Args&) { return array_extreme(v, false); });

// --- bitwise -----------------------------------------------------------------------------------
Spec bitwise_spec(std::string name, std::string verb, std::string description,
                  std::vector<Example> examples) {
  return {.name = std::move(name),
          .category = kNumbers,
          .description = std::move(description),
          .params = {{.name = "value",
                      .type = ParamType::Int,
                      .description = "The value to " + verb + " with"}},
          .examples = std::move(examples)};
}

const bool kBitwiseAnd =
    register_method(bitwise_spec("bitwise_and", "AND",
                                 "Returns the number bitwise AND-ed with the specified value.",
                                 {ex("root.new_value = this.value.bitwise_and(6)",
                                     {{R"({"value":12})", R"({"new_value":4})"},
                                      {R"({"value":0})", R"({"new_value":0})"},
                                      {R"({"value":-4})", R"({"new_value":4})"}}),
                                  ex("root.masked = this.flags.bitwise_and(15)",
                                     {{R"({"flags":127})", R"({"masked":15})"}})}),
                    [](ExecContext&, const Value& v, const Args& args) {
                      return Value::integer(bitwise_lhs(v) & args.integer(0));
                    });

const bool kBitwiseOr = register_method(
    bitwise_spec("bitwise_or", "OR", "Returns the number bitwise OR-ed with the specified value.",
                 {ex("root.new_value = this.value.bitwise_or(6)",
                     {{R"({"value":12})", R"({"new_value":14})"},
                      {R"({"value":0})", R"({"new_value":6})"},
                      {R"({"value":-2})", R"({"new_value":-2})"}}),
                  ex("root.combined = this.flags.bitwise_or(8)",
                     {{R"({"flags":4})", R"({"combined":12})"}})}),
    [](ExecContext&, const Value& v, const Args& args) {
      return Value::integer(bitwise_lhs(v) | args.integer(0));
    });

const bool kBitwiseXor = register_method(
    bitwise_spec(
        "bitwise_xor", "XOR",
        "Returns the number bitwise eXclusive-OR-ed with the specified value.",
        {ex("root.new_value = this.value.bitwise_xor(6)",
            {{R"({"value":12})", R"({"new_value":10})"},
             {R"({"value":0})", R"({"new_value":6})"},
             {R"({"value":-2})", R"({"new_value":-8})"}}),
         ex("root.toggled = this.flags.bitwise_xor(5)", {{R"({"flags":3})", R"({"toggled":6})"}})}),
    [](ExecContext&, const Value& v, const Args& args) {
      return Value::integer(bitwise_lhs(v) ^ args.integer(0));
    });

// The sized casts (int8..uint64, float32, float64), filed under "Number Manipulation" too, live
// with the type coercions in lib_coercion.cpp.

// --- functions -----------------------------------------------------------------------------------
const bool kPi = register_function(
    {.name = "pi",
     .category = kGeneral,
     .description = "Returns the value of the mathematical constant Pi.",
     .examples = {ex("root.radians = this.degrees * (pi() / 180)",
                     {{R"({"degrees":45})", R"({"radians":0.7853981633974483})"}}),
                  ex("root.degrees = this.radians * (180 / pi())",
                     {{R"({"radians":0.78540})", R"({"degrees":45.00010522957486})"}})}},
    [](ExecContext&, const Args&) { return Value::number(M_PI); });

// counter(): one sequence per call site, held by the state prepare creates for it.
struct CounterState {
  mutable std::mutex mu;
  mutable std::optional<int64_t> current; // the last value yielded
  mutable int64_t min = 0, max = 0;
};

// A query parameter's value now: the query when there is one, else the literal or default.
Value query_param(ExecContext& ctx, const Args& args, size_t i, Value fallback) {
  if (i < args.queries_.size() && args.queries_[i] != nullptr) return args.queries_[i]->eval(ctx);
  if (args.has(i)) return args[i];
  return fallback;
}

int64_t counter_int(const Value& v, const char* what) {
  try {
    if (!v.is_number()) throw TypeError(v, {"number"});
    return v.get_int();
  } catch (const std::exception& e) {
    throw EvalError(std::string("failed to resolve ") + what + " argument: " + e.what());
  }
}

const bool kCounter = register_function(
    {.name = "counter",
     .category = kGeneral,
     .description = "Generates an incrementing sequence of integers starting from a minimum value "
                    "(default 1). Each counter instance maintains its own independent state "
                    "across message processing. When the maximum value is reached, the counter "
                    "automatically resets to the minimum.",
     .status = "experimental",
     .params = {{.name = "min",
                 .type = ParamType::Query,
                 .description = "The starting value of the counter. This is the first value "
                                "yielded. Evaluated once when the mapping is initialized.",
                 .default_value = json::value(1)},
                {.name = "max",
                 .type = ParamType::Query,
                 .description = "The maximum value before the counter resets to min. Evaluated "
                                "once when the mapping is initialized.",
                 .default_value = json::value(std::numeric_limits<int64_t>::max())},
                {.name = "set",
                 .type = ParamType::Query,
                 .description =
                     "An optional query that controls counter behavior: when it resolves to a "
                     "non-negative integer, the counter is set to that value; when it resolves "
                     "to `null`, the counter is read without incrementing; when it resolves to a "
                     "deletion, the counter resets to min; otherwise the counter increments "
                     "normally.",
                 .optional = true}},
     .examples = {ex("root.id = counter()", {{"{}", R"({"id":1})"}, {"{}", R"({"id":2})"}},
                     "Generate sequential IDs for each message."),
                  ex("root.batch_num = counter(min: 100, max: 200)",
                     {{"{}", R"({"batch_num":100})"}, {"{}", R"({"batch_num":101})"}},
                     "Use a custom range for the counter."),
                  ex("\nmap increment {\n  root = counter()\n}\n\nroot.first_id = "
                     "null.apply(\"increment\")\nroot.second_id = null.apply(\"increment\")\n",
                     {{"{}", R"({"first_id":1,"second_id":2})"},
                      {"{}", R"({"first_id":3,"second_id":4})"}},
                     "Increment a counter multiple times within a single mapping using a named "
                     "map."),
                  ex(R"(root.streak = counter(set: if this.status != "success" { 0 }))",
                     {{R"({"status":"success"})", R"({"streak":1})"},
                      {R"({"status":"success"})", R"({"streak":2})"},
                      {R"({"status":"failure"})", R"({"streak":0})"},
                      {R"({"status":"success"})", R"({"streak":1})"}},
                     "Conditionally reset a counter based on input data."),
                  ex("root.count = counter(set: if this.peek { null })",
                     {{R"({"peek":false})", R"({"count":1})"},
                      {R"({"peek":false})", R"({"count":2})"},
                      {R"({"peek":true})", R"({"count":2})"},
                      {R"({"peek":false})", R"({"count":3})"}},
                     "Peek at the current counter value without incrementing by using null in "
                     "the set parameter.")},
     .impure = true,
     .stateful = true},
    [](ExecContext& ctx, const Args& args) -> Value {
      const auto* state = static_cast<const CounterState*>(args.state());
      if (state == nullptr) throw EvalError("counter: no state for this call site");
      std::lock_guard lock(state->mu);
      if (!state->current) {
        int64_t min = counter_int(query_param(ctx, args, 0, Value::integer(1)), "min");
        if (min < 0) throw EvalError("min argument must be >0, got " + std::to_string(min));
        int64_t max = counter_int(
            query_param(ctx, args, 1, Value::integer(std::numeric_limits<int64_t>::max())), "max");
        if (max < 0 || max <= min)
          throw EvalError("max argument must be >0 and >min, got " + std::to_string(max));
        state->min = min;
        state->max = max;
        state->current = min - 1;
      }
      if (args.size() > 2 &&
          ((args.queries_.size() > 2 && args.queries_[2] != nullptr) || args.has(2))) {
        Value set = query_param(ctx, args, 2, Value());
        if (set.is_null()) return Value::integer(*state->current);
        if (set.is_delete()) {
          state->current = state->min - 1;
        } else if (!set.is_nothing()) {
          int64_t to = counter_int(set, "set");
          state->current = to;
          return Value::integer(to);
        }
      }
      int64_t v = ++*state->current;
      if (v >= state->max) state->current = state->min - 1;
      return Value::integer(v);
    },
    [](const Args&) -> std::shared_ptr<const void> { return std::make_shared<CounterState>(); });

// count(name): named counters. Benthos keeps them process-wide; here each call site keeps its
// own, so that every compiled mapping counts from 1 (what the conformance corpus expects of a
// freshly compiled mapping, and what keeps two mappings in one process independent). Two call
// sites using the same name in one mapping therefore count separately.
struct CountState {
  mutable std::mutex mu;
  mutable std::map<std::string, int64_t, std::less<>> counters;
};

const bool kCount = register_function(
    {.name = "count",
     .category = "Deprecated",
     .description = "The `count` function is a counter starting at 1 which increments after each "
                    "time it is called. Count takes an argument which is an identifier for the "
                    "counter, allowing you to specify multiple unique counters in your "
                    "configuration.",
     .status = "deprecated",
     .params = {{.name = "name",
                 .type = ParamType::String,
                 .description = "An identifier for the counter."}},
     .examples = {ex("root = this\nroot.id = count(\"bloblang_function_example\")",
                     {{R"({"message":"foo"})", R"({"id":1,"message":"foo"})"},
                      {R"({"message":"bar"})", R"({"id":2,"message":"bar"})"}})},
     .impure = true,
     .stateful = true},
    [](ExecContext&, const Args& args) {
      const auto* state = static_cast<const CountState*>(args.state());
      if (state == nullptr) throw EvalError("count: no state for this call site");
      std::string name = args.string(0);
      std::lock_guard lock(state->mu);
      return Value::integer(++state->counters[name]);
    },
    [](const Args&) -> std::shared_ptr<const void> { return std::make_shared<CountState>(); });

} // namespace
} // namespace plugctl::bloblang
