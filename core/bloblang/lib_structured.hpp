// Helpers shared by the object and array methods of the standard library: Benthos builds them on
// gabs (dot paths, search, merge, flatten) and on value.ICompare; these reproduce those rules on
// Boost.JSON values so that the methods behave the same.
#pragma once

#include "bloblang/value.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::bloblang::structured {

// A dot path split into segments: "a.b" -> {"a","b"}; "~1" stands for '.', "~0" for '~'.
std::vector<std::string> dot_path(std::string_view path);

// gabs Search: follows object keys; on an array a segment is an index, or "*" which searches
// every element with the rest of the path and collects what was found (an empty collection is
// "not found"). nullopt when the path does not resolve; a present null is a value.
std::optional<json::value> search(const json::value& root, std::span<const std::string> path);

// gabs Set: writes `v` at the path, creating objects for missing or null parts; "-" on an array
// appends. False when the path collides with a non-container value or a bad index.
bool set_path(json::value& root, std::span<const std::string> path, json::value v);

// value.ICompare(left, right): string/bytes/timestamp compare as text, numbers by value whatever
// their representation, bools against bools or numbers (non-zero), arrays and objects deeply.
// Deliberately asymmetric, like Benthos: the left side picks the kind of comparison.
bool icompare(const json::value& left, const json::value& right);
bool icompare(const Value& left, const json::value& right);

// gabs Merge: objects merge recursively; a collision of non-objects yields an array of both
// (arrays are concatenated into it). `assign` instead lets the source value win.
void merge_into(json::object& dest, const json::object& source, bool assign);

// Benthos mapWithout / mapWith: copies of `m` without / with only the given paths.
json::object map_without(const json::object& m, std::span<const std::vector<std::string>> paths);
json::object map_with(const json::object& m, std::span<const std::vector<std::string>> paths);

// gabs Flatten(IncludeEmpty): {"a":[{"b":1}]} -> {"a.0.b":1}; empty objects and arrays are kept
// as values only with include_empty. Throws EvalError "not an object or array".
json::object flatten(const json::value& v, bool include_empty);

// The number in a JSON value as a double (value.IGetNumber), nullopt when it is not a number.
std::optional<double> number_of(const json::value& v);

} // namespace plugctl::bloblang::structured
