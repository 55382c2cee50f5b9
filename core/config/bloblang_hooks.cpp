// Bloblang checks for config values: mappings (fields of type bloblang) and the `${! }`
// expressions of interpolated strings, parsed exactly as the components will parse them.
#include "bloblang/mapping.hpp"
#include "config/detail.hpp"
#include "host/interp.hpp"

namespace plugctl::core::detail {

std::optional<BloblangIssue> lint_bloblang(std::string_view mapping) {
  try {
    bloblang::Mapping::parse(mapping);
    return std::nullopt;
  } catch (const bloblang::ParseError& e) {
    return BloblangIssue{e.line(), e.column(), "bloblang: " + e.message()};
  }
}

std::optional<BloblangIssue> lint_interpolation(std::string_view text) {
  try {
    Interpolation::compile(text);
    return std::nullopt;
  } catch (const InterpolationError& e) {
    return BloblangIssue{1, static_cast<int>(e.offset()) + 1, e.what()};
  } catch (const std::exception& e) {
    return BloblangIssue{1, 1, e.what()};
  }
}

} // namespace plugctl::core::detail
