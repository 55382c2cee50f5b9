#include "registry/spec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

namespace plugctl::core {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<FieldType, std::string_view>, 11> kTypeNames{{
    {FieldType::String, "string"},
    {FieldType::Int, "int"},
    {FieldType::Float, "float"},
    {FieldType::Bool, "bool"},
    {FieldType::Duration, "duration"},
    {FieldType::Object, "object"},
    {FieldType::Any, "any"},
    {FieldType::Bloblang, "bloblang"},
    {FieldType::Input, "input"},
    {FieldType::Output, "output"},
    {FieldType::Processor, "processor"},
}};

constexpr std::array<std::pair<FieldKind, std::string_view>, 3> kKindNames{{
    {FieldKind::Scalar, "scalar"},
    {FieldKind::List, "list"},
    {FieldKind::Map, "map"},
}};

bool valid_field_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The JSON text of a value, shortened for messages.
std::string show(const json::value& v) {
  std::string s = json::serialize(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string type_mismatch(std::string_view expected, const json::value& v) {
  return "expected " + std::string(expected) + ", got " + show(v);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

std::optional<std::string> prefixed(const std::string& pointer, std::optional<std::string> err) {
  if (!err) return err;
  if ((*err)[0] == '/') return pointer + *err; // already has a pointer: extend it
  return pointer + ": " + *err;
}

std::optional<std::string> check_element(const FieldSpec& spec, const json::value& v) {
  switch (spec.type) {
  case FieldType::String:
  case FieldType::Bloblang:
    if (!v.is_string()) return type_mismatch("string", v);
    if (spec.type == FieldType::String && !spec.options.empty()) {
      std::string_view s = v.get_string();
      if (std::find(spec.options.begin(), spec.options.end(), s) == spec.options.end())
        return "invalid value '" + std::string(s) + "', expected one of: " + join(spec.options);
    }
    return std::nullopt;
  case FieldType::Int:
    if (v.is_int64()) return std::nullopt;
    if (v.is_uint64() && v.get_uint64() <= uint64_t(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return type_mismatch("int", v);
  case FieldType::Float:
    if (v.is_number()) return std::nullopt;
    return type_mismatch("float", v);
  case FieldType::Bool:
    if (v.is_bool()) return std::nullopt;
    return type_mismatch("bool", v);
  case FieldType::Duration:
    // "" is how specs say "disabled" (the SDK's batching.period does it).
    if (v.is_string() && v.get_string().empty()) return std::nullopt;
    if (duration_ns(v)) return std::nullopt;
    return type_mismatch("duration", v);
  case FieldType::Any:
    return std::nullopt;
  case FieldType::Input:
  case FieldType::Output:
  case FieldType::Processor:
    if (v.is_object()) return std::nullopt;
    return type_mismatch(field_type_name(spec.type), v);
  case FieldType::Object: {
    if (!v.is_object()) return type_mismatch("object", v);
    for (const auto& member : v.get_object()) {
      std::string pointer = "/" + escape_pointer(member.key());
      const FieldSpec* child = spec.child(member.key());
      if (child == nullptr) return pointer + ": unknown field '" + std::string(member.key()) + "'";
      if (auto err = prefixed(pointer, check_json_value(*child, member.value()))) return err;
    }
    return std::nullopt;
  }
  }
  return std::nullopt;
}

// Parses one field descriptor; `path` is where it sits ("" for the root, "children[2]").
FieldSpec parse_field(const json::value& doc, const std::string& path, bool is_root) {
  auto where = [&](std::string_view key) {
    if (key.empty() || path.empty()) return path + std::string(key);
    return path + "." + std::string(key);
  };
  auto fail = [&](std::string_view key, const std::string& what) -> void {
    std::string at = where(key);
    throw std::invalid_argument(at.empty() ? what : at + ": " + what);
  };
  if (!doc.is_object()) fail("", "expected a field descriptor object, got " + show(doc));
  const json::object& obj = doc.get_object();

  FieldSpec spec;
  auto get_string = [&](std::string_view key, std::string& out) {
    const json::value* v = obj.if_contains(key);
    if (v == nullptr) return false;
    if (!v->is_string()) fail(key, "expected a string, got " + show(*v));
    out = std::string(v->get_string());
    return true;
  };
  auto get_bool = [&](std::string_view key, bool& out) {
    const json::value* v = obj.if_contains(key);
    if (v == nullptr) return;
    if (!v->is_bool()) fail(key, "expected true or false, got " + show(*v));
    out = v->get_bool();
  };

  if (get_string("name", spec.name)) {
    // The SDK's Spec::scalar(Field) gives the root a name; it means nothing there.
    if (is_root) {
      spec.name.clear();
    } else if (!valid_field_name(spec.name)) {
      fail("name", "invalid field name '" + spec.name + "' (names match [a-z0-9_]+)");
    }
  } else if (!is_root) {
    fail("name", "missing field name");
  }

  std::string text;
  if (!get_string("type", text)) fail("type", "missing type");
  auto type = parse_field_type(text);
  if (!type) fail("type", "unknown type '" + text + "'");
  spec.type = *type;
  if (get_string("kind", text)) {
    auto kind = parse_field_kind(text);
    if (!kind) fail("kind", "unknown kind '" + text + "'");
    spec.kind = *kind;
  }
  get_string("description", spec.description);
  get_string("version", spec.version);
  get_bool("optional", spec.optional);
  get_bool("advanced", spec.advanced);
  get_bool("secret", spec.secret);
  get_bool("deprecated", spec.deprecated);
  get_bool("interpolated", spec.interpolated);

  if (const json::value* v = obj.if_contains("options")) {
    if (!v->is_array()) fail("options", "expected an array of strings, got " + show(*v));
    const auto& arr = v->get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string())
        fail("options[" + std::to_string(i) + "]", "expected a string, got " + show(arr[i]));
      spec.options.emplace_back(arr[i].get_string());
    }
  }
  if (const json::value* v = obj.if_contains("examples")) {
    if (!v->is_array()) fail("examples", "expected an array, got " + show(*v));
    spec.examples.assign(v->get_array().begin(), v->get_array().end());
  }
  if (const json::value* v = obj.if_contains("children")) {
    if (!v->is_array()) fail("children", "expected an array, got " + show(*v));
    const auto& arr = v->get_array();
    if (!arr.empty() && spec.type != FieldType::Object)
      fail("children", "only fields of type object have children, this one is " +
                           std::string(field_type_name(spec.type)));
    std::set<std::string, std::less<>> seen;
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string child_path = where("children[" + std::to_string(i) + "]");
      FieldSpec child = parse_field(arr[i], child_path, false);
      if (!seen.insert(child.name).second)
        throw std::invalid_argument(child_path + ".name: duplicate field name '" + child.name +
                                    "'");
      spec.children.push_back(std::move(child));
    }
  }
  // Checked last: a default is validated against the complete spec (children included).
  // "default": null means no default.
  if (const json::value* v = obj.if_contains("default"); v != nullptr && !v->is_null()) {
    if (auto err = check_json_value(spec, *v)) fail("default", *err);
    spec.default_value = *v;
  }
  return spec;
}

// Go's leadingInt: consumes digits, nullopt on overflow.
std::optional<uint64_t> leading_int(std::string_view& s) {
  uint64_t x = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (x > (uint64_t(1) << 63) / 10) return std::nullopt;
    x = x * 10 + uint64_t(s[i] - '0');
    if (x > (uint64_t(1) << 63)) return std::nullopt;
  }
  s.remove_prefix(i);
  return x;
}

std::optional<uint64_t> unit_ns(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1000; // us, U+00B5, U+03BC
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000;
  if (u == "m") return uint64_t(60) * 1000000000;
  if (u == "h") return uint64_t(3600) * 1000000000;
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::string escape_pointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view kind_name(ComponentKind k) {
  switch (k) {
  case ComponentKind::Input:
    return "input";
  case ComponentKind::Output:
    return "output";
  case ComponentKind::Processor:
    return "processor";
  case ComponentKind::Cache:
    return "cache";
  }
  return "unknown";
}

std::optional<ComponentKind> parse_kind(std::string_view s) {
  for (auto k : {ComponentKind::Input, ComponentKind::Output, ComponentKind::Processor,
                 ComponentKind::Cache})
    if (kind_name(k) == s) return k;
  return std::nullopt;
}

std::string_view field_type_name(FieldType t) {
  for (const auto& [type, name] : kTypeNames)
    if (type == t) return name;
  return "unknown";
}

std::string_view field_kind_name(FieldKind k) {
  for (const auto& [kind, name] : kKindNames)
    if (kind == k) return name;
  return "unknown";
}

std::optional<FieldType> parse_field_type(std::string_view s) {
  for (const auto& [type, name] : kTypeNames)
    if (name == s) return type;
  return std::nullopt;
}

std::optional<FieldKind> parse_field_kind(std::string_view s) {
  for (const auto& [kind, name] : kKindNames)
    if (name == s) return kind;
  return std::nullopt;
}

const FieldSpec* FieldSpec::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

FieldSpec parse_spec(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) throw std::invalid_argument("invalid JSON: " + ec.message());
  return parse_spec(doc);
}

FieldSpec parse_spec(const char* text) {
  return parse_spec(std::string_view(text));
}

FieldSpec parse_spec(const json::value& doc) {
  return parse_field(doc, "", true);
}

json::value spec_to_json(const FieldSpec& spec) {
  json::object out;
  if (!spec.name.empty()) out["name"] = spec.name;
  out["type"] = field_type_name(spec.type);
  out["kind"] = field_kind_name(spec.kind);
  out["description"] = spec.description;
  if (spec.default_value) out["default"] = *spec.default_value;
  out["optional"] = spec.optional;
  out["advanced"] = spec.advanced;
  out["secret"] = spec.secret;
  out["deprecated"] = spec.deprecated;
  out["interpolated"] = spec.interpolated;
  out["version"] = spec.version;
  json::array examples(spec.examples.begin(), spec.examples.end());
  out["examples"] = std::move(examples);
  json::array options;
  for (const auto& o : spec.options)
    options.emplace_back(o);
  out["options"] = std::move(options);
  json::array children;
  for (const auto& c : spec.children)
    children.push_back(spec_to_json(c));
  out["children"] = std::move(children);
  return out;
}

std::optional<std::string> check_json_value(const FieldSpec& spec, const json::value& v) {
  switch (spec.kind) {
  case FieldKind::Scalar:
    return check_element(spec, v);
  case FieldKind::List: {
    if (!v.is_array()) return type_mismatch("an array", v);
    const auto& arr = v.get_array();
    for (size_t i = 0; i < arr.size(); ++i)
      if (auto err = prefixed("/" + std::to_string(i), check_element(spec, arr[i]))) return err;
    return std::nullopt;
  }
  case FieldKind::Map: {
    if (!v.is_object()) return type_mismatch("an object", v);
    for (const auto& member : v.get_object())
      if (auto err =
              prefixed("/" + escape_pointer(member.key()), check_element(spec, member.value())))
        return err;
    return std::nullopt;
  }
  }
  return std::nullopt;
}

std::optional<json::value> implied_default(const FieldSpec& spec) {
  if (spec.default_value) return spec.default_value;
  // An optional field without a default stays absent: its absence means something (for
  // example which of several alternative objects was chosen).
  if (spec.optional) return std::nullopt;
  if (spec.type != FieldType::Object || spec.kind != FieldKind::Scalar) return std::nullopt;
  json::object out;
  for (const auto& c : spec.children) {
    auto d = implied_default(c);
    if (!d) {
      if (c.optional) continue;
      return std::nullopt;
    }
    out[c.name] = std::move(*d);
  }
  return out;
}

std::optional<int64_t> parse_duration_ns(std::string_view s) {
  // A transcription of Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  constexpr uint64_t kMax = uint64_t(1) << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return std::nullopt;
    size_t before = s.size();
    auto v = leading_int(s);
    if (!v) return std::nullopt;
    bool pre = before != s.size();
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t i = 0;
      bool overflow = false;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        if (overflow) continue; // Go ignores digits past what fits
        if (frac > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        frac = frac * 10 + uint64_t(s[i] - '0');
        scale *= 10;
      }
      post = i > 0;
      s.remove_prefix(i);
    }
    if (!pre && !post) return std::nullopt; // "." or "-.s"
    size_t i = 0;
    while (i < s.size() && s[i] != '.' && !is_digit(s[i]))
      ++i;
    if (i == 0) return std::nullopt; // missing unit
    auto unit = unit_ns(s.substr(0, i));
    if (!unit) return std::nullopt;
    s.remove_prefix(i);
    if (*v > kMax / *unit) return std::nullopt;
    uint64_t value = *v * *unit;
    if (frac > 0) {
      value += uint64_t(double(frac) * (double(*unit) / scale));
      if (value > kMax) return std::nullopt;
    }
    total += value;
    if (total > kMax) return std::nullopt;
  }
  if (neg) return total == kMax ? std::numeric_limits<int64_t>::min() : -int64_t(total);
  if (total > kMax - 1) return std::nullopt;
  return int64_t(total);
}

std::optional<int64_t> duration_ns(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return int64_t(v.get_uint64());
  }
  if (v.is_string()) return parse_duration_ns(v.get_string());
  return std::nullopt;
}

std::string format_duration_ns(int64_t ns) {
  if (ns == 0) return "0s";
  std::string out;
  // Work on the magnitude as unsigned so INT64_MIN does not overflow.
  uint64_t u = ns < 0 ? uint64_t(0) - uint64_t(ns) : uint64_t(ns);
  if (ns < 0) out = "-";
  constexpr uint64_t kSecond = 1000000000;
  if (u % kSecond == 0) {
    uint64_t secs = u / kSecond;
    if (secs >= 3600) out += std::to_string(secs / 3600) + "h";
    if (secs % 3600 >= 60) out += std::to_string(secs % 3600 / 60) + "m";
    if (secs % 60 != 0) out += std::to_string(secs % 60) + "s";
    return out;
  }
  if (u % 1000000 == 0) return out + std::to_string(u / 1000000) + "ms";
  if (u % 1000 == 0) return out + std::to_string(u / 1000) + "us";
  return out + std::to_string(u) + "ns";
}

} // namespace plugctl::core
