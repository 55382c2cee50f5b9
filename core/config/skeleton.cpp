// `plugctl create`: a config skeleton from the registry's specs. The contract is that the result
// lints clean, so every choice here mirrors a rule of lint.cpp: required fields always appear
// (with a placeholder when they have no default), scalars are quoted whenever YAML could read
// them as something else, and durations are written as Go strings (lint refuses bare numbers).
#include "config/detail.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace plugctl::core {

namespace {

namespace json = boost::json;

constexpr int kMaxNesting = 3; // component placeholders inside component placeholders

bool is_scalar_object(const FieldSpec& f) {
  return f.type == FieldType::Object && f.kind == FieldKind::Scalar;
}

// Strings YAML reads back as the same string when written without quotes.
bool plain_safe(std::string_view s) {
  if (s.empty()) return false;
  auto first_ok = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '/';
  };
  auto rest_ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
           c == '/';
  };
  if (!first_ok(s[0]) || !std::all_of(s.begin() + 1, s.end(), rest_ok)) return false;
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* reserved : {"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
    if (lower == reserved) return false;
  return true;
}

std::string quote(std::string_view s) {
  // A JSON string is a valid YAML double-quoted scalar (same escapes).
  return plain_safe(s) ? std::string(s) : json::serialize(json::string(s));
}

std::string flow(const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    return "null";
  case json::kind::bool_:
    return v.get_bool() ? "true" : "false";
  case json::kind::int64:
    return std::to_string(v.get_int64());
  case json::kind::uint64:
    return std::to_string(v.get_uint64());
  case json::kind::double_: {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
    std::string s(buf, ec == std::errc() ? end : buf);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0"; // stays a float in YAML
    return s;
  }
  case json::kind::string:
    return quote(v.get_string());
  case json::kind::array: {
    std::string out = "[";
    for (const auto& item : v.get_array())
      out += (out.size() > 1 ? ", " : "") + flow(item);
    return out + "]";
  }
  case json::kind::object: {
    std::string out = "{";
    for (const auto& kv : v.get_object())
      out += (out.size() > 1 ? ", " : "") + quote(kv.key()) + ": " + flow(kv.value());
    return out + "}";
  }
  }
  return "null";
}

// Writes `v` as the value of a key already written (the text so far ends with "key:").
void block(std::string& out, const json::value& v, int indent) {
  const std::string pad(size_t(indent), ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "\n";
    for (const auto& kv : v.get_object()) {
      out += pad + quote(kv.key()) + ":";
      block(out, kv.value(), indent + 2);
    }
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "\n";
    for (const auto& item : v.get_array())
      out += pad + "- " + flow(item) + "\n";
  } else {
    out += " " + flow(v) + "\n";
  }
}

// Durations given as JSON integers (nanoseconds) become "1s" & co, recursively by spec.
json::value yaml_ready(const FieldSpec& f, json::value v);

json::value yaml_ready_element(const FieldSpec& f, json::value v) {
  if (f.type == FieldType::Duration) {
    if (v.is_int64() || v.is_uint64())
      if (auto ns = duration_ns(v)) return json::string(format_duration_ns(*ns));
    return v;
  }
  if (f.type == FieldType::Object && v.is_object()) {
    for (auto& kv : v.get_object())
      if (const FieldSpec* c = f.child(kv.key())) kv.value() = yaml_ready(*c, kv.value());
  }
  return v;
}

json::value yaml_ready(const FieldSpec& f, json::value v) {
  if (f.kind == FieldKind::List && v.is_array()) {
    for (auto& item : v.get_array())
      item = yaml_ready_element(f, item);
    return v;
  }
  if (f.kind == FieldKind::Map && v.is_object()) {
    for (auto& kv : v.get_object())
      kv.value() = yaml_ready_element(f, kv.value());
    return v;
  }
  return yaml_ready_element(f, std::move(v));
}

class Skeleton {
public:
  explicit Skeleton(const Registry& reg, YamlDetail detail = YamlDetail::Common)
      : reg_(reg), detail_(detail) {}

  // The value of a component's type key: its non-advanced fields with defaults, required
  // fields with placeholders.
  json::value component_value(const ComponentEntry& e, int depth) const {
    const FieldSpec& root = e.spec;
    if (is_scalar_object(root)) return object_value(root, depth);
    if (root.default_value) return yaml_ready(root, *root.default_value);
    if (root.optional) return nullptr;
    return placeholder(root, depth);
  }

private:
  json::object object_value(const FieldSpec& f, int depth) const {
    json::object out;
    for (const auto& c : f.children)
      if (auto v = field(c, depth)) out[c.name] = std::move(*v);
    return out;
  }

  // nullopt: leave the field out of the skeleton.
  std::optional<json::value> field(const FieldSpec& f, int depth) const {
    const bool full = detail_ == YamlDetail::Full;
    if (f.default_value) {
      if (detail_ == YamlDetail::Minimal || (!full && (f.advanced || f.deprecated)))
        return std::nullopt;
      return yaml_ready(f, *f.default_value);
    }
    if (f.optional && !full) return std::nullopt;
    if (is_scalar_object(f)) {
      // Either required (some child has no default) or implied from its children's defaults.
      bool required = !implied_default(f);
      if (!required && (detail_ == YamlDetail::Minimal || (!full && (f.advanced || f.deprecated))))
        return std::nullopt;
      json::object o = object_value(f, depth);
      if (!required && o.empty()) return std::nullopt;
      return o;
    }
    return placeholder(f, depth);
  }

  json::value placeholder(const FieldSpec& f, int depth) const {
    if (!f.examples.empty()) {
      const json::value& ex = f.examples.front();
      bool empty_duration = f.type == FieldType::Duration && ex.is_string() &&
                            ex.get_string().empty(); // lint only takes "" as a default
      if (!check_json_value(f, ex) && !empty_duration) return yaml_ready(f, ex);
    }
    if (f.kind == FieldKind::List) return json::array();
    if (f.kind == FieldKind::Map) return json::object();
    switch (f.type) {
    case FieldType::String:
      return f.options.empty() ? json::value("") : json::value(f.options.front());
    case FieldType::Int:
      return 0;
    case FieldType::Float:
      return 0.0;
    case FieldType::Bool:
      return false;
    case FieldType::Duration:
      return "0s";
    case FieldType::Bloblang:
      return "root = this";
    case FieldType::Object:
      return object_value(f, depth);
    case FieldType::Any:
      return json::object();
    case FieldType::Input:
      return component_placeholder(ComponentKind::Input, "stdin", depth);
    case FieldType::Output:
      return component_placeholder(ComponentKind::Output, "stdout", depth);
    case FieldType::Processor:
      return component_placeholder(ComponentKind::Processor, "noop", depth);
    }
    return nullptr;
  }

  // A required field holding a component: some component of that kind, preferably `preferred`,
  // else the first (alphabetically) whose own fields all have defaults.
  json::value component_placeholder(ComponentKind kind, std::string_view preferred,
                                    int depth) const {
    if (depth >= kMaxNesting) return json::object();
    const ComponentEntry* pick = reg_.find(kind, preferred);
    for (const ComponentEntry* e : reg_.components(kind)) {
      if (pick != nullptr) break;
      bool needs_nothing =
          is_scalar_object(e->spec)
              ? std::none_of(e->spec.children.begin(), e->spec.children.end(),
                             [](const FieldSpec& c) { return c.required() && !implied_default(c); })
              : !e->spec.required();
      if (needs_nothing) pick = e;
    }
    if (pick == nullptr) {
      auto all = reg_.components(kind);
      if (all.empty()) return json::object();
      pick = all.front();
    }
    return json::object{{pick->name, component_value(*pick, depth + 1)}};
  }

  const Registry& reg_;
  YamlDetail detail_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

const ComponentEntry& resolve(const Registry& reg, ComponentKind kind, std::string_view name) {
  if (const ComponentEntry* e = reg.find(kind, name)) return *e;
  std::string kname(kind_name(kind));
  if (auto reason = reg.unavailable_reason(kind, name))
    throw std::invalid_argument(kname + " '" + std::string(name) + "' is unavailable: " + *reason);
  std::string msg = "unknown " + kname + " '" + std::string(name) + "'";
  if (std::string s = closest_name(name, reg.names(kind)); !s.empty())
    msg += " (did you mean '" + s + "'?)";
  throw std::invalid_argument(msg);
}

void write_component(std::string& out, const Skeleton& sk, const ComponentEntry& e,
                     const std::string& first_pad, int indent) {
  const std::string pad(size_t(indent), ' ');
  out += first_pad + "label: \"\"\n";
  out += pad + e.name + ":";
  block(out, sk.component_value(e, 0), indent + 2);
}

} // namespace

std::string component_yaml(const Registry& reg, const ComponentEntry& entry, YamlDetail detail) {
  Skeleton sk(reg, detail);
  std::string out;
  switch (entry.kind) {
  case ComponentKind::Input:
  case ComponentKind::Output:
    out += std::string(kind_name(entry.kind)) + ":\n";
    write_component(out, sk, entry, "  ", 2);
    break;
  case ComponentKind::Processor:
    out += "pipeline:\n  processors:\n";
    write_component(out, sk, entry, "    - ", 6);
    break;
  case ComponentKind::Cache:
    out += "cache_resources:\n";
    write_component(out, sk, entry, "  - ", 4);
    break;
  }
  return out;
}

std::string create_skeleton(const Registry& reg, std::string_view expression) {
  std::vector<std::string_view> parts = split(expression, '/');
  if (parts.size() > 3)
    throw std::invalid_argument("expected INPUT/PROCESSOR,PROCESSOR/OUTPUT, got '" +
                                std::string(expression) + "'");
  std::string_view input = trim(parts[0]);
  std::string_view output = parts.size() > 2 ? trim(parts[2]) : std::string_view();
  std::vector<const ComponentEntry*> procs;
  // Resolve everything before writing anything, in reading order, so the first bad name wins.
  const ComponentEntry& in = resolve(reg, ComponentKind::Input, input.empty() ? "stdin" : input);
  if (parts.size() > 1) {
    for (std::string_view p : split(parts[1], ',')) {
      p = trim(p);
      if (!p.empty()) procs.push_back(&resolve(reg, ComponentKind::Processor, p));
    }
  }
  const ComponentEntry& out_entry =
      resolve(reg, ComponentKind::Output, output.empty() ? "stdout" : output);

  Skeleton sk(reg);
  std::string out;
  out += "input:\n";
  write_component(out, sk, in, "  ", 2);
  out += "pipeline:\n  threads: -1\n  processors:";
  if (procs.empty()) out += " []";
  out += "\n";
  for (const ComponentEntry* p : procs)
    write_component(out, sk, *p, "    - ", 6);
  out += "output:\n";
  write_component(out, sk, out_entry, "  ", 2);
  return out;
}

} // namespace plugctl::core
