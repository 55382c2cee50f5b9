// Standard library: "Number Manipulation" methods, and the general functions pi(), counter()
// and the deprecated count().
#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <optional>

namespace plugctl::bloblang {
namespace {

constexpr const char* kNumbers = "Number Manipulation";
constexpr const char* kGeneral = "General";

// --- Go's strconv
// --------------------------------------------------------------------------------- strconv.Quote
// for the texts that end up in errors.
std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

[[noreturn]] void num_error(std::string_view fn, std::string_view num, bool range) {
  throw EvalError("strconv." + std::string(fn) + ": parsing " + go_quote(num) + ": " +
                  (range ? "value out of range" : "invalid syntax"));
}

char lower(char c) {
  return static_cast<char>(c | 0x20);
}

// strconv's underscoreOK: underscores only between digits or after a base prefix.
bool underscore_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

struct UintResult {
  uint64_t value = 0;
  enum { kOk, kSyntax, kRange } status = kOk;
};

// strconv.ParseUint(s, 0, 64).
UintResult parse_uint_base0(std::string_view s) {
  UintResult r;
  if (s.empty()) {
    r.status = UintResult::kSyntax;
    return r;
  }
  const std::string_view s0 = s;
  unsigned base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && lower(s[1]) == 'b') {
      base = 2, s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'x') {
      base = 16, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  bool underscores = false;
  uint64_t n = 0;
  const uint64_t cutoff = std::numeric_limits<uint64_t>::max() / base + 1;
  for (char c : s) {
    unsigned d;
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (lower(c) >= 'a' && lower(c) <= 'z') {
      d = static_cast<unsigned>(lower(c) - 'a' + 10);
    } else {
      r.status = UintResult::kSyntax;
      return r;
    }
    if (d >= base) {
      r.status = UintResult::kSyntax;
      return r;
    }
    if (n >= cutoff) {
      r.value = std::numeric_limits<uint64_t>::max();
      r.status = UintResult::kRange;
      return r;
    }
    n *= base;
    uint64_t n1 = n + d;
    if (n1 < n) {
      r.value = std::numeric_limits<uint64_t>::max();
      r.status = UintResult::kRange;
      return r;
    }
    n = n1;
  }
  if (underscores && !underscore_ok(s0)) {
    r.status = UintResult::kSyntax;
    return r;
  }
  r.value = n;
  return r;
}

uint64_t go_parse_uint(std::string_view s) {
  UintResult r = parse_uint_base0(s);
  if (r.status != UintResult::kOk) num_error("ParseUint", s, r.status == UintResult::kRange);
  return r.value;
}

int64_t go_parse_int(std::string_view s) {
  if (s.empty()) num_error("ParseInt", s, false);
  const std::string_view s0 = s;
  bool neg = false;
  if (s[0] == '+') {
    s.remove_prefix(1);
  } else if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  UintResult r = parse_uint_base0(s);
  if (r.status == UintResult::kSyntax) num_error("ParseInt", s0, false);
  const uint64_t cutoff = 1ULL << 63;
  if (r.status == UintResult::kRange || (!neg && r.value >= cutoff) || (neg && r.value > cutoff))
    num_error("ParseInt", s0, true);
  return neg ? static_cast<int64_t>(0 - r.value) : static_cast<int64_t>(r.value);
}

// strconv.ParseFloat(s, 64 or 32): decimal or hexadecimal (with a p exponent) floats, inf,
// infinity and nan, underscores between digits.
double go_parse_float(std::string_view s, int bits) {
  auto syntax = [&]() { num_error("ParseFloat", s, false); };
  if (s.empty()) syntax();
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (lower(a[i]) != b[i]) return false;
    return true;
  };
  if (iequals(body, "inf") || iequals(body, "infinity"))
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (iequals(body, "nan") && body.size() == s.size())
    return std::numeric_limits<double>::quiet_NaN();

  std::string clean;
  bool hex = body.size() >= 2 && body[0] == '0' && lower(body[1]) == 'x';
  size_t i = hex ? 2 : 0;
  bool digits = false, dot = false, exp = false, underscores = false;
  auto is_mant_digit = [&](char c) {
    return (c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f');
  };
  for (; i < body.size(); ++i) {
    char c = body[i];
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (is_mant_digit(c)) {
      digits = true;
      continue;
    }
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if ((!hex && lower(c) == 'e') || (hex && lower(c) == 'p')) {
      if (!digits) syntax();
      exp = true;
      ++i;
      if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
      bool exp_digits = false;
      for (; i < body.size(); ++i) {
        if (body[i] == '_') {
          underscores = true;
          continue;
        }
        if (body[i] < '0' || body[i] > '9') syntax();
        exp_digits = true;
      }
      if (!exp_digits) syntax();
      break;
    }
    syntax();
  }
  if (!digits || (hex && !exp)) syntax();
  if (underscores && !underscore_ok(s)) syntax();
  for (char c : s)
    if (c != '_') clean += c;
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) syntax();
  if (errno == ERANGE && std::isinf(d)) num_error("ParseFloat", s, true);
  if (bits == 32) {
    float f = static_cast<float>(d);
    if (std::isinf(f) && !std::isinf(d)) num_error("ParseFloat", s, true);
  }
  return d;
}

// A float32 kept in a double that prints as the float32 does (its shortest digits): Go writes
// float32 values with 32-bit precision ("6.674283e-11").
double float32_as_double(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  double d = 0;
  std::from_chars(buf, r.ptr, d);
  return d;
}

// --- value.IToInt & friends ----------------------------------------------------------------------
int64_t to_int64(const Value& v) {
  if (v.is_json()) {
    const auto& j = v.json();
    if (j.is_int64()) return j.get_int64();
    if (j.is_uint64()) {
      if (j.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw EvalError("unsigned integer value is too large to be cast as a signed integer");
      return static_cast<int64_t>(j.get_uint64());
    }
    if (j.is_double()) {
      double t = j.get_double();
      if (std::isinf(t)) throw EvalError("cannot convert +/-INF to an integer");
      if (std::isnan(t)) throw EvalError("cannot convert NAN to an integer");
      if (t >= 9223372036854775808.0)
        throw EvalError("float value is too large to be cast as a signed integer");
      if (t < -9223372036854775808.0)
        throw EvalError("float value is too small to be cast as a signed integer");
      if (t != std::trunc(t))
        throw EvalError(
            "float value contains decimals and therefore cannot be cast as a signed integer, if "
            "you intend to round the value then call `.round()` explicitly before this cast");
      return static_cast<int64_t>(t);
    }
    if (j.is_string()) return go_parse_int(std::string_view(j.get_string()));
  }
  if (v.kind() == Value::Kind::Bytes) return go_parse_int(v.bytes_value());
  throw TypeError(v, {"number"});
}

uint64_t to_uint64(const Value& v) {
  if (v.is_json()) {
    const auto& j = v.json();
    if (j.is_uint64()) return j.get_uint64();
    if (j.is_int64()) {
      if (j.get_int64() < 0)
        throw EvalError(
            "signed integer value is negative and cannot be cast as an unsigned integer");
      return static_cast<uint64_t>(j.get_int64());
    }
    if (j.is_double()) {
      double t = j.get_double();
      if (t < 0)
        throw EvalError("float value is negative and cannot be cast as an unsigned integer");
      if (std::isinf(t)) throw EvalError("cannot convert +/-INF to an unsigned integer");
      if (std::isnan(t)) throw EvalError("cannot convert NAN to an unsigned integer");
      if (t >= 18446744073709551616.0)
        throw EvalError("float value is too large to be cast as an unsigned integer");
      if (t != std::trunc(t))
        throw EvalError(
            "float value contains decimals and therefore cannot be cast as an unsigned integer, "
            "if you intend to round the value then call `.round()` explicitly before this cast");
      return static_cast<uint64_t>(t);
    }
    if (j.is_string()) return go_parse_uint(std::string_view(j.get_string()));
  }
  if (v.kind() == Value::Kind::Bytes) return go_parse_uint(v.bytes_value());
  throw TypeError(v, {"number"});
}

double to_float64(const Value& v, int bits) {
  if (v.is_json()) {
    const auto& j = v.json();
    if (j.is_number()) return j.to_number<double>();
    if (j.is_string()) return go_parse_float(std::string_view(j.get_string()), bits);
  }
  if (v.kind() == Value::Kind::Bytes) return go_parse_float(v.bytes_value(), bits);
  throw TypeError(v, {"number"});
}

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

// --- sized numbers -------------------------------------------------------------------------------
std::string int_description(const std::string& long_name) {
  return "\nConverts a numerical type into a " + long_name +
         ", this is for advanced use cases where a specific data type is needed for a given "
         "component (such as the ClickHouse SQL driver).\n\nIf the value is a string then an "
         "attempt will be made to parse it as a " +
         long_name +
         ". If the target value exceeds the capacity of an integer or contains decimal values "
         "then this method will throw an error. In order to convert a floating point number "
         "containing decimals first use <<round, `.round()`>> on the value. Please refer to the "
         "https://pkg.go.dev/strconv#ParseInt[`strconv.ParseInt` documentation] for details "
         "regarding the supported formats.";
}

bool register_int_method(const std::string& name, const std::string& long_name,
                         const std::string& example_in, const std::string& example_out,
                         MethodImpl impl) {
  std::string first_out =
      name[0] == 'u' ? R"({"a":12,"b":12,"c":12,"d":0})" : R"({"a":12,"b":12,"c":12,"d":-12})";
  std::string body = "\nroot.a = this.a." + name + "()\nroot.b = this.b.round()." + name +
                     "()\nroot.c = this.c." + name + "()\nroot.d = this.d." + name +
                     "().catch(0)\n";
  return register_method(
      {.name = name,
       .category = kNumbers,
       .description = int_description(long_name),
       .examples = {ex(body, {{R"({"a":12,"b":12.34,"c":"12","d":-12})", first_out}}),
                    ex("\nroot = this." + name + "()\n", {{example_in, example_out}})},
       .errors = ErrorStyle::Plain},
      std::move(impl));
}

template <typename T> Value signed_sized(const Value& v, const char* bits_text) {
  int64_t i = to_int64(v);
  if (i > static_cast<int64_t>(std::numeric_limits<T>::max()))
    throw EvalError(std::string("value is too large to be cast as ") + bits_text);
  if (i < static_cast<int64_t>(std::numeric_limits<T>::min()))
    throw EvalError(std::string("value is too small to be cast as ") + bits_text);
  return Value::integer(i);
}

template <typename T> Value unsigned_sized(const Value& v, const char* bits_text) {
  uint64_t u = to_uint64(v);
  if (u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
    throw EvalError(std::string("value is too large to be cast as ") + bits_text);
  return Value::uinteger(u);
}

const bool kInt64 = register_int_method(
    "int64", "64-bit signed integer", R"("0xDEADBEEF")", "3735928559",
    [](ExecContext&, const Value& v, const Args&) { return Value::integer(to_int64(v)); });
const bool kInt32 =
    register_int_method("int32", "32-bit signed integer", R"("0xDEAD")", "57005",
                        [](ExecContext&, const Value& v, const Args&) {
                          return signed_sized<int32_t>(v, "a 32-bit signed integer");
                        });
const bool kInt16 =
    register_int_method("int16", "16-bit signed integer", R"("0xDE")", "222",
                        [](ExecContext&, const Value& v, const Args&) {
                          return signed_sized<int16_t>(v, "a 16-bit signed integer");
                        });
const bool kInt8 = register_int_method("int8", "8-bit signed integer", R"("0xD")", "13",
                                       [](ExecContext&, const Value& v, const Args&) {
                                         return signed_sized<int8_t>(v, "an 8-bit signed integer");
                                       });
const bool kUint64 = register_int_method(
    "uint64", "64-bit unsigned integer", R"("0xDEADBEEF")", "3735928559",
    [](ExecContext&, const Value& v, const Args&) { return Value::uinteger(to_uint64(v)); });
const bool kUint32 =
    register_int_method("uint32", "32-bit unsigned integer", R"("0xDEAD")", "57005",
                        [](ExecContext&, const Value& v, const Args&) {
                          return unsigned_sized<uint32_t>(v, "a 32-bit unsigned integer");
                        });
const bool kUint16 =
    register_int_method("uint16", "16-bit unsigned integer", R"("0xDE")", "222",
                        [](ExecContext&, const Value& v, const Args&) {
                          return unsigned_sized<uint16_t>(v, "a 16-bit unsigned integer");
                        });
const bool kUint8 =
    register_int_method("uint8", "8-bit unsigned integer", R"("0xD")", "13",
                        [](ExecContext&, const Value& v, const Args&) {
                          return unsigned_sized<uint8_t>(v, "an 8-bit unsigned integer");
                        });

std::string float_description(const std::string& bits) {
  return "\nConverts a numerical type into a " + bits +
         "-bit floating point number, this is for advanced use cases where a specific data type "
         "is needed for a given component (such as the ClickHouse SQL driver).\n\nIf the value "
         "is a string then an attempt will be made to parse it as a " +
         bits +
         "-bit floating point number. Please refer to the "
         "https://pkg.go.dev/strconv#ParseFloat[`strconv.ParseFloat` documentation] for details "
         "regarding the supported formats.";
}

const bool kFloat64 = register_method(
    {.name = "float64",
     .category = kNumbers,
     .description = float_description("64"),
     .examples = {ex(
         "\nroot.out = this.in.float64()\n",
         {{R"({"in":"6.674282313423543523453425345e-11"})", R"({"out":6.674282313423544e-11})"}})},
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args&) { return Value::number(to_float64(v, 64)); });

const bool kFloat32 = register_method(
    {.name = "float32",
     .category = kNumbers,
     .description = float_description("32"),
     .examples = {ex(
         "\nroot.out = this.in.float32()\n",
         {{R"({"in":"6.674282313423543523453425345e-11"})", R"({"out":6.674283e-11})"}})},
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args&) {
      return Value::number(float32_as_double(static_cast<float>(to_float64(v, 32))));
    });

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
