// Lint hooks for Bloblang. Bloblang parsing arrives in a later issue: until then these accept
// everything, so fields of type bloblang are only checked to be strings and interpolated
// strings (${! ... }) are not checked at all. The Bloblang implementation replaces these bodies
// (keep the signatures: lint reports the returned message at the field's value).
#include "config/detail.hpp"

namespace plugctl::core::detail {

std::optional<std::string> lint_bloblang(std::string_view /*mapping*/) {
  return std::nullopt;
}

std::optional<std::string> lint_interpolation(std::string_view /*text*/) {
  return std::nullopt;
}

} // namespace plugctl::core::detail
