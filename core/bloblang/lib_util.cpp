#include "bloblang/lib_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <locale.h>
#include <vector>
#include <wctype.h>

namespace plugctl::bloblang::lib {

// --- reading targets ---------------------------------------------------------------------------
bool is_text(const Value& v) {
  return v.kind() == Value::Kind::Bytes || v.is_string();
}

std::string_view text(const Value& v) {
  if (v.kind() == Value::Kind::Bytes) return v.bytes_value();
  if (v.is_string()) return std::string_view(v.json().get_string());
  throw TypeError(v, {"string"});
}

std::string string_like(const Value& v) {
  if (v.kind() == Value::Kind::Timestamp) return format_rfc3339nano(v.ts());
  return std::string(text(v));
}

Value same_kind(const Value& target, std::string s) {
  if (target.kind() == Value::Kind::Bytes) return Value::bytes(std::move(s));
  return Value::string(std::move(s));
}

bool has_arg(const Args& a, size_t i) {
  return a.has(i) && i < a.size();
}

[[noreturn]] void throw_wrapped_type_error(std::string_view prefix, const Value& got,
                                           std::initializer_list<std::string_view> expected) {
  throw EvalError(std::string(prefix) + ": " + TypeError(got, expected).what());
}

// --- UTF-8 -------------------------------------------------------------------------------------
char32_t decode_rune(std::string_view s, size_t i, size_t* width) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  *width = 1;
  if (c < 0x80) return c;
  size_t n;
  char32_t r, min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, r = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, r = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, r = c & 0x07, min = 0x10000;
  } else {
    return kRuneError;
  }
  if (i + n > s.size()) return kRuneError;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = b(i + k);
    if ((cc & 0xC0) != 0x80) return kRuneError;
    r = (r << 6) | (cc & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return kRuneError;
  *width = n;
  return r;
}

void append_rune(std::string& out, char32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t w;
    if (decode_rune(s, i, &w) == kRuneError && w == 1 && static_cast<unsigned char>(s[i]) >= 0x80)
      return false;
    i += w;
  }
  return true;
}

size_t rune_count(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    size_t w;
    decode_rune(s, i, &w);
    i += w;
  }
  return n;
}

namespace {
// glibc's C.UTF-8 locale carries the Unicode tables; the process locale stays untouched.
locale_t utf8_locale() {
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (l == static_cast<locale_t>(nullptr))
      l = newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(nullptr));
    return l;
  }();
  return loc;
}
} // namespace

char32_t to_upper(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') ? r - 32 : r;
  locale_t l = utf8_locale();
  if (l == static_cast<locale_t>(nullptr)) return r;
  return static_cast<char32_t>(towupper_l(static_cast<wint_t>(r), l));
}

char32_t to_lower(char32_t r) {
  if (r < 0x80) return (r >= 'A' && r <= 'Z') ? r + 32 : r;
  locale_t l = utf8_locale();
  if (l == static_cast<locale_t>(nullptr)) return r;
  return static_cast<char32_t>(towlower_l(static_cast<wint_t>(r), l));
}

bool is_letter(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  locale_t l = utf8_locale();
  return l != static_cast<locale_t>(nullptr) && iswalpha_l(static_cast<wint_t>(r), l) &&
         !iswdigit_l(static_cast<wint_t>(r), l);
}

bool is_digit(char32_t r) {
  if (r < 0x80) return r >= '0' && r <= '9';
  locale_t l = utf8_locale();
  return l != static_cast<locale_t>(nullptr) && iswdigit_l(static_cast<wint_t>(r), l);
}

bool is_space(char32_t r) {
  switch (r) {
  case '\t':
  case '\n':
  case '\v':
  case '\f':
  case '\r':
  case ' ':
  case 0x85:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
    return true;
  default:
    return r >= 0x2000 && r <= 0x200A;
  }
}

bool is_print(char32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r <= 0x9F || r == 0xAD) return false; // C1 controls, soft hyphen (Cf)
  if (r >= 0xD800 && r <= 0xDFFF) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false; // private use
  if (r >= 0xF0000) return false;               // private use planes
  if ((r & 0xFFFE) == 0xFFFE) return false;     // non-characters
  if (r >= 0xFDD0 && r <= 0xFDEF) return false;
  switch (r) {
  case 0x061C:
  case 0x180E:
  case 0xFEFF:
    return false;
  default:
    break;
  }
  if (r >= 0x2000 && r <= 0x200F) return false; // spaces other than U+0020 and format chars
  if (r >= 0x2028 && r <= 0x202F) return false;
  if (r >= 0x205F && r <= 0x206F) return false;
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if (r == 0x3000 || r == 0x1680) return false;
  return true;
}

namespace {
template <typename Fn> std::string map_runes(std::string_view s, Fn fn) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = decode_rune(s, i, &w);
    append_rune(out, fn(r));
    i += w;
  }
  return out;
}
} // namespace

std::string upper(std::string_view s) {
  return map_runes(s, to_upper);
}
std::string lower(std::string_view s) {
  return map_runes(s, to_lower);
}

// --- Go text forms -------------------------------------------------------------------------------
std::string go_quote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = decode_rune(s, i, &w);
    if (w == 1 && r == kRuneError) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      i += 1;
      continue;
    }
    i += w;
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
      continue;
    }
    if (is_print(r)) {
      append_rune(out, r);
      continue;
    }
    switch (r) {
    case '\a':
      out += "\\a";
      continue;
    case '\b':
      out += "\\b";
      continue;
    case '\f':
      out += "\\f";
      continue;
    case '\n':
      out += "\\n";
      continue;
    case '\r':
      out += "\\r";
      continue;
    case '\t':
      out += "\\t";
      continue;
    case '\v':
      out += "\\v";
      continue;
    default:
      break;
    }
    char buf[16];
    if (r < ' ' || r == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(r));
    } else if (r < 0x10000) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(r));
    }
    out += buf;
  }
  out.push_back('"');
  return out;
}

namespace {
int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: one (possibly escaped) character of a quoted literal.
bool unquote_char(std::string_view s, size_t& i, char quote, std::string& out) {
  size_t w;
  char32_t r = decode_rune(s, i, &w);
  if (r == static_cast<char32_t>(quote) && (quote == '\'' || quote == '"')) return false;
  if (s[i] != '\\') {
    out.append(s.substr(i, w));
    i += w;
    return true;
  }
  if (i + 1 >= s.size()) return false;
  char c = s[i + 1];
  i += 2;
  switch (c) {
  case 'a':
    out.push_back('\a');
    return true;
  case 'b':
    out.push_back('\b');
    return true;
  case 'f':
    out.push_back('\f');
    return true;
  case 'n':
    out.push_back('\n');
    return true;
  case 'r':
    out.push_back('\r');
    return true;
  case 't':
    out.push_back('\t');
    return true;
  case 'v':
    out.push_back('\v');
    return true;
  case 'x':
  case 'u':
  case 'U': {
    size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
    if (i + n > s.size()) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < n; ++k) {
      int h = hex_val(s[i + k]);
      if (h < 0) return false;
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    i += n;
    if (c == 'x') {
      out.push_back(static_cast<char>(v));
      return true;
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
    append_rune(out, v);
    return true;
  }
  case '0':
  case '1':
  case '2':
  case '3':
  case '4':
  case '5':
  case '6':
  case '7': {
    if (i + 2 > s.size()) return false;
    uint32_t v = static_cast<uint32_t>(c - '0');
    for (size_t k = 0; k < 2; ++k) {
      char d = s[i + k];
      if (d < '0' || d > '7') return false;
      v = (v << 3) | static_cast<uint32_t>(d - '0');
    }
    if (v > 255) return false;
    i += 2;
    out.push_back(static_cast<char>(v));
    return true;
  }
  case '\\':
    out.push_back('\\');
    return true;
  case '\'':
  case '"':
    if (c != quote) return false;
    out.push_back(c);
    return true;
  default:
    return false;
  }
}
} // namespace

std::optional<std::string> go_unquote(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  char q = s.front();
  if (q != s.back()) return std::nullopt;
  std::string_view body = s.substr(1, s.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    for (char c : body)
      if (c != '\r') out.push_back(c);
    return out;
  }
  if (q != '"' && q != '\'') return std::nullopt;
  if (body.find('\n') != std::string_view::npos) return std::nullopt;
  std::string out;
  size_t i = 0;
  size_t chars = 0;
  while (i < body.size()) {
    if (!unquote_char(body, i, q, out)) return std::nullopt;
    ++chars;
  }
  if (q == '\'' && chars != 1) return std::nullopt;
  return out;
}

std::string go_float(double d, char fmt, int prec, int bits) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[512];
  std::to_chars_result r{};
  if (fmt == 'g' && prec < 0) {
    if (bits == 32) {
      auto f = static_cast<float>(d);
      r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
      std::string sci(buf, r.ptr);
      int exp = std::stoi(sci.substr(sci.find('e') + 1));
      if (exp < -4 || exp >= 6) return sci;
      r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::fixed);
      return std::string(buf, r.ptr);
    }
    return format_float_g(d);
  }
  auto cf = fmt == 'e'   ? std::chars_format::scientific
            : fmt == 'f' ? std::chars_format::fixed
                         : std::chars_format::general;
  if (prec < 0) {
    r = std::to_chars(buf, buf + sizeof buf, d, cf);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, d, cf, prec);
  }
  if (r.ec != std::errc()) return std::to_string(d);
  return std::string(buf, r.ptr);
}

void append_go_json_string(std::string& out, std::string_view s, bool escape_html) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bool html = escape_html && (c == '<' || c == '>' || c == '&');
      if (c >= 0x20 && c != '"' && c != '\\' && !html) {
        out.push_back(static_cast<char>(c));
      } else {
        switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
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
        default:
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        }
      }
      ++i;
      continue;
    }
    size_t w;
    char32_t r = decode_rune(s, i, &w);
    if (r == kRuneError && w == 1) {
      out += "\\ufffd";
    } else if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, w));
    }
    i += w;
  }
  out.push_back('"');
}

namespace {
void newline_indent(std::string& out, const JsonStyle& style, int depth) {
  out.push_back('\n');
  for (int i = 0; i < depth; ++i)
    out += style.indent;
}
} // namespace

void append_go_json(std::string& out, const json::value& v, const JsonStyle& style, int depth) {
  bool pretty = !style.indent.empty();
  switch (v.kind()) {
  case json::kind::string:
    append_go_json_string(out, v.get_string(), style.escape_html);
    return;
  case json::kind::array: {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& e : a) {
      if (!first) out.push_back(',');
      first = false;
      if (pretty) newline_indent(out, style, depth + 1);
      append_go_json(out, e, style, depth + 1);
    }
    if (pretty) newline_indent(out, style, depth);
    out.push_back(']');
    return;
  }
  case json::kind::object: {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    std::vector<const json::key_value_pair*> members;
    members.reserve(o.size());
    for (const auto& kv : o)
      members.push_back(&kv);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out.push_back('{');
    bool first = true;
    for (const auto* kv : members) {
      if (!first) out.push_back(',');
      first = false;
      if (pretty) newline_indent(out, style, depth + 1);
      append_go_json_string(out, kv->key(), style.escape_html);
      out += pretty ? ": " : ":";
      append_go_json(out, kv->value(), style, depth + 1);
    }
    if (pretty) newline_indent(out, style, depth);
    out.push_back('}');
    return;
  }
  default:
    append_json_text(out, v);
    return;
  }
}

std::string go_json(const Value& v, const JsonStyle& style) {
  std::string out;
  switch (v.kind()) {
  case Value::Kind::Bytes:
    append_go_json_string(out, base64_encode(v.bytes_value(), false, true), style.escape_html);
    return out;
  case Value::Kind::Timestamp:
    append_go_json_string(out, format_rfc3339nano(v.ts()), style.escape_html);
    return out;
  case Value::Kind::Delete:
  case Value::Kind::Nothing:
    return "null";
  default:
    append_go_json(out, v.json(), style, 0);
    return out;
  }
}

std::string to_go_string(const Value& v) {
  switch (v.kind()) {
  case Value::Kind::String:
  case Value::Kind::Bytes:
  case Value::Kind::Number:
  case Value::Kind::Timestamp:
    return v.to_string();
  case Value::Kind::Bool:
    return v.json().get_bool() ? "true" : "false";
  case Value::Kind::Array:
  case Value::Kind::Object:
    return go_json(v, JsonStyle{});
  default:
    return "null";
  }
}

// --- codecs ------------------------------------------------------------------------------------
std::string base64_encode(std::string_view in, bool url, bool pad) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t n = b(i) << 16;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t n = (b(i) << 16) | (b(i + 1) << 8);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

std::string hex_encode(std::string_view in) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

} // namespace plugctl::bloblang::lib
