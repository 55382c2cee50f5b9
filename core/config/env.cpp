// ${VAR} / ${VAR:default} expansion on the raw config text (before YAML parsing, like Benthos,
// so that a variable can hold any YAML, and so that its errors point at the raw text).
#include "config/detail.hpp"

#include <algorithm>
#include <cstdlib>

namespace plugctl::core {

namespace detail {

SourceMap::SourceMap(std::string file, std::string_view original) : file_(std::move(file)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < original.size(); ++i)
    if (original[i] == '\n') line_starts_.push_back(i + 1);
}

void SourceMap::add_segment(size_t out, size_t in, bool literal) {
  if (!segments_.empty() && segments_.back().out == out) segments_.pop_back();
  segments_.push_back({out, in, literal});
}

SourcePos SourceMap::at_input(size_t in_offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), in_offset);
  size_t line = size_t(it - line_starts_.begin()); // 1-based: `it` is one past the line
  return {file_, int(line), int(in_offset - line_starts_[line - 1]) + 1};
}

SourcePos SourceMap::at_output(size_t out_offset) const {
  if (segments_.empty()) return at_input(out_offset);
  auto it = std::upper_bound(segments_.begin(), segments_.end(), out_offset,
                             [](size_t off, const Segment& s) { return off < s.out; });
  if (it == segments_.begin()) return at_input(out_offset);
  const Segment& s = *std::prev(it);
  return at_input(s.literal ? s.in + (out_offset - s.out) : s.in);
}

namespace {

bool env_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

} // namespace

Expanded expand_env_mapped(std::string_view text, const std::string& file, const EnvLookup& env,
                           std::vector<LintError>& errors) {
  Expanded out{std::string(), SourceMap(file, text)};
  out.text.reserve(text.size());
  bool in_literal = false; // whether the current output run is a literal segment
  auto literal = [&](size_t in) {
    if (!in_literal) out.map.add_segment(out.text.size(), in, true);
    in_literal = true;
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$') {
      literal(i);
      out.text += c;
      ++i;
      continue;
    }
    // "$${" is an escaped, literal "${". Not "$${!": that is the escape of a literal "${!" in an
    // interpolated string (plugctl.h, interp_new), which the component must see unchanged.
    if (text.substr(i, 3) == "$${" && text.substr(i + 3, 1) != "!") {
      out.map.add_segment(out.text.size(), i + 1, true);
      in_literal = true;
      out.text += "${";
      i += 3;
      continue;
    }
    // Anything but ${NAME} or ${NAME:default} (notably Bloblang's ${! ...}) is left alone.
    size_t end = std::string_view::npos, name_end = i + 2;
    if (text.substr(i, 2) == "${") {
      while (name_end < text.size() && env_name_char(text[name_end]))
        ++name_end;
      if (name_end > i + 2 && name_end < text.size()) {
        if (text[name_end] == '}') {
          end = name_end;
        } else if (text[name_end] == ':') {
          end = text.find_first_of("}\n", name_end);
          if (end != std::string_view::npos && text[end] != '}') end = std::string_view::npos;
        }
      }
    }
    if (end == std::string_view::npos) {
      literal(i);
      out.text += c;
      ++i;
      continue;
    }
    std::string_view name = text.substr(i + 2, name_end - (i + 2));
    bool has_default = text[name_end] == ':';
    std::optional<std::string> value = env(name);
    // Like Benthos, a variable that is set but empty also takes the default.
    if (has_default && (!value || value->empty()))
      value = std::string(text.substr(name_end + 1, end - name_end - 1));
    if (!value) {
      SourcePos pos = out.map.at_input(i);
      errors.push_back({pos, "", "environment variable '" + std::string(name) + "' is not set"});
      value = std::string();
    }
    out.map.add_segment(out.text.size(), i, false);
    in_literal = false;
    out.text += *value;
    i = end + 1;
  }
  return out;
}

} // namespace detail

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string expand_env(std::string_view text, const std::string& file, const EnvLookup& env,
                       std::vector<LintError>& errors) {
  return detail::expand_env_mapped(text, file, env, errors).text;
}

} // namespace plugctl::core
