#include "sql_value.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace plugctl::sql {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    ++i;
  return i;
}

[[noreturn]] void bad(std::string_view what, size_t at) {
  throw std::runtime_error("args_mapping result is not valid JSON: " + std::string(what) +
                           " at offset " + std::to_string(at));
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint32_t read_hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) bad("truncated \\u escape", i);
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int d = hex_digit(s[i + k]);
    if (d < 0) bad("bad \\u escape", i);
    v = v * 16 + static_cast<uint32_t>(d);
  }
  return v;
}

// Decodes the JSON string starting at s[i] == '"' into out; returns the index after it.
size_t read_string(std::string_view s, size_t i, std::string& out) {
  ++i;
  for (;;) {
    size_t start = i;
    while (i < s.size() && s[i] != '"' && s[i] != '\\')
      ++i;
    out.append(s.data() + start, i - start);
    if (i >= s.size()) bad("unterminated string", start);
    if (s[i] == '"') return i + 1;
    if (++i >= s.size()) bad("unterminated escape", i);
    switch (s[i]) {
    case '"':
    case '\\':
    case '/':
      out.push_back(s[i]);
      break;
    case 'b':
      out.push_back('\b');
      break;
    case 'f':
      out.push_back('\f');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 't':
      out.push_back('\t');
      break;
    case 'u': {
      uint32_t cp = read_hex4(s, i + 1);
      i += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u') {
        uint32_t lo = read_hex4(s, i + 3);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
      }
      append_utf8(out, cp);
      break;
    }
    default:
      bad("bad escape", i);
    }
    ++i;
  }
}

// The end of the object or array starting at s[i].
size_t skip_nested(std::string_view s, size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  bad("unterminated object or array", i);
}

} // namespace

// A number as PostgreSQL reads it, written as the JSON text of mapping_eval would be: an
// integral value as its digits (Go writes 94.0 as 94), others in the shortest form that reads
// back the same. Most numbers in data have a few decimals (12.5, 0.25, 19.99): those are
// written as an integer with a decimal point, checked to read back exactly (a tenth of the
// cost of the general shortest-form algorithm); the others take std::to_chars.
void append_number(std::string& out, double d) {
  char buf[64];
  std::to_chars_result r;
  const double a = std::fabs(d);
  if (a < 1e15 && d == static_cast<double>(static_cast<int64_t>(d)) &&
      !(d == 0 && std::signbit(d))) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
    out.append(buf, static_cast<size_t>(r.ptr - buf));
    return;
  }
  static constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  if (a >= 1e-3 && a < 1e9) {
    for (int k = 1; k <= 6; ++k) {
      const double scaled = a * kPow10[k];
      const auto m = static_cast<int64_t>(std::llround(scaled));
      if (static_cast<double>(m) / kPow10[k] != a) continue;
      // m / 10^k is the decimal closest to |d| with k decimals, and it reads back as |d|.
      char digits[32];
      auto dr = std::to_chars(digits, digits + sizeof digits, m);
      size_t n = static_cast<size_t>(dr.ptr - digits);
      if (d < 0) out.push_back('-');
      if (n <= static_cast<size_t>(k)) { // 0.0xy
        out.append("0.");
        out.append(static_cast<size_t>(k) - n, '0');
        out.append(digits, n);
      } else {
        out.append(digits, n - static_cast<size_t>(k));
        out.push_back('.');
        out.append(digits + n - k, static_cast<size_t>(k));
      }
      return;
    }
  }
  r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void parse_args(std::string_view s, std::vector<Param>& out) {
  size_t used = 0;
  auto next = [&]() -> Param& {
    if (used == out.size()) out.emplace_back();
    Param& p = out[used++];
    p.text.clear();
    return p;
  };
  size_t i = skip_ws(s, 0);
  if (i >= s.size() || s[i] != '[') {
    std::string got = std::string(s.substr(0, 60));
    out.clear();
    throw std::runtime_error("args_mapping must return an array, got " +
                             (got.empty() ? std::string("nothing") : got));
  }
  i = skip_ws(s, i + 1);
  if (i < s.size() && s[i] == ']') {
    out.resize(0);
    return;
  }
  for (;;) {
    i = skip_ws(s, i);
    if (i >= s.size()) bad("unterminated array", i);
    Param& p = next();
    char c = s[i];
    if (c == '"') {
      p.kind = Param::Kind::String;
      i = read_string(s, i, p.text);
    } else if (c == '{' || c == '[') {
      size_t end = skip_nested(s, i);
      p.kind = Param::Kind::Json;
      p.text.assign(s.data() + i, end - i);
      i = end;
    } else if (s.compare(i, 4, "null") == 0) {
      p.kind = Param::Kind::Null;
      i += 4;
    } else if (s.compare(i, 4, "true") == 0) {
      p.kind = Param::Kind::Bool;
      p.text = "true";
      i += 4;
    } else if (s.compare(i, 5, "false") == 0) {
      p.kind = Param::Kind::Bool;
      p.text = "false";
      i += 5;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i;
      while (i < s.size() && (s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == 'e' ||
                              s[i] == 'E' || (s[i] >= '0' && s[i] <= '9')))
        ++i;
      p.kind = Param::Kind::Number;
      p.text.assign(s.data() + start, i - start);
    } else {
      bad("unexpected character", i);
    }
    i = skip_ws(s, i);
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') break;
    bad("expected , or ]", i);
  }
  out.resize(used);
}

namespace {
// bytea's text input is \x and hex digits; the backslash itself is escaped for COPY.
void append_copy_bytea(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\\\x";
  for (unsigned char c : v) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
}

[[noreturn]] void not_base64(std::string_view text) {
  throw std::runtime_error("a bytea value must be base64 text (as bytes are in a mapping's "
                           "output), got \"" +
                           std::string(text.substr(0, 40)) + "\"");
}
} // namespace

std::string_view param_bytes(const Param& p, ColumnType type, std::string& scratch, bool& binary) {
  binary = false;
  if (type == ColumnType::Bytes && p.kind == Param::Kind::String) {
    if (!base64_decode(p.text, scratch)) not_base64(p.text);
    binary = true;
    return scratch;
  }
  if (type == ColumnType::Array && p.kind == Param::Kind::Json && !p.text.empty() &&
      p.text[0] == '[') {
    scratch = pg_array_literal(p.text);
    return scratch;
  }
  return p.text;
}

namespace {
void append_copy_text(std::string& out, std::string_view v) {
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char esc = 0;
    switch (v[i]) {
    case '\\':
      esc = '\\';
      break;
    case '\n':
      esc = 'n';
      break;
    case '\r':
      esc = 'r';
      break;
    case '\t':
      esc = 't';
      break;
    default:
      continue;
    }
    out.append(v.data() + start, i - start);
    out.push_back('\\');
    out.push_back(esc);
    start = i + 1;
  }
  out.append(v.data() + start, v.size() - start);
}
} // namespace

void append_copy_value(std::string& out, const plugctl_value& v, std::string_view text,
                       ColumnType type, std::string& scratch) {
  char num[32];
  switch (v.type) {
  case PLUGCTL_VALUE_NULL:
    out += "\\N";
    return;
  case PLUGCTL_VALUE_BOOL:
    out += v.num.i != 0 ? "true" : "false";
    return;
  case PLUGCTL_VALUE_INT: {
    auto r = std::to_chars(num, num + sizeof num, v.num.i);
    out.append(num, r.ptr);
    return;
  }
  case PLUGCTL_VALUE_UINT: {
    auto r = std::to_chars(num, num + sizeof num, v.num.u);
    out.append(num, r.ptr);
    return;
  }
  case PLUGCTL_VALUE_FLOAT:
    if (!std::isfinite(v.num.f)) {
      out += "\\N"; // JSON has no NaN/Inf: null, as through JSON text
      return;
    }
    append_number(out, v.num.f);
    return;
  case PLUGCTL_VALUE_STRING:
  case PLUGCTL_VALUE_TIMESTAMP: {
    std::string_view s = text.substr(v.offset, v.len);
    if (type == ColumnType::Bytes) {
      if (!base64_decode(s, scratch)) not_base64(s);
      append_copy_bytea(out, scratch);
      return;
    }
    append_copy_text(out, s);
    return;
  }
  case PLUGCTL_VALUE_BYTES: { // as through JSON text: base64, which a bytea column decodes
    std::string_view s = text.substr(v.offset, v.len);
    if (type == ColumnType::Bytes)
      append_copy_bytea(out, s);
    else
      append_copy_text(out, base64_encode(s));
    return;
  }
  default: { // JSON, and codes of later minors
    std::string_view s = text.substr(v.offset, v.len);
    if (type == ColumnType::Array && !s.empty() && s[0] == '[')
      append_copy_text(out, pg_array_literal(s));
    else
      append_copy_text(out, s);
    return;
  }
  }
}

void append_copy_field(std::string& out, const Param& p, ColumnType type, std::string& scratch) {
  if (p.kind == Param::Kind::Null) {
    out += "\\N";
    return;
  }
  bool binary = false;
  std::string_view v = param_bytes(p, type, scratch, binary);
  if (!binary) {
    append_copy_text(out, v);
    return;
  }
  append_copy_bytea(out, v);
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
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
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

namespace {

bool is_plain_number(std::string_view t) {
  // PostgreSQL writes NaN, Infinity and -Infinity for special floats and numerics: JSON has no
  // such numbers, so they stay strings.
  return !t.empty() && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) && t != "-Infinity";
}

// "2024-05-01 10:20:30.5+00" (DateStyle ISO) -> "2024-05-01T10:20:30.5Z"; a timestamp without a
// zone is taken as UTC. Anything unusual (infinity, BC dates) stays as PostgreSQL wrote it.
void append_timestamp(std::string& out, std::string_view t, bool with_zone) {
  if (t.size() < 19 || t[10] != ' ' || t[4] != '-' || t.find(" BC") != std::string_view::npos) {
    append_json_string(out, t);
    return;
  }
  std::string r(t.substr(0, 10));
  r.push_back('T');
  size_t i = 11;
  size_t zone = with_zone ? t.find_first_of("+-", 19) : std::string_view::npos;
  std::string_view clock = t.substr(i, (zone == std::string_view::npos ? t.size() : zone) - i);
  r.append(clock);
  if (zone == std::string_view::npos) {
    r.push_back('Z');
  } else {
    std::string_view z = t.substr(zone);
    if (z == "+00" || z == "-00" || z == "+00:00") {
      r.push_back('Z');
    } else {
      r.append(z);
      if (z.size() == 3) r += ":00"; // "+05" -> "+05:00"
    }
  }
  append_json_string(out, r);
}

bool hex_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 2 != 0) return false;
  out.reserve(in.size() / 2);
  for (size_t i = 0; i < in.size(); i += 2) {
    int a = hex_digit(in[i]), b = hex_digit(in[i + 1]);
    if (a < 0 || b < 0) return false;
    out.push_back(static_cast<char>(a * 16 + b));
  }
  return true;
}

} // namespace

void append_json_column(std::string& out, ColumnType type, std::optional<std::string_view> text) {
  if (!text) {
    out += "null";
    return;
  }
  std::string_view t = *text;
  switch (type) {
  case ColumnType::Bool:
    out += (t == "t" || t == "true") ? "true" : "false";
    return;
  case ColumnType::Int:
    out.append(t);
    return;
  case ColumnType::Float:
  case ColumnType::Numeric:
    if (is_plain_number(t)) {
      out.append(t);
    } else {
      append_json_string(out, t);
    }
    return;
  case ColumnType::Json:
    out.append(t);
    return;
  case ColumnType::Bytes: {
    std::string raw;
    if (t.size() >= 2 && t[0] == '\\' && t[1] == 'x' && hex_decode(t.substr(2), raw)) {
      append_json_string(out, base64_encode(raw));
    } else {
      append_json_string(out, t);
    }
    return;
  }
  case ColumnType::Timestamp:
    append_timestamp(out, t, false);
    return;
  case ColumnType::TimestampTz:
    append_timestamp(out, t, true);
    return;
  case ColumnType::Array: // elements of an unknown type stay strings
    append_json_array(out, ColumnType::Other, t);
    return;
  case ColumnType::Other:
    append_json_string(out, t);
    return;
  }
}

namespace {

// Quotes one element of an array literal: "..." with " and \ escaped.
void append_array_quoted(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

// The JSON array at s[i] == '[' into `out` as an array literal; returns the index after it.
size_t array_literal(std::string_view s, size_t i, std::string& out, int depth) {
  if (depth > 6) bad("arrays nested deeper than PostgreSQL's 6 dimensions", i);
  out.push_back('{');
  i = skip_ws(s, i + 1);
  if (i < s.size() && s[i] == ']') {
    out.push_back('}');
    return i + 1;
  }
  std::string str;
  for (;;) {
    i = skip_ws(s, i);
    if (i >= s.size()) bad("unterminated array", i);
    char c = s[i];
    if (c == '[') {
      i = array_literal(s, i, out, depth + 1);
    } else if (c == '"') {
      str.clear();
      i = read_string(s, i, str);
      append_array_quoted(out, str);
    } else if (c == '{') {
      size_t end = skip_nested(s, i);
      append_array_quoted(out, s.substr(i, end - i));
      i = end;
    } else if (s.compare(i, 4, "null") == 0) {
      out += "NULL";
      i += 4;
    } else {
      size_t start = i;
      while (i < s.size() && s[i] != ',' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
             s[i] != '\t' && s[i] != '\r')
        ++i;
      if (i == start) bad("unexpected character", i);
      out.append(s.data() + start, i - start);
    }
    i = skip_ws(s, i);
    if (i < s.size() && s[i] == ',') {
      out.push_back(',');
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') {
      out.push_back('}');
      return i + 1;
    }
    bad("expected , or ]", i);
  }
}

// The array text at t[i] == '{' into `out` as JSON; returns the index after it. Throws
// std::runtime_error on malformed text.
size_t json_from_array(std::string& out, ColumnType element, std::string_view t, size_t i,
                       int depth) {
  auto malformed = [] { throw std::runtime_error("malformed array"); };
  if (depth > 6 || i >= t.size() || t[i] != '{') malformed();
  out.push_back('[');
  ++i;
  if (i < t.size() && t[i] == '}') {
    out.push_back(']');
    return i + 1;
  }
  std::string elem;
  for (;;) {
    if (i >= t.size()) malformed();
    if (t[i] == '{') {
      i = json_from_array(out, element, t, i, depth + 1);
    } else if (t[i] == '"') {
      elem.clear();
      for (++i; i < t.size() && t[i] != '"'; ++i) {
        if (t[i] == '\\' && i + 1 < t.size()) ++i;
        elem.push_back(t[i]);
      }
      if (i >= t.size()) malformed();
      ++i;
      append_json_column(out, element, elem);
    } else {
      size_t start = i;
      while (i < t.size() && t[i] != ',' && t[i] != '}')
        ++i;
      std::string_view tok = t.substr(start, i - start);
      if (tok == "NULL")
        append_json_column(out, element, std::nullopt);
      else
        append_json_column(out, element, tok);
    }
    if (i < t.size() && t[i] == ',') {
      out.push_back(',');
      ++i;
      continue;
    }
    if (i < t.size() && t[i] == '}') {
      out.push_back(']');
      return i + 1;
    }
    malformed();
  }
}

} // namespace

std::string pg_array_literal(std::string_view json) {
  std::string out;
  size_t i = skip_ws(json, 0);
  if (i >= json.size() || json[i] != '[') bad("expected an array", i);
  i = skip_ws(json, array_literal(json, i, out, 1));
  if (i != json.size()) bad("text after the array", i);
  return out;
}

void append_json_array(std::string& out, ColumnType element, std::string_view text) {
  size_t i = 0;
  if (!text.empty() && text[0] == '[') { // non-default lower bounds: [0:1]={...}
    size_t eq = text.find('=');
    if (eq != std::string_view::npos) i = eq + 1;
  }
  const size_t mark = out.size();
  try {
    if (json_from_array(out, element, text, i, 1) == text.size()) return;
  } catch (const std::runtime_error&) {}
  out.resize(mark);
  append_json_string(out, text);
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

bool base64_decode(std::string_view in, std::string& out) {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(kB64[i])] = static_cast<int8_t>(i);
    return t;
  }();
  out.clear();
  while (!in.empty() && in.back() == '=')
    in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

} // namespace plugctl::sql
