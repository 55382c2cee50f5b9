#include "bloblang/lib_gofmt.hpp"

#include "bloblang/lib_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace plugctl::bloblang::lib {
namespace {

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
};

// The Go type name of a value as Benthos holds it (what %T prints).
std::string go_type(const Value& v) {
  switch (v.kind()) {
  case Value::Kind::Null:
    return "<nil>";
  case Value::Kind::Bool:
    return "bool";
  case Value::Kind::Number:
    if (v.json().is_int64()) return "int64";
    if (v.json().is_uint64()) return "uint64";
    return "float64";
  case Value::Kind::String:
    return "string";
  case Value::Kind::Bytes:
    return "[]uint8";
  case Value::Kind::Timestamp:
    return "time.Time";
  case Value::Kind::Array:
    return "[]interface {}";
  case Value::Kind::Object:
    return "map[string]interface {}";
  case Value::Kind::Delete:
  case Value::Kind::Nothing:
    return "*struct {}";
  }
  return "<nil>";
}

std::string pad(std::string s, const Flags& f, bool zero_ok = false) {
  if (f.width < 0) return s;
  size_t w = static_cast<size_t>(f.width);
  size_t n = rune_count(s);
  if (n >= w) return s;
  size_t fill = w - n;
  if (f.minus) return s + std::string(fill, ' ');
  if (f.zero && zero_ok) {
    size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, sign) + std::string(fill, '0') + s.substr(sign);
  }
  return std::string(fill, ' ') + s;
}

std::string fmt_unsigned(uint64_t mag, bool neg, char verb, const Flags& f) {
  int base = 10;
  const char* digits = "0123456789abcdefx";
  switch (verb) {
  case 'b':
    base = 2;
    break;
  case 'o':
  case 'O':
    base = 8;
    break;
  case 'x':
    base = 16;
    break;
  case 'X':
    base = 16;
    digits = "0123456789ABCDEFX";
    break;
  default:
    break;
  }
  std::string num;
  if (mag == 0) num = "0";
  while (mag > 0) {
    num.push_back(digits[mag % static_cast<uint64_t>(base)]);
    mag /= static_cast<uint64_t>(base);
  }
  std::reverse(num.begin(), num.end());
  if (f.prec >= 0) {
    if (f.prec == 0 && num == "0") num.clear();
    while (num.size() < static_cast<size_t>(f.prec))
      num.insert(num.begin(), '0');
  }
  std::string prefix;
  if (verb == 'O') prefix = "0o";
  if (f.sharp) {
    if (base == 8 && (num.empty() || num[0] != '0')) prefix = "0";
    if (base == 16) prefix = verb == 'X' ? "0X" : "0x";
    if (base == 2) prefix = "0b";
  }
  std::string sign = neg ? "-" : f.plus ? "+" : f.space ? " " : "";
  std::string body = prefix + num;
  if (f.zero && !f.minus && f.prec < 0 && f.width > 0) {
    size_t total = sign.size() + body.size();
    if (total < static_cast<size_t>(f.width))
      body = prefix + std::string(static_cast<size_t>(f.width) - total, '0') + num;
  }
  return pad(sign + body, f);
}

std::string fmt_float(double d, char verb, const Flags& f) {
  std::string s;
  char v = verb == 'v' ? 'g' : verb;
  char lower = static_cast<char>(v == 'E' || v == 'G' || v == 'F' ? v + 32 : v);
  if (std::isnan(d) || std::isinf(d)) {
    s = std::isnan(d) ? "NaN" : (d > 0 ? (f.plus ? "+Inf" : f.space ? " Inf" : "Inf") : "-Inf");
    Flags g = f;
    g.zero = false;
    return pad(s, g);
  }
  int prec = f.prec;
  if (lower == 'g') {
    if (prec < 0) {
      s = go_float(d, 'g', -1);
    } else {
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.*g", prec == 0 ? 1 : prec, d);
      s = buf;
    }
  } else {
    if (prec < 0) prec = 6;
    char buf[512];
    std::snprintf(buf, sizeof buf, lower == 'e' ? "%.*e" : "%.*f", prec, d);
    s = buf;
  }
  if (v == 'E' || v == 'G') {
    for (char& c : s)
      if (c == 'e') c = 'E';
  }
  if (!s.empty() && s[0] != '-') {
    if (f.plus) {
      s = "+" + s;
    } else if (f.space) {
      s = " " + s;
    }
  }
  return pad(s, f, true);
}

std::string fmt_text(std::string_view s, char verb, const Flags& f) {
  std::string out;
  switch (verb) {
  case 'v':
  case 's': {
    if (f.prec >= 0) {
      size_t i = 0, n = 0;
      while (i < s.size() && n < static_cast<size_t>(f.prec)) {
        size_t w;
        decode_rune(s, i, &w);
        i += w;
        ++n;
      }
      out = std::string(s.substr(0, i));
    } else {
      out = std::string(s);
    }
    return pad(out, f);
  }
  case 'q':
    if (f.sharp && s.find('`') == std::string_view::npos && valid_utf8(s)) {
      out = "`" + std::string(s) + "`";
    } else {
      out = go_quote(s);
    }
    return pad(out, f);
  case 'x':
  case 'X': {
    const char* hex = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
    size_t n = s.size();
    if (f.prec >= 0 && static_cast<size_t>(f.prec) < n) n = static_cast<size_t>(f.prec);
    for (size_t i = 0; i < n; ++i) {
      if (f.space && i > 0) out.push_back(' ');
      if (f.sharp && (f.space || i == 0)) out += verb == 'x' ? "0x" : "0X";
      auto c = static_cast<unsigned char>(s[i]);
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
    return pad(out, f);
  }
  default:
    return {};
  }
}

std::string fmt_value(const Value& v, char verb, const Flags& f, bool nested);

std::string bad_verb(const Value& v, char verb) {
  std::string out = "%!";
  out.push_back(verb);
  out.push_back('(');
  if (v.is_null()) {
    out += "<nil>";
  } else {
    out += go_type(v) + "=" + fmt_value(v, 'v', Flags{}, false);
  }
  out.push_back(')');
  return out;
}

std::string time_string(const Timestamp& t) {
  // time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST".
  std::string rfc = format_rfc3339nano(t);
  auto tpos = rfc.find('T');
  std::string date = rfc.substr(0, tpos);
  std::string rest = rfc.substr(tpos + 1);
  size_t zpos = rest.find_first_of("Z+-");
  std::string clock = rest.substr(0, zpos);
  char off[16];
  int o = t.offset < 0 ? -t.offset : t.offset;
  std::snprintf(off, sizeof off, "%c%02d%02d", t.offset < 0 ? '-' : '+', o / 3600, o / 60 % 60);
  std::string zone = !t.zone.empty() ? t.zone : t.offset == 0 ? "UTC" : "";
  std::string out = date + " " + clock + " " + off;
  if (!zone.empty()) out += " " + zone;
  return out;
}

std::string fmt_json_elem(const json::value& j, char verb, const Flags& f) {
  return fmt_value(Value::ref(j), verb, f, true);
}

std::string fmt_value(const Value& v, char verb, const Flags& f, bool nested) {
  if (verb == 'T') return pad(go_type(v), f);
  switch (v.kind()) {
  case Value::Kind::Null:
  case Value::Kind::Delete:
  case Value::Kind::Nothing:
    if (verb == 'v') return pad("<nil>", f);
    return bad_verb(v, verb);
  case Value::Kind::Bool:
    if (verb == 'v' || verb == 't') return pad(v.json().get_bool() ? "true" : "false", f);
    return bad_verb(v, verb);
  case Value::Kind::Number: {
    const auto& j = v.json();
    if (j.is_double()) {
      switch (verb) {
      case 'v':
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        return fmt_float(j.get_double(), verb, f);
      default:
        return bad_verb(v, verb);
      }
    }
    bool neg = j.is_int64() && j.get_int64() < 0;
    uint64_t mag = j.is_uint64() ? j.get_uint64()
                   : neg         ? static_cast<uint64_t>(-(j.get_int64() + 1)) + 1
                                 : static_cast<uint64_t>(j.get_int64());
    switch (verb) {
    case 'v':
    case 'd':
      return fmt_unsigned(mag, neg, 'd', f);
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X':
      return fmt_unsigned(mag, neg, verb, f);
    case 'c': {
      std::string s;
      append_rune(s, neg ? kRuneError : static_cast<char32_t>(mag));
      return pad(s, f);
    }
    case 'q': {
      std::string s;
      append_rune(s, neg ? kRuneError : static_cast<char32_t>(mag));
      std::string q = go_quote(s);
      return pad("'" + q.substr(1, q.size() - 2) + "'", f);
    }
    case 'U': {
      char buf[32];
      std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(mag));
      return pad(buf, f);
    }
    default:
      return bad_verb(v, verb);
    }
  }
  case Value::Kind::String: {
    std::string_view s = v.json().get_string();
    switch (verb) {
    case 'v':
      if (nested && f.sharp) return pad(go_quote(s), f);
      return fmt_text(s, 'v', f);
    case 's':
    case 'q':
    case 'x':
    case 'X':
      return fmt_text(s, verb, f);
    default:
      return bad_verb(v, verb);
    }
  }
  case Value::Kind::Bytes: {
    const std::string& b = v.bytes_value();
    switch (verb) {
    case 's':
    case 'q':
    case 'x':
    case 'X':
      return fmt_text(b, verb, f);
    default: {
      std::string out = "[";
      for (size_t i = 0; i < b.size(); ++i) {
        if (i > 0) out.push_back(' ');
        out += fmt_value(Value::integer(static_cast<unsigned char>(b[i])), verb == 'v' ? 'd' : verb,
                         Flags{}, true);
      }
      return pad(out + "]", f);
    }
    }
  }
  case Value::Kind::Timestamp:
    if (verb == 'v' || verb == 's') return fmt_text(time_string(v.ts()), 's', f);
    if (verb == 'q') return fmt_text(time_string(v.ts()), 'q', f);
    return bad_verb(v, verb);
  case Value::Kind::Array: {
    std::string out = "[";
    bool first = true;
    Flags inner = f;
    inner.width = -1;
    for (const auto& e : v.json().get_array()) {
      if (!first) out.push_back(' ');
      first = false;
      out += fmt_json_elem(e, verb, inner);
    }
    return pad(out + "]", f);
  }
  case Value::Kind::Object: {
    const auto& o = v.json().get_object();
    std::vector<const json::key_value_pair*> members;
    for (const auto& kv : o)
      members.push_back(&kv);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    std::string out = "map[";
    bool first = true;
    Flags inner = f;
    inner.width = -1;
    for (const auto* kv : members) {
      if (!first) out.push_back(' ');
      first = false;
      out += fmt_text(kv->key(), verb == 'v' ? 'v' : verb, inner);
      out.push_back(':');
      out += fmt_json_elem(kv->value(), verb, inner);
    }
    return pad(out + "]", f);
  }
  }
  return {};
}

} // namespace

std::string go_sprintf(std::string_view format, std::span<const Value> args) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Flags f;
    for (; i < format.size(); ++i) {
      char fc = format[i];
      if (fc == '+') {
        f.plus = true;
      } else if (fc == '-') {
        f.minus = true;
      } else if (fc == '#') {
        f.sharp = true;
      } else if (fc == ' ') {
        f.space = true;
      } else if (fc == '0') {
        f.zero = true;
      } else {
        break;
      }
    }
    auto read_num = [&](int& dst) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].is_int()) {
          dst = static_cast<int>(args[argi].get_int());
          if (dst < 0 && &dst == &f.width) {
            f.minus = true;
            dst = -dst;
          }
        } else {
          out += "%!(BADWIDTH)";
        }
        ++argi;
        return;
      }
      if (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        dst = 0;
        while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
          dst = dst * 10 + (format[i] - '0');
          ++i;
        }
      }
    };
    read_num(f.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      f.prec = 0;
      read_num(f.prec);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    size_t w;
    char32_t verb = decode_rune(format, i, &w);
    i += w;
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out += "%!";
      append_rune(out, verb);
      out += "(MISSING)";
      continue;
    }
    const Value& arg = args[argi++];
    if (verb > 0x7F) {
      out += "%!";
      append_rune(out, verb);
      out += "(" + go_type(arg) + "=" + fmt_value(arg, 'v', Flags{}, false) + ")";
      continue;
    }
    out += fmt_value(arg, static_cast<char>(verb), f, false);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      out += go_type(args[k]) + "=" + fmt_value(args[k], 'v', Flags{}, false);
    }
    out.push_back(')');
  }
  return out;
}

} // namespace plugctl::bloblang::lib
