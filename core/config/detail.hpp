// Internals of the config subsystem shared by its .cpp files (not for use outside core/config).
#pragma once

#include "config/config.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace plugctl::core::detail {

// Maps byte offsets in the text handed to the YAML parser (after ${ENV} expansion) back to
// line:column in the text the user wrote, so that lint positions point into their file even
// after a substitution changed the length of a line.
class SourceMap {
public:
  SourceMap(std::string file, std::string_view original);

  // A run of output starting at `out` that comes from input offset `in`: copied byte for byte
  // (literal) or produced by a substitution (every byte of it maps to the `${`).
  void add_segment(size_t out, size_t in, bool literal);
  // Position in the original text of output offset `out_offset`.
  SourcePos at_output(size_t out_offset) const;
  // Position of an offset of the original text.
  SourcePos at_input(size_t in_offset) const;
  const std::string& file() const { return file_; }

private:
  struct Segment {
    size_t out, in;
    bool literal;
  };
  std::string file_;
  std::vector<size_t> line_starts_;
  std::vector<Segment> segments_;
};

struct Expanded {
  std::string text;
  SourceMap map;
};

// expand_env with the position map of the result.
Expanded expand_env_mapped(std::string_view text, const std::string& file, const EnvLookup& env,
                           std::vector<LintError>& errors);

// Lints and builds the config from a parsed document (null when the file is empty).
// `text` is the env-expanded config the YAML was parsed from (node marks index into it).
Config lint_document(const YAML::Node& root, const SourceMap& map, std::string_view text,
                     const Registry& reg, std::vector<LintError>& errors);

// Bloblang checks of config values: a parse error of a mapping or of the `${! }` parts of an
// interpolated string, with its 1-based line and column inside the value.
struct BloblangIssue {
  int line = 1;
  int column = 1;
  std::string message;
};
std::optional<BloblangIssue> lint_bloblang(std::string_view mapping);
std::optional<BloblangIssue> lint_interpolation(std::string_view text);

// Scalar grammar shared by lint and create (YAML 1.2 core schema, minus .inf/.nan which JSON
// cannot carry).
std::optional<int64_t> parse_yaml_int(std::string_view s);
std::optional<double> parse_yaml_float(std::string_view s);
std::optional<bool> parse_yaml_bool(std::string_view s);

// "[a-z0-9_]+"
bool valid_label(std::string_view s);

} // namespace plugctl::core::detail
