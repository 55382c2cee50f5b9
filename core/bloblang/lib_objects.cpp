// Standard library: the object half of "Object & Array Manipulation" (keys, paths, merging and
// reshaping objects).
#include "bloblang/lib_structured.hpp"
#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"

#include <algorithm>

namespace plugctl::bloblang {
namespace {

constexpr const char* kCategory = "Object & Array Manipulation";

Example ex(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
           std::string summary = {}) {
  return Example{std::move(mapping), std::move(results), std::move(summary)};
}

ParamSpec path_param(std::string description) {
  return {.name = "path", .type = ParamType::String, .description = std::move(description)};
}

const json::object& object_of(const Value& v) {
  if (!v.is_object()) throw TypeError(v, {"object"});
  return v.json().get_object();
}

// The dot paths of with()/without(): every argument must be a string.
std::vector<std::vector<std::string>> path_args(const Args& args) {
  std::vector<std::vector<std::string>> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const Value& a = args[i];
    Value::Kind k = a.kind();
    if (k != Value::Kind::String && k != Value::Kind::Bytes && k != Value::Kind::Timestamp)
      throw EvalError("argument " + std::to_string(i) + ": " + TypeError(a, {"string"}).what());
    paths.push_back(structured::dot_path(a.get_string()));
  }
  return paths;
}

// merge() and assign(): arrays append, objects merge (`assign`: the argument wins collisions).
Value merge_values(const Value& target, const Value& with, bool assign) {
  json::value from = with.to_json();
  if (target.is_array()) {
    json::array out = target.json().get_array();
    if (from.is_array()) {
      for (auto& e : from.get_array())
        out.push_back(std::move(e));
    } else {
      out.push_back(std::move(from));
    }
    return Value(json::value(std::move(out)));
  }
  if (!target.is_object()) throw TypeError(target, {"object", "array"});
  json::object out;
  structured::merge_into(out, target.json().get_object(), assign);
  if (from.is_object()) structured::merge_into(out, from.get_object(), assign);
  return Value(json::value(std::move(out)));
}

const bool kMerge = register_method(
    {.name = "merge",
     .category = kCategory,
     .description = "Combines two objects or arrays. When merging objects, conflicting keys "
                    "create arrays containing both values. Arrays are concatenated. For key "
                    "override behavior instead, use the assign method.",
     .params = {{.name = "with",
                 .type = ParamType::Any,
                 .description = "A value to merge the target value with."}},
     .examples =
         {ex("root = this.foo.merge(this.bar)",
             {{R"({"foo":{"first_name":"fooer","likes":"bars"},"bar":{"second_name":"barer","likes":"foos"}})",
               R"({"first_name":"fooer","likes":["bars","foos"],"second_name":"barer"})"}}),
          ex("root.combined = this.list1.merge(this.list2)",
             {{R"({"list1":["a","b"],"list2":["c","d"]})", R"({"combined":["a","b","c","d"]})"}},
             "Merge arrays")},
     .errors = ErrorStyle::TypeOnly},
    [](ExecContext&, const Value& v, const Args& args) { return merge_values(v, args[0], false); });

const bool kAssign = register_method(
    {.name = "assign",
     .category = kCategory,
     .description = "Merges two objects or arrays with override behavior. For objects, source "
                    "values replace destination values on key conflicts. Arrays are concatenated. "
                    "To preserve both values on conflict, use the merge method instead.",
     .params = {{.name = "with",
                 .type = ParamType::Any,
                 .description = "A value to merge the target value with."}},
     .examples =
         {ex("root = this.foo.assign(this.bar)",
             {{R"({"foo":{"first_name":"fooer","likes":"bars"},"bar":{"second_name":"barer","likes":"foos"}})",
               R"({"first_name":"fooer","likes":"foos","second_name":"barer"})"}}),
          ex("root.config = this.defaults.assign(this.user_settings)",
             {{R"({"defaults":{"timeout":30,"retries":3},"user_settings":{"timeout":60}})",
               R"({"config":{"retries":3,"timeout":60}})"}},
             "Override defaults with user settings")},
     .errors = ErrorStyle::TypeOnly},
    [](ExecContext&, const Value& v, const Args& args) { return merge_values(v, args[0], true); });

const bool kSquash = register_method(
    {.name = "squash",
     .category = kCategory,
     .description = "Squashes an array of objects into a single object, where key collisions "
                    "result in the values being merged (following similar rules as the "
                    "`.merge()` method)",
     .examples = {ex(
         "root.locations = this.locations.map_each(loc -> {loc.state: "
         "[loc.name]}).squash()",
         {{R"({"locations":[{"name":"Seattle","state":"WA"},{"name":"New York","state":"NY"},{"name":"Bellevue","state":"WA"},{"name":"Olympia","state":"WA"}]})",
           R"({"locations":{"NY":["New York"],"WA":["Seattle","Bellevue","Olympia"]}})"}})},
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args&) {
      if (!v.is_array()) throw TypeError(v, {"array"});
      json::object out;
      for (const auto& e : v.json().get_array())
        if (e.is_object()) structured::merge_into(out, e.get_object(), false);
      return Value(json::value(std::move(out)));
    });

// --- paths ---------------------------------------------------------------------------------------
const bool kCollapse = register_method(
    {.name = "collapse",
     .category = kCategory,
     .description = "Flattens a nested structure into a single-level object with dot-notation "
                    "keys representing the full path to each value. Empty arrays and objects are "
                    "excluded by default.",
     .params = {{.name = "include_empty",
                 .type = ParamType::Bool,
                 .description = "Whether to include empty objects and arrays in the resulting "
                                "object.",
                 .default_value = json::value(false)}},
     .examples =
         {ex("root.result = this.collapse()",
             {{R"({"foo":[{"bar":"1"},{"bar":{}},{"bar":"2"},{"bar":[]}]})",
               R"({"result":{"foo.0.bar":"1","foo.2.bar":"2"}})"}}),
          ex("root.result = this.collapse(include_empty: true)",
             {{R"({"foo":[{"bar":"1"},{"bar":{}},{"bar":"2"},{"bar":[]}]})",
               R"({"result":{"foo.0.bar":"1","foo.1.bar":{},"foo.2.bar":"2","foo.3.bar":[]}})"}},
             "Set include_empty to true to preserve empty objects and arrays in the "
             "output.")}},
    [](ExecContext&, const Value& v, const Args& args) {
      bool include_empty = args.has(0) && args.boolean(0);
      return Value(json::value(structured::flatten(v.to_json(), include_empty)));
    });

const bool kExists = register_method(
    {.name = "exists",
     .category = kCategory,
     .description = "Checks whether a field exists at the specified dot path within an object. "
                    "Returns true if the field is present (even if null), false otherwise.",
     .params = {path_param("A xref:configuration:field_paths.adoc[dot path] to a field.")},
     .examples = {ex(R"(root.result = this.foo.exists("bar.baz"))",
                     {{R"({"foo":{"bar":{"baz":"yep, I exist"}}})", R"({"result":true})"},
                      {R"({"foo":{"bar":{}}})", R"({"result":false})"},
                      {R"({"foo":{}})", R"({"result":false})"}}),
                  ex(R"(root.has_field = this.data.exists("optional_field"))",
                     {{R"({"data":{"optional_field":null}})", R"({"has_field":true})"},
                      {R"({"data":{}})", R"({"has_field":false})"}},
                     "Also returns true for null values if the field exists")}},
    [](ExecContext&, const Value& v, const Args& args) {
      auto path = structured::dot_path(args.string(0));
      if (!v.is_json()) return Value::boolean(false);
      return Value::boolean(structured::search(v.json(), path).has_value());
    });

const bool kGet = register_method(
    {.name = "get",
     .category = kCategory,
     .description = "Extract a field value, identified via a xref:configuration:field_paths.adoc"
                    "[dot path], from an object.",
     .params = {path_param(
         "A xref:configuration:field_paths.adoc[dot path] identifying a field to obtain.")},
     .examples = {ex("root.result = this.foo.get(this.target)",
                     {{R"({"foo":{"bar":"from bar","baz":"from baz"},"target":"bar"})",
                       R"({"result":"from bar"})"},
                      {R"({"foo":{"bar":"from bar","baz":"from baz"},"target":"baz"})",
                       R"({"result":"from baz"})"}})}},
    [](ExecContext&, const Value& v, const Args& args) -> Value {
      auto path = structured::dot_path(args.string(0));
      if (!v.is_json()) return Value();
      auto found = structured::search(v.json(), path);
      return found ? Value(std::move(*found)) : Value();
    });

const bool kExplode = register_method(
    {.name = "explode",
     .category = kCategory,
     .description = "Expands a nested array or object field into multiple documents, "
                    "distributing elements while preserving the surrounding structure. Useful "
                    "for denormalizing data.",
     .params = {path_param(
         "A xref:configuration:field_paths.adoc[dot path] to a field to explode.")},
     .examples =
         {ex(R"(root = this.explode("value"))",
             {{R"({"id":1,"value":["foo","bar","baz"]})",
               R"([{"id":1,"value":"foo"},{"id":1,"value":"bar"},{"id":1,"value":"baz"}])"}},
             "##### On arrays\n\nWhen exploding an array, each element becomes a separate "
             "document with the array element replacing the original field:"),
          ex(R"(root = this.explode("value"))",
             {{R"({"id":1,"value":{"foo":2,"bar":[3,4],"baz":{"bev":5}}})",
               R"({"bar":{"id":1,"value":[3,4]},"baz":{"id":1,"value":{"bev":5}},"foo":{"id":1,"value":2}})"}},
             "##### On objects\n\nWhen exploding an object, the output keys match the "
             "nested object's keys, with values being the full document where the target "
             "field is replaced by each nested value:")}},
    [](ExecContext&, const Value& v, const Args& args) -> Value {
      const std::string raw = args.string(0);
      auto path = structured::dot_path(raw);
      const auto& root = object_of(v);
      auto target = structured::search(v.json(), path);
      std::vector<std::vector<std::string>> without{path};
      const json::value copy_from(structured::map_without(root, without));
      auto exploded = [&](const json::value& element) {
        json::value doc = copy_from;
        structured::set_path(doc, path, element);
        return doc;
      };
      if (target && target->is_array()) {
        json::array out;
        for (const auto& e : target->get_array())
          out.push_back(exploded(e));
        return Value(json::value(std::move(out)));
      }
      if (target && target->is_object()) {
        json::object out;
        for (const auto& kv : target->get_object())
          out[kv.key()] = exploded(kv.value());
        return Value(json::value(std::move(out)));
      }
      std::string found = target ? std::string(Value::ref(*target).type_name()) : "null";
      throw EvalError("expected array or object value at path '" + raw + "', found: " + found);
    });

const bool kWith = register_method(
    {.name = "with",
     .category = kCategory,
     .description = "Returns an object where all but one or more "
                    "xref:configuration:field_paths.adoc[field path] arguments are removed. Each "
                    "path specifies a specific field to be retained from the input object, "
                    "allowing for nested fields.\n\nIf a key within a nested path does not exist "
                    "then it is ignored.",
     .examples = {ex(
         R"(root = this.with("inner.a","inner.c","d"))",
         {{R"({"inner":{"a":"first","b":"second","c":"third"},"d":"fourth","e":"fifth"})",
           R"({"d":"fourth","inner":{"a":"first","c":"third"}})"}})},
     .variadic = true,
     .errors = ErrorStyle::Plain},
    [](ExecContext&, const Value& v, const Args& args) {
      auto paths = path_args(args);
      return Value(json::value(structured::map_with(object_of(v), paths)));
    });

const bool kWithout = register_method(
    {.name = "without",
     .category = kCategory,
     .description = "Removes specified fields from an object using dot-notation paths. Returns a "
                    "new object with the fields removed. Non-existent paths are safely ignored.",
     .examples =
         {ex(R"(root = this.without("inner.a","inner.c","d"))",
             {{R"({"inner":{"a":"first","b":"second","c":"third"},"d":"fourth","e":"fifth"})",
               R"({"e":"fifth","inner":{"b":"second"}})"}}),
          ex(R"(root = this.without("password","ssn","creditCard"))",
             {{R"({"username":"alice","password":"secret","email":"alice@example.com","ssn":"123-45-6789"})",
               R"({"email":"alice@example.com","username":"alice"})"}},
             "Remove sensitive fields")},
     .variadic = true},
    [](ExecContext&, const Value& v, const Args& args) {
      auto paths = path_args(args);
      return Value(json::value(structured::map_without(object_of(v), paths)));
    });

// --- keys and values
// -------------------------------------------------------------------------------
const bool kKeys = register_method(
    {.name = "keys",
     .category = kCategory,
     .description = "Extracts all keys from an object and returns them as a sorted array.",
     .examples = {ex("root.foo_keys = this.foo.keys()",
                     {{R"({"foo":{"bar":1,"baz":2}})", R"({"foo_keys":["bar","baz"]})"}}),
                  ex(R"(root.has_id = this.data.keys().contains("id"))",
                     {{R"({"data":{"id":123,"name":"test"}})", R"({"has_id":true})"}},
                     "Check if specific keys exist")}},
    [](ExecContext&, const Value& v, const Args&) {
      const auto& obj = object_of(v);
      std::vector<std::string_view> keys;
      keys.reserve(obj.size());
      for (const auto& kv : obj)
        keys.push_back(kv.key());
      std::sort(keys.begin(), keys.end());
      json::array out;
      out.reserve(keys.size());
      for (auto k : keys)
        out.push_back(json::string(k));
      return Value(json::value(std::move(out)));
    });

const bool kValues = register_method(
    {.name = "values",
     .category = kCategory,
     .description = "Extracts all values from an object and returns them as an array. Order is "
                    "not guaranteed unless the result is sorted.",
     .examples = {ex("root.foo_vals = this.foo.values().sort()",
                     {{R"({"foo":{"bar":1,"baz":2}})", R"({"foo_vals":[1,2]})"}}),
                  ex("root.max = this.scores.values().sort().index(-1)",
                     {{R"({"scores":{"player1":85,"player2":92,"player3":78}})", R"({"max":92})"}},
                     "Find max value in object")}},
    [](ExecContext&, const Value& v, const Args&) {
      const auto& obj = object_of(v);
      json::array out;
      out.reserve(obj.size());
      for (const auto& kv : obj)
        out.push_back(kv.value());
      return Value(json::value(std::move(out)));
    });

const bool kKeyValues = register_method(
    {.name = "key_values",
     .category = kCategory,
     .description = "Converts an object into an array of key-value pair objects. Each element "
                    "has a 'key' field and a 'value' field. Order is not guaranteed unless "
                    "sorted.",
     .examples = {ex("root.foo_key_values = this.foo.key_values().sort_by(pair -> pair.key)",
                     {{R"({"foo":{"bar":1,"baz":2}})",
                       R"({"foo_key_values":[{"key":"bar","value":1},{"key":"baz","value":2}]})"}}),
                  ex("root.large_items = this.items.key_values().filter(pair -> pair.value > "
                     "15).map_each(pair -> pair.key)",
                     {{R"({"items":{"a":5,"b":15,"c":20,"d":3}})", R"({"large_items":["c"]})"}},
                     "Filter object entries by value")}},
    [](ExecContext&, const Value& v, const Args&) {
      const auto& obj = object_of(v);
      json::array out;
      out.reserve(obj.size());
      for (const auto& kv : obj)
        out.push_back(json::object{{"key", kv.key()}, {"value", kv.value()}});
      return Value(json::value(std::move(out)));
    });

const bool kMapEachKey = register_method(
    {.name = "map_each_key",
     .category = kCategory,
     .description = "Transforms object keys using a query. The query receives each key as a "
                    "string and must return a new string key. Use this to rename or transform "
                    "keys while preserving values.",
     .params = {{.name = "query",
                 .type = ParamType::Query,
                 .description = "A query that will be used to map each key."}},
     .examples = {ex("root.new_dict = this.dict.map_each_key(key -> key.uppercase())",
                     {{R"({"dict":{"keya":"hello","keyb":"world"}})",
                       R"({"new_dict":{"KEYA":"hello","KEYB":"world"}})"}}),
                  ex(R"(root = this.map_each_key(key -> if key.contains("kafka") { "_" + key }))",
                     {{R"({"amqp_key":"foo","kafka_key":"bar","kafka_topic":"baz"})",
                       R"({"_kafka_key":"bar","_kafka_topic":"baz","amqp_key":"foo"})"}},
                     "Conditionally transform keys")}},
    [](ExecContext& ctx, const Value& v, const Args& args) {
      const auto& obj = object_of(v);
      const Query& q = args.query(0);
      json::object out;
      for (const auto& kv : obj) {
        Value key = Value::string(std::string(kv.key()));
        Value res = q.exec(ctx, key);
        if (res.is_nothing()) {
          out[kv.key()] = kv.value();
        } else if (res.kind() == Value::Kind::String) {
          out[res.get_string()] = kv.value();
        } else {
          throw EvalError(std::string("unexpected result from key mapping: ") +
                          TypeError(res, {"string"}).what());
        }
      }
      return Value(json::value(std::move(out)));
    });

} // namespace
} // namespace plugctl::bloblang
