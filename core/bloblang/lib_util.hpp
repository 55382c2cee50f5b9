// Helpers shared by the standard library files (lib_*.cpp): how a method reads its target the
// way Benthos does, UTF-8 and Unicode case handling with Go's rules, Go-compatible text forms
// (strconv.Quote, fmt's %v, encoding/json with its options) and small codecs (base64, hex).
// Nothing here is part of the registry API; it only keeps the library files consistent.
#pragma once

#include "bloblang/registry.hpp"
#include "bloblang/value.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plugctl::bloblang::lib {

// --- reading targets ---------------------------------------------------------------------------
// True for string and bytes values (Go's `case string, []byte`).
bool is_text(const Value& v);
// The text of a string or bytes value; anything else throws TypeError(expected string). The view
// points into `v`.
std::string_view text(const Value& v);
// Like text() but also takes a timestamp (as RFC 3339), as Go's value.IGetString does. Used by
// the methods upstream builds with stringMethod().
std::string string_like(const Value& v);
// A result of the same kind as the target: bytes in, bytes out; otherwise a string.
Value same_kind(const Value& target, std::string s);

// The literal argument a Prepare step may rely on: present and not computed per message.
// (The call site only runs Prepare when every argument is a literal.)
bool has_arg(const Args& a, size_t i);

// --- UTF-8 -------------------------------------------------------------------------------------
constexpr char32_t kRuneError = 0xFFFD;
// Decodes one rune at s[i] as Go does: an invalid or truncated sequence is RuneError of width 1.
char32_t decode_rune(std::string_view s, size_t i, size_t* width);
void append_rune(std::string& out, char32_t r);
bool valid_utf8(std::string_view s);
size_t rune_count(std::string_view s);

// Unicode simple case mappings and classes (glibc's C.UTF-8 tables; ASCII when unavailable).
char32_t to_upper(char32_t r);
char32_t to_lower(char32_t r);
bool is_letter(char32_t r);
bool is_digit(char32_t r);
bool is_space(char32_t r); // Go's unicode.IsSpace
bool is_print(char32_t r); // close to Go's strconv.IsPrint
// strings.ToUpper / strings.ToLower (invalid bytes become U+FFFD like strings.Map).
std::string upper(std::string_view s);
std::string lower(std::string_view s);

// --- Go text forms -------------------------------------------------------------------------------
// strconv.Quote.
std::string go_quote(std::string_view s);
// strconv.Unquote; nullopt for "invalid syntax".
std::optional<std::string> go_unquote(std::string_view s);
// strconv.FormatFloat(f, 'g', -1, bits) and 'f'/'e' shortest forms used by fmt and JSON.
std::string go_float(double d, char fmt, int prec, int bits = 64);

// JSON as Go's encoding/json writes it: keys sorted, Go number format, and the options of
// json.Encoder. `indent` empty means compact. Bytes become base64 (Go's []byte), timestamps RFC
// 3339 strings.
struct JsonStyle {
  std::string indent;
  bool escape_html = true;
};
std::string go_json(const Value& v, const JsonStyle& style);
void append_go_json(std::string& out, const json::value& v, const JsonStyle& style, int depth);
void append_go_json_string(std::string& out, std::string_view s, bool escape_html);

// value.IToString: strings and bytes raw, numbers in Go's format, null as "null", structures as
// compact JSON (json.Marshal, so with HTML escaping).
std::string to_go_string(const Value& v);

// --- codecs ------------------------------------------------------------------------------------
std::string base64_encode(std::string_view in, bool url, bool pad);
std::string hex_encode(std::string_view in);

// --- errors ------------------------------------------------------------------------------------
// "<prefix>: <type error text>", for upstream's fmt.Errorf("...: %w", NewTypeError(...)).
[[noreturn]] void throw_wrapped_type_error(std::string_view prefix, const Value& got,
                                           std::initializer_list<std::string_view> expected);

} // namespace plugctl::bloblang::lib
