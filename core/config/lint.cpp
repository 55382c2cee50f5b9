// Lint and build: walks the parsed YAML against the registry's specs, reports every problem with
// its position and dotted path, and builds the typed Config at the same time (so the two can
// never disagree about what a value means).
//
// Conventions, so that messages are predictable:
//  - "unknown field" is reported at the key, with the path of the object holding it;
//  - "missing required field" at the key (or list item) that opens the object, with its path;
//  - a value of the wrong type at the value, with the value's own path;
//  - an explicit null (`field:` with nothing after it, or `~`) is the same as leaving the field
//    out, except for fields of type `any` (null is a value there) and objects (linted as empty).
#include "config/detail.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace plugctl::core::detail {

namespace {

namespace json = boost::json;

const std::vector<std::string> kTopLevelKeys = {"input",
                                                "buffer",
                                                "pipeline",
                                                "output",
                                                "input_resources",
                                                "processor_resources",
                                                "output_resources",
                                                "cache_resources",
                                                "logger",
                                                "shutdown_timeout",
                                                "http",
                                                "metrics",
                                                "tracer",
                                                "tests"};

const std::vector<std::string> kLogLevels = {"OFF",  "FATAL", "ERROR", "WARN",
                                             "INFO", "DEBUG", "TRACE", "ALL"};

std::string join_path(const std::string& parent, std::string_view child) {
  return parent.empty() ? std::string(child) : parent + "." + std::string(child);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string format_pos(const SourcePos& p) {
  return p.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

std::string shape(const YAML::Node& n) {
  switch (n.Type()) {
  case YAML::NodeType::Null:
    return "null";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Map:
    return "a map";
  default:
    return "a scalar";
  }
}

// Quoted ("5") and !!str scalars are strings whatever they look like.
bool is_string_tagged(const YAML::Node& n) {
  return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str";
}

// What was found, for "expected int, got ..." messages.
std::string found(const YAML::Node& n) {
  if (!n.IsScalar()) return shape(n);
  if (is_string_tagged(n)) return "a quoted string '" + n.Scalar() + "'";
  return "'" + n.Scalar() + "'";
}

std::string article(ComponentKind k) {
  return (k == ComponentKind::Input || k == ComponentKind::Output ? "an " : "a ") +
         std::string(kind_name(k));
}

// How one element of the field (the field itself when scalar) is named in "expected X, got Y".
std::string element_name(const FieldSpec& f) {
  switch (f.type) {
  case FieldType::Object:
    return "an object";
  case FieldType::Bloblang:
    return "string";
  case FieldType::Input:
    return article(ComponentKind::Input);
  case FieldType::Output:
    return article(ComponentKind::Output);
  case FieldType::Processor:
    return article(ComponentKind::Processor);
  default:
    return std::string(field_type_name(f.type));
  }
}

// How the whole field is named in "expected X, got Y".
std::string expected_name(const FieldSpec& f) {
  if (f.kind == FieldKind::List) return "a list";
  if (f.kind == FieldKind::Map) return "a map";
  return element_name(f);
}

bool is_scalar_object(const FieldSpec& f) {
  return f.type == FieldType::Object && f.kind == FieldKind::Scalar;
}
bool is_scalar_any(const FieldSpec& f) {
  return f.type == FieldType::Any && f.kind == FieldKind::Scalar;
}

// The JSON a nested component takes inside its parent's config: what the user wrote, typed.
json::value component_json(const ComponentConfig& c) {
  json::object out;
  if (!c.label.empty()) out["label"] = c.label;
  if (!c.type.empty()) out[c.type] = c.config;
  if (!c.processors.empty()) {
    json::array procs;
    for (const auto& p : c.processors)
      procs.push_back(component_json(p));
    out["processors"] = std::move(procs);
  }
  return out;
}

// The value a field the user left out takes. An optional field stays absent unless it declares
// a default: its presence means something. (Filling an optional object from its children's
// defaults made `scanner: {lines: {}}` also get `to_the_end: {}`, so the file input refused it
// and stdin read everything as one message.)
std::optional<json::value> absent_default(const FieldSpec& f) {
  if (f.optional && !f.default_value) return std::nullopt;
  return implied_default(f);
}

// The config of a component nobody configured (the default stdin input and stdout output):
// every field that has an implied default, nothing else.
json::value defaults_of(const FieldSpec& root) {
  if (!is_scalar_object(root)) return implied_default(root).value_or(nullptr);
  json::object out;
  for (const auto& c : root.children)
    if (auto d = absent_default(c)) out[c.name] = std::move(*d);
  return out;
}

FieldSpec make_field(std::string name, FieldType type, std::optional<json::value> def = {},
                     std::vector<std::string> options = {}) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.default_value = std::move(def);
  f.options = std::move(options);
  return f;
}

// The logger section as a spec, so it is checked like any component. `level` is validated
// separately because it is case-insensitive.
const FieldSpec& logger_spec() {
  static const FieldSpec spec = [] {
    FieldSpec s;
    s.type = FieldType::Object;
    s.children.push_back(make_field("level", FieldType::String, json::value("INFO")));
    s.children.push_back(
        make_field("format", FieldType::String, json::value("logfmt"), {"logfmt", "json"}));
    s.children.push_back(make_field("add_timestamp", FieldType::Bool, json::value(true)));
    FieldSpec fields =
        make_field("static_fields", FieldType::String, json::object{{"@service", "plugctl"}});
    fields.kind = FieldKind::Map;
    s.children.push_back(std::move(fields));
    return s;
  }();
  return spec;
}

// The `http` section.
const FieldSpec& http_spec() {
  static const FieldSpec spec = [] {
    FieldSpec s;
    s.type = FieldType::Object;
    s.children.push_back(make_field("enabled", FieldType::Bool, json::value(true)));
    s.children.push_back(make_field("address", FieldType::String, json::value("127.0.0.1:4195")));
    s.children.push_back(make_field("root_path", FieldType::String, json::value("/plugctl")));
    return s;
  }();
  return spec;
}

// The `metrics` section: one exporter key (like a component) with its options.
const FieldSpec& metrics_spec() {
  static const FieldSpec spec = [] {
    FieldSpec s;
    s.type = FieldType::Object;
    for (const char* name : {"prometheus", "json_api", "none", "log"}) {
      FieldSpec e = make_field(name, FieldType::Object);
      e.optional = true;
      s.children.push_back(std::move(e));
    }
    FieldSpec statsd = make_field("statsd", FieldType::Object);
    statsd.optional = true;
    statsd.children.push_back(
        make_field("address", FieldType::String, json::value("127.0.0.1:8125")));
    statsd.children.push_back(
        make_field("flush_period", FieldType::Duration, json::value("100ms")));
    statsd.children.push_back(make_field("tag_format", FieldType::String, json::value("none"),
                                         {"none", "datadog", "influxdb"}));
    s.children.push_back(std::move(statsd));
    return s;
  }();
  return spec;
}

class Linter {
public:
  Linter(const Registry& reg, const SourceMap& map, std::string_view text,
         std::vector<LintError>& errors)
      : reg_(reg), map_(map), text_(text), errors_(errors) {}

  Config run(const YAML::Node& root);

private:
  struct Entry {
    std::string key;
    YAML::Node value;
    SourcePos key_pos;
  };
  // Where a value sits: its dotted path, its JSON pointer inside the enclosing component's
  // config, and the position errors about it as a whole are reported at (its key).
  struct Where {
    std::string path;
    std::string pointer;
    SourcePos pos;
  };

  SourcePos pos(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    if (m.pos < 0) return {map_.file(), 0, 0};
    return map_.at_output(size_t(m.pos));
  }
  // Where a Bloblang issue at (line, column) inside the scalar `n` sits in the file: block
  // scalars (| and >) start on the next line at the block's indentation; quoted and plain
  // scalars start at the mark (after the quote).
  SourcePos inside(const YAML::Node& n, const SourcePos& fallback, const BloblangIssue& at) const {
    YAML::Mark m = n.Mark();
    if (m.pos < 0 || size_t(m.pos) >= text_.size()) return fallback;
    size_t off = size_t(m.pos);
    char c = text_[off];
    if (c == '|' || c == '>') {
      size_t line = text_.find('\n', off);
      if (line == std::string_view::npos) return fallback;
      size_t start = line + 1, indent = 0;
      while (start + indent < text_.size() && text_[start + indent] == ' ')
        ++indent;
      for (int l = 1; l < at.line; ++l) {
        size_t nl = text_.find('\n', start);
        if (nl == std::string_view::npos) return fallback;
        start = nl + 1;
      }
      off = start + indent + size_t(at.column - 1);
    } else {
      if (at.line != 1) return fallback;
      off += (c == '"' || c == '\'' ? 1 : 0) + size_t(at.column - 1);
    }
    if (off >= text_.size()) return fallback;
    return map_.at_output(off);
  }
  // An implicit null has the mark of the next token: report at the key instead.
  SourcePos value_pos(const YAML::Node& n, const SourcePos& key_pos) const {
    return n.IsNull() ? key_pos : pos(n);
  }
  void error(SourcePos p, std::string path, std::string message) {
    errors_.push_back({std::move(p), std::move(path), std::move(message)});
  }

  std::vector<Entry> entries(const YAML::Node& map, const std::string& path);
  void unknown_field(const Entry& e, const std::string& parent_path,
                     const std::vector<std::string>& candidates);

  json::value root_value(const FieldSpec& spec, const YAML::Node& n, const Where& w,
                         ComponentConfig* owner);
  json::value field(const FieldSpec& f, const YAML::Node& n, const Where& w,
                    ComponentConfig* owner);
  json::value element(const FieldSpec& f, const YAML::Node& n, const Where& w,
                      ComponentConfig* owner);
  json::value object(const FieldSpec& f, const YAML::Node& n, const Where& w,
                     ComponentConfig* owner);
  json::value scalar(const FieldSpec& f, const YAML::Node& n, const Where& w);
  json::value to_json(const YAML::Node& n, const std::string& path, bool report);

  ComponentConfig component(ComponentKind kind, const YAML::Node& n, const std::string& path,
                            const SourcePos& at);
  std::vector<ComponentConfig> processor_list(const YAML::Node& n, const std::string& path,
                                              const SourcePos& at);
  void take_label(ComponentConfig& c, const Entry& e, const std::string& path);
  void default_component(ComponentKind kind, std::string_view name, const std::string& path,
                         ComponentConfig& out) const;

  void resources(ComponentKind kind, const Entry& e, std::map<std::string, ComponentConfig>& out);
  void pipeline(const Entry& e, Config& cfg);
  void buffer(const Entry& e);
  void logger(const Entry& e, Config& cfg);
  void shutdown_timeout(const Entry& e, Config& cfg);
  void http(const Entry& e, Config& cfg);
  void metrics(const Entry& e, Config& cfg);

  const Registry& reg_;
  const SourceMap& map_;
  std::string_view text_;
  std::vector<LintError>& errors_;
  std::map<std::string, SourcePos, std::less<>> labels_; // label -> where it was first used
};

std::vector<Linter::Entry> Linter::entries(const YAML::Node& map, const std::string& path) {
  std::vector<Entry> out;
  std::map<std::string, SourcePos, std::less<>> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    // Copies: the iterator's operator-> hands out a temporary proxy.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    SourcePos key_pos = pos(key);
    if (!key.IsScalar()) {
      error(key_pos, path, "expected a field name, got " + shape(key));
      continue;
    }
    const std::string& name = key.Scalar();
    // yaml-cpp keeps both of two equal keys; YAML (and Benthos) forbids it.
    if (auto s = seen.find(name); s != seen.end()) {
      error(key_pos, path, "field '" + name + "' is already defined at " + format_pos(s->second));
      continue;
    }
    seen.emplace(name, key_pos);
    out.push_back({name, value, key_pos});
  }
  return out;
}

void Linter::unknown_field(const Entry& e, const std::string& parent_path,
                           const std::vector<std::string>& candidates) {
  std::string msg = "unknown field '" + e.key + "'";
  if (std::string s = closest_name(e.key, candidates); !s.empty())
    msg += " (did you mean '" + s + "'?)";
  error(e.key_pos, parent_path, msg);
}

json::value Linter::to_json(const YAML::Node& n, const std::string& path, bool report) {
  switch (n.Type()) {
  case YAML::NodeType::Sequence: {
    json::array arr;
    size_t i = 0;
    for (const auto& item : n)
      arr.push_back(to_json(item, join_path(path, std::to_string(i++)), report));
    return arr;
  }
  case YAML::NodeType::Map: {
    json::object obj;
    if (report) {
      for (const auto& e : entries(n, path))
        obj[e.key] = to_json(e.value, join_path(path, e.key), report);
      return obj;
    }
    for (const auto& kv : n) {
      const YAML::Node key = kv.first;
      if (key.IsScalar() && !obj.contains(key.Scalar()))
        obj[key.Scalar()] = to_json(kv.second, path, report);
    }
    return obj;
  }
  case YAML::NodeType::Scalar: {
    const std::string& s = n.Scalar();
    if (is_string_tagged(n)) return json::string(s);
    if (auto b = parse_yaml_bool(s)) return *b;
    if (auto i = parse_yaml_int(s)) return *i;
    if (auto d = parse_yaml_float(s)) return *d;
    return json::string(s);
  }
  default:
    return nullptr;
  }
}

json::value Linter::root_value(const FieldSpec& spec, const YAML::Node& n, const Where& w,
                               ComponentConfig* owner) {
  if (!n.IsNull() || is_scalar_object(spec) || is_scalar_any(spec)) return field(spec, n, w, owner);
  // `stdin:` with nothing after it: the defaults, or a complaint when there is none.
  if (auto d = implied_default(spec)) return *d;
  if (!spec.optional) error(w.pos, w.path, "expected " + expected_name(spec) + ", got null");
  return nullptr;
}

json::value Linter::field(const FieldSpec& f, const YAML::Node& n, const Where& w,
                          ComponentConfig* owner) {
  switch (f.kind) {
  case FieldKind::Scalar:
    return element(f, n, w, owner);
  case FieldKind::List: {
    if (!n.IsSequence()) {
      error(value_pos(n, w.pos), w.path, "expected a list, got " + shape(n));
      return to_json(n, w.path, false);
    }
    json::array arr;
    size_t i = 0;
    for (const auto& item : n) {
      std::string index = std::to_string(i++);
      Where iw{w.path + "." + index, w.pointer + "/" + index, value_pos(item, w.pos)};
      arr.push_back(element(f, item, iw, owner));
    }
    return arr;
  }
  case FieldKind::Map: {
    if (!n.IsMap()) {
      error(value_pos(n, w.pos), w.path, "expected a map, got " + shape(n));
      return to_json(n, w.path, false);
    }
    json::object obj;
    for (const auto& e : entries(n, w.path)) {
      Where ew{w.path + "." + e.key, w.pointer + "/" + escape_pointer(e.key), e.key_pos};
      obj[e.key] = element(f, e.value, ew, owner);
    }
    return obj;
  }
  }
  return nullptr;
}

json::value Linter::element(const FieldSpec& f, const YAML::Node& n, const Where& w,
                            ComponentConfig* owner) {
  std::optional<ComponentKind> kind;
  switch (f.type) {
  case FieldType::Object:
    return object(f, n, w, owner);
  case FieldType::Any:
    return to_json(n, w.path, true);
  case FieldType::Input:
    kind = ComponentKind::Input;
    break;
  case FieldType::Output:
    kind = ComponentKind::Output;
    break;
  case FieldType::Processor:
    kind = ComponentKind::Processor;
    break;
  default:
    return scalar(f, n, w);
  }
  ComponentConfig c = component(*kind, n, w.path, w.pos);
  json::value j = component_json(c);
  // Nested components belong to the nearest enclosing component; specs of the top-level
  // sections have no component-typed fields, so owner is only null for those.
  if (owner != nullptr) owner->nested.emplace_back(w.pointer, std::move(c));
  return j;
}

json::value Linter::object(const FieldSpec& f, const YAML::Node& n, const Where& w,
                           ComponentConfig* owner) {
  if (!n.IsNull() && !n.IsMap()) {
    error(pos(n), w.path, "expected an object, got " + shape(n));
    return to_json(n, w.path, false);
  }
  std::vector<std::string> names;
  for (const auto& c : f.children)
    names.push_back(c.name);
  json::object out;
  std::set<std::string, std::less<>> present;
  if (n.IsMap()) {
    for (const auto& e : entries(n, w.path)) {
      const FieldSpec* c = f.child(e.key);
      if (c == nullptr) {
        unknown_field(e, w.path, names);
        continue;
      }
      present.insert(e.key);
      Where cw{join_path(w.path, e.key), w.pointer + "/" + escape_pointer(e.key), e.key_pos};
      if (e.value.IsNull() && !is_scalar_object(*c) && !is_scalar_any(*c)) {
        if (auto d = implied_default(*c)) {
          out[e.key] = std::move(*d);
        } else if (c->required()) {
          error(e.key_pos, cw.path, "expected " + expected_name(*c) + ", got null");
        }
        continue;
      }
      out[e.key] = field(*c, e.value, cw, owner);
    }
  }
  for (const auto& c : f.children) {
    if (present.contains(c.name)) continue;
    if (auto d = absent_default(c)) {
      out[c.name] = std::move(*d);
    } else if (c.required()) {
      error(w.pos, w.path, "missing required field '" + c.name + "'");
    }
  }
  return out;
}

json::value Linter::scalar(const FieldSpec& f, const YAML::Node& n, const Where& w) {
  SourcePos vp = value_pos(n, w.pos);
  auto wrong = [&] {
    error(vp, w.path, "expected " + element_name(f) + ", got " + found(n));
    return to_json(n, w.path, false);
  };
  if (!n.IsScalar()) return wrong();
  const std::string& s = n.Scalar();
  const bool quoted = is_string_tagged(n);
  switch (f.type) {
  case FieldType::String:
    if (!f.options.empty() && std::find(f.options.begin(), f.options.end(), s) == f.options.end())
      error(vp, w.path, "invalid value '" + s + "', expected one of: " + join(f.options));
    if (f.interpolated && s.find("${!") != std::string::npos) {
      if (auto err = lint_interpolation(s)) error(inside(n, vp, *err), w.path, err->message);
    }
    return json::string(s);
  case FieldType::Bloblang:
    // "" means "no mapping" where the spec itself defaults to it (or the field is optional).
    if (s.empty() && (f.optional || (f.default_value && f.default_value->is_string() &&
                                     f.default_value->get_string().empty())))
      return json::string(s);
    if (auto err = lint_bloblang(s)) error(inside(n, vp, *err), w.path, err->message);
    return json::string(s);
  case FieldType::Int:
    if (auto i = parse_yaml_int(s); i && !quoted) return *i;
    return wrong();
  case FieldType::Float:
    if (auto i = parse_yaml_int(s); i && !quoted) return double(*i);
    if (auto d = parse_yaml_float(s); d && !quoted) return *d;
    return wrong();
  case FieldType::Bool:
    if (auto b = parse_yaml_bool(s); b && !quoted) return *b;
    return wrong();
  case FieldType::Duration: {
    // "" means "not set": allowed where the spec uses it as the default ("disabled") and for
    // optional fields.
    bool empty_ok = f.optional || (f.default_value && f.default_value->is_string() &&
                                   f.default_value->get_string().empty());
    if (!(s.empty() && empty_ok) && !parse_duration_ns(s))
      error(vp, w.path, "invalid duration '" + s + "' (examples: 500ms, 10s, 1m30s)");
    return json::string(s);
  }
  default:
    return wrong();
  }
}

void Linter::take_label(ComponentConfig& c, const Entry& e, const std::string& path) {
  std::string label_path = path + ".label";
  if (e.value.IsNull()) return;
  if (!e.value.IsScalar()) {
    error(pos(e.value), label_path, "expected string, got " + shape(e.value));
    return;
  }
  const std::string& label = e.value.Scalar();
  if (label.empty()) return;
  SourcePos vp = pos(e.value);
  c.label = label;
  if (!valid_label(label)) {
    error(vp, label_path, "invalid label '" + label + "' (labels match [a-z0-9_]+)");
    return;
  }
  if (auto it = labels_.find(label); it != labels_.end()) {
    error(vp, label_path, "label '" + label + "' is already used at " + format_pos(it->second));
    return;
  }
  labels_.emplace(label, vp);
}

ComponentConfig Linter::component(ComponentKind kind, const YAML::Node& n, const std::string& path,
                                  const SourcePos& at) {
  ComponentConfig c;
  c.kind = kind;
  c.path = path;
  c.pos = at;
  const std::string kname(kind_name(kind));
  if (!n.IsMap()) {
    error(value_pos(n, at), path, "expected " + article(kind) + ", got " + shape(n));
    return c;
  }
  const bool has_processors = kind == ComponentKind::Input || kind == ComponentKind::Output;
  std::vector<Entry> types;
  std::optional<Entry> unknown;
  for (const auto& e : entries(n, path)) {
    if (e.key == "label") {
      take_label(c, e, path);
      continue;
    }
    if (has_processors && e.key == "processors") {
      c.processors = processor_list(e.value, path + ".processors", e.key_pos);
      continue;
    }
    if (reg_.find(kind, e.key) != nullptr) {
      types.push_back(e);
      continue;
    }
    if (auto reason = reg_.unavailable_reason(kind, e.key)) {
      error(e.key_pos, path, kname + " type '" + e.key + "' is unavailable: " + *reason);
      if (!unknown) unknown = e;
      continue;
    }
    std::vector<std::string> candidates = reg_.names(kind);
    candidates.push_back("label");
    if (has_processors) candidates.push_back("processors");
    std::string suggestion = closest_name(e.key, candidates);
    bool misspelt_field = suggestion == "label" || suggestion == "processors";
    std::string msg = misspelt_field ? "unknown field '" + e.key + "'"
                                     : "unknown " + kname + " type '" + e.key + "'";
    if (!suggestion.empty()) msg += " (did you mean '" + suggestion + "'?)";
    error(e.key_pos, path, msg);
    if (!unknown && !misspelt_field) unknown = e;
  }
  for (size_t i = 1; i < types.size(); ++i)
    error(types[i].key_pos, path,
          "expected exactly one " + kname + " type, got '" + types[0].key + "' and '" +
              types[i].key + "'");
  if (types.empty()) {
    if (!unknown) {
      error(at, path, "expected exactly one " + kname + " type, got none");
      return c;
    }
    // Already reported; keep what was written for --chilled (entry stays null).
    c.type = unknown->key;
    c.pos = unknown->key_pos;
    c.config = to_json(unknown->value, path + "." + unknown->key, false);
    return c;
  }
  const Entry& t = types.front();
  c.type = t.key;
  c.pos = t.key_pos;
  c.entry = reg_.find(kind, t.key);
  c.config = root_value(c.entry->spec, t.value, Where{path + "." + t.key, "", t.key_pos}, &c);
  return c;
}

std::vector<ComponentConfig> Linter::processor_list(const YAML::Node& n, const std::string& path,
                                                    const SourcePos& at) {
  std::vector<ComponentConfig> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) {
    error(pos(n), path, "expected a list, got " + shape(n));
    return out;
  }
  size_t i = 0;
  for (const auto& item : n) {
    out.push_back(component(ComponentKind::Processor, item, path + "." + std::to_string(i++),
                            value_pos(item, at)));
  }
  return out;
}

void Linter::default_component(ComponentKind kind, std::string_view name, const std::string& path,
                               ComponentConfig& out) const {
  const ComponentEntry* e = reg_.find(kind, name);
  if (e == nullptr) return;
  out.kind = kind;
  out.type = std::string(name);
  out.path = path;
  out.pos = {map_.file(), 0, 0};
  out.entry = e;
  out.config = defaults_of(e->spec);
}

void Linter::resources(ComponentKind kind, const Entry& e,
                       std::map<std::string, ComponentConfig>& out) {
  if (e.value.IsNull()) return;
  if (!e.value.IsSequence()) {
    error(pos(e.value), e.key, "expected a list, got " + shape(e.value));
    return;
  }
  size_t i = 0;
  for (const auto& item : e.value) {
    std::string path = e.key + "." + std::to_string(i++);
    SourcePos at = value_pos(item, e.key_pos);
    ComponentConfig c = component(kind, item, path, at);
    if (c.label.empty()) {
      if (item.IsMap()) error(at, path, "missing required field 'label'");
      continue;
    }
    out.emplace(c.label, std::move(c)); // a duplicate label is reported and not added
  }
}

void Linter::pipeline(const Entry& e, Config& cfg) {
  if (e.value.IsNull()) return;
  if (!e.value.IsMap()) {
    error(pos(e.value), "pipeline", "expected a map, got " + shape(e.value));
    return;
  }
  static const FieldSpec threads = make_field("threads", FieldType::Int, json::value(-1));
  for (const auto& p : entries(e.value, "pipeline")) {
    if (p.key == "threads") {
      if (p.value.IsNull()) continue;
      json::value v = field(threads, p.value, Where{"pipeline.threads", "", p.key_pos}, nullptr);
      if (!v.is_int64()) continue;
      if (v.get_int64() < -1 || v.get_int64() > 65536) {
        error(pos(p.value), "pipeline.threads",
              "expected -1 (one per CPU) or a number of threads, got " + p.value.Scalar());
        continue;
      }
      cfg.threads = int(v.get_int64());
    } else if (p.key == "processors") {
      cfg.processors = processor_list(p.value, "pipeline.processors", p.key_pos);
    } else {
      unknown_field(p, "pipeline", {"processors", "threads"});
    }
  }
}

void Linter::buffer(const Entry& e) {
  if (e.value.IsNull()) return;
  if (!e.value.IsMap()) {
    error(pos(e.value), "buffer", "expected a map, got " + shape(e.value));
    return;
  }
  for (const auto& b : entries(e.value, "buffer")) {
    if (b.key != "none") {
      error(b.key_pos, "buffer",
            "buffer type '" + b.key +
                "' is not supported by this version of plugctl yet (only 'none' is)");
      continue;
    }
    if (b.value.IsNull()) continue;
    if (!b.value.IsMap()) {
      error(pos(b.value), "buffer.none", "expected an object, got " + shape(b.value));
      continue;
    }
    for (const auto& f : entries(b.value, "buffer.none"))
      unknown_field(f, "buffer.none", {});
  }
}

void Linter::logger(const Entry& e, Config& cfg) {
  if (e.value.IsNull()) return;
  json::value v = object(logger_spec(), e.value, Where{"logger", "", e.key_pos}, nullptr);
  if (!v.is_object()) return;
  const json::object& o = v.get_object();
  if (const auto* level = o.if_contains("level"); level != nullptr && level->is_string()) {
    std::string upper(level->get_string());
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char ch) { return char(std::toupper(ch)); });
    if (std::find(kLogLevels.begin(), kLogLevels.end(), upper) == kLogLevels.end()) {
      const YAML::Node& node = e.value; // const: operator[] must not insert
      error(pos(node["level"]), "logger.level",
            "invalid value '" + std::string(level->get_string()) +
                "', expected one of: " + join(kLogLevels));
    } else {
      cfg.logger.level = upper;
    }
  }
  if (const auto* format = o.if_contains("format"); format != nullptr && format->is_string())
    cfg.logger.format = std::string(format->get_string());
  if (const auto* ts = o.if_contains("add_timestamp"); ts != nullptr && ts->is_bool())
    cfg.logger.add_timestamp = ts->get_bool();
  if (const auto* fields = o.if_contains("static_fields");
      fields != nullptr && fields->is_object()) {
    cfg.logger.static_fields.clear();
    for (const auto& kv : fields->get_object())
      if (kv.value().is_string())
        cfg.logger.static_fields[std::string(kv.key())] = std::string(kv.value().get_string());
  }
}

void Linter::shutdown_timeout(const Entry& e, Config& cfg) {
  if (e.value.IsNull()) return;
  static const FieldSpec spec = make_field("shutdown_timeout", FieldType::Duration);
  json::value v = field(spec, e.value, Where{"shutdown_timeout", "", e.key_pos}, nullptr);
  if (auto ns = duration_ns(v)) cfg.shutdown_timeout = std::chrono::nanoseconds(*ns);
}

void Linter::http(const Entry& e, Config& cfg) {
  if (e.value.IsNull()) return;
  json::value v = object(http_spec(), e.value, Where{"http", "", e.key_pos}, nullptr);
  if (!v.is_object()) return;
  const json::object& o = v.get_object();
  if (const auto* x = o.if_contains("enabled"); x != nullptr && x->is_bool())
    cfg.http.enabled = x->get_bool();
  if (const auto* x = o.if_contains("address"); x != nullptr && x->is_string())
    cfg.http.address = std::string(x->get_string());
  if (const auto* x = o.if_contains("root_path"); x != nullptr && x->is_string())
    cfg.http.root_path = std::string(x->get_string());
}

void Linter::metrics(const Entry& e, Config& cfg) {
  if (e.value.IsNull()) return;
  json::value v = object(metrics_spec(), e.value, Where{"metrics", "", e.key_pos}, nullptr);
  if (!v.is_object()) return;
  std::vector<std::string> chosen;
  for (const auto& kv : v.get_object())
    chosen.emplace_back(kv.key());
  if (chosen.size() > 1) {
    error(e.key_pos, "metrics", "choose one exporter, got " + join(chosen));
    return;
  }
  if (chosen.empty()) return;
  cfg.metrics.exporter = chosen[0];
  if (chosen[0] != "statsd") return;
  const auto* so = v.get_object().at("statsd").if_object();
  if (so == nullptr) return;
  if (const auto* x = so->if_contains("address"); x != nullptr && x->is_string())
    cfg.metrics.statsd_address = std::string(x->get_string());
  if (const auto* x = so->if_contains("flush_period"); x != nullptr) {
    if (auto ns = duration_ns(*x); ns && *ns > 0)
      cfg.metrics.statsd_flush_period = std::chrono::nanoseconds(*ns);
  }
  if (const auto* x = so->if_contains("tag_format"); x != nullptr && x->is_string())
    cfg.metrics.statsd_tag_format = std::string(x->get_string());
}

Config Linter::run(const YAML::Node& root) {
  Config cfg;
  cfg.file = map_.file();
  bool have_input = false, have_output = false;
  if (!root.IsNull() && !root.IsMap())
    error(pos(root), "", "expected a map of config sections, got " + shape(root));
  if (root.IsMap()) {
    for (const auto& e : entries(root, "")) {
      const std::string& k = e.key;
      if (k == "input" || k == "output") {
        if (e.value.IsNull()) continue; // same as absent: the default applies
        bool in = k == "input";
        (in ? cfg.input : cfg.output) =
            component(in ? ComponentKind::Input : ComponentKind::Output, e.value, k, e.key_pos);
        (in ? have_input : have_output) = true;
      } else if (k == "pipeline") {
        pipeline(e, cfg);
      } else if (k == "buffer") {
        buffer(e);
      } else if (k == "input_resources") {
        resources(ComponentKind::Input, e, cfg.input_resources);
      } else if (k == "processor_resources") {
        resources(ComponentKind::Processor, e, cfg.processor_resources);
      } else if (k == "output_resources") {
        resources(ComponentKind::Output, e, cfg.output_resources);
      } else if (k == "cache_resources") {
        resources(ComponentKind::Cache, e, cfg.cache_resources);
      } else if (k == "logger") {
        logger(e, cfg);
      } else if (k == "shutdown_timeout") {
        shutdown_timeout(e, cfg);
      } else if (k == "http") {
        http(e, cfg);
      } else if (k == "metrics") {
        metrics(e, cfg);
      } else if (k == "tracer" || k == "tests") {
        bool empty = e.value.IsNull() || (e.value.IsMap() && e.value.size() == 0);
        if (!empty) error(e.key_pos, k, "not supported by this version of plugctl yet");
      } else {
        unknown_field(e, "", kTopLevelKeys);
      }
    }
  }
  // Benthos behaviour: no input means stdin, no output means stdout (when they exist here).
  if (!have_input) default_component(ComponentKind::Input, "stdin", "input", cfg.input);
  if (!have_output) default_component(ComponentKind::Output, "stdout", "output", cfg.output);
  return cfg;
}

} // namespace

Config lint_document(const YAML::Node& root, const SourceMap& map, std::string_view text,
                     const Registry& reg, std::vector<LintError>& errors) {
  return Linter(reg, map, text, errors).run(root);
}

} // namespace plugctl::core::detail

namespace plugctl::core {
const FieldSpec& logger_config_spec() {
  return detail::logger_spec();
}
const FieldSpec& http_config_spec() {
  return detail::http_spec();
}
const FieldSpec& metrics_config_spec() {
  return detail::metrics_spec();
}
} // namespace plugctl::core
