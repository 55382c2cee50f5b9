// Config of the file input and output: field names, specs (what lint, docs and `create` see) and
// the parsers that turn a validated config into the structs the components run on.
#pragma once

#include <cstddef>
#include <plugctl/sdk.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::file {

namespace sdk = plugctl::sdk;

// Config field names (snake_case, as users write them).
namespace field {
inline constexpr const char kPaths[] = "paths";
inline constexpr const char kScanner[] = "scanner";
inline constexpr const char kLines[] = "lines";
inline constexpr const char kCustomDelimiter[] = "custom_delimiter";
inline constexpr const char kMaxBufferSize[] = "max_buffer_size";
inline constexpr const char kOmitEmpty[] = "omit_empty";
inline constexpr const char kToTheEnd[] = "to_the_end";
inline constexpr const char kDeleteOnFinish[] = "delete_on_finish";
inline constexpr const char kPath[] = "path";
inline constexpr const char kCodec[] = "codec";
} // namespace field

// Metadata keys the input sets on every message.
namespace meta {
inline constexpr std::string_view kPath = "path";
inline constexpr std::string_view kModTimeUnix = "mod_time_unix";
inline constexpr std::string_view kModTime = "mod_time";
} // namespace meta

inline constexpr int64_t kDefaultMaxBufferSize = 65536;
// Batches written and awaiting their sync at once: deep enough for one sync to cover many.
inline constexpr int64_t kDefaultMaxInFlight = 8;

enum class Scanner { Lines, ToTheEnd };

struct InputConfig {
  std::vector<std::string> paths; // as configured: literal paths and glob patterns
  Scanner scanner = Scanner::Lines;
  // Lines: the delimiter, or empty for "\n" with one trailing "\r" dropped (bufio.ScanLines).
  std::string custom_delimiter;
  size_t max_buffer_size = kDefaultMaxBufferSize;
  bool omit_empty = false;
  bool delete_on_finish = false;
};

struct OutputConfig {
  std::string path;   // interpolated text, compiled by the output
  std::string suffix; // written after each payload: "\n" for lines, "" for all-bytes
};

sdk::Spec input_spec();
sdk::Spec output_spec();
extern const char* const kInputDescription;
extern const char* const kOutputDescription;
extern const char* const kInputExamples;
extern const char* const kOutputExamples;

// Both throw sdk::ConfigError naming the field.
InputConfig parse_input_config(const sdk::Config& cfg);
OutputConfig parse_output_config(const sdk::Config& cfg);

// "lines" -> "\n"; "delim:X" or "delimiter:X" -> "X"; "all-bytes" or "append" -> "".
// Throws sdk::ConfigError for anything else.
std::string codec_suffix(std::string_view codec);

} // namespace plugctl::file
