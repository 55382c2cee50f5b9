// Bloblang standard library: regular expression methods ("Regular Expressions"). Patterns are
// RE2, the syntax Go's regexp implements; the matching loops follow Go's FindAll/ReplaceAll
// rules (an empty match right after a previous match is skipped, `$1`/`${name}` templates),
// which RE2's own helpers do not. A literal pattern is compiled once by the Prepare step and a
// bad one is a parse error with Go's wording.
#include "bloblang/lib_util.hpp"
#include "bloblang/registry.hpp"

#include <memory>
#include <optional>
#include <re2/re2.h>
#include <stdexcept>
#include <vector>

namespace plugctl::bloblang {
namespace {

constexpr const char* kCat = "Regular Expressions";

struct Compiled {
  std::unique_ptr<RE2> re;
  int groups = 0;                 // capturing groups (not counting the whole match)
  std::vector<std::string> names; // per group index (0 = whole match); "" when unnamed
};

// Go accepts `(?<name>re)` as well as `(?P<name>re)`; older RE2 only the latter.
std::string go_to_re2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(c);
      out.push_back(p[++i]);
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back(c);
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
      continue;
    }
    if (c == '(' && p.substr(i, 3) == "(?<" && i + 3 < p.size() && p[i + 3] != '=' &&
        p[i + 3] != '!') {
      out += "(?P<";
      i += 2;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string_view go_error_code(RE2::ErrorCode code) {
  switch (code) {
  case RE2::ErrorBadEscape:
    return "invalid escape sequence";
  case RE2::ErrorBadCharClass:
    return "invalid character class";
  case RE2::ErrorBadCharRange:
    return "invalid character class range";
  case RE2::ErrorMissingBracket:
    return "missing closing ]";
  case RE2::ErrorMissingParen:
    return "missing closing )";
  case RE2::ErrorUnexpectedParen:
    return "unexpected )";
  case RE2::ErrorTrailingBackslash:
    return "trailing backslash at end of expression";
  case RE2::ErrorRepeatArgument:
    return "missing argument to repetition operator";
  case RE2::ErrorRepeatSize:
    return "invalid repeat count";
  case RE2::ErrorRepeatOp:
    return "invalid nested repetition operator";
  case RE2::ErrorBadPerlOp:
    return "invalid or unsupported Perl syntax";
  case RE2::ErrorBadUTF8:
    return "invalid UTF-8";
  case RE2::ErrorBadNamedCapture:
    return "invalid named capture";
  case RE2::ErrorPatternTooLarge:
    return "expression too large";
  default:
    return "regexp/syntax: internal error";
  }
}

// Compiles with Go's semantics; throws std::invalid_argument with Go's error text.
std::shared_ptr<const Compiled> compile(std::string_view pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(int64_t{64} << 20);
  auto c = std::make_shared<Compiled>();
  c->re = std::make_unique<RE2>(go_to_re2(pattern), opts);
  if (!c->re->ok()) {
    throw std::invalid_argument(
        "error parsing regexp: " + std::string(go_error_code(c->re->error_code())) + ": `" +
        c->re->error_arg() + "`");
  }
  c->groups = c->re->NumberOfCapturingGroups();
  c->names.assign(static_cast<size_t>(c->groups) + 1, "");
  for (const auto& [index, name] : c->re->CapturingGroupNames())
    c->names[static_cast<size_t>(index)] = name;
  return c;
}

std::shared_ptr<const void> prepare_pattern(const Args& args) {
  if (!lib::has_arg(args, 0) || !lib::is_text(args[0])) return nullptr;
  return compile(lib::text(args[0]));
}

// The compiled pattern of a call: the prepared one, or compiled now for a dynamic argument.
std::shared_ptr<const Compiled> pattern_of(const Args& args) {
  if (args.state() != nullptr)
    return std::shared_ptr<const Compiled>(std::shared_ptr<const void>(),
                                           static_cast<const Compiled*>(args.state()));
  try {
    return compile(args.string(0));
  } catch (const std::invalid_argument& e) {
    throw EvalError(e.what());
  }
}

using Match = std::vector<re2::StringPiece>; // [0] whole match; null data = group unmatched

bool match_at(const Compiled& c, std::string_view s, size_t pos, Match& m) {
  m.assign(static_cast<size_t>(c.groups) + 1, re2::StringPiece());
  return c.re->Match(s, pos, s.size(), RE2::UNANCHORED, m.data(), static_cast<int>(m.size()));
}

size_t offset(std::string_view s, const re2::StringPiece& part) {
  return static_cast<size_t>(part.data() - s.data());
}

// Go's Regexp.allMatches: successive non-overlapping matches; an empty match abutting the
// previous match is ignored.
template <typename Fn> void for_each_match(const Compiled& c, std::string_view s, Fn fn) {
  Match m;
  size_t pos = 0;
  std::optional<size_t> prev_end;
  while (pos <= s.size()) {
    if (!match_at(c, s, pos, m)) break;
    size_t start = offset(s, m[0]);
    size_t end = start + m[0].size();
    bool accept = true;
    if (end == pos) {
      if (prev_end && start == *prev_end) accept = false;
      if (pos < s.size()) {
        size_t w;
        lib::decode_rune(s, pos, &w);
        pos += w;
      } else {
        pos = s.size() + 1;
      }
    } else {
      pos = end;
    }
    prev_end = end;
    if (accept) fn(m);
  }
}

json::string group_text(const re2::StringPiece& g) {
  return g.data() == nullptr ? json::string() : json::string(std::string_view(g.data(), g.size()));
}

// Go's Regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`.
void expand(std::string& out, std::string_view tmpl, const Compiled& c, const Match& m) {
  auto append_group = [&](size_t i) {
    if (i < m.size() && m[i].data() != nullptr) out.append(m[i].data(), m[i].size());
  };
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view str = tmpl;
    bool brace = !str.empty() && str[0] == '{';
    if (brace) str.remove_prefix(1);
    size_t i = 0;
    while (i < str.size()) {
      size_t w;
      char32_t r = lib::decode_rune(str, i, &w);
      if (!lib::is_letter(r) && !lib::is_digit(r) && r != '_') break;
      i += w;
    }
    if (i == 0 || (brace && (i >= str.size() || str[i] != '}'))) {
      out.push_back('$'); // malformed: `$` is literal text
      continue;
    }
    std::string_view name = str.substr(0, i);
    if (brace) ++i;
    tmpl = str.substr(i);
    int64_t num = 0;
    for (char ch : name) {
      if (ch < '0' || ch > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (ch - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num >= 0) {
      append_group(static_cast<size_t>(num));
    } else {
      for (size_t g = 1; g < c.names.size(); ++g) {
        if (c.names[g] == name) {
          append_group(g);
          break;
        }
      }
    }
  }
  out.append(tmpl);
}

// Go's Regexp.ReplaceAllString.
std::string replace_all(const Compiled& c, std::string_view s, std::string_view tmpl) {
  std::string out;
  size_t last_end = 0, search = 0;
  Match m;
  while (search <= s.size()) {
    if (!match_at(c, s, search, m)) break;
    size_t start = offset(s, m[0]);
    size_t end = start + m[0].size();
    out.append(s.substr(last_end, start - last_end));
    if (end > last_end || start == 0) expand(out, tmpl, c, m);
    last_end = end;
    size_t width = 0;
    if (search < s.size()) lib::decode_rune(s, search, &width);
    if (search + width > end) {
      search += width;
    } else if (search + 1 > end) {
      ++search;
    } else {
      search = end;
    }
  }
  out.append(s.substr(last_end));
  return out;
}

std::vector<std::string> object_keys(const Compiled& c) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < c.names.size(); ++i)
    keys.push_back(c.names[i].empty() ? std::to_string(i) : c.names[i]);
  return keys;
}

ParamSpec pattern_param() {
  return ParamSpec{
      .name = "pattern", .type = ParamType::String, .description = "The pattern to match against."};
}

Example example(std::string mapping, std::vector<std::pair<std::string, std::string>> results) {
  return Example{.mapping = std::move(mapping), .results = std::move(results)};
}

const bool kReMatch = register_method(
    {.name = "re_match",
     .category = kCat,
     .description = "Tests if a regular expression matches anywhere in a string, returning "
                    "`true` or `false`.",
     .params = {pattern_param()},
     .examples = {example("root.matches = this.value.re_match(\"[0-9]\")",
                          {{R"({"value":"there are 10 puppies"})", R"({"matches":true})"},
                           {R"({"value":"there are ten puppies"})", R"({"matches":false})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      auto c = pattern_of(args);
      std::string_view s = lib::text(target);
      return Value::boolean(RE2::PartialMatch(s, *c->re));
    },
    prepare_pattern);

const bool kReFindAll = register_method(
    {.name = "re_find_all",
     .category = kCat,
     .description = "Finds all matches of a regular expression in a string and returns them as "
                    "an array.",
     .params = {pattern_param()},
     .examples = {example("root.matches = this.value.re_find_all(\"a.\")",
                          {{R"({"value":"paranormal"})", R"({"matches":["ar","an","al"]})"}}),
                  example("root.numbers = this.text.re_find_all(\"[0-9]+\")",
                          {{R"({"text":"I have 2 apples and 15 oranges"})",
                            R"({"numbers":["2","15"]})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      auto c = pattern_of(args);
      std::string_view s = lib::text(target);
      json::array out;
      for_each_match(*c, s, [&](const Match& m) { out.emplace_back(group_text(m[0])); });
      return Value(json::value(std::move(out)));
    },
    prepare_pattern);

const bool kReFindAllSubmatch = register_method(
    {.name = "re_find_all_submatch",
     .category = kCat,
     .description = "Finds all regex matches and their capture groups, returning an array of "
                    "arrays where each inner array contains the full match and captured "
                    "subgroups.",
     .params = {pattern_param()},
     .examples =
         {example("root.matches = this.value.re_find_all_submatch(\"a(x*)b\")",
                  {{R"({"value":"-axxb-ab-"})", R"({"matches":[["axxb","xx"],["ab",""]]})"}}),
          example(
              R"x(root.emails = this.text.re_find_all_submatch("(\\w+)@(\\w+\\.\\w+)"))x",
              {{R"({"text":"Contact: alice@example.com or bob@test.org"})",
                R"({"emails":[["alice@example.com","alice","example.com"],["bob@test.org","bob","test.org"]]})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      auto c = pattern_of(args);
      std::string_view s = lib::text(target);
      json::array out;
      for_each_match(*c, s, [&](const Match& m) {
        json::array groups;
        for (const auto& g : m)
          groups.emplace_back(group_text(g));
        out.emplace_back(std::move(groups));
      });
      return Value(json::value(std::move(out)));
    },
    prepare_pattern);

const bool kReFindObject = register_method(
    {.name = "re_find_object",
     .category = kCat,
     .description = "Finds the first regex match and returns an object with named capture "
                    "groups as keys (or numeric indices for unnamed groups). The key \"0\" "
                    "contains the full match.",
     .params = {pattern_param()},
     .examples =
         {example("root.matches = this.value.re_find_object(\"a(?P<foo>x*)b\")",
                  {{R"({"value":"-axxb-ab-"})", R"({"matches":{"0":"axxb","foo":"xx"}})"}}),
          example(
              R"x(root.matches = this.value.re_find_object("(?P<key>\\w+):\\s+(?P<value>\\w+)"))x",
              {{R"({"value":"option1: value1"})",
                R"({"matches":{"0":"option1: value1","key":"option1","value":"value1"}})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      auto c = pattern_of(args);
      std::string_view s = lib::text(target);
      json::object out;
      Match m;
      if (match_at(*c, s, 0, m)) {
        auto keys = object_keys(*c);
        for (size_t i = 0; i < m.size(); ++i)
          out[keys[i]] = group_text(m[i]);
      }
      return Value(json::value(std::move(out)));
    },
    prepare_pattern);

const bool kReFindAllObject = register_method(
    {.name = "re_find_all_object",
     .category = kCat,
     .description = "Finds all regex matches and returns an array of objects with named capture "
                    "groups as keys. Each object represents one match with its captured groups.",
     .params = {pattern_param()},
     .examples =
         {example("root.matches = this.value.re_find_all_object(\"a(?P<foo>x*)b\")",
                  {{R"({"value":"-axxb-ab-"})",
                    R"({"matches":[{"0":"axxb","foo":"xx"},{"0":"ab","foo":""}]})"}}),
          example(
              R"x(root.matches = this.value.re_find_all_object("(?m)(?P<key>\\w+):\\s+(?P<value>\\w+)$"))x",
              {{R"({"value":"option1: value1\noption2: value2\noption3: value3"})",
                R"({"matches":[{"0":"option1: value1","key":"option1","value":"value1"},{"0":"option2: value2","key":"option2","value":"value2"},{"0":"option3: value3","key":"option3","value":"value3"}]})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      auto c = pattern_of(args);
      std::string_view s = lib::text(target);
      auto keys = object_keys(*c);
      json::array out;
      for_each_match(*c, s, [&](const Match& m) {
        json::object obj;
        for (size_t i = 0; i < m.size(); ++i)
          obj[keys[i]] = group_text(m[i]);
        out.emplace_back(std::move(obj));
      });
      return Value(json::value(std::move(out)));
    },
    prepare_pattern);

Value re_replace_impl(const Value& target, const Args& args) {
  auto c = pattern_of(args);
  std::string with = args.string(1);
  return Value::string(replace_all(*c, lib::text(target), with));
}

std::vector<ParamSpec> replace_params() {
  return {pattern_param(), ParamSpec{.name = "value",
                                     .type = ParamType::String,
                                     .description = "The value to replace with."}};
}

const bool kReReplaceAll = register_method(
    {.name = "re_replace_all",
     .category = kCat,
     .description = "Replaces all regex matches with a replacement string that can reference "
                    "capture groups using `$1`, `$2`, etc.",
     .params = replace_params(),
     .examples = {example("root.new_value = this.value.re_replace_all(\"ADD ([0-9]+)\",\"+($1)\")",
                          {{R"({"value":"foo ADD 70"})", R"x({"new_value":"foo +(70)"})x"}}),
                  example(R"x(root.masked = this.email.re_replace_all("(\\w{2})\\w+@", "$1***@"))x",
                          {{R"({"email":"alice@example.com"})",
                            R"({"masked":"al***@example.com"})"}})}},
    [](ExecContext&, const Value& target, const Args& args) {
      return re_replace_impl(target, args);
    },
    prepare_pattern);

const bool kReReplace = register_method(
    {.name = "re_replace",
     .category = kCat,
     .description = "Replaces all regex matches with a replacement string. Deprecated in favour of "
                    "`re_replace_all`.",
     .status = "deprecated",
     .params = replace_params()},
    [](ExecContext&, const Value& target, const Args& args) {
      return re_replace_impl(target, args);
    },
    prepare_pattern);

} // namespace
} // namespace plugctl::bloblang
