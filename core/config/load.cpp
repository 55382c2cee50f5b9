// Reading a config: raw text -> ${ENV} expansion -> YAML -> lint + build.
#include "config/detail.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <tuple>

namespace plugctl::core {

namespace {

// Errors in file order; whole-file errors (line 0) first. Stable: several errors at one
// position keep the order they were found in.
void sort_errors(std::vector<LintError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const LintError& a, const LintError& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
}

} // namespace

LoadResult load_config_string(std::string_view yaml, const std::string& name, const Registry& reg,
                              const EnvLookup& env) {
  LoadResult result;
  // yaml-cpp skips a UTF-8 byte order mark without counting it; so do we, to agree on columns.
  if (yaml.substr(0, 3) == "\xEF\xBB\xBF") yaml.remove_prefix(3);
  detail::Expanded expanded = detail::expand_env_mapped(yaml, name, env, result.errors);

  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(expanded.text);
  } catch (const YAML::Exception& e) {
    // Nothing can be built from text that does not parse: config stays empty.
    SourcePos pos =
        e.mark.pos >= 0 ? expanded.map.at_output(size_t(e.mark.pos)) : SourcePos{name, 0, 0};
    result.errors.push_back({pos, "", "yaml: " + e.msg});
    sort_errors(result.errors);
    return result;
  }
  for (size_t i = 1; i < docs.size(); ++i) {
    if (docs[i].IsNull()) continue; // a trailing "---"
    YAML::Mark m = docs[i].Mark();
    SourcePos pos = m.pos >= 0 ? expanded.map.at_output(size_t(m.pos)) : SourcePos{name, 0, 0};
    result.errors.push_back(
        {pos, "", "yaml: a config holds one document, this is document " + std::to_string(i + 1)});
  }
  YAML::Node root = docs.empty() ? YAML::Node() : docs.front();
  result.config = detail::lint_document(root, expanded.map, expanded.text, reg, result.errors);
  sort_errors(result.errors);
  return result;
}

LoadResult load_config_file(const std::string& path, const Registry& reg, const EnvLookup& env) {
  auto unreadable = [&](int err) {
    LoadResult r;
    r.unreadable = true;
    r.errors.push_back({{path, 0, 0}, "", "cannot read: " + std::string(std::strerror(err))});
    return r;
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return unreadable(errno);
  std::string text;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0)
    text.append(buf, n);
  if (std::ferror(f.get()) != 0) return unreadable(errno); // e.g. EISDIR
  return load_config_string(text, path, reg, env);
}

} // namespace plugctl::core
