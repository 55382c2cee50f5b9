// Standard library: json_schema(), a JSON Schema (draft 4 to 7) validator that reports failures
// the way Benthos does through xeipuuv/gojsonschema: one line per failure,
// "<field> <description>", the description lower-cased ("foo invalid type. expected: string,
// given: integer", "(root) foo is required"). Keywords are checked in gojsonschema's order so
// that several failures are listed in the same order.
#include "bloblang/registry.hpp"
#include "bloblang/timefmt.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <re2/re2.h>
#include <stdexcept>

namespace plugctl::bloblang {
namespace {

struct Failure {
  std::string context;     // "(root)", "(root).foo", "(root).items.0"
  std::string description; // gojsonschema's English text
  std::string property;    // the "property" detail, when the error has one
};

struct Result {
  std::vector<Failure> failures;
  int score = 0; // how much of the value validated: picks the closest anyOf/oneOf branch
  bool valid() const { return failures.empty(); }
  void merge(const Result& other) {
    failures.insert(failures.end(), other.failures.begin(), other.failures.end());
    score += other.score;
  }
};

// The Field() of a failure: its context without the leading "(root).".
std::string field_of(const std::string& context) {
  const std::string prefix = "(root).";
  return context.compare(0, prefix.size(), prefix) == 0 ? context.substr(prefix.size()) : context;
}

std::string number_text(const json::value& v) {
  if (v.is_double()) {
    double d = v.get_double();
    if (d == std::trunc(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    return format_float_g(d);
  }
  return to_json_text(v);
}

bool is_integral(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.get_double()) &&
         v.get_double() == std::trunc(v.get_double());
}

std::string type_of(const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    return "null";
  case json::kind::bool_:
    return "boolean";
  case json::kind::string:
    return "string";
  case json::kind::array:
    return "array";
  case json::kind::object:
    return "object";
  default:
    return is_integral(v) ? "integer" : "number";
  }
}

size_t rune_count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

const json::value* member(const json::value& schema, std::string_view key) {
  return schema.is_object() ? schema.get_object().if_contains(key) : nullptr;
}

std::optional<double> num_member(const json::value& schema, std::string_view key) {
  const json::value* v = member(schema, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

// A compiled schema document: the JSON plus the regular expressions it uses, compiled once.
class Schema {
public:
  explicit Schema(json::value doc) : doc_(std::move(doc)) {}

  Result validate(const json::value& v) const {
    Result r;
    check(doc_, v, "(root)", r);
    return r;
  }

private:
  void fail(Result& r, const std::string& context, std::string description,
            std::string property = {}) const {
    r.failures.push_back({context, std::move(description), std::move(property)});
  }

  Result sub(const json::value& schema, const json::value& v, const std::string& context) const {
    Result r;
    check(schema, v, context, r);
    return r;
  }

  const RE2* regex(const std::string& pattern) const {
    std::lock_guard lock(mu_);
    auto it = regexes_.find(pattern);
    if (it == regexes_.end()) {
      auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
      it = regexes_.emplace(pattern, re->ok() ? std::move(re) : nullptr).first;
    }
    return it->second.get();
  }

  // "$ref": a JSON pointer into this document ("#", "#/definitions/x").
  const json::value& resolve(const std::string& ref) const {
    if (ref.empty() || ref[0] != '#') throw EvalError("unsupported schema reference " + ref);
    std::string pointer = ref.substr(1);
    std::string decoded;
    for (size_t i = 0; i < pointer.size(); ++i) {
      if (pointer[i] == '%' && i + 2 < pointer.size()) {
        decoded += static_cast<char>(std::stoi(pointer.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        decoded += pointer[i];
      }
    }
    if (decoded.empty()) return doc_;
    boost::system::error_code ec;
    const json::value* target = doc_.find_pointer(decoded, ec);
    if (target == nullptr) throw EvalError("schema reference " + ref + " not found");
    return *target;
  }

  void check(const json::value& schema, const json::value& v, const std::string& context,
             Result& r) const {
    if (schema.is_bool()) {
      if (!schema.get_bool()) fail(r, context, "False always fails validation");
      return;
    }
    if (!schema.is_object()) return;
    if (const json::value* ref = member(schema, "$ref"); ref != nullptr && ref->is_string()) {
      check(resolve(std::string(ref->get_string())), v, context, r);
      return;
    }
    std::vector<std::string> types;
    if (const json::value* t = member(schema, "type")) {
      if (t->is_string()) types.emplace_back(t->get_string());
      if (t->is_array())
        for (const auto& e : t->get_array())
          if (e.is_string()) types.emplace_back(e.get_string());
    }
    auto has_type = [&](std::string_view name) {
      for (const auto& t : types)
        if (t == name) return true;
      return false;
    };
    std::string given = type_of(v);
    bool type_ok = types.empty() || has_type(given) || (given == "integer" && has_type("number"));
    if (!type_ok) {
      std::string expected = types.size() == 1 ? types[0] : "[";
      if (types.size() > 1) {
        for (size_t i = 0; i < types.size(); ++i)
          expected += (i > 0 ? "," : "") + types[i];
        expected += "]";
      }
      fail(r, context, "Invalid type. Expected: " + expected + ", given: " + given);
      return;
    }
    check_combinators(schema, v, context, r);
    if (v.is_array()) {
      check_array(schema, v.get_array(), context, r);
      check_common(schema, v, context, r);
    } else if (v.is_object()) {
      check_object(schema, v.get_object(), context, r);
      check_common(schema, v, context, r);
      if (const json::value* props = member(schema, "properties"); props && props->is_object()) {
        for (const auto& kv : props->get_object()) {
          const json::value* next = v.get_object().if_contains(kv.key());
          if (next != nullptr) check(kv.value(), *next, context + "." + std::string(kv.key()), r);
        }
      }
    } else {
      check_number(schema, v, context, r);
      check_common(schema, v, context, r);
      check_string(schema, v, context, r);
    }
    ++r.score;
  }

  void check_combinators(const json::value& schema, const json::value& v,
                         const std::string& context, Result& r) const {
    auto best_of = [](std::optional<Result>& best, Result candidate) {
      if (!best || candidate.score > best->score) best = std::move(candidate);
    };
    if (const json::value* any = member(schema, "anyOf"); any && any->is_array()) {
      bool ok = false;
      std::optional<Result> best;
      for (const auto& s : any->get_array()) {
        Result res = sub(s, v, context);
        if (res.valid()) {
          ok = true;
          break;
        }
        best_of(best, std::move(res));
      }
      if (!ok) {
        fail(r, context, "Must validate at least one schema (anyOf)");
        if (best) r.merge(*best);
      }
    }
    if (const json::value* one = member(schema, "oneOf"); one && one->is_array()) {
      int valid = 0;
      std::optional<Result> best;
      for (const auto& s : one->get_array()) {
        Result res = sub(s, v, context);
        if (res.valid()) {
          ++valid;
        } else if (valid == 0) {
          best_of(best, std::move(res));
        }
      }
      if (valid != 1) {
        fail(r, context, "Must validate one and only one schema (oneOf)");
        if (valid == 0 && best) r.merge(*best);
      }
    }
    if (const json::value* all = member(schema, "allOf"); all && all->is_array()) {
      size_t valid = 0;
      for (const auto& s : all->get_array()) {
        Result res = sub(s, v, context);
        if (res.valid()) ++valid;
        r.merge(res);
      }
      if (valid != all->get_array().size())
        fail(r, context, "Must validate all the schemas (allOf)");
    }
    if (const json::value* n = member(schema, "not")) {
      if (sub(*n, v, context).valid()) fail(r, context, "Must not validate the schema (not)");
    }
    if (const json::value* deps = member(schema, "dependencies");
        deps && deps->is_object() && v.is_object()) {
      for (const auto& kv : v.get_object()) {
        const json::value* dep = deps->get_object().if_contains(kv.key());
        if (dep == nullptr) continue;
        if (dep->is_array()) {
          for (const auto& name : dep->get_array())
            if (name.is_string() && !v.get_object().contains(name.get_string()))
              fail(r, context, "Has a dependency on " + std::string(name.get_string()));
        } else {
          check(*dep, v, context, r);
        }
      }
    }
    if (const json::value* cond = member(schema, "if")) {
      bool if_ok = sub(*cond, v, context).valid();
      const json::value* then = member(schema, "then");
      const json::value* otherwise = member(schema, "else");
      if (then != nullptr && if_ok) {
        Result res = sub(*then, v, context);
        if (!res.valid()) {
          fail(r, context, "Must validate \"then\" as \"if\" was valid");
          r.merge(res);
        }
      }
      if (otherwise != nullptr && !if_ok) {
        Result res = sub(*otherwise, v, context);
        if (!res.valid()) {
          fail(r, context, "Must validate \"else\" as \"if\" was not valid");
          r.merge(res);
        }
      }
    }
  }

  void check_common(const json::value& schema, const json::value& v, const std::string& context,
                    Result& r) const {
    if (const json::value* c = member(schema, "const"); c != nullptr && !equal(*c, v))
      fail(r, context, field_of(context) + " does not match: " + to_json_text(*c));
    if (const json::value* e = member(schema, "enum"); e && e->is_array()) {
      bool found = false;
      std::string allowed;
      for (const auto& option : e->get_array()) {
        if (equal(option, v)) found = true;
        if (!allowed.empty()) allowed += ", ";
        allowed += to_json_text(option);
      }
      if (!found) fail(r, context, field_of(context) + " must be one of the following: " + allowed);
    }
  }

  void check_array(const json::value& schema, const json::array& arr, const std::string& context,
                   Result& r) const {
    auto item_context = [&](size_t i) { return context + "." + std::to_string(i); };
    if (const json::value* items = member(schema, "items")) {
      if (items->is_array()) {
        const auto& tuple = items->get_array();
        for (size_t i = 0; i < tuple.size() && i < arr.size(); ++i)
          r.merge(sub(tuple[i], arr[i], item_context(i)));
        if (tuple.size() < arr.size()) {
          const json::value* extra = member(schema, "additionalItems");
          if (extra != nullptr && extra->is_bool() && !extra->get_bool()) {
            fail(r, context, "No additional items allowed on array");
          } else if (extra != nullptr && extra->is_object()) {
            for (size_t i = tuple.size(); i < arr.size(); ++i)
              r.merge(sub(*extra, arr[i], item_context(i)));
          }
        }
      } else {
        for (size_t i = 0; i < arr.size(); ++i)
          r.merge(sub(*items, arr[i], item_context(i)));
      }
    }
    if (auto min = num_member(schema, "minItems"); min && static_cast<double>(arr.size()) < *min)
      fail(r, context,
           "Array must have at least " + number_text(*member(schema, "minItems")) + " items");
    if (auto max = num_member(schema, "maxItems"); max && static_cast<double>(arr.size()) > *max)
      fail(r, context,
           "Array must have at most " + number_text(*member(schema, "maxItems")) + " items");
    if (const json::value* u = member(schema, "uniqueItems"); u && u->is_bool() && u->get_bool()) {
      for (size_t j = 1; j < arr.size(); ++j) {
        for (size_t i = j; i-- > 0;) {
          if (!equal(arr[i], arr[j])) continue;
          fail(r, context,
               "array items[" + std::to_string(i) + "," + std::to_string(j) + "] must be unique");
          break;
        }
      }
    }
    if (const json::value* contains = member(schema, "contains")) {
      bool ok = false;
      std::optional<Result> best;
      for (size_t i = 0; i < arr.size(); ++i) {
        Result res = sub(*contains, arr[i], item_context(i));
        if (res.valid()) {
          ok = true;
          break;
        }
        if (!best || res.score > best->score) best = std::move(res);
      }
      if (!ok) {
        fail(r, context, "At least one of the items must match");
        if (best) r.merge(*best);
      }
    }
  }

  void check_object(const json::value& schema, const json::object& obj, const std::string& context,
                    Result& r) const {
    if (auto min = num_member(schema, "minProperties");
        min && static_cast<double>(obj.size()) < *min)
      fail(r, context,
           "Must have at least " + number_text(*member(schema, "minProperties")) + " properties");
    if (auto max = num_member(schema, "maxProperties");
        max && static_cast<double>(obj.size()) > *max)
      fail(r, context,
           "Must have at most " + number_text(*member(schema, "maxProperties")) + " properties");
    if (const json::value* req = member(schema, "required"); req && req->is_array()) {
      for (const auto& name : req->get_array()) {
        if (!name.is_string()) continue;
        std::string key(name.get_string());
        if (obj.contains(key)) {
          ++r.score;
        } else {
          fail(r, context, key + " is required", key);
        }
      }
    }
    const json::value* props = member(schema, "properties");
    const json::value* patterns = member(schema, "patternProperties");
    const json::value* additional = member(schema, "additionalProperties");
    for (const auto& kv : obj) {
      std::string key(kv.key());
      bool described = props != nullptr && props->is_object() && props->get_object().contains(key);
      bool pattern_matched = false;
      if (patterns != nullptr && patterns->is_object()) {
        for (const auto& p : patterns->get_object()) {
          const RE2* re = regex(std::string(p.key()));
          if (re == nullptr || !RE2::PartialMatch(key, *re)) continue;
          pattern_matched = true;
          Result res = sub(p.value(), kv.value(), context + "." + key);
          if (!res.valid()) {
            fail(r, context,
                 "Property \"" + key + "\" does not match pattern " + std::string(p.key()), key);
            r.merge(res);
          }
        }
      }
      if (described || pattern_matched || additional == nullptr) continue;
      if (additional->is_bool()) {
        if (!additional->get_bool())
          fail(r, context, "Additional property " + key + " is not allowed", key);
      } else {
        r.merge(sub(*additional, kv.value(), context + "." + key));
      }
    }
    if (const json::value* names = member(schema, "propertyNames")) {
      for (const auto& kv : obj) {
        json::value name = json::string(kv.key());
        Result res = sub(*names, name, context);
        if (!res.valid()) {
          fail(r, context, "Property name of \"" + std::string(kv.key()) + "\" does not match",
               std::string(kv.key()));
          r.merge(res);
        }
      }
    }
  }

  void check_number(const json::value& schema, const json::value& v, const std::string& context,
                    Result& r) const {
    if (!v.is_number()) return;
    double n = v.to_number<double>();
    if (auto m = num_member(schema, "multipleOf"); m && *m != 0) {
      double q = n / *m;
      if (std::fabs(q - std::round(q)) > 1e-9 * std::max(1.0, std::fabs(q)))
        fail(r, context, "Must be a multiple of " + number_text(*member(schema, "multipleOf")));
    }
    const json::value* xmax = member(schema, "exclusiveMaximum");
    const json::value* xmin = member(schema, "exclusiveMinimum");
    if (auto max = num_member(schema, "maximum")) {
      bool exclusive = xmax != nullptr && xmax->is_bool() && xmax->get_bool();
      std::string text = number_text(*member(schema, "maximum"));
      if (exclusive && n >= *max) fail(r, context, "Must be less than " + text);
      if (!exclusive && n > *max) fail(r, context, "Must be less than or equal to " + text);
    }
    if (xmax != nullptr && xmax->is_number() && n >= xmax->to_number<double>())
      fail(r, context, "Must be less than " + number_text(*xmax));
    if (auto min = num_member(schema, "minimum")) {
      bool exclusive = xmin != nullptr && xmin->is_bool() && xmin->get_bool();
      std::string text = number_text(*member(schema, "minimum"));
      if (exclusive && n <= *min) fail(r, context, "Must be greater than " + text);
      if (!exclusive && n < *min) fail(r, context, "Must be greater than or equal to " + text);
    }
    if (xmin != nullptr && xmin->is_number() && n <= xmin->to_number<double>())
      fail(r, context, "Must be greater than " + number_text(*xmin));
  }

  static bool format_ok(std::string_view format, const std::string& s) {
    static const RE2 kEmail(R"(^[^@\s]+@[^@\s]+$)");
    static const RE2 kUuid(R"(^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
    static const RE2 kHostname(
        R"(^([a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$)");
    static const RE2 kIpv4(
        R"(^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$)");
    static const RE2 kUri(R"(^[a-zA-Z][a-zA-Z0-9+.\-]*:[^\s]*$)");
    auto parses = [&](std::string_view layout) {
      try {
        timefmt::parse(layout, s);
        return true;
      } catch (const std::exception&) {
        return false;
      }
    };
    if (format == "date-time") return parses(timefmt::kRFC3339);
    if (format == "date") return parses("2006-01-02");
    if (format == "time") return parses("15:04:05Z07:00") || parses("15:04:05");
    if (format == "email" || format == "idn-email") return RE2::FullMatch(s, kEmail);
    if (format == "uuid") return RE2::FullMatch(s, kUuid);
    if (format == "hostname" || format == "idn-hostname")
      return s.size() <= 253 && RE2::FullMatch(s, kHostname);
    if (format == "ipv4") return RE2::FullMatch(s, kIpv4);
    if (format == "ipv6")
      return s.find(':') != std::string::npos &&
             s.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
    if (format == "uri" || format == "iri") return RE2::FullMatch(s, kUri);
    if (format == "regex") return RE2(s, RE2::Quiet).ok();
    return true; // formats gojsonschema does not check either
  }

  void check_string(const json::value& schema, const json::value& v, const std::string& context,
                    Result& r) const {
    if (!v.is_string()) return;
    std::string s(v.get_string());
    size_t runes = rune_count(s);
    if (auto min = num_member(schema, "minLength"); min && static_cast<double>(runes) < *min)
      fail(r, context,
           "String length must be greater than or equal to " +
               number_text(*member(schema, "minLength")));
    if (auto max = num_member(schema, "maxLength"); max && static_cast<double>(runes) > *max)
      fail(r, context,
           "String length must be less than or equal to " +
               number_text(*member(schema, "maxLength")));
    if (const json::value* p = member(schema, "pattern"); p && p->is_string()) {
      const RE2* re = regex(std::string(p->get_string()));
      if (re != nullptr && !RE2::PartialMatch(s, *re))
        fail(r, context, "Does not match pattern '" + std::string(p->get_string()) + "'");
    }
    if (const json::value* f = member(schema, "format"); f && f->is_string()) {
      if (!format_ok(f->get_string(), s))
        fail(r, context, "Does not match format '" + std::string(f->get_string()) + "'");
    }
  }

  json::value doc_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::unique_ptr<RE2>, std::less<>> regexes_;
};

std::shared_ptr<const Schema> compile(const std::string& text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) throw EvalError("failed to parse json schema definition: " + ec.message());
  if (!doc.is_object() && !doc.is_bool())
    throw EvalError("failed to parse json schema definition: schema must be an object");
  return std::make_shared<const Schema>(std::move(doc));
}

// Benthos's rendering: each failure on its own line, the description lower-cased except for the
// property it names.
std::string render(const Result& r) {
  std::string out;
  for (size_t i = 0; i < r.failures.size(); ++i) {
    const Failure& f = r.failures[i];
    std::string description = f.description;
    for (auto& c : description)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!f.property.empty()) {
      std::string lower_property = f.property;
      for (auto& c : lower_property)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (description.compare(0, lower_property.size(), lower_property) == 0)
        description.erase(0, lower_property.size());
      description = f.property + description;
    }
    if (i > 0) out += "\n";
    out += field_of(f.context) + " " + description;
  }
  return out;
}

const bool kJsonSchema = register_method(
    {.name = "json_schema",
     .category = "Object & Array Manipulation",
     .description = "Checks a https://json-schema.org/[JSON schema^] against a value and returns "
                    "the value if it matches or throws and error if it does not.",
     .status = "beta",
     .params = {{.name = "schema",
                 .type = ParamType::String,
                 .description = "The schema to check values against."}},
     .examples = {{.mapping = "root = this.json_schema(\"\"\"{\n  \"type\":\"object\",\n  "
                              "\"properties\":{\n    \"foo\":{\n      \"type\":\"string\"\n    "
                              "}\n  }\n}\"\"\")",
                   .results = {{R"({"foo":"bar"})", R"({"foo":"bar"})"},
                               {R"({"foo":5})",
                                "Error(\"failed assignment (line 1): field `this`: foo invalid "
                                "type. expected: string, given: integer\")"}}},
                  {.mapping =
                       "root = this.json_schema(file(env(\"BENTHOS_TEST_BLOBLANG_SCHEMA_FILE\")))",
                   .summary = "In order to load a schema from a file use the `file` function."}}},
    [](ExecContext&, const Value& v, const Args& args) -> Value {
      std::shared_ptr<const Schema> schema;
      if (const auto* prepared = static_cast<const std::shared_ptr<const Schema>*>(args.state())) {
        schema = *prepared;
      } else {
        schema = compile(args.string(0));
      }
      Result r = schema->validate(v.to_json());
      if (!r.valid()) throw EvalError(render(r));
      return v;
    },
    [](const Args& literal) -> std::shared_ptr<const void> {
      try {
        return std::make_shared<std::shared_ptr<const Schema>>(compile(literal.string(0)));
      } catch (const std::exception& e) {
        throw std::invalid_argument(e.what());
      }
    });

} // namespace
} // namespace plugctl::bloblang
