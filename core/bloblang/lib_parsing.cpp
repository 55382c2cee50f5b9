// Bloblang standard library: "Parsing" methods (parse_json, format_json, parse_yaml,
// format_yaml, parse_csv, parse_logfmt, parse_url, parse_form_url_encoded). Each follows the Go
// package Benthos uses (encoding/json, gopkg.in/yaml.v3, encoding/csv, go-logfmt, net/url) for
// what it accepts, the shape and types of the result, and its error texts.
#include "bloblang/lib_util.hpp"
#include "bloblang/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace plugctl::bloblang {
namespace {

constexpr const char* kCat = "Parsing";

Example example(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
                std::string summary = {}) {
  return Example{
      .mapping = std::move(mapping), .results = std::move(results), .summary = std::move(summary)};
}

// --- JSON ----------------------------------------------------------------------------------------
// Go's json decoding into `any` yields float64 for every number.
void numbers_to_double(json::value& v) {
  switch (v.kind()) {
  case json::kind::int64:
    v = static_cast<double>(v.get_int64());
    break;
  case json::kind::uint64:
    v = static_cast<double>(v.get_uint64());
    break;
  case json::kind::array:
    for (auto& e : v.get_array())
      numbers_to_double(e);
    break;
  case json::kind::object:
    for (auto& kv : v.get_object())
      numbers_to_double(kv.value());
    break;
  default:
    break;
  }
}

std::string quote_char(char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  std::string q = lib::go_quote(std::string(1, c));
  return "'" + q.substr(1, q.size() - 2) + "'";
}

// json.Decoder.Decode: the first JSON value of the input (anything after it is ignored).
json::value decode_json(std::string_view in, bool use_number) {
  json::parse_options opts;
  opts.allow_invalid_utf8 = true;
  json::stream_parser p({}, opts);
  boost::system::error_code ec;
  size_t n = p.write_some(in.data(), in.size(), ec);
  if (!ec && !p.done()) p.finish(ec);
  if (ec || !p.done()) {
    size_t ws = in.find_first_not_of(" \t\r\n");
    std::string why;
    if (ws == std::string_view::npos) {
      why = "EOF";
    } else if (n >= in.size() || ec == json::error::incomplete) {
      why = "unexpected EOF";
    } else {
      why = "invalid character " + quote_char(in[n]) + " looking for beginning of value";
    }
    throw EvalError("failed to parse value as JSON: " + why);
  }
  json::value v = p.release();
  if (!use_number) numbers_to_double(v);
  return v;
}

const bool kParseJson = register_method(
    {.name = "parse_json",
     .category = kCat,
     .description = "Attempts to parse a string as a JSON document and returns the result.",
     .params = {ParamSpec{.name = "use_number",
                          .type = ParamType::Bool,
                          .description = "An optional flag that when set makes parsing numbers "
                                         "as json.Number instead of the default float64.",
                          .optional = true}},
     .examples =
         {example("root.doc = this.doc.parse_json()",
                  {{R"({"doc":"{\"foo\":\"bar\"}"})", R"({"doc":{"foo":"bar"}})"}}),
          example("root.doc = this.doc.parse_json(use_number: true)",
                  {{R"({"doc":"{\"foo\":\"11380878173205700000000000000000000000000000000\"}"})",
                    R"({"doc":{"foo":"11380878173205700000000000000000000000000000000"}})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      bool use_number = args.has(0) && !args[0].is_null() && args.boolean(0);
      return Value(decode_json(lib::text(target), use_number));
    });

const bool kFormatJson = register_method(
    {.name = "format_json",
     .category = kCat,
     .description = "Serializes a target value into a pretty-printed JSON byte array (with 4 "
                    "space indentation by default).",
     .status = "beta",
     .params = {ParamSpec{.name = "indent",
                          .type = ParamType::String,
                          .description = "Indentation string. Each element in a JSON object or "
                                         "array will begin on a new, indented line followed by "
                                         "one or more copies of indent according to the "
                                         "indentation nesting.",
                          .default_value = json::value("    ")},
                ParamSpec{.name = "no_indent",
                          .type = ParamType::Bool,
                          .description = "Disable indentation.",
                          .default_value = json::value(false)},
                ParamSpec{.name = "escape_html",
                          .type = ParamType::Bool,
                          .description = "Escape problematic HTML characters.",
                          .default_value = json::value(true)}},
     .examples = {example("root = this.doc.format_json()",
                          {{R"({"doc":{"foo":"bar"}})", "{\n    \"foo\": \"bar\"\n}"}}),
                  example("root = this.format_json(\"  \")",
                          {{R"({"doc":{"foo":"bar"}})",
                            "{\n  \"doc\": {\n    \"foo\": \"bar\"\n  }\n}"}},
                          "Pass a string to the `indent` parameter in order to customise the "
                          "indentation."),
                  example("root.doc = this.doc.format_json().string()",
                          {{R"({"doc":{"foo":"bar"}})", R"({"doc":"{\n    \"foo\": \"bar\"\n}"})"}},
                          "Use the `.string()` method in order to coerce the result into a "
                          "string."),
                  example("root = this.doc.format_json(no_indent: true)",
                          {{R"({"doc":{"foo":"bar"}})", R"({"foo":"bar"})"}},
                          "Set the `no_indent` parameter to true to disable indentation. The "
                          "result is equivalent to calling `bytes()`."),
                  example("root = this.doc.format_json()",
                          {{R"({"doc":{"email":"foo&bar@benthos.dev","name":"foo>bar"}})",
                            "{\n    \"email\": \"foo\\u0026bar@benthos.dev\",\n    \"name\": "
                            "\"foo\\u003ebar\"\n}"}},
                          "Escapes problematic HTML characters."),
                  example("root = this.doc.format_json(escape_html: false)",
                          {{R"({"doc":{"email":"foo&bar@benthos.dev","name":"foo>bar"}})",
                            "{\n    \"email\": \"foo&bar@benthos.dev\",\n    \"name\": "
                            "\"foo>bar\"\n}"}},
                          "Set the `escape_html` parameter to false to disable escaping of "
                          "problematic HTML characters.")}},
    [](ExecContext&, const Value& target, const Args& args) {
      lib::JsonStyle style;
      style.indent = args.has(0) && !args[0].is_null() ? args.string(0) : "    ";
      bool no_indent = args.has(1) && !args[1].is_null() && args.boolean(1);
      if (no_indent) style.indent.clear();
      style.escape_html = !(args.has(2) && !args[2].is_null()) || args.boolean(2);
      return Value::bytes(lib::go_json(target, style));
    });

// --- YAML ----------------------------------------------------------------------------------------
bool yaml_float_syntax(std::string_view s) {
  // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// strconv.ParseInt/ParseUint(s, 0, 64) without underscores (yaml.v3 strips them first).
std::optional<json::value> yaml_int(std::string_view s) {
  bool neg = false;
  std::string_view d = s;
  if (!d.empty() && (d[0] == '-' || d[0] == '+')) {
    neg = d[0] == '-';
    d.remove_prefix(1);
  }
  if (d.empty()) return std::nullopt;
  int base = 10;
  if (d.size() >= 3 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
    base = 16, d.remove_prefix(2);
  } else if (d.size() >= 3 && d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
    base = 8, d.remove_prefix(2);
  } else if (d.size() >= 3 && d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
    base = 2, d.remove_prefix(2);
  } else if (d.size() > 1 && d[0] == '0') {
    base = 8, d.remove_prefix(1);
  }
  uint64_t u = 0;
  auto r = std::from_chars(d.data(), d.data() + d.size(), u, base);
  if (r.ec != std::errc() || r.ptr != d.data() + d.size()) return std::nullopt;
  if (neg) {
    if (u > (uint64_t{1} << 63)) return std::nullopt;
    return json::value(static_cast<int64_t>(0 - u));
  }
  if (u <= static_cast<uint64_t>(INT64_MAX)) return json::value(static_cast<int64_t>(u));
  return json::value(u);
}

// yaml.v3's resolution of a plain scalar into a Go value.
json::value resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF")
    return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    std::string plain;
    for (char ch : s)
      if (ch != '_') plain.push_back(ch);
    if (auto i = yaml_int(plain)) return *i;
    if (yaml_float_syntax(plain)) {
      double d = 0;
      auto r =
          std::from_chars(plain.data() + (plain[0] == '+' ? 1 : 0), plain.data() + plain.size(), d);
      if (r.ec == std::errc()) return d;
    }
  }
  return json::string(s);
}

json::value yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
  case YAML::NodeType::Undefined:
  case YAML::NodeType::Null:
    return nullptr;
  case YAML::NodeType::Scalar: {
    const std::string& tag = n.Tag();
    const std::string& s = n.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") return json::string(s);
    return resolve_plain(s);
  }
  case YAML::NodeType::Sequence: {
    json::array a;
    for (const auto& e : n)
      a.push_back(yaml_to_json(e));
    return a;
  }
  case YAML::NodeType::Map: {
    json::object o;
    for (const auto& kv : n) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : YAML::Dump(kv.first);
      o[key] = yaml_to_json(kv.second);
    }
    return o;
  }
  }
  return nullptr;
}

const bool kParseYaml = register_method(
    {.name = "parse_yaml",
     .category = kCat,
     .description = "Attempts to parse a string as a single YAML document and returns the result.",
     .examples = {example("root.doc = this.doc.parse_yaml()",
                          {{R"({"doc":"foo: bar"})", R"({"doc":{"foo":"bar"}})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      std::string_view s = lib::text(target);
      try {
        YAML::Node node = YAML::Load(std::string(s));
        return Value(yaml_to_json(node));
      } catch (const YAML::Exception& e) {
        std::string msg = e.msg;
        throw EvalError("failed to parse value as YAML: yaml: line " +
                        std::to_string(e.mark.line + 1) + ": " + msg);
      }
    });

// yaml.v3's key order: numbers by value, strings with embedded digit runs compared
// numerically.
bool yaml_key_less(const std::string& a, const std::string& b) {
  std::vector<char32_t> ar, br;
  for (size_t i = 0; i < a.size();) {
    size_t w;
    ar.push_back(lib::decode_rune(a, i, &w));
    i += w;
  }
  for (size_t i = 0; i < b.size();) {
    size_t w;
    br.push_back(lib::decode_rune(b, i, &w));
    i += w;
  }
  bool digits = false;
  for (size_t i = 0; i < ar.size() && i < br.size(); ++i) {
    if (ar[i] == br[i]) {
      digits = lib::is_digit(ar[i]);
      continue;
    }
    bool al = lib::is_letter(ar[i]), bl = lib::is_letter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return digits ? al : bl;
    int64_t an = 0, bn = 0;
    if (ar[i] == '0' || br[i] == '0') {
      for (size_t j = i; j-- > 0 && lib::is_digit(ar[j]);) {
        if (ar[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    size_t ai = i, bi = i;
    for (; ai < ar.size() && lib::is_digit(ar[ai]); ++ai)
      an = an * 10 + (ar[ai] - '0');
    for (; bi < br.size() && lib::is_digit(br[bi]); ++bi)
      bn = bn * 10 + (br[bi] - '0');
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.size() < br.size();
}

bool is_old_bool(std::string_view s) {
  static const char* kOld[] = {"y", "Y", "yes", "Yes", "YES", "on",  "On",  "ON",
                               "n", "N", "no",  "No",  "NO",  "off", "Off", "OFF"};
  for (const char* o : kOld)
    if (s == o) return true;
  return false;
}

// Whether libyaml may write `s` as a plain scalar in block context.
bool plain_allowed(std::string_view s) {
  if (s.empty()) return false;
  if (s.starts_with("---") || s.starts_with("...")) return false;
  if (s.front() == ' ' || s.back() == ' ') return false;
  auto blank_at = [&](size_t i) { return i >= s.size() || s[i] == ' ' || s[i] == '\t'; };
  static const std::string_view kLeading = ",[]{}#&*!|>'\"%@`";
  if (kLeading.find(s[0]) != std::string_view::npos) return false;
  if ((s[0] == '-' || s[0] == '?' || s[0] == ':') && blank_at(1)) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t') return false;
    if (c == ':' && blank_at(i + 1)) return false;
    if (c == '#' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) return false;
    if (c == '\t') return false;
  }
  return true;
}

std::string yaml_scalar_string(std::string_view s, int indent) {
  json::value resolved = resolve_plain(std::string(s));
  bool is_str = resolved.is_string() && !is_old_bool(s);
  if (s.find('\n') != std::string_view::npos && lib::valid_utf8(s)) {
    std::string out = "|";
    if (!s.empty() && s[0] == ' ') out += "4";
    size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n')
      ++trailing;
    if (trailing == 0) {
      out += "-";
    } else if (trailing > 1) {
      out += "+";
    }
    std::string_view body = s.substr(0, s.size() - trailing);
    std::string pad(static_cast<size_t>(indent), ' ');
    size_t pos = 0;
    while (true) {
      size_t nl = body.find('\n', pos);
      std::string_view line = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
      out += "\n";
      if (!line.empty()) out += pad + std::string(line);
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    for (size_t k = 1; k < trailing; ++k)
      out += "\n";
    return out;
  }
  if (!is_str) return lib::go_quote(s);
  if (plain_allowed(s) && lib::valid_utf8(s)) return std::string(s);
  bool printable = true;
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = lib::decode_rune(s, i, &w);
    if (!lib::is_print(r) && r != '\t') printable = false;
    i += w;
  }
  if (!printable) return lib::go_quote(s);
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'";
}

std::string yaml_scalar(const json::value& v, int indent) {
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
    double d = v.get_double();
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    return format_float_g(d);
  }
  case json::kind::string:
    return yaml_scalar_string(v.get_string(), indent);
  case json::kind::array:
    return "[]";
  case json::kind::object:
    return "{}";
  }
  return "null";
}

bool yaml_block(const json::value& v) {
  return (v.is_array() && !v.get_array().empty()) || (v.is_object() && !v.get_object().empty());
}

// yaml.v3's block style with its default indent of 4.
void emit_yaml(std::string& out, const json::value& v, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    std::vector<const json::key_value_pair*> members;
    for (const auto& kv : o)
      members.push_back(&kv);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return yaml_key_less(std::string(a->key()), std::string(b->key()));
    });
    for (const auto* kv : members) {
      out += pad + yaml_scalar_string(kv->key(), indent) + ":";
      if (yaml_block(kv->value())) {
        out += "\n";
        emit_yaml(out, kv->value(), indent + 4);
      } else {
        out += " " + yaml_scalar(kv->value(), indent + 4) + "\n";
      }
    }
    return;
  }
  if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (yaml_block(e)) {
        std::string child;
        emit_yaml(child, e, indent + 4);
        out += pad + "-   " + child.substr(static_cast<size_t>(indent) + 4);
      } else {
        out += pad + "- " + yaml_scalar(e, indent + 4) + "\n";
      }
    }
    return;
  }
  out += pad + yaml_scalar(v, indent + 4) + "\n";
}

const bool kFormatYaml = register_method(
    {.name = "format_yaml",
     .category = kCat,
     .description = "Serializes a target value into a YAML byte array.",
     .examples = {example("root = this.doc.format_yaml()",
                          {{R"({"doc":{"foo":"bar"}})", "foo: bar\n"}}),
                  example("root.doc = this.doc.format_yaml().string()",
                          {{R"({"doc":{"foo":"bar"}})", R"({"doc":"foo: bar\n"})"}},
                          "Use the `.string()` method in order to coerce the result into a "
                          "string.")}},
    [](ExecContext&, const Value& target, const Args&) {
      std::string out;
      emit_yaml(out, target.to_json(), 0);
      return Value::bytes(std::move(out));
    });

// --- CSV -----------------------------------------------------------------------------------------
struct CsvError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// encoding/csv's Reader.ReadAll (FieldsPerRecord 0, no comments, no TrimLeadingSpace).
std::vector<std::vector<std::string>> read_csv(std::string_view in, char32_t comma, bool lazy) {
  std::string comma_s;
  lib::append_rune(comma_s, comma);
  std::vector<std::vector<std::string>> records;
  size_t pos = 0;
  int line_no = 0;
  size_t fields_per_record = 0;
  // readLine: the next line including '\n' ("\r\n" normalised, a final '\n' added).
  auto read_line = [&](std::string& line) -> bool {
    if (pos >= in.size()) return false;
    size_t nl = in.find('\n', pos);
    size_t end = nl == std::string_view::npos ? in.size() : nl + 1;
    line.assign(in.substr(pos, end - pos));
    pos = end;
    ++line_no;
    if (line.size() >= 2 && line[line.size() - 2] == '\r' && line.back() == '\n') {
      line.erase(line.size() - 2, 1);
    }
    if (line.back() != '\n') line.push_back('\n');
    return true;
  };
  auto perr = [&](int start, int line, int col, std::string_view why) -> CsvError {
    if (start != line)
      return CsvError("record on line " + std::to_string(start) + "; parse error on line " +
                      std::to_string(line) + ", column " + std::to_string(col) + ": " +
                      std::string(why));
    return CsvError("parse error on line " + std::to_string(line) + ", column " +
                    std::to_string(col) + ": " + std::string(why));
  };
  std::string line;
  while (true) {
    // Skip empty lines.
    bool got = false;
    while (read_line(line)) {
      if (line == "\n") continue;
      got = true;
      break;
    }
    if (!got) break;
    int rec_line = line_no;
    std::vector<std::string> fields;
    std::string_view rest = line;
    int col = 1;
    while (true) {
      if (rest.empty() || rest[0] != '"') {
        size_t i = rest.find(comma_s);
        std::string_view field =
            i == std::string_view::npos ? rest.substr(0, rest.size() - 1) : rest.substr(0, i);
        if (!lazy) {
          size_t q = field.find('"');
          if (q != std::string_view::npos)
            throw perr(rec_line, line_no, col + static_cast<int>(q), "bare \" in non-quoted-field");
        }
        fields.emplace_back(field);
        if (i == std::string_view::npos) break;
        rest.remove_prefix(i + comma_s.size());
        col += static_cast<int>(i + comma_s.size());
        continue;
      }
      // Quoted field.
      std::string value;
      rest.remove_prefix(1);
      col += 1;
      std::string holder; // keeps continuation lines alive
      bool done_record = false;
      while (true) {
        size_t q = rest.find('"');
        if (q != std::string_view::npos) {
          value.append(rest.substr(0, q));
          rest.remove_prefix(q + 1);
          col += static_cast<int>(q + 1);
          if (!rest.empty() && rest[0] == '"') {
            value.push_back('"');
            rest.remove_prefix(1);
            col += 1;
          } else if (rest.starts_with(comma_s)) {
            rest.remove_prefix(comma_s.size());
            col += static_cast<int>(comma_s.size());
            fields.push_back(std::move(value));
            break;
          } else if (rest == "\n") {
            fields.push_back(std::move(value));
            done_record = true;
            break;
          } else if (lazy) {
            value.push_back('"');
          } else {
            throw perr(rec_line, line_no, col - 1, "extraneous or missing \" in quoted-field");
          }
        } else if (!rest.empty()) {
          value.append(rest);
          if (!read_line(holder)) {
            if (!lazy)
              throw perr(rec_line, line_no, col + static_cast<int>(rest.size()),
                         "extraneous or missing \" in quoted-field");
            fields.push_back(std::move(value));
            done_record = true;
            break;
          }
          line = holder;
          rest = line;
          col = 1;
        } else {
          if (!lazy) throw perr(rec_line, line_no, col, "extraneous or missing \" in quoted-field");
          fields.push_back(std::move(value));
          done_record = true;
          break;
        }
      }
      if (done_record) break;
    }
    if (fields_per_record == 0) {
      fields_per_record = fields.size();
    } else if (fields.size() != fields_per_record) {
      throw CsvError("record on line " + std::to_string(rec_line) + ": wrong number of fields");
    }
    records.push_back(std::move(fields));
  }
  return records;
}

const bool kParseCsv = register_method(
    {.name = "parse_csv",
     .category = kCat,
     .description = "Attempts to parse a string into an array of objects by following the CSV "
                    "format described in RFC 4180.",
     .params = {ParamSpec{.name = "parse_header_row",
                          .type = ParamType::Bool,
                          .description = "Whether to reference the first row as a header row. If "
                                         "set to true the output structure for messages will be "
                                         "an object where field keys are determined by the "
                                         "header row. Otherwise, the output will be an array of "
                                         "row arrays.",
                          .default_value = json::value(true)},
                ParamSpec{.name = "delimiter",
                          .type = ParamType::String,
                          .description = "The delimiter to use for splitting values in each "
                                         "record. It must be a single character.",
                          .default_value = json::value(",")},
                ParamSpec{.name = "lazy_quotes",
                          .type = ParamType::Bool,
                          .description = "If set to `true`, a quote may appear in an unquoted "
                                         "field and a non-doubled quote may appear in a quoted "
                                         "field.",
                          .default_value = json::value(false)}},
     .examples =
         {example("root.orders = this.orders.parse_csv()",
                  {{R"({"orders":"foo,bar\nfoo 1,bar 1\nfoo 2,bar 2"})",
                    R"({"orders":[{"bar":"bar 1","foo":"foo 1"},{"bar":"bar 2","foo":"foo 2"}]})"}},
                  "Parses CSV data with a header row"),
          example("root.orders = this.orders.parse_csv(false)",
                  {{R"({"orders":"foo 1,bar 1\nfoo 2,bar 2"})",
                    R"({"orders":[["foo 1","bar 1"],["foo 2","bar 2"]]})"}},
                  "Parses CSV data without a header row"),
          example("root.orders = this.orders.parse_csv(delimiter:\".\")",
                  {{R"({"orders":"foo.bar\nfoo 1.bar 1\nfoo 2.bar 2"})",
                    R"({"orders":[{"bar":"bar 1","foo":"foo 1"},{"bar":"bar 2","foo":"foo 2"}]})"}},
                  "Parses CSV data delimited by dots"),
          example(
              "root.orders = this.orders.parse_csv(lazy_quotes:true)",
              {{R"({"orders":"foo,bar\nfoo 1,bar 1\nfoo\" \"2,bar\" \"2"})",
                R"({"orders":[{"bar":"bar 1","foo":"foo 1"},{"bar":"bar\" \"2","foo":"foo\" \"2"}]})"}},
              "Parses CSV data containing a quote in an unquoted field")}},
    [](ExecContext&, const Value& target, const Args& args) {
      bool header = !(args.has(0) && !args[0].is_null()) || args.boolean(0);
      std::string delim = args.has(1) && !args[1].is_null() ? args.string(1) : ",";
      bool lazy = args.has(2) && !args[2].is_null() && args.boolean(2);
      if (delim.empty() || lib::rune_count(delim) != 1)
        throw EvalError("delimiter value must be exactly one character");
      size_t w;
      char32_t comma = lib::decode_rune(delim, 0, &w);
      if (comma == '\n' || comma == '\r' || comma == '"' || comma == lib::kRuneError)
        throw EvalError("csv: invalid field or comment delimiter");
      std::vector<std::vector<std::string>> records;
      try {
        records = read_csv(lib::text(target), comma, lazy);
      } catch (const CsvError& e) {
        throw EvalError(e.what());
      }
      if (records.empty()) throw EvalError("zero records were parsed");
      json::array out;
      if (header) {
        const auto& headers = records[0];
        for (size_t r = 1; r < records.size(); ++r) {
          json::object obj;
          for (size_t i = 0; i < records[r].size(); ++i)
            obj[headers[i]] = records[r][i];
          out.emplace_back(std::move(obj));
        }
      } else {
        for (const auto& rec : records) {
          json::array row;
          for (const auto& f : rec)
            row.emplace_back(json::string(f));
          out.emplace_back(std::move(row));
        }
      }
      return Value(json::value(std::move(out)));
    });

// --- logfmt --------------------------------------------------------------------------------------
// go-logfmt's decoder: `key=value` pairs separated by spaces, values optionally double-quoted
// with JSON-style escapes, records separated by newlines (all merged into one object).
json::object parse_logfmt(std::string_view in) {
  json::object out;
  size_t line_no = 1;
  size_t i = 0;
  auto syntax = [&](size_t at, std::string_view why) -> EvalError {
    return EvalError("logfmt syntax error at pos " + std::to_string(at + 1) + " on line " +
                     std::to_string(line_no) + ": " + std::string(why));
  };
  size_t line_start = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == '\n') {
      ++line_no;
      line_start = ++i;
      continue;
    }
    if (static_cast<unsigned char>(c) <= ' ') {
      ++i;
      continue;
    }
    size_t key_start = i;
    while (i < in.size() && static_cast<unsigned char>(in[i]) > ' ' && in[i] != '=' && in[i] != '"')
      ++i;
    if (i == key_start) {
      if (in[i] == '=') throw syntax(i - line_start, "unexpected '='");
      throw syntax(i - line_start, "unexpected '\"'");
    }
    std::string key(in.substr(key_start, i - key_start));
    if (i >= in.size() || in[i] != '=') {
      if (i < in.size() && in[i] == '"') throw syntax(i - line_start, "unexpected '\"'");
      out[key] = "";
      continue;
    }
    ++i; // '='
    if (i < in.size() && in[i] == '"') {
      size_t q = i + 1;
      std::string raw = "\"";
      bool closed = false;
      while (q < in.size()) {
        char ch = in[q];
        if (ch == '\\' && q + 1 < in.size()) {
          raw.push_back(ch);
          raw.push_back(in[q + 1]);
          q += 2;
          continue;
        }
        if (ch == '"') {
          raw.push_back('"');
          closed = true;
          ++q;
          break;
        }
        if (ch == '\n') break;
        raw.push_back(ch);
        ++q;
      }
      if (!closed) throw syntax(q - line_start, "unterminated quoted value");
      auto unq = lib::go_unquote(raw);
      if (!unq) throw syntax(i - line_start, "invalid quoted value");
      out[key] = *unq;
      i = q;
      continue;
    }
    size_t v_start = i;
    while (i < in.size() && static_cast<unsigned char>(in[i]) > ' ' && in[i] != '"') {
      if (in[i] == '=') throw syntax(i - line_start, "unexpected '='");
      ++i;
    }
    if (i < in.size() && in[i] == '"') throw syntax(i - line_start, "unexpected '\"'");
    out[key] = std::string(in.substr(v_start, i - v_start));
  }
  return out;
}

const bool kParseLogfmt = register_method(
    {.name = "parse_logfmt",
     .category = kCat,
     .description = "Attempts to parse a string as logfmt (`key=value` pairs separated by "
                    "spaces, values optionally quoted) and returns the result as an object.",
     .examples = {example("root = this.msg.parse_logfmt()",
                          {{R"({"msg":"level=info msg=\"hello world\" dur=1.5s"})",
                            R"({"dur":"1.5s","level":"info","msg":"hello world"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value(json::value(parse_logfmt(lib::string_like(target))));
    });

// --- URLs ----------------------------------------------------------------------------------------
enum class Enc { Path, Host, UserPassword, QueryComponent, Fragment };

bool url_should_escape(unsigned char c, Enc mode) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return false;
  if (mode == Enc::Host) {
    switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '[':
    case ']':
    case '<':
    case '>':
    case '"':
      return false;
    default:
      break;
    }
  }
  switch (c) {
  case '-':
  case '_':
  case '.':
  case '~':
    return false;
  case '$':
  case '&':
  case '+':
  case ',':
  case '/':
  case ':':
  case ';':
  case '=':
  case '?':
  case '@':
    switch (mode) {
    case Enc::Path:
      return c == '?';
    case Enc::UserPassword:
      return c == '@' || c == '/' || c == '?' || c == ':';
    case Enc::QueryComponent:
      return true;
    case Enc::Fragment:
      return false;
    default:
      break;
    }
    break;
  default:
    break;
  }
  if (mode == Enc::Fragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

int hexv(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// net/url's unescape; throws the Go error text.
std::string url_unescape(std::string_view s, Enc mode) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0)
        throw EvalError("invalid URL escape " + lib::go_quote(s.substr(i, 3)));
      if (mode == Enc::Host && hexv(s[i + 1]) < 8 && s.substr(i, 3) != "%25")
        throw EvalError("invalid URL escape " + lib::go_quote(s.substr(i, 3)));
      out.push_back(static_cast<char>(hexv(s[i + 1]) * 16 + hexv(s[i + 2])));
      i += 2;
      continue;
    }
    if (mode == Enc::Host && static_cast<unsigned char>(c) < 0x80 &&
        url_should_escape(static_cast<unsigned char>(c), mode))
      throw EvalError("invalid character " + lib::go_quote(std::string(1, c)) + " in host name");
    out.push_back(c == '+' && mode == Enc::QueryComponent ? ' ' : c);
  }
  return out;
}

std::string url_escape(std::string_view s, Enc mode) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (url_should_escape(c, mode)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

bool valid_port(std::string_view p) {
  if (p.empty()) return true;
  if (p[0] != ':') return false;
  for (char c : p.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

std::string parse_host(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    size_t i = host.rfind(']');
    if (i == std::string_view::npos) throw EvalError("missing ']' in host");
    std::string_view port = host.substr(i + 1);
    if (!valid_port(port)) throw EvalError("invalid port " + lib::go_quote(port) + " after host");
  } else if (size_t i = host.rfind(':'); i != std::string_view::npos) {
    std::string_view port = host.substr(i);
    if (!valid_port(port)) throw EvalError("invalid port " + lib::go_quote(port) + " after host");
  }
  return url_unescape(host, Enc::Host);
}

bool valid_userinfo(std::string_view s) {
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (std::string_view("-._:~!$&'()*+,;=%@").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// url.Parse, reduced to the fields parse_url reports.
json::object parse_url(std::string_view raw) {
  std::string_view u = raw;
  std::string_view frag;
  bool has_frag = false;
  if (size_t h = raw.find('#'); h != std::string_view::npos) {
    u = raw.substr(0, h);
    frag = raw.substr(h + 1);
    has_frag = true;
  }
  json::object out;
  std::string scheme, opaque, host, path, raw_path, raw_query, fragment, raw_fragment;
  json::object user;
  bool has_user = false;
  auto fail = [&](std::string_view url, const std::string& why) -> EvalError {
    return EvalError("parse " + lib::go_quote(url) + ": " + why);
  };
  try {
    for (char c : u)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        throw EvalError("net/url: invalid control character in URL");
    std::string_view rest = u;
    if (u == "*") {
      path = "*";
      rest = {};
    } else {
      for (size_t i = 0; i < u.size(); ++i) {
        char c = u[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
          if (i == 0) break;
          continue;
        }
        if (c == ':') {
          if (i == 0) throw EvalError("missing protocol scheme");
          scheme = lib::lower(u.substr(0, i));
          rest = u.substr(i + 1);
        }
        break;
      }
      size_t qcount = std::count(rest.begin(), rest.end(), '?');
      if (!rest.empty() && rest.back() == '?' && qcount == 1) {
        rest.remove_suffix(1);
      } else if (size_t q = rest.find('?'); q != std::string_view::npos) {
        raw_query = std::string(rest.substr(q + 1));
        rest = rest.substr(0, q);
      }
      bool done = false;
      if (!rest.starts_with("/")) {
        if (!scheme.empty()) {
          opaque = std::string(rest);
          done = true;
        } else {
          std::string_view seg = rest.substr(0, rest.find('/'));
          if (seg.find(':') != std::string_view::npos)
            throw EvalError("first path segment in URL cannot contain colon");
        }
      }
      if (!done) {
        if ((!scheme.empty() || !rest.starts_with("///")) && rest.starts_with("//")) {
          std::string_view authority = rest.substr(2);
          rest = {};
          if (size_t s = authority.find('/'); s != std::string_view::npos) {
            rest = authority.substr(s);
            authority = authority.substr(0, s);
          }
          size_t at = authority.rfind('@');
          host = parse_host(at == std::string_view::npos ? authority : authority.substr(at + 1));
          if (at != std::string_view::npos) {
            std::string_view info = authority.substr(0, at);
            if (!valid_userinfo(info)) throw EvalError("net/url: invalid userinfo");
            has_user = true;
            size_t colon = info.find(':');
            user["name"] = url_unescape(info.substr(0, colon), Enc::UserPassword);
            if (colon != std::string_view::npos)
              user["password"] = url_unescape(info.substr(colon + 1), Enc::UserPassword);
          }
        }
        path = url_unescape(rest, Enc::Path);
        if (url_escape(path, Enc::Path) != rest) raw_path = std::string(rest);
      }
    }
  } catch (const EvalError& e) {
    throw fail(u, e.what());
  }
  if (has_frag) {
    try {
      fragment = url_unescape(frag, Enc::Fragment);
      if (url_escape(fragment, Enc::Fragment) != frag) raw_fragment = std::string(frag);
    } catch (const EvalError& e) {
      throw fail(raw, e.what());
    }
  }
  out["scheme"] = scheme;
  out["opaque"] = opaque;
  out["host"] = host;
  out["path"] = path;
  out["raw_path"] = raw_path;
  out["raw_query"] = raw_query;
  out["fragment"] = fragment;
  out["raw_fragment"] = raw_fragment;
  if (has_user) out["user"] = std::move(user);
  return out;
}

const bool kParseUrl = register_method(
    {.name = "parse_url",
     .category = kCat,
     .description = "Attempts to parse a URL from a string value, returning a structured result "
                    "that describes the various facets of the URL. The fields returned within the "
                    "structured result roughly follow https://pkg.go.dev/net/url#URL, and may be "
                    "expanded in future in order to present more information.",
     .examples =
         {example(
              "root.foo_url = this.foo_url.parse_url()",
              {{R"({"foo_url":"https://docs.redpanda.com/redpanda-connect/guides/bloblang/about/"})",
                R"({"foo_url":{"fragment":"","host":"docs.redpanda.com","opaque":"","path":"/redpanda-connect/guides/bloblang/about/","raw_fragment":"","raw_path":"","raw_query":"","scheme":"https"}})"}}),
          example("root.username = this.url.parse_url().user.name | \"unknown\"",
                  {{R"({"url":"amqp://foo:bar@127.0.0.1:5672/"})", R"({"username":"foo"})"},
                   {R"({"url":"redis://localhost:6379"})", R"({"username":"unknown"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value(json::value(parse_url(lib::string_like(target))));
    });

const bool kParseForm = register_method(
    {.name = "parse_form_url_encoded",
     .category = kCat,
     .description = "Attempts to parse a url-encoded query string (from an "
                    "x-www-form-urlencoded request body) and returns a structured result.",
     .examples = {example(
         "root.values = this.body.parse_form_url_encoded()",
         {{R"({"body":"noise=meow&animal=cat&fur=orange&fur=fluffy"})",
           R"({"values":{"animal":"cat","fur":["orange","fluffy"],"noise":"meow"}})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      std::string s = lib::string_like(target);
      std::vector<std::pair<std::string, std::vector<std::string>>> values;
      std::string first_error;
      std::string_view rest = s;
      while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (part.find(';') != std::string_view::npos) {
          if (first_error.empty()) first_error = "invalid semicolon separator in query";
          continue;
        }
        if (part.empty()) continue;
        size_t eq = part.find('=');
        try {
          std::string key = url_unescape(part.substr(0, eq), Enc::QueryComponent);
          std::string val = eq == std::string_view::npos
                                ? std::string()
                                : url_unescape(part.substr(eq + 1), Enc::QueryComponent);
          auto it = std::find_if(values.begin(), values.end(),
                                 [&](const auto& kv) { return kv.first == key; });
          if (it == values.end()) {
            values.push_back({key, {val}});
          } else {
            it->second.push_back(val);
          }
        } catch (const EvalError& e) {
          if (first_error.empty()) first_error = e.what();
        }
      }
      if (!first_error.empty())
        throw EvalError("failed to parse value as url-encoded data: " + first_error);
      json::object out;
      for (auto& [k, vs] : values) {
        if (vs.size() == 1) {
          out[k] = vs[0];
        } else {
          json::array arr;
          for (auto& v : vs)
            arr.emplace_back(json::string(v));
          out[k] = std::move(arr);
        }
      }
      return Value(json::value(std::move(out)));
    });

} // namespace
} // namespace plugctl::bloblang
