// Bloblang standard library: string manipulation methods ("String Manipulation"), with the
// behaviour and error texts of Benthos's methods_strings.go. Methods that upstream types on
// `string | []byte` keep the kind of their target (bytes in, bytes out); methods built on Go's
// stringMethod also accept timestamps and always return strings.
#include "bloblang/lib_gofmt.hpp"
#include "bloblang/lib_html_entities.hpp"
#include "bloblang/lib_util.hpp"
#include "bloblang/registry.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

namespace plugctl::bloblang {
namespace {

using lib::same_kind;
using lib::string_like;
using lib::text;

constexpr const char* kCat = "String Manipulation";

// uppercase/lowercase of an ASCII string, written straight into the run's arena; nullopt for
// anything else (bytes, non-ASCII text, errors), which takes the general path.
std::optional<Value> ascii_case(const Value& target, bool upper) {
  if (!target.is_string()) return std::nullopt;
  const json::string& in = target.json().get_string();
  const size_t n = in.size();
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  Value out = Value::string(std::string_view(in.data(), n));
  char* d = out.mut_json().get_string().data();
  const char* src = in.data();
  const char lo = upper ? 'a' : 'A', hi = upper ? 'z' : 'Z';
  // One pass, eight bytes at a time, from the input into the copy: a byte in [lo, hi] gets its
  // 0x20 bit flipped (each byte is below 0x80, so adding up to 0x3f never carries into the next
  // byte), and the high bits of every byte are collected: any non-ASCII byte sends the text to
  // the general path (whatever was written is then dropped). The last word overlaps the one
  // before it; reading from the input makes that harmless.
  const uint64_t ge = kOnes * static_cast<uint64_t>(0x80 - lo);
  const uint64_t gt = kOnes * static_cast<uint64_t>(0x80 - hi - 1);
  auto word = [&](size_t i) {
    uint64_t v;
    std::memcpy(&v, src + i, 8);
    const uint64_t in_range = ((v + ge) & ~(v + gt)) & kHigh;
    const uint64_t r = v ^ (in_range >> 2);
    std::memcpy(d + i, &r, 8);
    return v;
  };
  uint64_t seen = 0;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
      seen |= word(i);
    if (i < n) seen |= word(n - 8);
  } else {
    for (size_t i = 0; i < n; ++i) {
      const char c = src[i];
      seen |= static_cast<unsigned char>(c);
      d[i] = c >= lo && c <= hi ? static_cast<char>(c ^ 0x20) : c;
    }
  }
  if ((seen & kHigh) != 0) return std::nullopt;
  return out;
}

ParamSpec param(std::string name, ParamType type, std::string description) {
  return ParamSpec{.name = std::move(name), .type = type, .description = std::move(description)};
}

Example example(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
                std::string summary = {}) {
  return Example{
      .mapping = std::move(mapping), .results = std::move(results), .summary = std::move(summary)};
}

// strings.ReplaceAll, including Go's rule for an empty `old` (insert at every rune boundary).
std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  if (from.empty()) {
    out.append(to);
    for (size_t i = 0; i < s.size();) {
      size_t w;
      lib::decode_rune(s, i, &w);
      out.append(s.substr(i, w));
      out.append(to);
      i += w;
    }
    return out;
  }
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

// cases.Title(language.English): the first rune of each word in title case, the rest lower
// case. Words are runs of letters, digits, marks and '_' joined by ' . : and U+2019.
std::string title_case(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_word = false;
  auto word_rune = [](char32_t r) { return lib::is_letter(r) || lib::is_digit(r) || r == '_'; };
  auto mid_rune = [](char32_t r) { return r == '\'' || r == '.' || r == ':' || r == 0x2019; };
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = lib::decode_rune(s, i, &w);
    if (word_rune(r)) {
      lib::append_rune(out, in_word ? lib::to_lower(r) : lib::to_upper(r));
      in_word = true;
    } else if (in_word && mid_rune(r) && i + w < s.size()) {
      size_t w2;
      char32_t next = lib::decode_rune(s, i + w, &w2);
      lib::append_rune(out, r);
      in_word = word_rune(next);
    } else {
      lib::append_rune(out, r);
      in_word = false;
    }
    i += w;
  }
  return out;
}

// strings.Split semantics (an empty separator splits into runes).
std::vector<std::string> split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size();) {
      size_t w;
      lib::decode_rune(s, i, &w);
      out.emplace_back(s.substr(i, w));
      i += w;
    }
    return out;
  }
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(sep, pos);
    if (hit == std::string_view::npos) break;
    out.emplace_back(s.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::string trim_space(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e) {
    size_t w;
    char32_t r = lib::decode_rune(s, b, &w);
    if (!lib::is_space(r)) break;
    b += w;
  }
  while (e > b) {
    // step back one rune
    size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && e - start < 4)
      --start;
    size_t w;
    char32_t r = lib::decode_rune(s, start, &w);
    if (start + w != e) {
      start = e - 1;
      r = lib::decode_rune(s, start, &w);
    }
    if (!lib::is_space(r)) break;
    e = start;
  }
  return std::string(s.substr(b, e - b));
}

// strings.Trim: strips runes of `cutset` from both ends.
std::string trim_cutset(std::string_view s, std::string_view cutset) {
  std::vector<char32_t> set;
  for (size_t i = 0; i < cutset.size();) {
    size_t w;
    set.push_back(lib::decode_rune(cutset, i, &w));
    i += w;
  }
  auto in_set = [&](char32_t r) { return std::find(set.begin(), set.end(), r) != set.end(); };
  std::vector<std::pair<size_t, size_t>> runes; // offset, width
  for (size_t i = 0; i < s.size();) {
    size_t w;
    lib::decode_rune(s, i, &w);
    runes.emplace_back(i, w);
    i += w;
  }
  size_t b = 0, e = runes.size();
  auto rune_at = [&](size_t k) {
    size_t w;
    return lib::decode_rune(s, runes[k].first, &w);
  };
  while (b < e && in_set(rune_at(b)))
    ++b;
  while (e > b && in_set(rune_at(e - 1)))
    --e;
  if (b == e) return {};
  return std::string(
      s.substr(runes[b].first, runes[e - 1].first + runes[e - 1].second - runes[b].first));
}

// --- URL escaping (Go's net/url shouldEscape for the modes these methods use) ------------------
enum class UrlMode { PathSegment, QueryComponent };

bool should_escape(unsigned char c, UrlMode mode) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return false;
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
    if (mode == UrlMode::PathSegment) return c == '/' || c == ';' || c == ',' || c == '?';
    return true;
  default:
    return true;
  }
}

std::string url_escape(std::string_view s, UrlMode mode) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c == ' ' && mode == UrlMode::QueryComponent) {
      out.push_back('+');
    } else if (should_escape(c, mode)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_unescape(std::string_view s, UrlMode mode) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0) {
        std::string bad(s.substr(i, 3));
        throw EvalError("invalid URL escape " + lib::go_quote(bad));
      }
      out.push_back(static_cast<char>(unhex(s[i + 1]) * 16 + unhex(s[i + 2])));
      i += 2;
    } else if (c == '+' && mode == UrlMode::QueryComponent) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// --- HTML ----------------------------------------------------------------------------------------
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '\'':
      out += "&#39;";
      break;
    case '"':
      out += "&#34;";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}

// Windows-1252 replacements for numeric references in 0x80..0x9F (the HTML5 spec, as Go does).
constexpr char32_t kReplacement[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Go's html.UnescapeString.
std::string html_unescape(std::string_view s) {
  if (s.find('&') == std::string_view::npos) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    size_t amp = i;
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
      ++j;
      bool hex = false;
      if (j < s.size() && (s[j] == 'x' || s[j] == 'X')) {
        hex = true;
        ++j;
      }
      size_t digits_start = j;
      uint32_t x = 0;
      while (j < s.size()) {
        char c = s[j];
        int d = -1;
        if (c >= '0' && c <= '9') {
          d = c - '0';
        } else if (hex && unhex(c) >= 0) {
          d = unhex(c);
        }
        if (d < 0) break;
        if (x <= 0x10FFFF) x = x * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        ++j;
      }
      if (j == digits_start) { // no digits: not a reference
        out.push_back('&');
        i = amp + 1;
        continue;
      }
      if (j < s.size() && s[j] == ';') ++j;
      char32_t r = x;
      if (x >= 0x80 && x <= 0x9F) {
        r = kReplacement[x - 0x80];
      } else if (x == 0 || (x >= 0xD800 && x <= 0xDFFF) || x > 0x10FFFF) {
        r = lib::kRuneError;
      }
      lib::append_rune(out, r);
      i = j;
      continue;
    }
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) != 0))
      ++j;
    bool semi = j < s.size() && s[j] == ';';
    std::string_view name = s.substr(amp + 1, j - amp - 1 + (semi ? 1 : 0));
    if (name.empty()) {
      out.push_back('&');
      i = amp + 1;
      continue;
    }
    if (auto text = lib::html_entity(name)) {
      out.append(*text);
      i = amp + 1 + name.size();
      continue;
    }
    bool matched = false;
    size_t max_len = std::min(name.size() - 1, lib::longest_entity_without_semicolon());
    for (size_t k = max_len; k > 1; --k) {
      if (auto text = lib::html_entity(name.substr(0, k))) {
        out.append(*text);
        i = amp + 1 + k;
        matched = true;
        break;
      }
    }
    if (!matched) {
      out.push_back('&');
      i = amp + 1;
    }
  }
  return out;
}

// bluemonday's strict policy as Benthos uses it: tags removed (their text kept, except inside
// script/style), elements named in `preserve` kept without attributes, text re-escaped.
std::string strip_html(std::string_view s, const std::vector<std::string>& preserve) {
  std::string out;
  std::string text_run;
  auto flush_text = [&] {
    out += html_escape(html_unescape(text_run));
    text_run.clear();
  };
  std::string skip_until; // closing tag name whose content is dropped
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '<') {
      if (skip_until.empty()) text_run.push_back(s[i]);
      ++i;
      continue;
    }
    if (s.substr(i, 4) == "<!--") {
      size_t end = s.find("-->", i + 4);
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    size_t j = i + 1;
    bool closing = j < s.size() && s[j] == '/';
    if (closing) ++j;
    if (j >= s.size() ||
        !(std::isalpha(static_cast<unsigned char>(s[j])) != 0 || s[j] == '!' || s[j] == '?')) {
      if (skip_until.empty()) text_run.push_back('<');
      ++i;
      continue;
    }
    size_t name_start = j;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) != 0 || s[j] == '-'))
      ++j;
    std::string name = lib::lower(s.substr(name_start, j - name_start));
    size_t end = s.find('>', j);
    if (end == std::string_view::npos) end = s.size() - 1;
    bool self_closing = end > 0 && s[end] == '>' && s[end - 1] == '/';
    i = end + 1;
    if (!skip_until.empty()) {
      if (closing && name == skip_until) skip_until.clear();
      continue;
    }
    flush_text();
    if (!closing && (name == "script" || name == "style")) {
      skip_until = name;
      continue;
    }
    if (std::find(preserve.begin(), preserve.end(), name) != preserve.end()) {
      out += closing ? "</" + name + ">" : "<" + name + (self_closing ? "/>" : ">");
    }
  }
  if (skip_until.empty()) flush_text();
  return out;
}

// Go's path.Clean (filepath.Clean on Unix).
std::string clean_path(std::string_view p) {
  if (p.empty()) return ".";
  bool rooted = p[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    i = j + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(seg);
      }
      continue;
    }
    parts.push_back(seg);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out.push_back('/');
    out.append(parts[k]);
  }
  if (out.empty()) return ".";
  return out;
}

// --- registrations -------------------------------------------------------------------------------

const bool kCapitalize = register_method(
    {.name = "capitalize",
     .category = kCat,
     .description = "Converts the first letter of each word in a string to uppercase (title "
                    "case). Useful for formatting names, titles, and headings.",
     .examples = {example("root.title = this.title.capitalize()",
                          {{R"({"title":"the foo bar"})", R"({"title":"The Foo Bar"})"}}),
                  example("root.name = this.name.capitalize()",
                          {{R"({"name":"alice smith"})", R"({"name":"Alice Smith"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return same_kind(target, title_case(text(target)));
    });

const bool kUppercase = register_method(
    {.name = "uppercase",
     .category = kCat,
     .description = "Converts all letters in a string to uppercase. Use for case-insensitive "
                    "comparisons or formatting output.",
     .examples = {example("root.foo = this.foo.uppercase()",
                          {{R"({"foo":"hello world"})", R"({"foo":"HELLO WORLD"})"}}),
                  example("root.code = this.product_code.uppercase()",
                          {{R"({"product_code":"abc-123"})", R"({"code":"ABC-123"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      if (auto r = ascii_case(target, true)) return std::move(*r);
      return same_kind(target, lib::upper(text(target)));
    });

const bool kLowercase = register_method(
    {.name = "lowercase",
     .category = kCat,
     .description = "Converts all letters in a string to lowercase. Use for case-insensitive "
                    "comparisons, normalization, or formatting output.",
     .examples = {example("root.foo = this.foo.lowercase()",
                          {{R"({"foo":"HELLO WORLD"})", R"({"foo":"hello world"})"}}),
                  example("root.email = this.user_email.lowercase()",
                          {{R"({"user_email":"User@Example.COM"})",
                            R"({"email":"user@example.com"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      if (auto r = ascii_case(target, false)) return std::move(*r);
      return same_kind(target, lib::lower(text(target)));
    });

const bool kHasPrefix = register_method(
    {.name = "has_prefix",
     .category = kCat,
     .description = "Tests if a string starts with a specified prefix. Returns `true` if the "
                    "string begins with the prefix, `false` otherwise.",
     .params = {param("value", ParamType::String, "The string to test.")},
     .examples = {example("root.t1 = this.v1.has_prefix(\"foo\")\nroot.t2 = "
                          "this.v2.has_prefix(\"foo\")",
                          {{R"({"v1":"foobar","v2":"barfoo"})", R"({"t1":true,"t2":false})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string prefix = args.string(0);
      return Value::boolean(text(target).starts_with(prefix));
    });

const bool kHasSuffix = register_method(
    {.name = "has_suffix",
     .category = kCat,
     .description = "Tests if a string ends with a specified suffix. Returns `true` if the string "
                    "ends with the suffix, `false` otherwise.",
     .params = {param("value", ParamType::String, "The string to test.")},
     .examples = {example("root.t1 = this.v1.has_suffix(\"foo\")\nroot.t2 = "
                          "this.v2.has_suffix(\"foo\")",
                          {{R"({"v1":"foobar","v2":"barfoo"})", R"({"t1":false,"t2":true})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string suffix = args.string(0);
      return Value::boolean(text(target).ends_with(suffix));
    });

const bool kIndexOf = register_method(
    {.name = "index_of",
     .category = kCat,
     .description = "Finds the position of a substring within a string. Returns the zero-based "
                    "index of the first occurrence, or -1 if not found.",
     .params = {param("value", ParamType::String, "A string to search for.")},
     .examples = {example("root.index = this.thing.index_of(\"bar\")",
                          {{R"({"thing":"foobar"})", R"({"index":3})"}}),
                  example("root.index = content().index_of(\"meow\")",
                          {{"the cat meowed, the dog woofed", R"({"index":8})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string needle = args.string(0);
      size_t pos = text(target).find(needle);
      return Value::integer(pos == std::string_view::npos ? -1 : static_cast<int64_t>(pos));
    });

const bool kLength = register_method(
    {.name = "length",
     .category = kCat,
     .description = "Returns the length of a string (in bytes), or the number of elements of an "
                    "array, or the number of keys of an object.",
     .examples = {example("root.foo_len = this.foo.length()",
                          {{R"({"foo":"hello world"})", R"({"foo_len":11})"}}),
                  example("root.foo_len = this.foo.length()",
                          {{R"({"foo":["first","second"]})", R"({"foo_len":2})"},
                           {R"({"foo":{"first":"bar","second":"baz"}})", R"({"foo_len":2})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      switch (target.kind()) {
      case Value::Kind::String:
      case Value::Kind::Bytes:
        return Value::integer(static_cast<int64_t>(text(target).size()));
      case Value::Kind::Array:
        return Value::integer(static_cast<int64_t>(target.json().get_array().size()));
      case Value::Kind::Object:
        return Value::integer(static_cast<int64_t>(target.json().get_object().size()));
      default:
        throw TypeError(target, {"string", "array", "object"});
      }
    });

std::string repeat_error(int64_t count) {
  return "invalid count, must be greater than or equal to zero: " + std::to_string(count);
}

const bool kRepeat = register_method(
    {.name = "repeat",
     .category = kCat,
     .description = "Creates a new string by repeating the input string a specified number of "
                    "times.",
     .params = {param("count", ParamType::Int, "The number of times to repeat the string.")},
     .examples = {example("root.repeated = this.name.repeat(3)\nroot.not_repeated = "
                          "this.name.repeat(0)",
                          {{R"({"name":"bob"})", R"({"not_repeated":"","repeated":"bobbobbob"})"}}),
                  example("root.separator = \"-\".repeat(10)",
                          {{"{}", R"({"separator":"----------"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      int64_t count = args.integer(0);
      if (count < 0) throw EvalError(repeat_error(count));
      std::string_view s = text(target);
      if (!s.empty() && static_cast<uint64_t>(count) > (uint64_t{1} << 40) / s.size())
        throw EvalError("invalid count, would overflow: " + std::to_string(s.size()) + "*" +
                        std::to_string(count));
      std::string out;
      out.reserve(s.size() * static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i)
        out.append(s);
      return same_kind(target, std::move(out));
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      if (lib::has_arg(args, 0) && args[0].is_int() && args[0].get_int() < 0)
        throw std::invalid_argument(repeat_error(args[0].get_int()));
      return nullptr;
    });

Value replace_all_impl(const Value& target, const Args& args) {
  std::string from = args.string(0);
  std::string to = args.string(1);
  return same_kind(target, replace_all(text(target), from, to));
}

const bool kReplaceAll = register_method(
    {.name = "replace_all",
     .category = kCat,
     .description = "Replaces all occurrences of a substring with another string. Use for text "
                    "transformation, cleaning data, or normalizing strings.",
     .params = {param("old", ParamType::String, "A string to match against."),
                param("new", ParamType::String, "A string to replace with.")},
     .examples = {example("root.new_value = this.value.replace_all(\"foo\",\"dog\")",
                          {{R"({"value":"The foo ate my homework"})",
                            R"({"new_value":"The dog ate my homework"})"}}),
                  example(
                      "root.clean = this.text.replace_all(\"  \", \" \")",
                      {{R"({"text":"hello  world  foo"})", R"({"clean":"hello world foo"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      return replace_all_impl(target, args);
    });

const bool kReplace = register_method(
    {.name = "replace",
     .category = kCat,
     .description = "Replaces all occurrences of a substring with another string. Deprecated in "
                    "favour of `replace_all`.",
     .status = "deprecated",
     .params = {param("old", ParamType::String, "A string to match against."),
                param("new", ParamType::String, "A string to replace with.")}},
    [](ExecContext&, const Value& target, const Args& args) {
      return replace_all_impl(target, args);
    });

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs replacement_pairs(const Value& values) {
  if (!values.is_array())
    throw EvalError(std::string("field values: ") + TypeError(values, {"array"}).what());
  const auto& arr = values.json().get_array();
  if (arr.size() % 2 != 0) {
    Value copy(values.to_json());
    throw EvalError("invalid arg, replacements should be in pairs and must therefore be even: " +
                    lib::go_sprintf("%v", std::span<const Value>(&copy, 1)));
  }
  Pairs pairs;
  for (size_t i = 0; i < arr.size(); i += 2) {
    Value from = Value::ref(arr[i]);
    Value to = Value::ref(arr[i + 1]);
    if (!lib::is_text(from) && from.kind() != Value::Kind::Timestamp)
      lib::throw_wrapped_type_error("invalid replacement value at index " + std::to_string(i), from,
                                    {"string"});
    if (!lib::is_text(to) && to.kind() != Value::Kind::Timestamp)
      lib::throw_wrapped_type_error("invalid replacement value at index " + std::to_string(i + 1),
                                    to, {"string"});
    pairs.emplace_back(string_like(from), string_like(to));
  }
  return pairs;
}

Value replace_many_impl(const Value& target, const Args& args) {
  std::shared_ptr<const Pairs> owned;
  const auto* pairs = static_cast<const Pairs*>(args.state());
  if (pairs == nullptr) {
    owned = std::make_shared<Pairs>(replacement_pairs(args[0]));
    pairs = owned.get();
  }
  std::string s(text(target));
  for (const auto& [from, to] : *pairs)
    s = replace_all(s, from, to);
  return same_kind(target, std::move(s));
}

std::shared_ptr<const void> prepare_pairs(const Args& args) {
  if (!lib::has_arg(args, 0)) return nullptr;
  try {
    return std::make_shared<Pairs>(replacement_pairs(args[0]));
  } catch (const std::exception& e) {
    throw std::invalid_argument(e.what());
  }
}

const bool kReplaceAllMany = register_method(
    {.name = "replace_all_many",
     .category = kCat,
     .description = "Performs multiple find-and-replace operations in sequence using an array of "
                    "`[old, new]` pairs. More efficient than chaining multiple `replace_all` "
                    "calls.",
     .params = {param("values", ParamType::Array,
                      "An array of values, each even value will be replaced with the following "
                      "odd value.")},
     .examples = {example(
         "root.new_value = this.value.replace_all_many([\n  \"<b>\", \"&lt;b&gt;\",\n  \"</b>\", "
         "\"&lt;/b&gt;\",\n  \"<i>\", \"&lt;i&gt;\",\n  \"</i>\", \"&lt;/i&gt;\",\n])",
         {{R"({"value":"<i>Hello</i> <b>World</b>"})",
           R"({"new_value":"&lt;i&gt;Hello&lt;/i&gt; &lt;b&gt;World&lt;/b&gt;"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      return replace_many_impl(target, args);
    },
    prepare_pairs);

const bool kReplaceMany = register_method(
    {.name = "replace_many",
     .category = kCat,
     .description = "Performs multiple find-and-replace operations in sequence. Deprecated in "
                    "favour of `replace_all_many`.",
     .status = "deprecated",
     .params = {param("values", ParamType::Array,
                      "An array of values, each even value will be replaced with the following "
                      "odd value.")}},
    [](ExecContext&, const Value& target, const Args& args) {
      return replace_many_impl(target, args);
    },
    prepare_pairs);

const bool kReverse = register_method(
    {.name = "reverse",
     .category = kCat,
     .description = "Reverses the order of characters in a string. Unicode-aware for proper "
                    "handling of multi-byte characters.",
     .examples = {example("root.reversed = this.thing.reverse()",
                          {{R"({"thing":"backwards"})", R"({"reversed":"sdrawkcab"})"}}),
                  example("root = content().reverse()",
                          {{R"({"thing":"backwards"})", R"(}"sdrawkcab":"gniht"{)"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      std::string_view s = text(target);
      if (target.kind() == Value::Kind::Bytes)
        return Value::bytes(std::string(s.rbegin(), s.rend()));
      std::vector<char32_t> runes;
      for (size_t i = 0; i < s.size();) {
        size_t w;
        runes.push_back(lib::decode_rune(s, i, &w));
        i += w;
      }
      std::string out;
      out.reserve(s.size());
      for (auto it = runes.rbegin(); it != runes.rend(); ++it)
        lib::append_rune(out, *it);
      return Value::string(std::move(out));
    });

std::string slice_order_error(int64_t low, int64_t high) {
  return "lower slice bound " + std::to_string(low) + " must be lower than upper (" +
         std::to_string(high) + ")";
}

const bool kSlice = register_method(
    {.name = "slice",
     .category = kCat,
     .description = "Extract a slice from a string (by byte offsets), byte array or array by "
                    "specifying two indices, a low and high bound, which selects a half-open "
                    "range that includes the first element, but excludes the last one. If the "
                    "second index is omitted then it defaults to the length of the input "
                    "sequence. A negative index counts from the end of the sequence.",
     .params = {param("low", ParamType::Int,
                      "The low bound, which is the first element of the selection, or if "
                      "negative selects from the end."),
                ParamSpec{.name = "high",
                          .type = ParamType::Int,
                          .description = "An optional high bound.",
                          .optional = true}},
     .examples = {example("root.beginning = this.value.slice(0, 2)\nroot.end = "
                          "this.value.slice(4)",
                          {{R"({"value":"foo bar"})", R"({"beginning":"fo","end":"bar"})"}}),
                  example("root.last_chunk = this.value.slice(-4)\nroot.the_rest = "
                          "this.value.slice(0, -4)",
                          {{R"({"value":"foo bar"})", R"({"last_chunk":" bar","the_rest":"foo"})"}},
                          "A negative low index can be used, indicating an offset from the end "
                          "of the sequence. If the low index is greater than the length of the "
                          "sequence then an empty result is returned."),
                  example("root.beginning = this.value.slice(0, 2)\nroot.end = "
                          "this.value.slice(4)",
                          {{R"({"value":["foo","bar","baz","buz","bev"]})",
                            R"({"beginning":["foo","bar"],"end":["bev"]})"}}),
                  example("root.last_chunk = this.value.slice(-2)\nroot.the_rest = "
                          "this.value.slice(0, -2)",
                          {{R"({"value":["foo","bar","baz","buz","bev"]})",
                            R"({"last_chunk":["buz","bev"],"the_rest":["foo","bar","baz"]})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      int64_t low = args.integer(0);
      bool has_high = args.has(1) && !args[1].is_null();
      int64_t high_arg = has_high ? args.integer(1) : 0;
      if (has_high && high_arg > 0 && low >= high_arg)
        throw EvalError(slice_order_error(low, high_arg));
      auto bounds = [&](int64_t len) {
        int64_t hi = len;
        if (has_high) hi = high_arg < 0 ? len + high_arg : high_arg;
        if (hi > len) hi = len;
        if (hi < 0) hi = 0;
        int64_t lo = low;
        if (lo < 0) {
          lo = len + lo;
          if (lo < 0) lo = 0;
        }
        if (lo > hi)
          throw EvalError("lower slice bound " + std::to_string(lo) +
                          " must be lower than or equal to upper bound (" + std::to_string(hi) +
                          ") and target length (" + std::to_string(len) + ")");
        return std::pair<size_t, size_t>(static_cast<size_t>(lo), static_cast<size_t>(hi));
      };
      switch (target.kind()) {
      case Value::Kind::String:
      case Value::Kind::Bytes: {
        std::string_view s = text(target);
        auto [lo, hi] = bounds(static_cast<int64_t>(s.size()));
        return same_kind(target, std::string(s.substr(lo, hi - lo)));
      }
      case Value::Kind::Array: {
        const auto& arr = target.json().get_array();
        auto [lo, hi] = bounds(static_cast<int64_t>(arr.size()));
        json::array out;
        for (size_t i = lo; i < hi; ++i)
          out.push_back(arr[i]);
        return Value(json::value(std::move(out)));
      }
      default:
        throw TypeError(target, {"array", "string"});
      }
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      if (lib::has_arg(args, 0) && lib::has_arg(args, 1) && args[0].is_int() && args[1].is_int()) {
        int64_t low = args[0].get_int(), high = args[1].get_int();
        if (high > 0 && low >= high) throw std::invalid_argument(slice_order_error(low, high));
      }
      return nullptr;
    });

const bool kSplit = register_method(
    {.name = "split",
     .category = kCat,
     .description = "Splits a string into an array of substrings using a delimiter. Use for "
                    "parsing CSV-like data, splitting paths, or breaking text into tokens.",
     .params = {param("delimiter", ParamType::String, "The delimiter to split with."),
                ParamSpec{.name = "empty_as_null",
                          .type = ParamType::Bool,
                          .description = "To treat empty substrings as null values",
                          .default_value = json::value(false)}},
     .examples = {example("root.new_value = this.value.split(\",\")",
                          {{R"({"value":"foo,bar,baz"})", R"({"new_value":["foo","bar","baz"]})"}}),
                  example("root.new_value = this.value.split(\",\", true)",
                          {{R"({"value":"foo,,qux"})", R"({"new_value":["foo",null,"qux"]})"}}),
                  example("root.words = this.sentence.split(\" \")",
                          {{R"({"sentence":"hello world from bloblang"})",
                            R"({"words":["hello","world","from","bloblang"]})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string delim = args.string(0);
      bool empty_as_null = args.has(1) && args.boolean(1);
      json::array out;
      for (auto& part : split(text(target), delim)) {
        if (empty_as_null && part.empty()) {
          out.emplace_back(nullptr);
        } else {
          out.emplace_back(json::string(part));
        }
      }
      return Value(json::value(std::move(out)));
    });

const bool kTrim = register_method(
    {.name = "trim",
     .category = kCat,
     .description = "Removes leading and trailing characters from a string. Without arguments, "
                    "removes whitespace. With a cutset argument, removes any characters in the "
                    "cutset.",
     .params = {ParamSpec{.name = "cutset",
                          .type = ParamType::String,
                          .description =
                              "An optional string of characters to trim from the target value.",
                          .optional = true}},
     .examples = {example(
         "root.title = this.title.trim(\"!?\")\nroot.description = "
         "this.description.trim()",
         {{R"({"description":"  something happened and its amazing! ","title":"!!!watch out!?"})",
           R"({"description":"something happened and its amazing!","title":"watch out"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string_view s = text(target);
      if (args.has(0) && !args[0].is_null())
        return same_kind(target, trim_cutset(s, args.string(0)));
      return same_kind(target, trim_space(s));
    });

const bool kTrimPrefix = register_method(
    {.name = "trim_prefix",
     .category = kCat,
     .description = "Removes a specified prefix from the beginning of a string if present. If the "
                    "string doesn't start with the prefix, returns the string unchanged.",
     .params = {param("prefix", ParamType::String,
                      "The leading prefix substring to trim from the string.")},
     .examples = {example("root.name = this.name.trim_prefix(\"foobar_\")\nroot.description = "
                          "this.description.trim_prefix(\"foobar_\")",
                          {{R"({"description":"unchanged","name":"foobar_blobton"})",
                            R"({"description":"unchanged","name":"blobton"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string prefix = args.string(0);
      std::string_view s = text(target);
      if (s.starts_with(prefix)) s.remove_prefix(prefix.size());
      return same_kind(target, std::string(s));
    });

const bool kTrimSuffix = register_method(
    {.name = "trim_suffix",
     .category = kCat,
     .description = "Removes a specified suffix from the end of a string if present. If the "
                    "string doesn't end with the suffix, returns the string unchanged.",
     .params = {param("suffix", ParamType::String,
                      "The trailing suffix substring to trim from the string.")},
     .examples = {example("root.name = this.name.trim_suffix(\"_foobar\")\nroot.description = "
                          "this.description.trim_suffix(\"_foobar\")",
                          {{R"({"description":"unchanged","name":"blobton_foobar"})",
                            R"({"description":"unchanged","name":"blobton"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string suffix = args.string(0);
      std::string_view s = text(target);
      if (s.ends_with(suffix)) s.remove_suffix(suffix.size());
      return same_kind(target, std::string(s));
    });

const bool kQuote = register_method(
    {.name = "quote",
     .category = kCat,
     .description = "Wraps a string in double quotes and escapes special characters (newlines, "
                    "tabs, etc.) using Go escape sequences.",
     .examples = {example("root.quoted = this.thing.quote()",
                          {{R"({"thing":"foo\nbar"})", R"({"quoted":"\"foo\\nbar\""})"}}),
                  example("root.literal = this.text.quote()",
                          {{R"({"text":"hello\tworld"})", R"({"literal":"\"hello\\tworld\""})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(lib::go_quote(string_like(target)));
    });

const bool kUnquote = register_method(
    {.name = "unquote",
     .category = kCat,
     .description = "Removes surrounding quotes and interprets escape sequences (`\\n`, `\\t`, "
                    "etc.) to their literal characters. Use for parsing quoted string literals.",
     .examples = {example("root.unquoted = this.thing.unquote()",
                          {{R"({"thing":"\"foo\\nbar\""})", R"({"unquoted":"foo\nbar"})"}}),
                  example("root.text = this.literal.unquote()",
                          {{R"({"literal":"\"hello\\tworld\""})", R"({"text":"hello\tworld"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      auto out = lib::go_unquote(string_like(target));
      if (!out) throw EvalError("invalid syntax");
      return Value::string(std::move(*out));
    });

const bool kEscapeHtml = register_method(
    {.name = "escape_html",
     .category = kCat,
     .description = "Escapes special HTML characters (`<`, `>`, `&`, `'`, `\"`) to make a string "
                    "safe for HTML output.",
     .examples = {example("root.escaped = this.value.escape_html()",
                          {{R"({"value":"foo & bar"})", R"({"escaped":"foo &amp; bar"})"}}),
                  example(
                      "root.safe_html = this.user_input.escape_html()",
                      {{R"({"user_input":"<script>alert('xss')</script>"})",
                        R"({"safe_html":"&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(html_escape(string_like(target)));
    });

const bool kUnescapeHtml = register_method(
    {.name = "unescape_html",
     .category = kCat,
     .description = "Converts HTML entities back to their original characters. Handles named "
                    "entities (`&amp;`, `&lt;`), decimal (`&#225;`), and hexadecimal (`&#xE1;`) "
                    "formats.",
     .examples = {example("root.unescaped = this.value.unescape_html()",
                          {{R"({"value":"foo &amp; bar"})", R"({"unescaped":"foo & bar"})"}}),
                  example("root.text = this.html.unescape_html()",
                          {{R"({"html":"&lt;p&gt;Hello &amp; goodbye&lt;/p&gt;"})",
                            R"({"text":"<p>Hello & goodbye</p>"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(html_unescape(string_like(target)));
    });

const bool kEscapeUrlQuery = register_method(
    {.name = "escape_url_query",
     .category = kCat,
     .description = "Encodes a string for safe use in URL query parameters. Converts spaces to `+` "
                    "and special characters to percent-encoded values.",
     .examples = {example("root.escaped = this.value.escape_url_query()",
                          {{R"({"value":"foo & bar"})", R"({"escaped":"foo+%26+bar"})"}}),
                  example("root.url = \"https://example.com?search=\" + "
                          "this.query.escape_url_query()",
                          {{R"({"query":"hello world!"})",
                            R"({"url":"https://example.com?search=hello+world%21"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(url_escape(string_like(target), UrlMode::QueryComponent));
    });

const bool kUnescapeUrlQuery = register_method(
    {.name = "unescape_url_query",
     .category = kCat,
     .description = "Decodes URL query parameter encoding, converting `+` to spaces and "
                    "percent-encoded characters to their original values.",
     .examples = {example("root.unescaped = this.value.unescape_url_query()",
                          {{R"({"value":"foo+%26+bar"})", R"({"unescaped":"foo & bar"})"}}),
                  example("root.search = this.param.unescape_url_query()",
                          {{R"({"param":"hello+world%21"})", R"({"search":"hello world!"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(url_unescape(string_like(target), UrlMode::QueryComponent));
    });

const bool kEscapeUrlPath = register_method(
    {.name = "escape_url_path",
     .category = kCat,
     .description = "Escapes a string so it can be safely placed inside a URL path segment, "
                    "replacing special characters (including `/`) with percent-encoded values.",
     .examples = {example("root.escaped = this.value.escape_url_path()",
                          {{R"({"value":"foo & bar"})", R"({"escaped":"foo%20&%20bar"})"}}),
                  example("root.url = \"https://example.com/docs/\" + "
                          "this.path.escape_url_path()",
                          {{R"({"path":"my document.pdf"})",
                            R"({"url":"https://example.com/docs/my%20document.pdf"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(url_escape(string_like(target), UrlMode::PathSegment));
    });

const bool kUnescapeUrlPath = register_method(
    {.name = "unescape_url_path",
     .category = kCat,
     .description = "Unescapes a percent-encoded URL path segment. Unlike `unescape_url_query`, "
                    "`+` is left unchanged.",
     .examples = {example("root.unescaped = this.value.unescape_url_path()",
                          {{R"({"value":"foo%20&%20bar"})", R"({"unescaped":"foo & bar"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      return Value::string(url_unescape(string_like(target), UrlMode::PathSegment));
    });

const bool kFilepathJoin = register_method(
    {.name = "filepath_join",
     .category = kCat,
     .description = "Combines an array of path components into a single OS-specific file path "
                    "using the correct separator (`/` on Unix).",
     .examples = {example(
         "root.path = this.path_elements.filepath_join()",
         {{R"({"path_elements":["/foo/","bar.txt"]})", R"({"path":"/foo/bar.txt"})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      if (!target.is_array()) throw TypeError(target, {"array"});
      std::string joined;
      size_t i = 0;
      for (const auto& e : target.json().get_array()) {
        Value ev = Value::ref(e);
        if (!lib::is_text(ev) && ev.kind() != Value::Kind::Timestamp)
          lib::throw_wrapped_type_error("path element " + std::to_string(i), ev, {"string"});
        std::string part = string_like(ev);
        ++i;
        if (part.empty()) continue;
        if (!joined.empty()) joined.push_back('/');
        joined += part;
      }
      if (joined.empty()) return Value::string("");
      return Value::string(clean_path(joined));
    });

const bool kFilepathSplit = register_method(
    {.name = "filepath_split",
     .category = kCat,
     .description = "Separates a file path into directory and filename components, returning a "
                    "two-element array `[directory, filename]`.",
     .examples = {example("root.path_sep = this.path.filepath_split()",
                          {{R"({"path":"/foo/bar.txt"})", R"({"path_sep":["/foo/","bar.txt"]})"},
                           {R"({"path":"baz.txt"})", R"({"path_sep":["","baz.txt"]})"}})}},
    [](ExecContext&, const Value& target, const Args&) {
      std::string s = string_like(target);
      size_t slash = s.rfind('/');
      size_t cut = slash == std::string::npos ? 0 : slash + 1;
      json::array out;
      out.emplace_back(json::string(s.substr(0, cut)));
      out.emplace_back(json::string(s.substr(cut)));
      return Value(json::value(std::move(out)));
    });

const bool kFormat = register_method(
    {.name = "format",
     .category = kCat,
     .description = "Formats a string using Go's printf-style formatting with the string as the "
                    "format template. Supports the Go format verbs (`%s`, `%d`, `%v`, etc.).",
     .examples = {example("root.foo = \"%s(%v): %v\".format(this.name, this.age, this.fingers)",
                          {{R"({"name":"lance","age":37,"fingers":13})",
                            R"({"foo":"lance(37): 13"})"}}),
                  example("root.message = \"User %s has %v points\".format(this.username, "
                          "this.score)",
                          {{R"({"username":"alice","score":100})",
                            R"({"message":"User alice has 100 points"})"}})},
     .variadic = true},
    [](ExecContext&, const Value& target, const Args& args) {
      std::string f = string_like(target);
      return Value::string(lib::go_sprintf(f, std::span<const Value>(args.values_)));
    });

const bool kStripHtml = register_method(
    {.name = "strip_html",
     .category = kCat,
     .description = "Attempts to remove all HTML tags from a target string.",
     .params = {ParamSpec{.name = "preserve",
                          .type = ParamType::Array,
                          .description = "An optional array of element types to preserve in the "
                                         "output.",
                          .optional = true}},
     .examples =
         {example("root.stripped = this.value.strip_html()",
                  {{R"({"value":"<p>the plain <strong>old text</strong></p>"})",
                    R"({"stripped":"the plain old text"})"}}),
          example("root.stripped = this.value.strip_html([\"article\"])",
                  {{R"({"value":"<article><p>the plain <strong>old text</strong></p></article>"})",
                    R"({"stripped":"<article>the plain old text</article>"})"}},
                  "It's also possible to provide an explicit list of element types to "
                  "preserve in the output.")}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::vector<std::string> preserve;
      if (args.has(0) && !args[0].is_null()) {
        if (!args[0].is_array()) throw TypeError(args[0], {"array"});
        size_t i = 0;
        for (const auto& e : args[0].json().get_array()) {
          Value ev = Value::ref(e);
          if (!ev.is_string())
            lib::throw_wrapped_type_error("invalid arg at index " + std::to_string(i), ev,
                                          {"string"});
          preserve.push_back(lib::lower(text(ev)));
          ++i;
        }
      }
      return same_kind(target, strip_html(text(target), preserve));
    });

} // namespace
} // namespace plugctl::bloblang
