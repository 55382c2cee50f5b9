// Unit tests of the object, array, number and time parts of the Bloblang standard library,
// calling the registered implementations directly (no parser): results, and error texts as
// Benthos words them.
#include "bloblang/mapping.hpp"
#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"
#include "bloblang/timefmt.hpp"

#include <cstdlib>
#include <ctime>
#include <functional>
#include <gtest/gtest.h>
#include <set>

namespace plugctl::bloblang {
namespace {

// A query parameter: `fn` gets the context value (what `x -> ...` binds or `this` is).
class FnQuery : public Query {
public:
  explicit FnQuery(std::function<Value(const Value&)> fn, std::string annotation = "test query")
      : fn_(std::move(fn)), annotation_(std::move(annotation)) {}
  Value eval(ExecContext& ctx) const override { return fn_(ctx.this_value()); }
  std::string annotation() const override { return annotation_; }

private:
  std::function<Value(const Value&)> fn_;
  std::string annotation_;
};

Value J(std::string_view text) {
  return Value(json::parse(json::string_view(text.data(), text.size())));
}
Value S(std::string s) {
  return Value::string(std::move(s));
}
Value I(int64_t i) {
  return Value::integer(i);
}

// A field of an object value.
Value field(const Value& v, std::string_view key) {
  if (!v.is_object()) throw EvalError("not an object");
  const json::value* f = v.json().get_object().if_contains(key);
  return f == nullptr ? Value() : Value::ref(*f);
}

// Arguments for a call: values by parameter position (std::nullopt = absent), queries likewise.
struct Call {
  std::vector<std::optional<Value>> values;
  std::vector<const Query*> queries;
};

Args make_args(const Spec& spec, const Call& call, bool* all_literal) {
  Args args;
  args.spec_ = &spec;
  *all_literal = call.queries.empty();
  size_t n = spec.variadic ? call.values.size() : spec.params.size();
  args.values_.resize(n);
  args.present_.resize(n, false);
  args.queries_.resize(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    if (i < call.queries.size() && call.queries[i] != nullptr) {
      args.queries_[i] = call.queries[i];
      args.present_[i] = true;
      continue;
    }
    if (i < call.values.size() && call.values[i]) {
      args.values_[i] = *call.values[i];
      args.present_[i] = true;
      continue;
    }
    if (!spec.variadic && spec.params[i].default_value) {
      args.values_[i] = Value(*spec.params[i].default_value);
      args.present_[i] = true;
    }
  }
  return args;
}

Value method(std::string_view name, const Value& target, Call call = {}) {
  const MethodEntry* m = find_method(name);
  if (m == nullptr) throw std::logic_error("no method " + std::string(name));
  bool literal;
  Args args = make_args(m->spec, call, &literal);
  if (m->prepare && (literal || m->spec.stateful)) args.state_ = m->prepare(args);
  ExecContext ctx;
  return m->impl(ctx, target, args);
}

std::string out(const Value& v) {
  return serialize(v);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

#define EXPECT_ERROR(expr, text) EXPECT_EQ(error_of([&] { (void)(expr); }), text)

std::vector<std::optional<Value>> vals(std::initializer_list<Value> v) {
  std::vector<std::optional<Value>> o;
  for (const auto& x : v)
    o.emplace_back(x);
  return o;
}

// =================================================================================================
TEST(BloblangLibB, EveryMethodIsRegisteredWithASpec) {
  for (const char* name : {"all",
                           "any",
                           "append",
                           "assign",
                           "collapse",
                           "concat",
                           "contains",
                           "enumerated",
                           "exists",
                           "explode",
                           "filter",
                           "find",
                           "find_all",
                           "find_by",
                           "find_all_by",
                           "flatten",
                           "fold",
                           "index",
                           "join",
                           "key_values",
                           "keys",
                           "values",
                           "map_each",
                           "map_each_key",
                           "merge",
                           "sort",
                           "sort_by",
                           "squash",
                           "sum",
                           "unique",
                           "with",
                           "without",
                           "zip",
                           "get",
                           "abs",
                           "ceil",
                           "floor",
                           "round",
                           "max",
                           "min",
                           "pow",
                           "log",
                           "log10",
                           "sin",
                           "cos",
                           "tan",
                           "bitwise_and",
                           "bitwise_or",
                           "bitwise_xor",
                           "int8",
                           "int16",
                           "int32",
                           "int64",
                           "uint8",
                           "uint16",
                           "uint32",
                           "uint64",
                           "float32",
                           "float64",
                           "ts_parse",
                           "ts_format",
                           "ts_strptime",
                           "ts_strftime",
                           "ts_unix",
                           "ts_unix_milli",
                           "ts_unix_micro",
                           "ts_unix_nano",
                           "ts_add_iso8601",
                           "ts_sub_iso8601",
                           "ts_sub",
                           "ts_round",
                           "ts_tz",
                           "parse_duration",
                           "parse_duration_iso8601",
                           "format_timestamp",
                           "format_timestamp_strftime",
                           "format_timestamp_unix",
                           "format_timestamp_unix_milli",
                           "format_timestamp_unix_micro",
                           "format_timestamp_unix_nano",
                           "parse_timestamp",
                           "parse_timestamp_strptime"}) {
    const MethodEntry* m = find_method(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_FALSE(m->spec.category.empty()) << name;
    EXPECT_FALSE(m->spec.description.empty()) << name;
  }
  for (const char* name : {"range", "pi", "counter", "count", "now", "timestamp_unix",
                           "timestamp_unix_milli", "timestamp_unix_micro", "timestamp_unix_nano"})
    EXPECT_NE(find_function(name), nullptr) << name;
  EXPECT_EQ(find_method("ts_parse")->spec.category, "Timestamp Manipulation");
  EXPECT_EQ(find_method("ts_parse")->spec.status, "beta");
  EXPECT_EQ(find_method("parse_timestamp")->spec.status, "deprecated");
  EXPECT_EQ(find_method("abs")->spec.category, "Number Manipulation");
  EXPECT_EQ(find_method("keys")->spec.category, "Object & Array Manipulation");
  EXPECT_TRUE(find_method("zip")->spec.variadic);
  EXPECT_TRUE(find_function("counter")->spec.stateful);
  EXPECT_TRUE(find_function("now")->spec.impure);
}

// --- arrays --------------------------------------------------------------------------------------
TEST(BloblangLibB, AllAndAny) {
  FnQuery over21([](const Value& p) { return Value::boolean(field(p, "age").get_number() >= 21); });
  Value patrons = J(R"([{"id":"1","age":18},{"id":"2","age":23}])");
  EXPECT_EQ(out(method("all", patrons, {.queries = {&over21}})), "false");
  EXPECT_EQ(out(method("any", patrons, {.queries = {&over21}})), "true");
  EXPECT_EQ(out(method("all", J("[]"), {.queries = {&over21}})), "false");
  EXPECT_EQ(out(method("any", J("[]"), {.queries = {&over21}})), "false");
  EXPECT_EQ(out(method("all", J(R"([{"age":30},{"age":40}])"), {.queries = {&over21}})), "true");
  FnQuery ident([](const Value& v) { return v; });
  EXPECT_ERROR(method("all", J("[true,5]"), {.queries = {&ident}}),
               "element 1: expected bool value, got number (5)");
  EXPECT_ERROR(method("any", S("x"), {.queries = {&ident}}),
               "expected array value, got string (\"x\")");
  FnQuery fails([](const Value&) -> Value { throw EvalError("boom"); });
  EXPECT_ERROR(method("all", J("[1]"), {.queries = {&fails}}), "element 0: boom");
}

TEST(BloblangLibB, AppendConcatZip) {
  EXPECT_EQ(out(method("append", J(R"(["bar","baz"])"), {.values = vals({S("and"), S("this")})})),
            R"(["bar","baz","and","this"])");
  EXPECT_EQ(out(method("append", J("[1]"), {.values = vals({J("[2]")})})), "[1,[2]]");
  EXPECT_EQ(out(method("concat", J(R"(["a","b"])"),
                       {.values = vals({J(R"(["c"])"), J(R"(["d","e"])")})})),
            R"(["a","b","c","d","e"])");
  EXPECT_EQ(
      out(method("concat", J(R"([["first"]])"),
                 {.values = vals({J(R"([["second","third"],["fourth"]])"), J(R"(["fifth"])")})})),
      R"([["first"],["second","third"],["fourth"],"fifth"])");
  EXPECT_ERROR(method("concat", S("second"), {.values = vals({J(R"(["first"])")})}),
               "expected array value, got string (\"second\")");
  EXPECT_ERROR(method("concat", J("[]"), {.values = vals({S("x")})}),
               "expected array value, got string (\"x\")");
  EXPECT_EQ(
      out(method("zip", J(R"(["a","b","c"])"), {.values = vals({J("[1,2,3]"), J("[4,5,6]")})})),
      R"([["a",1,4],["b",2,5],["c",3,6]])");
  EXPECT_ERROR(
      method("zip", J(R"(["forth"])"), {.values = vals({J(R"(["third"])"), J(R"(["a","b"])")})}),
      "can't zip different length array values");
  EXPECT_ERROR(method("zip", J(R"(["first"])"), {.values = vals({S("second")})}),
               "expected array value, got string (\"second\")");
  EXPECT_ERROR(method("zip", S("second"), {.values = vals({J(R"(["first"])")})}),
               "expected array value, got string (\"second\")");
  EXPECT_ERROR(method("zip", J("[1]")), "zip requires at least one argument");
}

TEST(BloblangLibB, Contains) {
  EXPECT_EQ(out(method("contains", J(R"(["this","foo","that"])"), {.values = vals({S("foo")})})),
            "true");
  EXPECT_EQ(out(method("contains", J(R"(["this","bar"])"), {.values = vals({S("foo")})})), "false");
  EXPECT_EQ(out(method("contains", J(R"([10.3,20.0,"huh",3])"), {.values = vals({I(20)})})),
            "true");
  EXPECT_EQ(out(method("contains", J(R"([2,3,40,67])"), {.values = vals({I(20)})})), "false");
  EXPECT_EQ(out(method("contains", S("this foo that"), {.values = vals({S("foo")})})), "true");
  EXPECT_EQ(out(method("contains", S("v5"), {.values = vals({I(5)})})), "true");
  EXPECT_EQ(out(method("contains", J(R"({"a":{"b":1}})"), {.values = vals({J(R"({"b":1.0})")})})),
            "true");
  EXPECT_EQ(out(method("contains", J("[1]"), {.values = vals({Value::boolean(true)})})), "true");
  EXPECT_ERROR(method("contains", I(5), {.values = vals({I(5)})}),
               "expected string, array or object value, got number (5)");
}

TEST(BloblangLibB, FindAndFindBy) {
  EXPECT_EQ(out(method("find", J(R"(["foo","bar","baz"])"), {.values = vals({S("bar")})})), "1");
  EXPECT_EQ(out(method("find", J(R"(["foo"])"), {.values = vals({S("bar")})})), "-1");
  EXPECT_EQ(
      out(method("find_all", J(R"(["foo","bar","baz","bar"])"), {.values = vals({S("bar")})})),
      "[1,3]");
  EXPECT_ERROR(method("find", S("x"), {.values = vals({S("bar")})}),
               "expected array value, got string (\"x\")");
  FnQuery not_bar([](const Value& v) { return Value::boolean(v.get_string() != "bar"); });
  EXPECT_EQ(out(method("find_by", J(R"(["foo","bar","baz"])"), {.queries = {&not_bar}})), "0");
  EXPECT_EQ(out(method("find_all_by", J(R"(["foo","bar","baz"])"), {.queries = {&not_bar}})),
            "[0,2]");
  EXPECT_EQ(out(method("find_by", J(R"(["bar"])"), {.queries = {&not_bar}})), "-1");
  FnQuery ident([](const Value& v) { return v; });
  EXPECT_ERROR(
      method("find_by", J("[false, 3]"), {.queries = {&ident}}),
      "query returned a non-boolean value for index 1: expected bool value, got number (3)");
  FnQuery fails([](const Value&) -> Value { throw EvalError("nope"); });
  EXPECT_ERROR(method("find_all_by", J("[1]"), {.queries = {&fails}}),
               "query returned an error for index 0: nope");
}

TEST(BloblangLibB, EnumeratedFlattenIndexJoin) {
  EXPECT_EQ(out(method("enumerated", J(R"(["bar","baz"])"))),
            R"([{"index":0,"value":"bar"},{"index":1,"value":"baz"}])");
  EXPECT_EQ(out(method("flatten", J(R"(["a",["b",["c","d"]],"e"])"))),
            R"(["a","b",["c","d"],"e"])");
  EXPECT_EQ(out(method("index", J(R"(["rachel","stevens"])"), {.values = vals({I(-1)})})),
            "stevens");
  EXPECT_EQ(out(method("index", Value::bytes("foobar bazson"), {.values = vals({I(-1)})})), "110");
  EXPECT_ERROR(method("index", J("[1,2]"), {.values = vals({I(5)})}),
               "index '5' was out of bounds for array size: 2");
  EXPECT_ERROR(method("index", J("[1,2]"), {.values = vals({I(-3)})}),
               "index '-1' was out of bounds for array size: 2");
  EXPECT_EQ(out(method("join", J(R"(["hello","world"])"))), "helloworld");
  EXPECT_EQ(out(method("join", J(R"(["3","8","11"])"), {.values = vals({S(",")})})), "3,8,11");
  EXPECT_ERROR(method("join", J(R"(["a",3])"), {.values = vals({S(",")})}),
               "failed to join element 1: expected string value, got number (3)");
}

TEST(BloblangLibB, FilterAndMapEach) {
  FnQuery big([](const Value& v) { return Value::boolean(v.get_number() > 10); });
  EXPECT_EQ(out(method("filter", J("[3,11,4,17]"), {.queries = {&big}})), "[11,17]");
  FnQuery has_foo([](const Value& kv) {
    return Value::boolean(field(kv, "value").get_string().find("foo") != std::string::npos);
  });
  EXPECT_EQ(out(method("filter",
                       J(R"({"first":"hello foo","second":"world","third":"this foo is great"})"),
                       {.queries = {&has_foo}})),
            R"({"first":"hello foo","third":"this foo is great"})");
  FnQuery not_bool([](const Value&) { return I(1); });
  EXPECT_EQ(out(method("filter", J("[1,2]"), {.queries = {&not_bool}})), "[]");
  EXPECT_ERROR(method("filter", I(1), {.queries = {&big}}),
               "expected array or object value, got number (1)");

  FnQuery minus10([](const Value& v) {
    double n = v.get_number();
    if (n < 10) return Value::deleted();
    return I(static_cast<int64_t>(n) - 10);
  });
  EXPECT_EQ(out(method("map_each", J("[3,11,4,17]"), {.queries = {&minus10}})), "[1,7]");
  FnQuery nothing([](const Value& v) { return v.get_number() > 1 ? Value::nothing() : I(0); });
  EXPECT_EQ(out(method("map_each", J("[1,2]"), {.queries = {&nothing}})), "[0,2]");
  FnQuery upper([](const Value& kv) {
    std::string s = field(kv, "value").get_string();
    for (auto& c : s)
      c = static_cast<char>(std::toupper(c));
    return S(s);
  });
  EXPECT_EQ(out(method("map_each", J(R"({"foo":"hello","bar":"world"})"), {.queries = {&upper}})),
            R"({"bar":"WORLD","foo":"HELLO"})");
  FnQuery drop_foo([](const Value& kv) {
    return field(kv, "key").get_string() == "foo" ? Value::deleted() : field(kv, "value");
  });
  EXPECT_EQ(out(method("map_each", J(R"({"foo":1,"bar":2})"), {.queries = {&drop_foo}})),
            R"({"bar":2})");
  FnQuery fails([](const Value&) -> Value { throw EvalError("bad"); });
  EXPECT_ERROR(method("map_each", J("[1]"), {.queries = {&fails}}),
               "failed to process element 0: bad");
  EXPECT_ERROR(method("map_each", J(R"({"k":1})"), {.queries = {&fails}}),
               "failed to process element k: bad");
  EXPECT_ERROR(method("map_each", S("x"), {.queries = {&fails}}),
               "expected array value, got string (\"x\")");
  // A timestamp result is stored as its RFC 3339 text.
  FnQuery ts([](const Value& v) { return Value::timestamp(v.get_timestamp()); });
  EXPECT_EQ(out(method("map_each", J("[0]"), {.queries = {&ts}})), R"(["1970-01-01T00:00:00Z"])");
}

TEST(BloblangLibB, Fold) {
  FnQuery add([](const Value& o) {
    return Value::number(field(o, "tally").get_number() + field(o, "value").get_number());
  });
  EXPECT_EQ(
      out(method("fold", J("[3,8,11]"), {.values = vals({I(0)}), .queries = {nullptr, &add}})),
      "22");
  FnQuery concat([](const Value& o) {
    return S(field(o, "tally").get_string() + field(o, "value").get_string());
  });
  EXPECT_EQ(out(method("fold", J(R"(["hello ","world"])"),
                       {.values = vals({S("")}), .queries = {nullptr, &concat}})),
            "hello world");
  FnQuery tally([](const Value& o) { return field(o, "tally"); });
  EXPECT_EQ(out(method("fold", J("[1,2]"),
                       {.values = vals({J(R"({"keep":[1]})")}), .queries = {nullptr, &tally}})),
            R"({"keep":[1]})");
  EXPECT_EQ(out(method("fold", J("[]"), {.values = vals({I(7)}), .queries = {nullptr, &add}})),
            "7");
}

TEST(BloblangLibB, SortAndSortBy) {
  EXPECT_EQ(out(method("sort", J(R"(["bbb","ccc","aaa"])"))), R"(["aaa","bbb","ccc"])");
  EXPECT_EQ(out(method("sort", J("[3,1.5,2,-1]"))), "[-1,1.5,2,3]");
  // Go's insertion sort first compares element 1 with element 0.
  EXPECT_ERROR(method("sort", J(R"([1,"a"])")),
               "sort element 0: expected string value, got number (1)");
  EXPECT_ERROR(method("sort", J(R"(["a",true])")),
               "sort element 1: expected number or string value, got bool (true)");
  EXPECT_ERROR(method("sort", J(R"([true,"a"])")),
               "sort element 0: expected string value, got bool (true)");
  FnQuery by_v([](const Value& o) {
    return Value::boolean(field(field(o, "left"), "v").get_string() <
                          field(field(o, "right"), "v").get_string());
  });
  EXPECT_EQ(
      out(method("sort",
                 J(R"([{"id":"foo","v":"bbb"},{"id":"bar","v":"ccc"},{"id":"baz","v":"aaa"}])"),
                 {.queries = {&by_v}})),
      R"([{"id":"baz","v":"aaa"},{"id":"foo","v":"bbb"},{"id":"bar","v":"ccc"}])");
  FnQuery not_bool([](const Value&) { return I(1); });
  EXPECT_ERROR(method("sort", J("[1,2]"), {.queries = {&not_bool}}),
               "expected bool value, got number from sort argument (1)");
  FnQuery id([](const Value& o) { return field(o, "id"); }, "field `ele.id`");
  EXPECT_EQ(
      out(method("sort_by", J(R"([{"id":"bbb"},{"id":"aaa"},{"id":"ccc"}])"), {.queries = {&id}})),
      R"([{"id":"aaa"},{"id":"bbb"},{"id":"ccc"}])");
  EXPECT_EQ(out(method("sort_by", J(R"([{"id":3},{"id":1},{"id":2}])"), {.queries = {&id}})),
            R"([{"id":1},{"id":2},{"id":3}])");
  EXPECT_ERROR(method("sort_by", J(R"([{"id":"a"},{"id":1}])"), {.queries = {&id}}),
               "sort_by element 0: expected number value, got string from field `ele.id` (\"a\")");
  EXPECT_ERROR(method("sort", S("x")), "expected array value, got string (\"x\")");
  // Ties keep their order, and long arrays sort too.
  std::string big = "[";
  for (int i = 30; i > 0; --i)
    big += std::to_string(i % 7) + (i > 1 ? "," : "]");
  Value sorted = method("sort", J(big));
  EXPECT_EQ(out(sorted), "[0,0,0,0,1,1,1,1,1,2,2,2,2,2,3,3,3,3,4,4,4,4,5,5,5,5,6,6,6,6]");
}

TEST(BloblangLibB, SumAndUnique) {
  EXPECT_EQ(out(method("sum", J("[3,8,4]"))), "15");
  EXPECT_EQ(out(method("sum", J("[10.5,20.25,5.00]"))), "35.75");
  EXPECT_EQ(out(method("sum", I(5))), "5");
  EXPECT_ERROR(method("sum", J(R"([1,"a",2,"b"])")),
               "index 3: expected number value, got string (\"b\")");
  EXPECT_ERROR(method("sum", S("x")), "expected array value, got string (\"x\")");
  EXPECT_EQ(out(method("unique", J(R"(["a","b","a","c"])"))), R"(["a","b","c"])");
  EXPECT_EQ(out(method("unique", J(R"([1,1.0,"1",2])"))), R"([1,"1",2])");
  FnQuery id([](const Value& o) { return field(o, "id"); });
  EXPECT_EQ(out(method("unique", J(R"([{"id":1,"n":"A"},{"id":2},{"id":1,"n":"dup"}])"),
                       {.queries = {&id}})),
            R"([{"id":1,"n":"A"},{"id":2}])");
  EXPECT_ERROR(method("unique", J("[true]")),
               "index 0: expected string or number value, got bool (true)");
}

TEST(BloblangLibB, RangeFunction) {
  const FunctionEntry* f = find_function("range");
  ASSERT_NE(f, nullptr);
  auto call = [&](Call c) {
    bool literal;
    Args args = make_args(f->spec, c, &literal);
    ExecContext ctx;
    return f->impl(ctx, args);
  };
  EXPECT_EQ(out(call({.values = vals({I(0), I(10)})})), "[0,1,2,3,4,5,6,7,8,9]");
  EXPECT_EQ(out(call({.values = vals({I(0), I(10), I(2)})})), "[0,2,4,6,8]");
  EXPECT_EQ(out(call({.values = vals({I(0), I(-10), I(-2)})})), "[0,-2,-4,-6,-8]");
  EXPECT_EQ(out(call({.values = vals({I(0), I(250), I(100)})})), "[0,100]");
  EXPECT_ERROR(call({.values = vals({I(0), I(10), I(0)})}),
               "step must be greater than or less than 0");
  EXPECT_ERROR(call({.values = vals({I(0), I(10), I(-1)})}),
               "with negative step arg stop (10) must be <= start (0)");
  EXPECT_ERROR(call({.values = vals({I(5), I(5)})}),
               "with positive step arg start (5) must be < stop (5)");
}

// --- objects -------------------------------------------------------------------------------------
TEST(BloblangLibB, MergeAssignSquash) {
  Value foo = J(R"({"first_name":"fooer","likes":"bars"})");
  Value bar = J(R"({"second_name":"barer","likes":"foos"})");
  EXPECT_EQ(out(method("merge", foo, {.values = vals({bar})})),
            R"({"first_name":"fooer","likes":["bars","foos"],"second_name":"barer"})");
  EXPECT_EQ(out(method("assign", foo, {.values = vals({bar})})),
            R"({"first_name":"fooer","likes":"foos","second_name":"barer"})");
  EXPECT_EQ(out(method("merge", J(R"(["a","b"])"), {.values = vals({J(R"(["c","d"])")})})),
            R"(["a","b","c","d"])");
  EXPECT_EQ(out(method("merge", J("[1]"), {.values = vals({I(2)})})), "[1,2]");
  EXPECT_EQ(out(method("merge", J(R"({"a":{"b":[1],"c":1}})"),
                       {.values = vals({J(R"({"a":{"b":2,"c":[2,3]}})")})})),
            R"({"a":{"b":[1,2],"c":[1,2,3]}})");
  EXPECT_EQ(
      out(method("assign", J(R"({"a":{"b":1,"c":1}})"), {.values = vals({J(R"({"a":{"b":2}})")})})),
      R"({"a":{"b":2,"c":1}})");
  EXPECT_EQ(out(method("merge", J(R"({"a":1})"), {.values = vals({S("x")})})), R"({"a":1})");
  EXPECT_ERROR(method("merge", S("x"), {.values = vals({J("{}")})}),
               "expected object or array value, got string (\"x\")");
  EXPECT_EQ(
      out(method("squash", J(R"([{"WA":["Seattle"]},{"NY":["New York"]},{"WA":["Bellevue"]},5])"))),
      R"({"NY":["New York"],"WA":["Seattle","Bellevue"]})");
  EXPECT_ERROR(method("squash", J("{}")), "expected array value, got object");
}

TEST(BloblangLibB, CollapseExistsGet) {
  Value doc = J(R"({"foo":[{"bar":"1"},{"bar":{}},{"bar":"2"},{"bar":[]}]})");
  EXPECT_EQ(out(method("collapse", doc)), R"({"foo.0.bar":"1","foo.2.bar":"2"})");
  EXPECT_EQ(out(method("collapse", doc, {.values = vals({Value::boolean(true)})})),
            R"({"foo.0.bar":"1","foo.1.bar":{},"foo.2.bar":"2","foo.3.bar":[]})");
  EXPECT_ERROR(method("collapse", S("x")), "not an object or array");
  EXPECT_EQ(out(method("exists", J(R"({"bar":{"baz":"yep"}})"), {.values = vals({S("bar.baz")})})),
            "true");
  EXPECT_EQ(out(method("exists", J(R"({"bar":{}})"), {.values = vals({S("bar.baz")})})), "false");
  EXPECT_EQ(out(method("exists", J(R"({"f":null})"), {.values = vals({S("f")})})), "true");
  EXPECT_EQ(out(method("exists", J(R"({"a":[{"b":1}]})"), {.values = vals({S("a.0.b")})})), "true");
  EXPECT_EQ(out(method("exists", J(R"({"a.b":1})"), {.values = vals({S("a~1b")})})), "true");
  EXPECT_EQ(out(method("exists", S("x"), {.values = vals({S("a")})})), "false");
  EXPECT_EQ(
      out(method("get", J(R"({"bar":"from bar","baz":"from baz"})"), {.values = vals({S("bar")})})),
      "from bar");
  EXPECT_EQ(out(method("get", J(R"({"a":[{"b":1},{"b":2},{}]})"), {.values = vals({S("a.*.b")})})),
            "[1,2]");
  EXPECT_EQ(out(method("get", J("{}"), {.values = vals({S("nope")})})), "null");
}

TEST(BloblangLibB, Explode) {
  EXPECT_EQ(out(method("explode", J(R"({"id":1,"value":["foo","bar","baz"]})"),
                       {.values = vals({S("value")})})),
            R"([{"id":1,"value":"foo"},{"id":1,"value":"bar"},{"id":1,"value":"baz"}])");
  EXPECT_EQ(
      out(method("explode", J(R"({"id":1,"value":{"foo":2,"bar":[3,4],"baz":{"bev":5}}})"),
                 {.values = vals({S("value")})})),
      R"({"bar":{"id":1,"value":[3,4]},"baz":{"id":1,"value":{"bev":5}},"foo":{"id":1,"value":2}})");
  EXPECT_EQ(out(method("explode", J(R"({"a":{"b":[1,2],"c":0}})"), {.values = vals({S("a.b")})})),
            R"([{"a":{"b":1,"c":0}},{"a":{"b":2,"c":0}}])");
  EXPECT_ERROR(method("explode", J(R"({"id":1})"), {.values = vals({S("value")})}),
               "expected array or object value at path 'value', found: null");
  EXPECT_ERROR(method("explode", J(R"({"v":"x"})"), {.values = vals({S("v")})}),
               "expected array or object value at path 'v', found: string");
  EXPECT_ERROR(method("explode", J("[]"), {.values = vals({S("v")})}),
               "expected object value, got array");
}

TEST(BloblangLibB, WithWithout) {
  Value doc = J(R"({"inner":{"a":"first","b":"second","c":"third"},"d":"fourth","e":"fifth"})");
  EXPECT_EQ(out(method("with", doc, {.values = vals({S("inner.a"), S("inner.c"), S("d")})})),
            R"({"d":"fourth","inner":{"a":"first","c":"third"}})");
  EXPECT_EQ(out(method("without", doc, {.values = vals({S("inner.a"), S("inner.c"), S("d")})})),
            R"({"e":"fifth","inner":{"b":"second"}})");
  EXPECT_ERROR(method("without", doc, {.values = vals({S("a"), I(1)})}),
               "argument 1: expected string value, got number (1)");
  EXPECT_ERROR(method("with", S("x"), {.values = vals({S("a")})}),
               "expected object value, got string (\"x\")");
}

TEST(BloblangLibB, KeysValuesMapEachKey) {
  EXPECT_EQ(out(method("keys", J(R"({"baz":2,"bar":1})"))), R"(["bar","baz"])");
  EXPECT_EQ(out(method("values", J(R"({"bar":1,"baz":2})"))), "[1,2]");
  EXPECT_EQ(out(method("key_values", J(R"({"bar":1})"))), R"([{"key":"bar","value":1}])");
  EXPECT_ERROR(method("keys", J("[]")), "expected object value, got array");
  FnQuery kafka([](const Value& k) {
    std::string s = k.get_string();
    if (s.find("kafka") == std::string::npos) return Value::nothing();
    return S("_" + s);
  });
  EXPECT_EQ(
      out(method("map_each_key", J(R"({"amqp_key":"foo","kafka_key":"bar","kafka_topic":"baz"})"),
                 {.queries = {&kafka}})),
      R"({"_kafka_key":"bar","_kafka_topic":"baz","amqp_key":"foo"})");
  FnQuery num([](const Value&) { return I(1); });
  EXPECT_ERROR(method("map_each_key", J(R"({"a":1})"), {.queries = {&num}}),
               "unexpected result from key mapping: expected string value, got number (1)");
}

// --- numbers -------------------------------------------------------------------------------------
TEST(BloblangLibB, Rounding) {
  EXPECT_EQ(out(method("ceil", Value::number(5.3))), "6");
  EXPECT_EQ(out(method("ceil", Value::number(-5.9))), "-5");
  EXPECT_TRUE(method("ceil", Value::number(5.3)).is_int());
  EXPECT_EQ(out(method("floor", Value::number(-3.2))), "-4");
  EXPECT_EQ(out(method("round", Value::number(87.5))), "88");
  EXPECT_EQ(out(method("round", Value::number(-2.5))), "-3");
  EXPECT_EQ(out(method("round", I(7))), "7");
  EXPECT_TRUE(method("round", Value::number(1e300)).is_float());
  EXPECT_ERROR(method("round", S("1")), "expected number value, got string (\"1\")");
}

TEST(BloblangLibB, AbsPowLogTrig) {
  EXPECT_EQ(out(method("abs", I(-18))), "18");
  EXPECT_EQ(out(method("abs", Value::number(-4.56))), "4.56");
  EXPECT_EQ(out(method("abs", I(std::numeric_limits<int64_t>::min()))), "9223372036854775807");
  EXPECT_ERROR(method("abs", S("x")), "expected number or integer value, got string (\"x\")");
  EXPECT_EQ(out(method("pow", I(2), {.values = vals({I(-2)})})), "0.25");
  EXPECT_EQ(out(method("pow", I(10), {.values = vals({I(-2)})})), "0.01");
  EXPECT_EQ(out(method("log", I(10))), "2.302585092994046");
  EXPECT_EQ(out(method("log10", I(1000))), "3");
  EXPECT_EQ(out(method("sin", Value::number(45 * (M_PI / 180)))), "0.7071067811865475");
  EXPECT_EQ(out(method("cos", Value::number(45 * (M_PI / 180)))), "0.7071067811865476");
  EXPECT_EQ(out(method("cos", I(0))), "1");
  EXPECT_ERROR(method("sin", S("x")), "expected number value, got string (\"x\")");
}

TEST(BloblangLibB, MaxMin) {
  EXPECT_EQ(out(method("max", J("[0,3,2.5,7,5]"))), "7");
  EXPECT_EQ(out(method("min", J("[0,3,-2.5,7,5]"))), "-2.5");
  EXPECT_ERROR(method("max", J("[]")), "the array was empty");
  EXPECT_ERROR(method("min", J(R"([1,"a"])")),
               "index 1 of array: expected number value, got string (\"a\")");
  EXPECT_ERROR(method("max", I(1)), "expected array value, got number (1)");
}

TEST(BloblangLibB, Bitwise) {
  EXPECT_EQ(out(method("bitwise_and", I(12), {.values = vals({I(6)})})), "4");
  EXPECT_EQ(out(method("bitwise_and", I(-4), {.values = vals({I(6)})})), "4");
  EXPECT_EQ(out(method("bitwise_or", I(-2), {.values = vals({I(6)})})), "-2");
  EXPECT_EQ(out(method("bitwise_xor", I(-2), {.values = vals({I(6)})})), "-8");
  EXPECT_EQ(out(method("bitwise_xor", Value::number(3.9), {.values = vals({I(5)})})), "6");
  EXPECT_ERROR(method("bitwise_or", S("1"), {.values = vals({I(1)})}),
               "expected integer value, got string (\"1\")");
}

TEST(BloblangLibB, SizedIntegersAndFloats) {
  EXPECT_EQ(out(method("int64", S("12"))), "12");
  EXPECT_EQ(out(method("int16", S("0xDE"))), "222");
  EXPECT_EQ(out(method("int32", S("0xDEAD"))), "57005");
  EXPECT_EQ(out(method("int8", S("0xD"))), "13");
  EXPECT_EQ(out(method("uint64", S("0xDEADBEEF"))), "3735928559");
  EXPECT_EQ(out(method("int64", S("0b101"))), "5");
  EXPECT_EQ(out(method("int64", S("017"))), "15");
  EXPECT_EQ(out(method("int64", S("-1_000"))), "-1000");
  EXPECT_EQ(out(method("int16", I(-12))), "-12");
  EXPECT_ERROR(method("uint16", I(-12)),
               "signed integer value is negative and cannot be cast as an unsigned integer");
  EXPECT_ERROR(method("int8", I(200)), "value is too large to be cast as an 8-bit signed integer");
  EXPECT_ERROR(method("int8", I(-200)), "value is too small to be cast as an 8-bit signed integer");
  EXPECT_ERROR(method("uint32", S("0x1FFFFFFFF")),
               "value is too large to be cast as a 32-bit unsigned integer");
  EXPECT_ERROR(method("int64", Value::number(12.34)),
               "float value contains decimals and therefore cannot be cast as a signed integer, if "
               "you intend to round the value then call `.round()` explicitly before this cast");
  EXPECT_ERROR(method("int64", S("abc")), "strconv.ParseInt: parsing \"abc\": invalid syntax");
  EXPECT_ERROR(method("int64", S("99999999999999999999")),
               "strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
  EXPECT_ERROR(method("uint64", S("-1")), "strconv.ParseUint: parsing \"-1\": invalid syntax");
  EXPECT_ERROR(method("int32", Value::boolean(true)), "expected number value, got bool (true)");
  EXPECT_EQ(out(method("float64", S("6.674282313423543523453425345e-11"))),
            "6.674282313423544e-11");
  EXPECT_EQ(out(method("float32", S("6.674282313423543523453425345e-11"))), "6.674283e-11");
  EXPECT_EQ(out(method("float64", S("0x1p-2"))), "0.25");
  EXPECT_EQ(out(method("float64", I(3))), "3");
  EXPECT_ERROR(method("float64", S("1.2.3")),
               "strconv.ParseFloat: parsing \"1.2.3\": invalid syntax");
  EXPECT_ERROR(method("float64", S("1e400")),
               "strconv.ParseFloat: parsing \"1e400\": value out of range");
  EXPECT_ERROR(method("float32", S("1e40")),
               "strconv.ParseFloat: parsing \"1e40\": value out of range");
}

TEST(BloblangLibB, PiCounterCount) {
  ExecContext ctx;
  Args none;
  EXPECT_EQ(out(find_function("pi")->impl(ctx, none)), "3.141592653589793");

  const FunctionEntry* counter = find_function("counter");
  auto site = [&](Call c) {
    bool literal;
    Args args = make_args(counter->spec, c, &literal);
    args.state_ = counter->prepare(args);
    return args;
  };
  Args plain = site({});
  EXPECT_EQ(out(counter->impl(ctx, plain)), "1");
  EXPECT_EQ(out(counter->impl(ctx, plain)), "2");
  Args other = site({}); // another call site counts on its own
  EXPECT_EQ(out(counter->impl(ctx, other)), "1");
  Args ranged = site({.values = vals({I(100), I(102)})});
  EXPECT_EQ(out(counter->impl(ctx, ranged)), "100");
  EXPECT_EQ(out(counter->impl(ctx, ranged)), "101");
  EXPECT_EQ(out(counter->impl(ctx, ranged)), "102");
  EXPECT_EQ(out(counter->impl(ctx, ranged)), "100"); // wraps back to min

  // set: a number sets the counter, null peeks, nothing increments, deleted() resets.
  Value next;
  FnQuery set([&](const Value&) { return next; });
  Args with_set = site({.queries = {nullptr, nullptr, &set}});
  next = Value::nothing();
  EXPECT_EQ(out(counter->impl(ctx, with_set)), "1");
  EXPECT_EQ(out(counter->impl(ctx, with_set)), "2");
  next = Value();
  EXPECT_EQ(out(counter->impl(ctx, with_set)), "2");
  next = I(0);
  EXPECT_EQ(out(counter->impl(ctx, with_set)), "0");
  next = Value::nothing();
  EXPECT_EQ(out(counter->impl(ctx, with_set)), "1");
  next = Value::deleted();
  EXPECT_EQ(out(counter->impl(ctx, with_set)), "1");
  next = S("x");
  EXPECT_ERROR(counter->impl(ctx, with_set),
               "failed to resolve set argument: expected number value, got string (\"x\")");
  Args bad = site({.values = vals({I(5), I(5)})});
  EXPECT_ERROR(counter->impl(ctx, bad), "max argument must be >0 and >min, got 5");
  Args negative = site({.values = vals({I(-1)})});
  EXPECT_ERROR(counter->impl(ctx, negative), "min argument must be >0, got -1");

  const FunctionEntry* count = find_function("count");
  bool literal;
  Args name = make_args(count->spec, {.values = vals({S("lib_b_test_counter")})}, &literal);
  name.state_ = count->prepare(name);
  EXPECT_EQ(out(count->impl(ctx, name)), "1");
  EXPECT_EQ(out(count->impl(ctx, name)), "2");
  Args again = make_args(count->spec, {.values = vals({S("lib_b_test_counter")})}, &literal);
  again.state_ = count->prepare(again); // another call site (or mapping) starts over
  EXPECT_EQ(out(count->impl(ctx, again)), "1");
}

// --- json_schema ---------------------------------------------------------------------------------
TEST(BloblangLibB, JsonSchema) {
  auto check = [](const char* schema, const char* doc) {
    return method("json_schema", J(doc), {.values = vals({S(schema)})});
  };
  const char* foo_string = R"({"type":"object","properties":{"foo":{"type":"string"}}})";
  EXPECT_EQ(out(check(foo_string, R"({"foo":"bar"})")), R"({"foo":"bar"})");
  EXPECT_ERROR(check(foo_string, R"({"foo":5})"),
               "foo invalid type. expected: string, given: integer");
  EXPECT_ERROR(check(foo_string, R"({"foo":5.5})"),
               "foo invalid type. expected: string, given: number");
  EXPECT_ERROR(check(R"({"required":["Foo","bar"]})", R"({"bar":1})"), "(root) Foo is required");
  EXPECT_ERROR(check(R"({"type":["string","null"]})", "5"),
               "(root) invalid type. expected: [string,null], given: integer");
  EXPECT_ERROR(
      check(R"({"properties":{"a":{"minimum":5},"b":{"maxLength":2}}})", R"({"a":3,"b":"xyz"})"),
      "a must be greater than or equal to 5\nb string length must be less than or equal "
      "to 2");
  EXPECT_ERROR(check(R"({"items":{"enum":["x","y"]}})", R"(["x","z"])"),
               "1 1 must be one of the following: \"x\", \"y\"");
  EXPECT_ERROR(check(R"({"additionalProperties":false,"properties":{"a":{}}})", R"({"a":1,"b":2})"),
               "(root) badditional property b is not allowed");
  EXPECT_ERROR(
      check(
          R"({"definitions":{"n":{"type":"number"}},"properties":{"a":{"$ref":"#/definitions/n"}}})",
          R"({"a":"x"})"),
      "a invalid type. expected: number, given: string");
  EXPECT_ERROR(check(R"({"anyOf":[{"type":"string"},{"type":"number"}]})", "true"),
               "(root) must validate at least one schema (anyof)\n(root) invalid type. expected: "
               "string, given: boolean");
  EXPECT_ERROR(check(R"({"uniqueItems":true})", "[1,2,1]"),
               "(root) array items[0,2] must be unique");
  EXPECT_ERROR(check(R"({"pattern":"^a+$"})", R"("ab")"), "(root) does not match pattern '^a+$'");
  EXPECT_ERROR(check(R"({"format":"date-time"})", R"("yesterday")"),
               "(root) does not match format 'date-time'");
  EXPECT_EQ(out(check(R"({"format":"date-time"})", R"("2020-01-01T00:00:00Z")")),
            "2020-01-01T00:00:00Z");
  const MethodEntry* m = find_method("json_schema");
  bool literal;
  EXPECT_THROW(m->prepare(make_args(m->spec, {.values = vals({S("{nope")})}, &literal)),
               std::invalid_argument);
}

// --- through the parser --------------------------------------------------------------------------
std::string run_mapping(const std::string& mapping, const std::string& input) {
  auto m = Mapping::parse(mapping);
  ExecContext ctx;
  ctx.set_message(input);
  try {
    return serialize(m->run(ctx).value);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(BloblangLibB, ThroughTheParser) {
  EXPECT_EQ(run_mapping(R"(root = this.a.append(1, "two", [3]))", R"({"a":[0]})"),
            R"([0,1,"two",[3]])");
  EXPECT_THROW(Mapping::parse("root = [].append(value: 1)"), ParseError);
  // Errors: annotated with the target (most), type errors only (sort, sum...), or as they are
  // (plugin-API methods).
  EXPECT_EQ(run_mapping("root = this.a.index(5)", R"({"a":[1]})"),
            "error: failed assignment (line 1): field `this.a`: index '5' was out of bounds for "
            "array size: 1");
  EXPECT_EQ(
      run_mapping("root = this.a.sum()", R"({"a":[1,"x"]})"),
      "error: failed assignment (line 1): index 1: expected number value, got string (\"x\")");
  EXPECT_EQ(run_mapping("root = this.a.sum()", R"({"a":"x"})"),
            "error: failed assignment (line 1): expected array value, got string from field "
            "`this.a` (\"x\")");
  EXPECT_EQ(run_mapping("root = this.a.ts_unix()", R"({"a":true})"),
            "error: failed assignment (line 1): expected number or string value, got bool (true)");
  // counter(): one sequence per call site, kept across runs of one mapping.
  auto m = Mapping::parse("root = [counter(), counter(min: 5)]");
  for (int i = 1; i <= 3; ++i) {
    ExecContext ctx;
    ctx.set_message("{}");
    EXPECT_EQ(serialize(m->run(ctx).value),
              "[" + std::to_string(i) + "," + std::to_string(i + 4) + "]");
  }
  // A stateful call keeps its state with non-literal arguments too.
  auto n = Mapping::parse("root = count(this.name)");
  for (int i = 1; i <= 2; ++i) {
    ExecContext ctx;
    ctx.set_message(R"({"name":"x"})");
    EXPECT_EQ(serialize(n->run(ctx).value), std::to_string(i));
  }
  // Literal arguments that can never work fail at parse time.
  EXPECT_THROW(Mapping::parse(R"(root = this.ts_tz("Nowhere/Land"))"), ParseError);
  EXPECT_THROW(Mapping::parse(R"(root = this.ts_add_iso8601("1Y"))"), ParseError);
}

// The examples' expected local times are UTC's. The whole test runner runs in UTC (see
// tests/support/support.cpp); this checks it did not change under us.
void use_utc() {
  ASSERT_STREQ(std::getenv("TZ"), "UTC");
}

// Every documented example of this part of the library, run through the parser: the pairs of an
// example in order against one compiled mapping (counter() and count() keep state across them).
TEST(BloblangLibB, DocumentedExamplesRun) {
  use_utc();
  static const std::set<std::string> kMine = {"all",
                                              "any",
                                              "append",
                                              "assign",
                                              "collapse",
                                              "concat",
                                              "contains",
                                              "enumerated",
                                              "exists",
                                              "explode",
                                              "filter",
                                              "find",
                                              "find_all",
                                              "find_by",
                                              "find_all_by",
                                              "flatten",
                                              "fold",
                                              "get",
                                              "index",
                                              "join",
                                              "json_schema",
                                              "key_values",
                                              "keys",
                                              "values",
                                              "map_each",
                                              "map_each_key",
                                              "merge",
                                              "sort",
                                              "sort_by",
                                              "squash",
                                              "sum",
                                              "unique",
                                              "with",
                                              "without",
                                              "zip",
                                              "abs",
                                              "ceil",
                                              "floor",
                                              "round",
                                              "max",
                                              "min",
                                              "pow",
                                              "log",
                                              "log10",
                                              "sin",
                                              "cos",
                                              "tan",
                                              "bitwise_and",
                                              "bitwise_or",
                                              "bitwise_xor",
                                              "ts_parse",
                                              "ts_format",
                                              "ts_strptime",
                                              "ts_strftime",
                                              "ts_unix",
                                              "ts_unix_milli",
                                              "ts_unix_micro",
                                              "ts_unix_nano",
                                              "ts_add_iso8601",
                                              "ts_sub_iso8601",
                                              "ts_sub",
                                              "ts_round",
                                              "ts_tz",
                                              "parse_duration",
                                              "parse_duration_iso8601",
                                              "range",
                                              "pi",
                                              "counter",
                                              "count"};
  auto same = [](const std::string& got, const std::string& want) {
    boost::system::error_code e1, e2;
    json::value a = json::parse(got, e1), b = json::parse(want, e2);
    if (e1 || e2) return got == want;
    return equal(a, b);
  };
  int checked = 0;
  auto run_examples = [&](const Spec& spec) {
    if (!kMine.count(spec.name)) return;
    for (const auto& ex : spec.examples) {
      if (ex.results.empty()) continue;
      std::shared_ptr<const Mapping> m;
      try {
        m = Mapping::parse(ex.mapping);
      } catch (const ParseError& e) {
        if (std::string(e.what()).find("unrecognised") != std::string::npos) continue;
        ADD_FAILURE() << spec.name << ": " << ex.mapping << ": " << e.what();
        continue;
      }
      for (const auto& [in, want] : ex.results) {
        ExecContext ctx;
        ctx.set_message(in);
        std::string got;
        try {
          got = serialize(m->run(ctx).value);
        } catch (const std::exception& e) {
          got = std::string("Error(") + to_json_text(json::string(e.what())) + ")";
        }
        ++checked;
        EXPECT_TRUE(same(got, want)) << spec.name << ": " << ex.mapping << "\n  in:   " << in
                                     << "\n  want: " << want << "\n  got:  " << got;
      }
    }
  };
  for (const auto* m : all_methods())
    run_examples(m->spec);
  for (const auto* f : all_functions())
    run_examples(f->spec);
  EXPECT_GT(checked, 120);
}

// --- time ----------------------------------------------------------------------------------------
class BloblangLibBTime : public ::testing::Test {
protected:
  void SetUp() override { use_utc(); }
};

Timestamp ts(std::string_view rfc3339) {
  return timefmt::parse(timefmt::kRFC3339Nano, rfc3339);
}

TEST_F(BloblangLibBTime, GoLayoutFormatting) {
  Timestamp t = ts("2020-08-14T11:50:26.371Z");
  EXPECT_EQ(timefmt::format(t, "2006-Jan-02 15:04:05"), "2020-Aug-14 11:50:26");
  EXPECT_EQ(timefmt::format(t, "Monday, 02-Jan-06 3:04:05.000 PM MST"),
            "Friday, 14-Aug-20 11:50:26.371 AM UTC");
  EXPECT_EQ(timefmt::format(t, "Mon Jan _2 15:04:05.999999 2006 -0700 Z07:00 -07"),
            "Fri Aug 14 11:50:26.371 2020 +0000 Z +00");
  EXPECT_EQ(timefmt::format(t, "__2 002 pm January 1/2 ,000"), "227 227 am August 8/14 ,371");
  Timestamp off = ts("2020-08-04T01:02:03+05:30");
  EXPECT_EQ(timefmt::format(off, timefmt::kRFC3339Nano), "2020-08-04T01:02:03+05:30");
  EXPECT_EQ(timefmt::format(off, "_2 3PM MST -07:00:00 Z070000"), " 4 1AM +0530 +05:30:00 +053000");
  EXPECT_EQ(timefmt::format(ts("2020-08-14T11:45:26.123456789Z"), "05.000000000 05.9999 05.99"),
            "26.123456789 26.1234 26.12");
}

// Compiled layouts written into a caller's buffer (ts_format's path) give what format() gives,
// and report a buffer too small instead of writing past it.
TEST_F(BloblangLibBTime, CompiledLayoutsFormatIntoABuffer) {
  const std::vector<std::string> layouts = {"2006-01-02",
                                            "2006-Jan-02 15:04:05",
                                            "Monday, 02-Jan-06 3:04:05.000 PM MST",
                                            "Mon Jan _2 15:04:05.999999 2006 -0700 Z07:00 -07",
                                            "__2 002 pm January 1/2 ,000",
                                            std::string(timefmt::kRFC3339Nano),
                                            "_2 3PM MST -07:00:00 Z070000"};
  for (const char* when : {"2020-08-14T11:50:26.371Z", "2020-08-04T01:02:03+05:30",
                           "1999-12-31T23:59:59.000000001-08:00"}) {
    Timestamp t = ts(when);
    for (const auto& l : layouts) {
      auto compiled = timefmt::compile_layout(l);
      char buf[128];
      size_t n = timefmt::format_to(buf, sizeof buf, t, *compiled);
      ASSERT_NE(n, std::string::npos) << l;
      EXPECT_EQ(std::string(buf, n), timefmt::format(t, l)) << l << " " << when;
      EXPECT_EQ(timefmt::format(t, *compiled), timefmt::format(t, l)) << l << " " << when;
      if (n > 0) {
        EXPECT_EQ(timefmt::format_to(buf, n - 1, t, *compiled), std::string::npos) << l;
      }
    }
  }
  // Longer than ts_format's buffer: formatted through a string instead.
  std::string long_layout;
  for (int i = 0; i < 12; ++i)
    long_layout += "2006-01-02 15:04:05 ";
  EXPECT_EQ(
      out(method("ts_format", S("2020-08-14T11:50:26.371Z"), {.values = vals({S(long_layout)})})),
      [&] {
        std::string want;
        for (int i = 0; i < 12; ++i)
          want += "2020-08-14 11:50:26 ";
        return want;
      }());
}

// The RFC 3339 fast path (UTC, "Z") agrees with the layout parser on every input: the instant,
// the location, and the error text of what it does not accept.
TEST_F(BloblangLibBTime, Rfc3339FastPathAgreesWithTheLayoutParser) {
  auto describe = [](const std::function<Timestamp()>& f) {
    try {
      Timestamp t = f();
      return std::to_string(t.sec) + "." + std::to_string(t.nsec) + " " + t.zone + "/" +
             std::to_string(t.offset) + "/" + t.abbr;
    } catch (const std::exception& e) {
      return std::string("error: ") + e.what();
    }
  };
  for (const char* s : {"2024-03-01T10:20:30Z",           "2024-03-01T10:20:30.5Z",
                        "2024-03-01T10:20:30.123456789Z", "2024-03-01T10:20:30.1234567891234Z",
                        "2024-02-29T23:59:59Z",           "2023-02-29T00:00:00Z",
                        "2024-04-31T00:00:00Z",           "2024-13-01T00:00:00Z",
                        "2024-00-01T00:00:00Z",           "2024-01-00T00:00:00Z",
                        "2024-01-01T24:00:00Z",           "2024-01-01T00:60:00Z",
                        "2024-01-01T00:00:60Z",           "2024-03-01T10:20:30.Z",
                        "2024-03-01T10:20:30.1x2Z",       "2024-03-01 10:20:30Z",
                        "2024/03/01T10:20:30Z",           "2O24-03-01T10:20:30Z",
                        "0000-01-01T00:00:00Z",           "9999-12-31T23:59:59.999999999Z",
                        "1900-02-29T00:00:00Z",           "2000-02-29T00:00:00Z",
                        "2024-03-01T10:20:30+01:00",      "2024-03-01T10:20:30z"}) {
    EXPECT_EQ(describe([&] { return parse_rfc3339(s); }),
              describe([&] { return timefmt::parse(timefmt::kRFC3339Nano, s); }))
        << s;
  }
}

TEST_F(BloblangLibBTime, GoLayoutParsing) {
  EXPECT_EQ(format_rfc3339nano(timefmt::parse("2006-Jan-02", "2020-Aug-14")),
            "2020-08-14T00:00:00Z");
  EXPECT_EQ(format_rfc3339nano(
                timefmt::parse("Jan 2, 2006 at 3:04pm (MST)", "Aug 14, 2020 at 5:54am (UTC)")),
            "2020-08-14T05:54:00Z");
  Timestamp est = timefmt::parse("Jan 2, 2006 at 3:04pm (MST)", "Feb 3, 2013 at 7:54pm (PST)");
  EXPECT_EQ(format_rfc3339nano(est), "2013-02-03T19:54:00Z"); // unknown zone: offset 0
  EXPECT_EQ(timefmt::format(est, "MST"), "PST");
  EXPECT_EQ(
      format_rfc3339nano(timefmt::parse("2006-01-02 15:04:05 -0700", "2021-02-03 04:05:06 -0130")),
      "2021-02-03T04:05:06-01:30");
  EXPECT_EQ(format_rfc3339nano(timefmt::parse("15:04:05", "12:00:01.5")), "0000-01-01T12:00:01.5Z");
  EXPECT_EQ(format_rfc3339nano(timefmt::parse("2006 002", "2020 060")), "2020-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339nano(ts("2020-08-14T11:45:26.371+00:00")), "2020-08-14T11:45:26.371Z");
  EXPECT_ERROR(
      timefmt::parse("2006-01-02T15:04:05Z07:00", "not valid timestamp"),
      "parsing time \"not valid timestamp\" as \"2006-01-02T15:04:05Z07:00\": cannot parse "
      "\"not valid timestamp\" as \"2006\"");
  EXPECT_ERROR(timefmt::parse("2006-01-02", "2020-13-01"),
               "parsing time \"2020-13-01\": month out of range");
  EXPECT_ERROR(timefmt::parse("2006-01-02", "2021-02-29"),
               "parsing time \"2021-02-29\": day out of range");
  EXPECT_ERROR(timefmt::parse("2006-01-02", "2021-02-01x"),
               "parsing time \"2021-02-01x\": extra text: \"x\"");
  EXPECT_ERROR(timefmt::parse("2006-01-02", "2021-2-01"),
               "parsing time \"2021-2-01\" as \"2006-01-02\": cannot parse \"2-01\" as \"01\"");
  EXPECT_ERROR(ts("2020-08-14T25:00:00Z"),
               "parsing time \"2020-08-14T25:00:00Z\": hour out of range");
}

TEST_F(BloblangLibBTime, Strftime) {
  Timestamp t = ts("2020-08-14T11:50:26.371Z");
  EXPECT_EQ(timefmt::strftime(t, "%Y-%b-%d %H:%M:%S"), "2020-Aug-14 11:50:26");
  EXPECT_EQ(timefmt::strftime(t, "%Y-%b-%d %H:%M:%S.%f"), "2020-Aug-14 11:50:26.371000");
  EXPECT_EQ(timefmt::strftime(t, "%a %A %B %j %e %I %p %y %Z %z %:z %%"),
            "Fri Friday August 227 14 11 AM 20 UTC +0000 +00:00 %");
  EXPECT_EQ(timefmt::strftime(t, "%F %T %D %R %s %u %w %V %U %W %C %G %g"),
            "2020-08-14 11:50:26 08/14/20 11:50 1597405826 5 5 33 32 32 20 2020 20");
  EXPECT_EQ(timefmt::strftime(t, "%-m/%-d %_H %10Y %-10Y %^a %#b %Q"),
            "8/14 11 0000002020       2020 FRI AUG %Q");
  EXPECT_EQ(timefmt::strftime(t, "%c"), "Fri Aug 14 11:50:26 2020");
}

TEST_F(BloblangLibBTime, Strptime) {
  EXPECT_EQ(format_rfc3339nano(timefmt::strptime("2020-Aug-14", "%Y-%b-%d")),
            "2020-08-14T00:00:00Z");
  EXPECT_EQ(
      format_rfc3339nano(timefmt::strptime("2020-Aug-14 11:50:26.371000", "%Y-%b-%d %H:%M:%S.%f")),
      "2020-08-14T11:50:26.371Z");
  EXPECT_EQ(format_rfc3339nano(
                timefmt::strptime("14/08/20 01:02:03 PM +0200", "%d/%m/%y %I:%M:%S %p %z")),
            "2020-08-14T13:02:03+02:00");
  EXPECT_EQ(format_rfc3339nano(timefmt::strptime("1597405826", "%s")), "2020-08-14T11:50:26Z");
  EXPECT_EQ(format_rfc3339nano(timefmt::strptime("2020-08-14T11:50:26", "%FT%T")),
            "2020-08-14T11:50:26Z");
  EXPECT_ERROR(timefmt::strptime("invalid format", "INVALID_FORMAT"),
               "failed to parse \"invalid format\" with \"INVALID_FORMAT\": expected 'I'");
  EXPECT_ERROR(timefmt::strptime("not valid timestamp", "%Y-%b-%d"),
               "failed to parse \"not valid timestamp\" with \"%Y-%b-%d\": cannot parse %Y");
  EXPECT_ERROR(timefmt::strptime("2020-01-01x", "%Y-%m-%d"),
               "failed to parse \"2020-01-01x\" with \"%Y-%m-%d\": unconverted string: \"x\"");
  EXPECT_ERROR(timefmt::strptime("2020", "%Q"),
               "failed to parse \"2020\" with \"%Q\": unexpected format: \"%Q\"");
}

TEST_F(BloblangLibBTime, Durations) {
  EXPECT_EQ(timefmt::parse_duration("50us"), 50000);
  EXPECT_EQ(timefmt::parse_duration("2h"), 7200000000000);
  EXPECT_EQ(timefmt::parse_duration("-1.5h"), -5400000000000);
  EXPECT_EQ(timefmt::parse_duration("1h2m3.5s4ms"), 3723504000000);
  EXPECT_EQ(timefmt::parse_duration("0"), 0);
  EXPECT_ERROR(timefmt::parse_duration("x"), "time: invalid duration \"x\"");
  EXPECT_ERROR(timefmt::parse_duration("5"), "time: missing unit in duration \"5\"");
  EXPECT_ERROR(timefmt::parse_duration("5y"), "time: unknown unit \"y\" in duration \"5y\"");
  EXPECT_EQ(out(method("parse_duration", S("1m"))), "60000000000");
  EXPECT_ERROR(method("parse_duration", I(1)), "expected string value, got number (1)");

  EXPECT_EQ(out(method("parse_duration_iso8601", S("P3Y6M4DT12H30M5S"))), "110839937000000000");
  EXPECT_EQ(out(method("parse_duration_iso8601", S("P3Y6M4DT12H30M5.3S"))), "110839937300000000");
  EXPECT_EQ(out(method("parse_duration_iso8601", S("P3Y6M4DT12H30M5.123456789S"))),
            "110839937123456789");
  EXPECT_EQ(out(method("parse_duration_iso8601", S("PT2H"))), "7200000000000");
  EXPECT_EQ(out(method("parse_duration_iso8601", S("-P1W"))), "-604800000000000");
  EXPECT_ERROR(method("parse_duration_iso8601", S("P2.5YT7.5S")),
               "P2.5YT7.5S: 'Y' & 'S' only the last field can have a fraction");
  EXPECT_ERROR(method("parse_duration_iso8601", S("gibberish")),
               "gibberish: expected 'P' period mark at the start");
  EXPECT_ERROR(method("parse_duration_iso8601", S("P1H")), "P1H: 'H' designator cannot occur here");
  EXPECT_ERROR(method("parse_duration_iso8601", S("P1D2D")),
               "P1D2D: 'D' designator cannot occur more than once");
  EXPECT_ERROR(method("parse_duration_iso8601", S("P1")), "P1: missing designator at the end");
  EXPECT_ERROR(method("parse_duration_iso8601", S("P1X")),
               "P1X: expected a designator Y, M, W, D, H, or S not 'X'");
  EXPECT_ERROR(method("parse_duration_iso8601", S("")), "cannot parse a blank string as a period");
}

TEST_F(BloblangLibBTime, TimestampMethods) {
  EXPECT_EQ(out(method("ts_parse", S("2020-Aug-14"), {.values = vals({S("2006-Jan-02")})})),
            R"("2020-08-14T00:00:00Z")");
  EXPECT_EQ(out(method("parse_timestamp", S("2020-Aug-14"), {.values = vals({S("2006-Jan-02")})})),
            "2020-08-14T00:00:00Z");
  EXPECT_ERROR(method("ts_parse", I(1), {.values = vals({S("2006-Jan-02")})}),
               "expected string value, got number (1)");
  EXPECT_EQ(out(method("ts_strptime", S("2020-Aug-14"), {.values = vals({S("%Y-%b-%d")})})),
            R"("2020-08-14T00:00:00Z")");
  EXPECT_EQ(
      out(method("parse_timestamp_strptime", S("2020-Aug-14"), {.values = vals({S("%Y-%b-%d")})})),
      "2020-08-14T00:00:00Z");

  EXPECT_EQ(out(method("ts_format", S("2020-08-14T11:50:26.371Z"),
                       {.values = vals({S("2006-Jan-02 15:04:05")})})),
            "2020-Aug-14 11:50:26");
  EXPECT_EQ(out(method("ts_format", I(1597405526),
                       {.values = vals({S("2006-Jan-02 15:04:05"), S("UTC")})})),
            "2020-Aug-14 11:45:26");
  EXPECT_EQ(out(method("ts_format", Value::number(1597405526.123456),
                       {.values = vals({S("2006-Jan-02 15:04:05.999999"), S("UTC")})})),
            "2020-Aug-14 11:45:26.123456");
  EXPECT_EQ(out(method("ts_format", S("2020-08-14T11:45:26.371+01:00"))),
            "2020-08-14T11:45:26.371+01:00");
  EXPECT_EQ(out(method("format_timestamp", I(1597405526),
                       {.values = vals({S("2006-Jan-02 15:04:05"), S("America/New_York")})})),
            "2020-Aug-14 07:45:26");
  EXPECT_EQ(out(method("format_timestamp", S("2020-08-14T11:50:26.371Z"),
                       {.values = vals({S("2006-Jan-02 15:04:05"), S("America/New_York")})})),
            "2020-Aug-14 07:50:26");
  EXPECT_ERROR(method("ts_format", I(1), {.values = vals({S("2006"), S("Nowhere/Land")})}),
               "failed to parse timezone location name: unknown time zone Nowhere/Land");
  bool literal;
  const MethodEntry* ts_format = find_method("ts_format");
  EXPECT_THROW(ts_format->prepare(make_args(
                   ts_format->spec, {.values = vals({S("2006"), S("Bad/Zone")})}, &literal)),
               std::invalid_argument);

  EXPECT_EQ(out(method("ts_strftime", S("2020-08-14T11:45:26.371+01:00"),
                       {.values = vals({S("%Y-%b-%d %H:%M:%S")})})),
            "2020-Aug-14 11:45:26");
  EXPECT_EQ(out(method("ts_strftime", I(1597405526),
                       {.values = vals({S("%Y-%b-%d %H:%M:%S"), S("UTC")})})),
            "2020-Aug-14 11:45:26");

  EXPECT_EQ(out(method("ts_unix", S("2009-11-10T23:00:00Z"))), "1257894000");
  EXPECT_EQ(out(method("ts_unix", I(1257894000))), "1257894000");
  EXPECT_EQ(out(method("ts_unix_milli", S("2020-08-14T11:45:26.123Z"))), "1597405526123");
  EXPECT_EQ(out(method("ts_unix_micro", S("2020-08-14T11:45:26.123456Z"))), "1597405526123456");
  EXPECT_EQ(out(method("ts_unix_nano", S("2020-08-14T11:45:26.123456789Z"))),
            "1597405526123456789");
  EXPECT_EQ(out(method("format_timestamp_unix_nano", S("2009-11-10T23:00:00Z"))),
            "1257894000000000000");
  EXPECT_ERROR(method("ts_unix", Value::boolean(true)),
               "expected number or string value, got bool (true)");
  EXPECT_ERROR(
      method("ts_unix", S("nope")),
      "parsing time \"nope\" as \"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \"nope\" as "
      "\"2006\"");

  EXPECT_EQ(
      out(method("ts_round", S("2020-08-14T05:54:23Z"), {.values = vals({I(3600000000000)})})),
      R"("2020-08-14T06:00:00Z")");
  EXPECT_EQ(out(method("ts_round", S("2020-08-14T05:54:23Z"), {.values = vals({I(60000000000)})})),
            R"("2020-08-14T05:54:00Z")");
  EXPECT_EQ(
      out(method("ts_round", S("2020-08-14T05:30:00Z"), {.values = vals({I(3600000000000)})})),
      R"("2020-08-14T06:00:00Z")");

  EXPECT_EQ(out(method("ts_tz", S("2021-02-03T17:05:06+01:00"), {.values = vals({S("UTC")})})),
            R"("2021-02-03T16:05:06Z")");
  EXPECT_EQ(
      out(method("ts_tz", S("2021-02-03T16:05:06Z"), {.values = vals({S("America/New_York")})})),
      R"("2021-02-03T11:05:06-05:00")");
  EXPECT_EQ(
      out(method("ts_tz", S("2021-07-03T16:05:06Z"), {.values = vals({S("America/New_York")})})),
      R"("2021-07-03T12:05:06-04:00")");
  EXPECT_ERROR(method("ts_tz", S("2021-07-03T16:05:06Z"), {.values = vals({S("Mars/Base")})}),
               "failed to parse timezone location name: unknown time zone Mars/Base");

  EXPECT_EQ(out(method("ts_add_iso8601", S("2020-08-14T05:54:23Z"), {.values = vals({S("P1Y")})})),
            R"("2021-08-14T05:54:23Z")");
  EXPECT_EQ(out(method("ts_add_iso8601", S("2020-01-01T00:00:00Z"),
                       {.values = vals({S("P1Y2M3DT4H5M6S")})})),
            R"("2021-03-04T04:05:06Z")");
  EXPECT_EQ(out(method("ts_sub_iso8601", S("2021-03-04T04:05:06Z"),
                       {.values = vals({S("P1Y2M3DT4H5M6S")})})),
            R"("2020-01-01T00:00:00Z")");
  EXPECT_EQ(
      out(method("ts_unix", method("ts_add_iso8601", I(1677097265), {.values = vals({S("P1Y")})}))),
      "1708633265");
  EXPECT_EQ(
      out(method("ts_unix", method("ts_sub_iso8601", I(1677097265), {.values = vals({S("P1Y")})}))),
      "1645561265");
  EXPECT_EQ(out(method("ts_add_iso8601", S("2020-01-31T00:00:00Z"), {.values = vals({S("P1M")})})),
            R"("2020-03-02T00:00:00Z")");
  EXPECT_EQ(
      out(method("ts_add_iso8601", S("2020-01-01T00:00:00Z"), {.values = vals({S("P0.5D")})})),
      R"("2020-01-01T12:00:00Z")");
  EXPECT_ERROR(method("ts_add_iso8601", S("2020-01-01T00:00:00Z"), {.values = vals({S("1Y")})}),
               "1Y: expected 'P' period mark at the start");

  EXPECT_EQ(out(method("ts_sub", S("2020-08-13T05:54:23Z"),
                       {.values = vals({S("2020-08-14T05:54:23Z")})})),
            "-86400000000000");
  EXPECT_EQ(out(method("ts_sub", S("2023-10-12T14:59:10.12345+03:00"),
                       {.values = vals({S("2023-10-02T02:55:03.6789Z")})})),
            "896646444550000");
}

TEST_F(BloblangLibBTime, ClockFunctions) {
  ExecContext ctx;
  Args none;
  Value now = find_function("now")->impl(ctx, none);
  ASSERT_TRUE(now.is_string());
  EXPECT_NO_THROW(parse_rfc3339(now.get_string()));
  int64_t unix = find_function("timestamp_unix")->impl(ctx, none).get_int();
  int64_t nano = find_function("timestamp_unix_nano")->impl(ctx, none).get_int();
  EXPECT_NEAR(static_cast<double>(unix), static_cast<double>(nano / 1000000000), 2.0);
  EXPECT_GT(find_function("timestamp_unix_milli")->impl(ctx, none).get_int(), unix * 999);
  EXPECT_GT(find_function("timestamp_unix_micro")->impl(ctx, none).get_int(), unix * 999999);
}

TEST_F(BloblangLibBTime, NumbersAreUnixSecondsInTheLocalZone) {
  Timestamp t = J("1597405526.5").get_timestamp();
  EXPECT_EQ(t.sec, 1597405526);
  EXPECT_EQ(t.nsec, 500000000);
  EXPECT_EQ(t.zone, "Local");
  EXPECT_EQ(format_rfc3339nano(t), "2020-08-14T11:45:26.5Z");
  EXPECT_EQ(timefmt::format(t, "MST"), "UTC");
  Timestamp neg = J("-1.25").get_timestamp();
  EXPECT_EQ(format_rfc3339nano(neg), "1969-12-31T23:59:58.75Z");
}

} // namespace
} // namespace plugctl::bloblang
