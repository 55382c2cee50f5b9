// Bloblang standard library: type coercion methods ("Type Coercion": string, bytes, number,
// bool, type, not_null, not_empty) and the sized number casts Benthos files under "Number
// Manipulation" (int8..int64, uint8..uint64, float32, float64). Parsing of strings follows Go's
// strconv (base prefixes, underscores, error texts).
#include "bloblang/lib_util.hpp"
#include "bloblang/registry.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

namespace plugctl::bloblang {
namespace {

constexpr const char* kCoercion = "Type Coercion";
constexpr const char* kNumbers = "Number Manipulation";

Example example(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
                std::string summary = {}) {
  return Example{
      .mapping = std::move(mapping), .results = std::move(results), .summary = std::move(summary)};
}

[[noreturn]] void strconv_error(std::string_view fn, std::string_view s, std::string_view why) {
  throw EvalError("strconv." + std::string(fn) + ": parsing " + lib::go_quote(s) + ": " +
                  std::string(why));
}

char lower_ascii(char c) {
  return static_cast<char>(c | 0x20);
}

// Go's underscoreOK: underscores only between digits (or right after a base prefix).
bool underscore_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (lower_ascii(s[1]) == 'b' || lower_ascii(s[1]) == 'o' || lower_ascii(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower_ascii(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && lower_ascii(c) >= 'a' && lower_ascii(c) <= 'f')) {
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

// strconv.ParseUint(s, 0, 64): nullopt for a syntax error; `overflow` set when out of range.
std::optional<uint64_t> parse_uint_base0(std::string_view s0, bool& overflow) {
  overflow = false;
  if (s0.empty()) return std::nullopt;
  std::string_view s = s0;
  uint64_t base = 10;
  if (s[0] == '0') {
    char p = s.size() >= 3 ? lower_ascii(s[1]) : '\0';
    if (p == 'b' || p == 'o' || p == 'x') {
      base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  uint64_t v = 0;
  bool underscores = false;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    uint64_t d = (c >= '0' && c <= '9')   ? static_cast<uint64_t>(c - '0')
                 : (c >= 'a' && c <= 'z') ? static_cast<uint64_t>(c - 'a' + 10)
                 : (c >= 'A' && c <= 'Z') ? static_cast<uint64_t>(c - 'A' + 10)
                                          : 99;
    if (d >= base) return std::nullopt;
    if (overflow) continue;
    if (v > (std::numeric_limits<uint64_t>::max() - d) / base) {
      overflow = true;
      continue;
    }
    v = v * base + d;
  }
  if (underscores && !underscore_ok(s0)) return std::nullopt;
  return v;
}

int64_t parse_int(std::string_view s) {
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  bool overflow;
  auto u = parse_uint_base0(digits, overflow);
  if (!u) strconv_error("ParseInt", s, "invalid syntax");
  uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || *u > limit) strconv_error("ParseInt", s, "value out of range");
  return neg ? static_cast<int64_t>(0 - *u) : static_cast<int64_t>(*u);
}

uint64_t parse_uint(std::string_view s) {
  bool overflow;
  auto u = parse_uint_base0(s, overflow);
  if (!u) strconv_error("ParseUint", s, "invalid syntax");
  if (overflow) strconv_error("ParseUint", s, "value out of range");
  return *u;
}

double parse_float(std::string_view s, int bits) {
  std::string str(s);
  std::string clean;
  for (char c : str)
    if (c != '_') clean.push_back(c);
  bool bad = clean.empty() || std::isspace(static_cast<unsigned char>(clean.front())) != 0 ||
             (str.find('_') != std::string::npos && str.find("0x") == std::string::npos &&
              str.find("0X") == std::string::npos);
  char* end = nullptr;
  errno = 0;
  double d = bad ? 0 : std::strtod(clean.c_str(), &end);
  if (bad || end != clean.c_str() + clean.size()) strconv_error("ParseFloat", s, "invalid syntax");
  if (bits == 32) {
    auto f = static_cast<float>(d);
    if (std::isinf(f) && !std::isinf(d)) strconv_error("ParseFloat", s, "value out of range");
    return d;
  }
  if (errno == ERANGE && std::isinf(d)) strconv_error("ParseFloat", s, "value out of range");
  return d;
}

// value.IToInt.
int64_t to_int(const Value& v) {
  if (lib::is_text(v)) return parse_int(lib::text(v));
  if (!v.is_number()) throw TypeError(v, {"number"});
  const auto& j = v.json();
  if (j.is_int64()) return j.get_int64();
  if (j.is_uint64()) {
    if (j.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw EvalError("unsigned integer value is too large to be cast as a signed integer");
    return static_cast<int64_t>(j.get_uint64());
  }
  double d = j.get_double();
  if (std::isinf(d)) throw EvalError("cannot convert +/-INF to an integer");
  if (std::isnan(d)) throw EvalError("cannot convert NAN to an integer");
  if (d > 9223372036854775807.0)
    throw EvalError("float value is too large to be cast as a signed integer");
  if (d < -9223372036854775808.0)
    throw EvalError("float value is too small to be cast as a signed integer");
  if (d != std::trunc(d))
    throw EvalError("float value contains decimals and therefore cannot be cast as a signed "
                    "integer, if you intend to round the value then call `.round()` explicitly "
                    "before this cast");
  return static_cast<int64_t>(d);
}

// value.IToUint.
uint64_t to_uint(const Value& v) {
  if (lib::is_text(v)) return parse_uint(lib::text(v));
  if (!v.is_number()) throw TypeError(v, {"number"});
  const auto& j = v.json();
  if (j.is_uint64()) return j.get_uint64();
  if (j.is_int64()) {
    if (j.get_int64() < 0)
      throw EvalError("signed integer value is negative and cannot be cast as an unsigned "
                      "integer");
    return static_cast<uint64_t>(j.get_int64());
  }
  double d = j.get_double();
  if (d < 0) throw EvalError("float value is negative and cannot be cast as an unsigned integer");
  if (std::isinf(d)) throw EvalError("cannot convert +/-INF to an unsigned integer");
  if (std::isnan(d)) throw EvalError("cannot convert NAN to an unsigned integer");
  if (d > 18446744073709551615.0)
    throw EvalError("float value is too large to be cast as an unsigned integer");
  if (d != std::trunc(d))
    throw EvalError("float value contains decimals and therefore cannot be cast as an unsigned "
                    "integer, if you intend to round the value then call `.round()` explicitly "
                    "before this cast");
  return static_cast<uint64_t>(d);
}

// value.IToFloat64.
double to_float64(const Value& v) {
  if (lib::is_text(v)) return parse_float(lib::text(v), 64);
  if (!v.is_number()) throw TypeError(v, {"number"});
  return v.get_number();
}

// A float32 as Benthos would show it: the double nearest to the float32's shortest decimal form,
// so that serialising it prints what Go prints for the float32 ("6.674283e-11").
double as_float32(double d) {
  auto f = static_cast<float>(d);
  if (std::isinf(f) || std::isnan(f)) return static_cast<double>(f);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  double out = 0;
  std::from_chars(buf, r.ptr, out);
  return out;
}

const bool kString = register_method(
    {.name = "string",
     .category = kCoercion,
     .description = "Converts any value to its string representation. Numbers, booleans, and "
                    "objects are converted to strings; existing strings are unchanged.",
     .examples = {example("root.nested_json = this.string()",
                          {{R"({"foo":"bar"})", R"({"nested_json":"{\"foo\":\"bar\"}"})"}}),
                  example("root.id = this.id.string()",
                          {{R"({"id":228930314431312345})", R"({"id":"228930314431312345"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(lib::to_go_string(target));
    });

const bool kBytes = register_method(
    {.name = "bytes",
     .category = kCoercion,
     .description = "Marshal a value into a byte array. If the value is already a byte array it "
                    "is unchanged.",
     .examples = {example("root.first_byte = this.name.bytes().index(0)",
                          {{R"({"name":"foobar bazson"})", R"({"first_byte":102})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      if (target.kind() == Value::Kind::Bytes) return target;
      return Value::bytes(lib::to_go_string(target));
    });

const bool kNumber = register_method(
    {.name = "number",
     .category = kCoercion,
     .description = "Attempt to parse a value into a number. An optional argument can be "
                    "provided, in which case if the value cannot be parsed into a number the "
                    "argument will be returned instead.",
     .params = {ParamSpec{.name = "default",
                          .type = ParamType::Float,
                          .description = "An optional value to yield if the target cannot be "
                                         "parsed as a number.",
                          .optional = true}},
     .examples = {example("root.foo = this.thing.number() + 10\nroot.bar = "
                          "this.thing.number(5) * 10",
                          {})},
     .default_on_target_error = true},
    [](ExecContext&, const Value& target, const Args& args) {
      try {
        return Value::number(to_float64(target));
      } catch (const std::exception&) {
        if (args.has(0) && !args[0].is_null()) return Value::number(args.number(0));
        throw;
      }
    });

bool parse_go_bool(std::string_view s, bool& out) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    out = true;
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    out = false;
    return true;
  }
  return false;
}

const bool kBool = register_method(
    {.name = "bool",
     .category = kCoercion,
     .description = "Attempt to parse a value into a boolean. An optional argument can be "
                    "provided, in which case if the value cannot be parsed the argument will be "
                    "returned instead. If the value is a number then any non-zero value will "
                    "resolve to `true`, if the value is a string then any of the following values "
                    "are considered valid: `1, t, T, TRUE, true, True, 0, f, F, FALSE`.",
     .params = {ParamSpec{.name = "default",
                          .type = ParamType::Bool,
                          .description = "An optional value to yield if the target cannot be "
                                         "parsed as a boolean.",
                          .optional = true}},
     .examples = {example("root.foo = this.thing.bool()\nroot.bar = this.thing.bool(true)", {})},
     .default_on_target_error = true},
    [](ExecContext&, const Value& target, const Args& args) {
      bool out = false;
      if (target.kind() == Value::Kind::Bool) return Value::boolean(target.json().get_bool());
      if (target.is_number()) return Value::boolean(target.get_number() != 0);
      if (lib::is_text(target) && parse_go_bool(lib::text(target), out)) return Value::boolean(out);
      if (args.has(0) && !args[0].is_null()) return Value::boolean(args.boolean(0));
      throw TypeError(target, {"bool"});
    });

const bool kType = register_method(
    {.name = "type",
     .category = kCoercion,
     .description = "Returns the type of a value as a string, providing one of the following "
                    "values: `string`, `bytes`, `number`, `bool`, `timestamp`, `array`, `object` "
                    "or `null`.",
     .examples = {example("root.bar_type = this.bar.type()\nroot.foo_type = this.foo.type()",
                          {{R"({"bar":10,"foo":"is a string"})",
                            R"({"bar_type":"number","foo_type":"string"})"}}),
                  example("root.type = this.type()", {{R"("foobar")", R"({"type":"string"})"},
                                                      {"666", R"({"type":"number"})"},
                                                      {"false", R"({"type":"bool"})"},
                                                      {R"(["foo", "bar"])", R"({"type":"array"})"},
                                                      {R"({"foo": "bar"})", R"({"type":"object"})"},
                                                      {"null", R"({"type":"null"})"}}),
                  example("root.type = content().type()", {{"foobar", R"({"type":"bytes"})"}}),
                  example("root.type = this.ts_parse(\"2006-01-02\").type()",
                          {{R"("2022-06-06")", R"({"type":"timestamp"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(std::string(target.type_name()));
    });

const bool kNotNull = register_method(
    {.name = "not_null",
     .category = kCoercion,
     .description = "Ensures that the given value is not `null`, and if so returns it, otherwise "
                    "an error is returned.",
     .examples = {example(
         "root.a = this.a.not_null()",
         {{R"({"a":"foobar","b":"barbaz"})", R"({"a":"foobar"})"},
          {R"({"b":"barbaz"})", "Error(\"failed assignment (line 1): field `this.a`: value is "
                                "null\")"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      if (target.is_null()) throw EvalError("value is null");
      return target;
    });

const bool kNotEmpty = register_method(
    {.name = "not_empty",
     .category = kCoercion,
     .description = "Ensures that the given string, array or object value is not empty, and if so "
                    "returns it, otherwise an error is returned.",
     .examples = {example("root.a = this.a.not_empty()",
                          {{R"({"a":"foo"})", R"({"a":"foo"})"},
                           {R"({"a":""})", "Error(\"failed assignment (line 1): field `this.a`: "
                                           "string value is empty\")"},
                           {R"({"a":["foo","bar"]})", R"({"a":["foo","bar"]})"},
                           {R"({"a":[]})", "Error(\"failed assignment (line 1): field `this.a`: "
                                           "array value is empty\")"},
                           {R"({"a":{"b":"foo","c":"bar"}})", R"({"a":{"b":"foo","c":"bar"}})"},
                           {R"({"a":{}})", "Error(\"failed assignment (line 1): field `this.a`: "
                                           "object value is empty\")"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      switch (target.kind()) {
      case Value::Kind::String:
        if (target.json().get_string().empty()) throw EvalError("string value is empty");
        return target;
      case Value::Kind::Array:
        if (target.json().get_array().empty()) throw EvalError("array value is empty");
        return target;
      case Value::Kind::Object:
        if (target.json().get_object().empty()) throw EvalError("object value is empty");
        return target;
      default:
        throw TypeError(target, {"string", "array", "object"});
      }
    });

const bool kArray = register_method(
    {.name = "array",
     .category = kCoercion,
     .description = "Return an array containing the target value. If the value is already an "
                    "array it is unchanged.",
     .examples = {example("root.my_array = this.name.array()",
                          {{R"({"name":"foobar bazson"})", R"({"my_array":["foobar bazson"]})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      if (target.is_array()) return target;
      json::array out;
      out.push_back(target.to_json());
      return Value(json::value(std::move(out)));
    });

const bool kTimestamp = register_method(
    {.name = "timestamp",
     .category = kCoercion,
     .description = "Attempt to parse a value into a timestamp. An optional argument can be "
                    "provided, in which case if the value cannot be parsed into a timestamp the "
                    "argument will be returned instead.",
     .params = {ParamSpec{.name = "default",
                          .type = ParamType::Timestamp,
                          .description = "An optional value to yield if the target cannot be "
                                         "parsed as a timestamp.",
                          .optional = true}},
     .examples = {example("root.foo = this.ts.timestamp()\nroot.bar = "
                          "this.none.timestamp(1234567890.timestamp())",
                          {})}},
    [](ExecContext&, const Value& target, const Args& args) {
      try {
        return Value::timestamp(target.get_timestamp());
      } catch (const std::exception&) {
        if (args.has(0) && !args[0].is_null()) return Value::timestamp(args[0].get_timestamp());
        throw;
      }
    });

// --- sized number casts -------------------------------------------------------------------------
std::string int_description(std::string_view long_name) {
  std::string n(long_name);
  return "\nConverts a numerical type into a " + n +
         ", this is for advanced use cases where a specific data type is needed for a given "
         "component (such as the ClickHouse SQL driver).\n\nIf the value is a string then an "
         "attempt will be made to parse it as a " +
         n +
         ". If the target value exceeds the capacity of an integer or contains decimal values "
         "then this method will throw an error. In order to convert a floating point number "
         "containing decimals first use `.round()` on the value. Please refer to the "
         "`strconv.ParseInt` documentation for details regarding the supported formats.";
}

std::vector<Example> int_examples(std::string_view name, std::string_view in,
                                  std::string_view out) {
  std::string n(name);
  std::string first_out =
      name[0] == 'u' ? R"({"a":12,"b":12,"c":12,"d":0})" : R"({"a":12,"b":12,"c":12,"d":-12})";
  return {example("\nroot.a = this.a." + n + "()\nroot.b = this.b.round()." + n +
                      "()\nroot.c = this.c." + n + "()\nroot.d = this.d." + n + "().catch(0)\n",
                  {{R"({"a":12,"b":12.34,"c":"12","d":-12})", first_out}}),
          example("\nroot = this." + n + "()\n", {{std::string(in), std::string(out)}})};
}

bool register_signed(std::string name, std::string long_name, std::string in, std::string out,
                     int bits, std::string size_words) {
  auto examples = int_examples(name, in, out);
  return register_method(
      {.name = name,
       .category = kNumbers,
       .description = int_description(long_name),
       .examples = std::move(examples),
       .errors = ErrorStyle::Plain},
      [bits, size_words](ExecContext&, const Value& target, const Args&) {
        int64_t v = to_int(target);
        if (bits < 64) {
          int64_t max = (int64_t{1} << (bits - 1)) - 1;
          int64_t min = -max - 1;
          if (v > max)
            throw EvalError("value is too large to be cast as " + size_words + " signed integer");
          if (v < min)
            throw EvalError("value is too small to be cast as " + size_words + " signed integer");
        }
        return Value::integer(v);
      });
}

bool register_unsigned(std::string name, std::string long_name, std::string in, std::string out,
                       int bits, std::string size_words) {
  auto examples = int_examples(name, in, out);
  return register_method({.name = name,
                          .category = kNumbers,
                          .description = int_description(long_name),
                          .examples = std::move(examples),
                          .errors = ErrorStyle::Plain},
                         [bits, size_words](ExecContext&, const Value& target, const Args&) {
                           uint64_t v = to_uint(target);
                           if (bits < 64 && v > (uint64_t{1} << bits) - 1)
                             throw EvalError("value is too large to be cast as " + size_words +
                                             " unsigned integer");
                           return Value::uinteger(v);
                         });
}

const bool kInt64 = register_signed("int64", "64-bit signed integer", R"("0xDEADBEEF")",
                                    "3735928559", 64, "a 64-bit");
const bool kInt32 =
    register_signed("int32", "32-bit signed integer", R"("0xDEAD")", "57005", 32, "a 32-bit");
const bool kInt16 =
    register_signed("int16", "16-bit signed integer", R"("0xDE")", "222", 16, "a 16-bit");
const bool kInt8 = register_signed("int8", "8-bit signed integer", R"("0xD")", "13", 8, "an 8-bit");
const bool kUint64 = register_unsigned("uint64", "64-bit unsigned integer", R"("0xDEADBEEF")",
                                       "3735928559", 64, "a 64-bit");
const bool kUint32 =
    register_unsigned("uint32", "32-bit unsigned integer", R"("0xDEAD")", "57005", 32, "a 32-bit");
const bool kUint16 =
    register_unsigned("uint16", "16-bit unsigned integer", R"("0xDE")", "222", 16, "a 16-bit");
const bool kUint8 =
    register_unsigned("uint8", "8-bit unsigned integer", R"("0xD")", "13", 8, "an 8-bit");

std::string float_description(std::string_view bits) {
  std::string b(bits);
  return "\nConverts a numerical type into a " + b +
         "-bit floating point number, this is for advanced use cases where a specific data type "
         "is needed for a given component (such as the ClickHouse SQL driver).\n\nIf the value is "
         "a string then an attempt will be made to parse it as a " +
         b +
         "-bit floating point number. Please refer to the `strconv.ParseFloat` documentation "
         "for details regarding the supported formats.";
}

const bool kFloat64 =
    register_method({.name = "float64",
                     .category = kNumbers,
                     .description = float_description("64"),
                     .examples = {example("\nroot.out = this.in.float64()\n",
                                          {{R"({"in":"6.674282313423543523453425345e-11"})",
                                            R"({"out":6.674282313423544e-11})"}})},
                     .errors = ErrorStyle::Plain},
                    [](ExecContext&, const Value& target, const Args&) {
                      return Value::number(to_float64(target));
                    });

const bool kFloat32 = register_method(
    {.name = "float32",
     .category = kNumbers,
     .description = float_description("32"),
     .examples = {example(
         "\nroot.out = this.in.float32()\n",
         {{R"({"in":"6.674282313423543523453425345e-11"})", R"({"out":6.674283e-11})"}})},
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& target, const Args&) {
      double d = lib::is_text(target) ? parse_float(lib::text(target), 32) : to_float64(target);
      return Value::number(as_float32(d));
    });

} // namespace
} // namespace plugctl::bloblang
