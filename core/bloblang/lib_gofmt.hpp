// Go's fmt.Sprintf over Bloblang values, for the `format` method. Values are printed as the Go
// types Benthos holds them in: strings, []byte, int64/uint64/float64, bool, nil, []any,
// map[string]any and time.Time.
#pragma once

#include "bloblang/value.hpp"

#include <span>
#include <string>
#include <string_view>

namespace plugctl::bloblang::lib {

std::string go_sprintf(std::string_view format, std::span<const Value> args);

} // namespace plugctl::bloblang::lib
