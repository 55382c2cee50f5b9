// The generated documentation and schemas. Everything here is derived from the registry: the
// specs every plugin declares (bundled and vendor plugins alike) and the Bloblang function and
// method specs, so the docs site, the JSON schema and lint can never disagree.
#pragma once

#include "registry/registry.hpp"

#include <string>
#include <string_view>

namespace plugctl::docgen {

enum class SiteFormat { Html, Markdown };

struct SiteReport {
  size_t pages = 0;      // files written, style and script included
  size_t components = 0; // component pages
};

// Writes the documentation site into `out_dir` (created when missing): an index by kind with
// status badges, summaries and a search box; a page per component (description, field table,
// minimal and full YAML generated from the spec, examples, the plugin it comes from); a page
// per plugin list; Bloblang functions and methods. HTML needs no external asset and works from
// file://. Throws std::runtime_error naming the file on an I/O error.
SiteReport write_site(const core::Registry& reg, const std::string& out_dir, SiteFormat format);

// The config's JSON Schema (draft 2020-12): every component of the registry with its fields.
std::string json_schema(const core::Registry& reg);
// The same as CUE definitions (#Config is the root).
std::string cue_schema(const core::Registry& reg);

// Helpers shared by the writers (exposed for tests).
std::string html_escape(std::string_view s);
// Plain description text to HTML: paragraphs on blank lines, "- " lists, `code` spans.
std::string text_to_html(std::string_view s);

} // namespace plugctl::docgen
