// HTML5 named character references for unescape_html (Go's html.UnescapeString semantics).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace plugctl::bloblang::lib {

// The text of a named reference; `name` is without '&' and includes ';' where the reference has
// one ("amp;", and the legacy "amp").
std::optional<std::string_view> html_entity(std::string_view name);
// Length of the longest legacy name that may appear without a semicolon.
size_t longest_entity_without_semicolon();

} // namespace plugctl::bloblang::lib
