// Standard library: the array half of "Object & Array Manipulation" (methods that iterate,
// search, sort or reshape arrays; filter and map_each also take objects) and range().
#include "bloblang/lib_structured.hpp"
#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <unordered_set>

namespace plugctl::bloblang {
namespace {

constexpr const char* kCategory = "Object & Array Manipulation";

using structured::icompare;

Example ex(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
           std::string summary = {}) {
  return Example{std::move(mapping), std::move(results), std::move(summary)};
}

ParamSpec query_param(std::string name, std::string description, bool optional = false) {
  return {.name = std::move(name),
          .type = ParamType::Query,
          .description = std::move(description),
          .optional = optional};
}

const json::array& array_of(const Value& v) {
  if (!v.is_array()) throw TypeError(v, {"array"});
  return v.json().get_array();
}

std::string prefixed(std::string_view prefix, const std::exception& e) {
  return std::string(prefix) + e.what();
}

// Runs the query with `context` as its context value.
Value run(ExecContext& ctx, const Query& q, const json::value& context) {
  Value c = Value::ref(context);
  return q.exec(ctx, c);
}

// Runs the query with a context object built for it (`{"key":..,"value":..}`); the result is
// made independent of that object, which dies here.
Value run_with(ExecContext& ctx, const Query& q, json::object context) {
  Value c(json::value(std::move(context)));
  Value res = q.exec(ctx, c);
  if (res.is_json()) res.mut_json();
  return res;
}

bool is_bool(const Value& v) {
  return v.kind() == Value::Kind::Bool;
}

// --- all / any
// -------------------------------------------------------------------------------------
Value all_or_any(ExecContext& ctx, const Value& v, const Args& args, bool want_all) {
  const auto& arr = array_of(v);
  if (arr.empty()) return Value::boolean(false);
  const Query& test = args.query(0);
  for (size_t i = 0; i < arr.size(); ++i) {
    Value res;
    try {
      res = run(ctx, test, arr[i]);
    } catch (const std::exception& e) {
      throw EvalError(prefixed("element " + std::to_string(i) + ": ", e));
    }
    if (!is_bool(res))
      throw EvalError("element " + std::to_string(i) + ": " + TypeError(res, {"bool"}).what());
    if (res.get_bool() != want_all) return Value::boolean(!want_all);
  }
  return Value::boolean(want_all);
}

const bool kAll = register_method(
    {.name = "all",
     .category = kCategory,
     .description = "Tests whether all elements in an array satisfy a condition. Returns true only "
                    "if the query evaluates to true for every element. Returns false for empty "
                    "arrays.",
     .params = {query_param("test", "A test query to apply to each element.")},
     .examples = {ex("root.all_over_21 = this.patrons.all(patron -> patron.age >= 21)",
                     {{R"({"patrons":[{"id":"1","age":18},{"id":"2","age":23}]})",
                       R"({"all_over_21":false})"},
                      {R"({"patrons":[{"id":"1","age":45},{"id":"2","age":23}]})",
                       R"({"all_over_21":true})"}}),
                  ex("root.all_positive = this.values.all(v -> v > 0)",
                     {{R"({"values":[1,2,3,4,5]})", R"({"all_positive":true})"},
                      {R"({"values":[1,-2,3,4,5]})", R"({"all_positive":false})"}})}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      return all_or_any(ctx, v, args, true);
    });

const bool kAny = register_method(
    {.name = "any",
     .category = kCategory,
     .description = "Tests whether at least one element in an array satisfies a condition. "
                    "Returns true if the query evaluates to true for any element. Returns false "
                    "for empty arrays.",
     .params = {query_param("test", "A test query to apply to each element.")},
     .examples = {ex("root.any_over_21 = this.patrons.any(patron -> patron.age >= 21)",
                     {{R"({"patrons":[{"id":"1","age":18},{"id":"2","age":23}]})",
                       R"({"any_over_21":true})"},
                      {R"({"patrons":[{"id":"1","age":10},{"id":"2","age":12}]})",
                       R"({"any_over_21":false})"}}),
                  ex(R"(root.has_errors = this.results.any(r -> r.status == "error"))",
                     {{R"({"results":[{"status":"ok"},{"status":"error"},{"status":"ok"}]})",
                       R"({"has_errors":true})"},
                      {R"({"results":[{"status":"ok"},{"status":"ok"}]})",
                       R"({"has_errors":false})"}})}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      return all_or_any(ctx, v, args, false);
    });

// --- append / concat / zip ---------------------------------------------------------------------
const bool kAppend = register_method(
    {.name = "append",
     .category = kCategory,
     .description = "Adds one or more elements to the end of an array and returns the new array. "
                    "The original array is not modified.",
     .examples = {ex(R"(root.foo = this.foo.append("and", "this"))",
                     {{R"({"foo":["bar","baz"]})", R"({"foo":["bar","baz","and","this"]})"}}),
                  ex("root.combined = this.items.append(this.new_item)",
                     {{R"({"items":["apple","banana"],"new_item":"orange"})",
                       R"({"combined":["apple","banana","orange"]})"}})},
     .variadic = true},
    [](ExecContext&, const Value& v, const Args& args) {
      json::array out = array_of(v);
      for (size_t i = 0; i < args.size(); ++i)
        out.push_back(args[i].to_json());
      return Value(json::value(std::move(out)));
    });

const bool kConcat =
    register_method({.name = "concat",
                     .category = kCategory,
                     .description = "Concatenates an array value with one or more argument arrays.",
                     .examples = {ex("root.foo = this.foo.concat(this.bar, this.baz)",
                                     {{R"({"foo":["a","b"],"bar":["c"],"baz":["d","e","f"]})",
                                       R"({"foo":["a","b","c","d","e","f"]})"}})},
                     .variadic = true,
                     .errors = ErrorStyle::Plain},
                    [](ExecContext&, const Value& v, const Args& args) {
                      for (size_t i = 0; i < args.size(); ++i)
                        if (!args[i].is_array()) throw TypeError(args[i], {"array"});
                      json::array out = array_of(v);
                      for (size_t i = 0; i < args.size(); ++i)
                        for (const auto& e : args[i].json().get_array())
                          out.push_back(e);
                      return Value(json::value(std::move(out)));
                    });

const bool kZip = register_method(
    {.name = "zip",
     .category = kCategory,
     .description = "Zip an array value with one or more argument arrays. Each array must match "
                    "in length.",
     .examples = {ex("root.foo = this.foo.zip(this.bar, this.baz)",
                     {{R"({"foo":["a","b","c"],"bar":[1,2,3],"baz":[4,5,6]})",
                       R"({"foo":[["a",1,4],["b",2,5],["c",3,6]]})"}})},
     .variadic = true,
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args& args) {
      const char* kSizeError = "can't zip different length array values";
      std::vector<const json::array*> others;
      for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].is_array()) throw TypeError(args[i], {"array"});
        others.push_back(&args[i].json().get_array());
        if (others.back()->size() != others.front()->size()) throw EvalError(kSizeError);
      }
      const auto& arr = array_of(v);
      if (others.empty()) throw EvalError("zip requires at least one argument");
      if (arr.size() != others.front()->size()) throw EvalError(kSizeError);
      json::array out;
      out.reserve(arr.size());
      for (size_t i = 0; i < arr.size(); ++i) {
        json::array row;
        row.reserve(others.size() + 1);
        row.push_back(arr[i]);
        for (const auto* o : others)
          row.push_back((*o)[i]);
        out.push_back(std::move(row));
      }
      return Value(json::value(std::move(out)));
    });

// --- contains / find -----------------------------------------------------------------------------
const bool kContains = register_method(
    {.name = "contains",
     .category = "Object & Array Manipulation, String Manipulation",
     .description = "Checks whether an array contains an element matching the argument, or an "
                    "object contains a value matching the argument, and returns a boolean "
                    "result. Numerical comparisons are made irrespective of the representation "
                    "type (float versus integer). On strings it checks whether the string "
                    "contains a substring.",
     .params = {{.name = "value",
                 .type = ParamType::Any,
                 .description = "A value to test against elements of the target."}},
     .examples = {ex(R"(root.has_foo = this.thing.contains("foo"))",
                     {{R"({"thing":["this","foo","that"]})", R"({"has_foo":true})"},
                      {R"({"thing":["this","bar","that"]})", R"({"has_foo":false})"}}),
                  ex("root.has_bar = this.thing.contains(20)",
                     {{R"({"thing":[10.3,20.0,"huh",3]})", R"({"has_bar":true})"},
                      {R"({"thing":[2,3,40,67]})", R"({"has_bar":false})"}}),
                  ex(R"(root.has_foo = this.thing.contains("foo"))",
                     {{R"({"thing":"this foo that"})", R"({"has_foo":true})"},
                      {R"({"thing":"this bar that"})", R"({"has_foo":false})"}})}},
    [](ExecContext&, const Value& v, const Args& args) {
      const Value& needle = args[0];
      switch (v.kind()) {
      case Value::Kind::String:
      case Value::Kind::Bytes:
        return Value::boolean(v.get_string().find(needle.to_string()) != std::string::npos);
      case Value::Kind::Array:
        for (const auto& e : v.json().get_array())
          if (icompare(needle, e)) return Value::boolean(true);
        return Value::boolean(false);
      case Value::Kind::Object:
        for (const auto& kv : v.json().get_object())
          if (icompare(needle, kv.value())) return Value::boolean(true);
        return Value::boolean(false);
      default:
        throw TypeError(v, {"string", "array", "object"});
      }
    });

const bool kFind = register_method(
    {.name = "find",
     .category = kCategory,
     .description = "Searches an array for a matching value and returns the index of the first "
                    "occurrence. Returns -1 if no match is found. Numeric types are compared by "
                    "value regardless of representation.",
     .status = "beta",
     .params = {{.name = "value", .type = ParamType::Any, .description = "A value to find."}},
     .examples = {ex(R"(root.index = this.find("bar"))",
                     {{R"(["foo", "bar", "baz"])", R"({"index":1})"}}),
                  ex("root.index = this.things.find(this.goal)",
                     {{R"({"goal":"bar","things":["foo", "bar", "baz"]})", R"({"index":1})"}})}},
    [](ExecContext&, const Value& v, const Args& args) {
      const auto& arr = array_of(v);
      for (size_t i = 0; i < arr.size(); ++i)
        if (icompare(args[0], arr[i])) return Value::integer(static_cast<int64_t>(i));
      return Value::integer(-1);
    });

const bool kFindAll = register_method(
    {.name = "find_all",
     .category = kCategory,
     .description = "Searches an array for all occurrences of a value and returns an array of "
                    "matching indexes. Returns an empty array if no matches are found. Numeric "
                    "types are compared by value regardless of representation.",
     .status = "beta",
     .params = {{.name = "value", .type = ParamType::Any, .description = "A value to find."}},
     .examples = {ex(R"(root.index = this.find_all("bar"))",
                     {{R"(["foo", "bar", "baz", "bar"])", R"({"index":[1,3]})"}}),
                  ex("root.indexes = this.things.find_all(this.goal)",
                     {{R"({"goal":"bar","things":["foo", "bar", "baz", "bar", "buz"]})",
                       R"({"indexes":[1,3]})"}})}},
    [](ExecContext&, const Value& v, const Args& args) {
      const auto& arr = array_of(v);
      json::array out;
      for (size_t i = 0; i < arr.size(); ++i)
        if (icompare(args[0], arr[i])) out.push_back(static_cast<int64_t>(i));
      return Value(json::value(std::move(out)));
    });

// The indexes whose element the query matches (all of them, or only the first).
json::array find_by(ExecContext& ctx, const Value& v, const Args& args, bool first_only) {
  const auto& arr = array_of(v);
  const Query& q = args.query(0);
  json::array out;
  for (size_t i = 0; i < arr.size(); ++i) {
    Value res;
    try {
      res = run(ctx, q, arr[i]);
    } catch (const std::exception& e) {
      throw EvalError(prefixed("query returned an error for index " + std::to_string(i) + ": ", e));
    }
    if (!is_bool(res))
      throw EvalError("query returned a non-boolean value for index " + std::to_string(i) + ": " +
                      TypeError(res, {"bool"}).what());
    if (!res.get_bool()) continue;
    out.push_back(static_cast<int64_t>(i));
    if (first_only) break;
  }
  return out;
}

const bool kFindBy = register_method(
    {.name = "find_by",
     .category = kCategory,
     .description = "Searches an array for the first element that satisfies a condition and "
                    "returns its index. Returns -1 if no element matches the query.",
     .status = "beta",
     .params = {query_param("query", "A query to execute for each element.")},
     .examples =
         {ex(R"(root.index = this.find_by(v -> v != "bar"))",
             {{R"(["foo", "bar", "baz"])", R"({"index":0})"}}),
          ex("root.first_adult = this.users.find_by(u -> u.age >= 18)",
             {{R"({"users":[{"name":"Alice","age":15},{"name":"Bob","age":22},{"name":"Carol","age":19}]})",
               R"({"first_adult":1})"}},
             "Find first object matching criteria")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      json::array found = find_by(ctx, v, args, true);
      return found.empty() ? Value::integer(-1) : Value(found[0]);
    });

const bool kFindAllBy = register_method(
    {.name = "find_all_by",
     .category = kCategory,
     .description = "Searches an array for all elements that satisfy a condition and returns an "
                    "array of their indexes. Returns an empty array if no elements match.",
     .status = "beta",
     .params = {query_param("query", "A query to execute for each element.")},
     .examples =
         {ex(R"(root.index = this.find_all_by(v -> v != "bar"))",
             {{R"(["foo", "bar", "baz"])", R"({"index":[0,2]})"}}),
          ex(R"(root.error_indexes = this.logs.find_all_by(log -> log.level == "error"))",
             {{R"({"logs":[{"level":"info"},{"level":"error"},{"level":"warn"},{"level":"error"}]})",
               R"({"error_indexes":[1,3]})"}},
             "Find all indexes matching criteria")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      return Value(json::value(find_by(ctx, v, args, false)));
    });

// --- enumerated / flatten / index / join
// -----------------------------------------------------------
const bool kEnumerated = register_method(
    {.name = "enumerated",
     .category = kCategory,
     .description = "Transforms an array into an array of objects with index and value fields, "
                    "making it easy to access both the position and content of each element.",
     .examples = {ex("root.foo = this.foo.enumerated()",
                     {{R"({"foo":["bar","baz"]})",
                       R"({"foo":[{"index":0,"value":"bar"},{"index":1,"value":"baz"}]})"}}),
                  ex("root.first_two = this.items.enumerated().filter(item -> item.index < "
                     "2).map_each(item -> item.value)",
                     {{R"({"items":["a","b","c","d"]})", R"({"first_two":["a","b"]})"}},
                     "Useful for filtering by index position")}},
    [](ExecContext&, const Value& v, const Args&) {
      const auto& arr = array_of(v);
      json::array out;
      out.reserve(arr.size());
      for (size_t i = 0; i < arr.size(); ++i)
        out.push_back(json::object{{"index", static_cast<int64_t>(i)}, {"value", arr[i]}});
      return Value(json::value(std::move(out)));
    });

const bool kFlatten = register_method(
    {.name = "flatten",
     .category = kCategory,
     .description = "Flattens an array by one level, expanding nested arrays into the parent "
                    "array. Only the first level of nesting is removed.",
     .examples = {ex("root.result = this.flatten()", {{R"(["foo",["bar","baz"],"buz"])",
                                                       R"({"result":["foo","bar","baz","buz"]})"}}),
                  ex("root.result = this.data.flatten()",
                     {{R"({"data":["a",["b",["c","d"]],"e"]})",
                       R"({"result":["a","b",["c","d"],"e"]})"}},
                     "Deeper nesting requires multiple flatten calls")}},
    [](ExecContext&, const Value& v, const Args&) {
      const auto& arr = array_of(v);
      json::array out;
      out.reserve(arr.size());
      for (const auto& e : arr) {
        if (e.is_array()) {
          for (const auto& inner : e.get_array())
            out.push_back(inner);
        } else {
          out.push_back(e);
        }
      }
      return Value(json::value(std::move(out)));
    });

const bool kIndex = register_method(
    {.name = "index",
     .category = kCategory,
     .description = "Extract an element from an array by an index. The index can be negative, "
                    "and if so the element will be selected from the end counting backwards "
                    "starting from -1. E.g. an index of -1 returns the last element, an index of "
                    "-2 returns the element before the last, and so on.",
     .params = {{.name = "index",
                 .type = ParamType::Int,
                 .description = "The index to obtain from an array."}},
     .examples = {ex("root.last_name = this.names.index(-1)",
                     {{R"({"names":["rachel","stevens"]})", R"({"last_name":"stevens"})"}}),
                  ex("root.last_byte = this.name.bytes().index(-1)",
                     {{R"({"name":"foobar bazson"})", R"({"last_byte":110})"}},
                     "It is also possible to use this method on byte arrays, in which case the "
                     "selected element will be returned as an integer.")}},
    [](ExecContext&, const Value& v, const Args& args) {
      int64_t index = args.integer(0);
      auto resolve = [&](size_t size) {
        int64_t i = index < 0 ? static_cast<int64_t>(size) + index : index;
        if (i < 0 || i >= static_cast<int64_t>(size))
          throw EvalError("index '" + std::to_string(i) +
                          "' was out of bounds for array size: " + std::to_string(size));
        return static_cast<size_t>(i);
      };
      if (v.kind() == Value::Kind::Bytes) {
        const std::string& b = v.bytes_value();
        return Value::integer(static_cast<unsigned char>(b[resolve(b.size())]));
      }
      const auto& arr = array_of(v);
      return Value(arr[resolve(arr.size())]);
    });

const bool kJoin = register_method(
    {.name = "join",
     .category = kCategory,
     .description = "Concatenates an array of strings into a single string with an optional "
                    "delimiter between elements. Use for building CSV strings, URLs, or combining "
                    "text fragments.",
     .params = {{.name = "delimiter",
                 .type = ParamType::String,
                 .description = "An optional delimiter to add between each string.",
                 .optional = true}},
     .examples = {ex("root.joined_words = this.words.join()\nroot.joined_numbers = "
                     "this.numbers.map_each(this.string()).join(\",\")",
                     {{R"({"words":["hello","world"],"numbers":[3,8,11]})",
                       R"({"joined_numbers":"3,8,11","joined_words":"helloworld"})"}})}},
    [](ExecContext&, const Value& v, const Args& args) {
      std::string_view delim;
      if (args.has(0)) {
        const Value& d = args[0];
        if (d.kind() != Value::Kind::String && d.kind() != Value::Kind::Bytes)
          (void)args.string(0); // throws the parameter's type error
        delim = d.text_view();
      }
      const auto& arr = array_of(v);
      // Measured first, then written once into the run's arena.
      size_t total = arr.empty() ? 0 : delim.size() * (arr.size() - 1);
      for (size_t i = 0; i < arr.size(); ++i) {
        if (!arr[i].is_string())
          throw EvalError("failed to join element " + std::to_string(i) + ": " +
                          TypeError(Value::ref(arr[i]), {"string"}).what());
        total += arr[i].get_string().size();
      }
      Value out = Value::string({});
      json::string& s = out.mut_json().get_string();
      s.resize(total);
      char* p = s.data();
      // Elements and delimiters are usually a few bytes: copied inline, not through memcpy.
      auto put = [&p](const char* src, size_t n) {
        if (n > 16) {
          std::memcpy(p, src, n);
          p += n;
          return;
        }
        for (size_t k = 0; k < n; ++k)
          *p++ = src[k];
      };
      for (size_t i = 0; i < arr.size(); ++i) {
        if (i > 0) put(delim.data(), delim.size());
        const json::string& e = arr[i].get_string();
        put(e.data(), e.size());
      }
      return out;
    });

// --- filter / map_each / fold --------------------------------------------------------------------
const bool kFilter = register_method(
    {.name = "filter",
     .category = kCategory,
     .description = "Returns a new array or object containing only elements that satisfy the "
                    "provided condition. Elements for which the query returns true are kept, all "
                    "others are removed. When filtering objects, the query receives a context "
                    "with `key` and `value` fields for each entry.",
     .params = {query_param("test",
                            "A query to apply to each element, if this query resolves to any "
                            "value other than a boolean `true` the element will be removed from "
                            "the result.")},
     .examples =
         {ex("root.new_nums = this.nums.filter(num -> num > 10)",
             {{R"({"nums":[3,11,4,17]})", R"({"new_nums":[11,17]})"}}),
          ex(R"(root.new_dict = this.dict.filter(item -> item.value.contains("foo")))",
             {{R"({"dict":{"first":"hello foo","second":"world","third":"this foo is great"}})",
               R"({"new_dict":{"first":"hello foo","third":"this foo is great"}})"}},
             "##### On objects\n\nWhen filtering objects, the query receives a context "
             "with `key` and `value` fields for each entry:")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      const Query& q = args.query(0);
      auto keep = [](const Value& r) { return is_bool(r) && r.get_bool(); };
      if (v.is_array()) {
        json::array out;
        for (const auto& e : v.json().get_array())
          if (keep(run(ctx, q, e))) out.push_back(e);
        return Value(json::value(std::move(out)));
      }
      if (v.is_object()) {
        json::object out;
        for (const auto& kv : v.json().get_object())
          if (keep(run_with(ctx, q, {{"key", kv.key()}, {"value", kv.value()}})))
            out[kv.key()] = kv.value();
        return Value(json::value(std::move(out)));
      }
      throw TypeError(v, {"array", "object"});
    });

const bool kMapEach = register_method(
    {.name = "map_each",
     .category = kCategory,
     .description = "Applies a query to each element of an array, or each value of an object, "
                    "and returns the results. For arrays, return deleted() to remove an element. "
                    "For objects, the query receives an object with `key` and `value` fields for "
                    "each entry.",
     .params = {query_param("query", "A query that will be used to map each element.")},
     .examples = {ex("root.new_nums = this.nums.map_each(num -> if num < 10 {\n  deleted()\n} "
                     "else {\n  num - 10\n})",
                     {{R"({"nums":[3,11,4,17]})", R"({"new_nums":[1,7]})"}},
                     "##### On arrays\n\nTransforms each array element using a query. Return "
                     "deleted() to remove an element, or the new value to replace it."),
                  ex("root.new_dict = this.dict.map_each(item -> item.value.uppercase())",
                     {{R"({"dict":{"foo":"hello","bar":"world"}})",
                       R"({"new_dict":{"bar":"WORLD","foo":"HELLO"}})"}},
                     "##### On objects\n\nTransforms each object value using a query. The query "
                     "receives an object with 'key' and 'value' fields for each entry.")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      const Query& q = args.query(0);
      if (v.is_array()) {
        const auto& arr = v.json().get_array();
        json::array out;
        out.reserve(arr.size());
        for (size_t i = 0; i < arr.size(); ++i) {
          Value res;
          try {
            res = run(ctx, q, arr[i]);
          } catch (const std::exception& e) {
            throw EvalError(prefixed("failed to process element " + std::to_string(i) + ": ", e));
          }
          if (res.is_delete()) continue;
          if (res.is_nothing()) {
            out.push_back(arr[i]);
          } else {
            out.push_back(std::move(res).to_json());
          }
        }
        return Value(json::value(std::move(out)));
      }
      if (v.is_object()) {
        json::object out;
        for (const auto& kv : v.json().get_object()) {
          Value res;
          try {
            res = run_with(ctx, q, {{"key", kv.key()}, {"value", kv.value()}});
          } catch (const std::exception& e) {
            throw EvalError(
                prefixed("failed to process element " + std::string(kv.key()) + ": ", e));
          }
          if (res.is_delete()) continue;
          if (res.is_nothing()) {
            out[kv.key()] = kv.value();
          } else {
            out[kv.key()] = std::move(res).to_json();
          }
        }
        return Value(json::value(std::move(out)));
      }
      throw TypeError(v, {"array"});
    });

const bool kFold = register_method(
    {.name = "fold",
     .category = kCategory,
     .description = "Reduces an array to a single value by iteratively applying a function. Also "
                    "known as reduce or aggregate. The query receives an accumulator (tally) and "
                    "current element (value) for each iteration.",
     .params = {{.name = "initial",
                 .type = ParamType::Any,
                 .description = "The initial value to start the fold with. For example, an empty "
                                "object `{}`, a zero count `0`, or an empty string `\"\"`."},
                query_param("query",
                            "A query to apply for each element. The query is provided an object "
                            "with two fields; `tally` containing the current tally, and `value` "
                            "containing the value of the current element. The query should "
                            "result in a new tally to be passed to the next element query.")},
     .examples =
         {ex("root.sum = this.foo.fold(0, item -> item.tally + item.value)",
             {{R"({"foo":[3,8,11]})", R"({"sum":22})"}}, "Sum numbers in an array"),
          ex(R"(root.result = this.foo.fold("", item -> "%v%v".format(item.tally, item.value)))",
             {{R"({"foo":["hello ", "world"]})", R"({"result":"hello world"})"}},
             "Concatenate strings"),
          ex("root.smoothie = this.fruits.fold({}, item -> item.tally.merge(item.value))",
             {{R"({"fruits":[{"apple":5},{"banana":3},{"orange":8}]})",
               R"({"smoothie":{"apple":5,"banana":3,"orange":8}})"}},
             "Merge an array of objects into a single object")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      const auto& arr = array_of(v);
      const Query& q = args.query(1);
      Value tally = args[0];
      for (const auto& e : arr)
        tally = run_with(ctx, q, {{"tally", tally.to_json()}, {"value", e}});
      if (!tally.is_json()) return tally;
      return Value(tally.to_json()); // own it: the tally may borrow from a context object
    });

// --- sort / sort_by ------------------------------------------------------------------------------
// Sorts with a "less" that sees positions in the slice being sorted, like Go's sort.Slice: short
// slices use Go's insertion sort (so comparisons, errors and ties happen exactly as upstream),
// longer ones a stable merge sort.
template <typename Less> void go_sort(std::vector<json::value>& values, Less less) {
  const size_t n = values.size();
  if (n <= 12) {
    for (size_t i = 1; i < n; ++i)
      for (size_t j = i; j > 0 && less(values, j, j - 1); --j)
        std::swap(values[j], values[j - 1]);
    return;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<json::value> original = values;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return less(original, a, b); });
  for (size_t i = 0; i < n; ++i)
    values[i] = original[order[i]];
}

// The default ordering of sort and sort_by: numbers by value, strings bytewise; the left side
// picks which, and the right side must match it.
bool natural_less(const Value& l, const Value& r, size_t li, size_t ri, const std::string& op,
                  const std::string& annotation) {
  auto fail = [&](size_t i, const TypeError& e) -> bool {
    throw EvalError(op + " element " + std::to_string(i) + ": " + e.what());
  };
  if (l.is_number()) {
    if (!r.is_number()) fail(ri, TypeError(r, {"number"}, annotation));
    return l.get_number() < r.get_number();
  }
  if (l.kind() == Value::Kind::String || l.kind() == Value::Kind::Bytes) {
    Value::Kind rk = r.kind();
    if (rk != Value::Kind::String && rk != Value::Kind::Bytes && rk != Value::Kind::Timestamp)
      fail(ri, TypeError(r, {"string"}, annotation));
    return l.get_string() < r.get_string();
  }
  return fail(li, TypeError(l, {"number", "string"}, annotation));
}

const bool kSort = register_method(
    {.name = "sort",
     .category = kCategory,
     .description = "Sorts an array in ascending order. Works with strings and numbers. For "
                    "custom sorting logic, provide a comparison query that receives 'left' and "
                    "'right' elements.",
     .params = {query_param("compare",
                            "An optional query that should explicitly compare elements `left` "
                            "and `right` and provide a boolean result.",
                            true)},
     .examples =
         {ex("root.sorted = this.foo.sort()",
             {{R"({"foo":["bbb","ccc","aaa"]})", R"({"sorted":["aaa","bbb","ccc"]})"}}),
          ex("root.sorted = this.foo.sort(item -> item.left.v < item.right.v)",
             {{R"({"foo":[{"id":"foo","v":"bbb"},{"id":"bar","v":"ccc"},{"id":"baz","v":"aaa"}]})",
               R"({"sorted":[{"id":"baz","v":"aaa"},{"id":"foo","v":"bbb"},{"id":"bar","v":"ccc"}]})"}},
             "Custom comparison for complex objects - return true if left < right")},
     .errors = ErrorStyle::TypeOnly},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      std::vector<json::value> values(array_of(v).begin(), array_of(v).end());
      const Query* compare =
          args.queries_.size() > 0 && args.queries_[0] != nullptr ? args.queries_[0] : nullptr;
      if (compare != nullptr) {
        go_sort(values, [&](const std::vector<json::value>& vals, size_t i, size_t j) {
          Value res = run_with(ctx, *compare, {{"left", vals[i]}, {"right", vals[j]}});
          if (!is_bool(res)) throw TypeError(res, {"bool"}, "sort argument");
          return res.get_bool();
        });
      } else {
        go_sort(values, [&](const std::vector<json::value>& vals, size_t i, size_t j) {
          return natural_less(Value::ref(vals[i]), Value::ref(vals[j]), i, j, "sort", "");
        });
      }
      return Value(json::value(json::array(values.begin(), values.end())));
    });

const bool kSortBy = register_method(
    {.name = "sort_by",
     .category = kCategory,
     .description = "Sorts an array by a value extracted from each element using a query. The "
                    "extracted values determine sort order and must all be strings or numbers.",
     .params = {query_param("query",
                            "A query to apply to each element that yields a value used for "
                            "sorting.")},
     .examples =
         {ex("root.sorted = this.foo.sort_by(ele -> ele.id)",
             {{R"({"foo":[{"id":"bbb","message":"bar"},{"id":"aaa","message":"foo"},{"id":"ccc","message":"baz"}]})",
               R"({"sorted":[{"id":"aaa","message":"foo"},{"id":"bbb","message":"bar"},{"id":"ccc","message":"baz"}]})"}}),
          ex("root.sorted = this.items.sort_by(item -> item.priority)",
             {{R"({"items":[{"name":"low","priority":3},{"name":"high","priority":1},{"name":"med","priority":2}]})",
               R"({"sorted":[{"name":"high","priority":1},{"name":"med","priority":2},{"name":"low","priority":3}]})"}},
             "Sort by numeric field")},
     .errors = ErrorStyle::TypeOnly},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      std::vector<json::value> values(array_of(v).begin(), array_of(v).end());
      const Query& q = args.query(0);
      const std::string annotation = q.annotation();
      go_sort(values, [&](const std::vector<json::value>& vals, size_t i, size_t j) {
        Value l = run(ctx, q, vals[i]);
        Value r = run(ctx, q, vals[j]);
        return natural_less(l, r, i, j, "sort_by", annotation);
      });
      return Value(json::value(json::array(values.begin(), values.end())));
    });

// --- sum / unique ------------------------------------------------------------------------------
const bool kSum = register_method(
    {.name = "sum",
     .category = kCategory,
     .description = "Calculates the sum of all numeric values in an array. Non-numeric values "
                    "cause an error.",
     .examples = {ex("root.sum = this.foo.sum()", {{R"({"foo":[3,8,4]})", R"({"sum":15})"}}),
                  ex("root.total = this.prices.sum()",
                     {{R"({"prices":[10.5,20.25,5.00]})", R"({"total":35.75})"}},
                     "Works with decimals")},
     .errors = ErrorStyle::TypeOnly},
    [](ExecContext&, const Value& v, const Args&) {
      if (v.is_number()) return Value(v.json());
      const auto& arr = array_of(v);
      double total = 0;
      std::optional<std::string> err; // upstream reports the last bad element
      for (size_t i = 0; i < arr.size(); ++i) {
        auto n = structured::number_of(arr[i]);
        if (!n) {
          err = "index " + std::to_string(i) + ": " +
                TypeError(Value::ref(arr[i]), {"number"}).what();
          continue;
        }
        total += *n;
      }
      if (err) throw EvalError(*err);
      return Value::number(total);
    });

const bool kUnique = register_method(
    {.name = "unique",
     .category = kCategory,
     .description = "Removes duplicate values from an array, keeping the first occurrence of each "
                    "unique value. Strings and numbers are treated as distinct types (\"5\" "
                    "differs from 5).",
     .params = {query_param("emit",
                            "An optional query that can be used in order to yield a value for "
                            "each element to determine uniqueness.",
                            true)},
     .examples =
         {ex("root.uniques = this.foo.unique()",
             {{R"({"foo":["a","b","a","c"]})", R"({"uniques":["a","b","c"]})"}}),
          ex("root.unique_users = this.users.unique(u -> u.id)",
             {{R"({"users":[{"id":1,"name":"Alice"},{"id":2,"name":"Bob"},{"id":1,"name":"Alice Duplicate"}]})",
               R"({"unique_users":[{"id":1,"name":"Alice"},{"id":2,"name":"Bob"}]})"}},
             "Use a query to determine uniqueness by a field")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      const auto& arr = array_of(v);
      const Query* emit =
          args.queries_.size() > 0 && args.queries_[0] != nullptr ? args.queries_[0] : nullptr;
      std::set<std::string> strings;
      std::set<double> numbers;
      json::array out;
      for (size_t i = 0; i < arr.size(); ++i) {
        Value check = Value::ref(arr[i]);
        if (emit != nullptr) {
          try {
            check = run(ctx, *emit, arr[i]);
          } catch (const std::exception& e) {
            throw EvalError(prefixed("index " + std::to_string(i) + ": ", e));
          }
        }
        bool fresh;
        switch (check.kind()) {
        case Value::Kind::String:
        case Value::Kind::Bytes:
        case Value::Kind::Timestamp:
          fresh = strings.insert(check.get_string()).second;
          break;
        case Value::Kind::Number:
          fresh = numbers.insert(check.get_number()).second;
          break;
        default:
          throw EvalError("index " + std::to_string(i) + ": " +
                          TypeError(check, {"string", "number"}).what());
        }
        if (fresh) out.push_back(arr[i]);
      }
      return Value(json::value(std::move(out)));
    });

// --- range() -----------------------------------------------------------------------------------
const bool kRange = register_function(
    {.name = "range",
     .category = "General",
     .description = "The `range` function creates an array of integers following a range "
                    "between a start, stop and optional step integer argument. If the step "
                    "argument is omitted then it defaults to 1. A negative step can be provided "
                    "as long as stop < start.",
     .params = {{.name = "start", .type = ParamType::Int, .description = "The start value."},
                {.name = "stop", .type = ParamType::Int, .description = "The stop value."},
                {.name = "step",
                 .type = ParamType::Int,
                 .description = "The step value.",
                 .default_value = json::value(1)}},
     .examples = {ex("root.a = range(0, 10)\nroot.b = range(start: 0, stop: this.max, step: 2) "
                     "# Using named params\nroot.c = range(0, -this.max, -2)",
                     {{R"({"max":10})",
                       R"({"a":[0,1,2,3,4,5,6,7,8,9],"b":[0,2,4,6,8],"c":[0,-2,-4,-6,-8]})"}}),
                  ex("root.pages = range(0, this.total_items, 100).map_each(offset -> {\n  "
                     "\"offset\": offset,\n  \"limit\": 100\n})",
                     {{R"({"total_items":250})",
                       R"({"pages":[{"limit":100,"offset":0},{"limit":100,"offset":100}]})"}},
                     "Generate pagination offsets")}},
    [](ExecContext&, const Args& args) {
      int64_t start = args.integer(0);
      int64_t stop = args.integer(1);
      int64_t step = args.has(2) ? args.integer(2) : 1;
      if (step == 0) throw EvalError("step must be greater than or less than 0");
      if (step < 0) {
        if (stop > start)
          throw EvalError("with negative step arg stop (" + std::to_string(stop) +
                          ") must be <= start (" + std::to_string(start) + ")");
      } else if (start >= stop) {
        throw EvalError("with positive step arg start (" + std::to_string(start) +
                        ") must be < stop (" + std::to_string(stop) + ")");
      }
      int64_t n = (stop - start) / step;
      json::array out;
      out.reserve(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i)
        out.push_back(start + step * i);
      return Value(json::value(std::move(out)));
    });

} // namespace
} // namespace plugctl::bloblang
