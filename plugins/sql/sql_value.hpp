// Values crossing between messages and the database: the parameters an args_mapping returns
// (a JSON array, scanned without a JSON library), the COPY text encoding of a row, and rows
// written back as JSON objects with their proper types.
#pragma once

#include <cstdint>
#include <optional>
#include <plugctl/plugctl.h>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::sql {

// Column type families the components convert values for.
enum class ColumnType {
  Other,
  Bool,
  Int,
  Float,
  Numeric,
  Json,
  Bytes,
  Timestamp,
  TimestampTz,
  Array, // any one-or-more-dimensional array (int[], text[], jsonb[], ...)
};

// One bound parameter: the value as JSON gave it. Strings are decoded; numbers, booleans,
// objects and arrays keep their JSON text (PostgreSQL parses them as text: an object or an
// array goes into a json/jsonb column as is).
struct Param {
  enum class Kind : uint8_t { Null, String, Number, Bool, Json };
  Kind kind = Kind::Null;
  std::string text;
};

// Parses the JSON text of an args_mapping result, which must be an array, into `out` (cleared
// first, its strings' capacity reused). Throws std::runtime_error saying what was wrong.
void parse_args(std::string_view json, std::vector<Param>& out);

// The bytes a parameter binds for a column of type `type`: bytea takes base64 text (what bytes
// become in a mapping's output, and what sql_select emits) decoded into raw bytes. Sets
// `binary` when the value must be sent in binary format. Throws std::runtime_error.
std::string_view param_bytes(const Param& p, ColumnType type, std::string& scratch, bool& binary);

// Appends a finite number as text PostgreSQL reads back exactly: integral values as integers,
// others in their shortest form.
void append_number(std::string& out, double d);

// Appends one value in COPY text format (tab-separated fields, \N for NULL).
void append_copy_field(std::string& out, const Param& p, ColumnType type, std::string& scratch);

// Appends one typed value of a mapping (host ABI 1.2; its text in `text`) in COPY text
// format, as append_copy_field would write the same value reaching it as JSON. Throws
// std::runtime_error for a bytea column given a string that is not base64.
void append_copy_value(std::string& out, const plugctl_value& v, std::string_view text,
                       ColumnType type, std::string& scratch);

// Appends `s` as a JSON string.
void append_json_string(std::string& out, std::string_view s);
// Appends a column value (PostgreSQL text output, nullopt for NULL) as a typed JSON value:
// numbers, booleans, null, json/jsonb nested, bytea as base64, timestamps as RFC 3339.
void append_json_column(std::string& out, ColumnType type, std::optional<std::string_view> text);

// A JSON array (its text) as a PostgreSQL array literal: {1,2,"a b",NULL}, nested arrays for
// more dimensions, strings and objects quoted. Throws std::runtime_error on malformed JSON.
std::string pg_array_literal(std::string_view json);
// PostgreSQL's text output of an array ({1,2}, {{"a b",NULL}}, [0:1]={...}) with elements of
// type `element`, as a JSON array of typed values (as append_json_column); malformed text is
// written as a string.
void append_json_array(std::string& out, ColumnType element, std::string_view text);

std::string base64_encode(std::string_view in);
// Returns false on invalid input (standard alphabet, padding optional).
bool base64_decode(std::string_view in, std::string& out);

} // namespace plugctl::sql
