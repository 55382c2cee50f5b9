// Config of the sql components: field names, specs (what lint, docs and `create` see) and the
// parsers that turn a validated config into the structs the components run on.
#pragma once

#include "sql_driver.hpp"

#include <optional>
#include <plugctl/sdk.hpp>
#include <string>
#include <vector>

namespace plugctl::sql {

namespace field {
inline constexpr const char kDriver[] = "driver";
inline constexpr const char kDsn[] = "dsn";
inline constexpr const char kTable[] = "table";
inline constexpr const char kColumns[] = "columns";
inline constexpr const char kWhere[] = "where";
inline constexpr const char kQuery[] = "query";
inline constexpr const char kArgsMapping[] = "args_mapping";
inline constexpr const char kPrefix[] = "prefix";
inline constexpr const char kSuffix[] = "suffix";
inline constexpr const char kExecOnly[] = "exec_only";
inline constexpr const char kUnsafeDynamicQuery[] = "unsafe_dynamic_query";
inline constexpr const char kFetchSize[] = "fetch_size";
inline constexpr const char kInitStatement[] = "init_statement";
inline constexpr const char kInitFiles[] = "init_files";
inline constexpr const char kConnMaxOpen[] = "conn_max_open";
inline constexpr const char kConnMaxIdle[] = "conn_max_idle";
inline constexpr const char kConnMaxLifeTime[] = "conn_max_life_time";
inline constexpr const char kConnMaxIdleTime[] = "conn_max_idle_time";
inline constexpr const char kMaxInFlight[] = "max_in_flight";
} // namespace field

inline constexpr int64_t kDefaultMaxInFlight = 8;
// sql_insert: more batches in flight make larger COPY groups (see sql_insert.cpp).
inline constexpr int64_t kDefaultInsertMaxInFlight = 16;
inline constexpr int64_t kDefaultFetchSize = 1000;

struct InsertConfig {
  ConnectionConfig conn;
  std::string table;
  std::vector<std::string> columns;
  std::string args_mapping;
  std::string prefix, suffix;
};

struct SelectConfig {
  ConnectionConfig conn;
  std::string query; // the whole SELECT (sql_select builds it from its fields)
  std::optional<std::string> args_mapping;
  bool use_cursor = true; // sql_select: a server-side cursor; sql_raw: single-row streaming
  size_t fetch_size = kDefaultFetchSize;
};

struct RawConfig {
  ConnectionConfig conn;
  std::string query;
  std::optional<std::string> args_mapping;
  bool exec_only = false;
  bool dynamic = false; // unsafe_dynamic_query: query is interpolated per message
};

sdk::Spec insert_spec();
sdk::Spec select_spec();
sdk::Spec raw_input_spec();
sdk::Spec raw_processor_spec();
sdk::Spec raw_output_spec();

// All throw sdk::ConfigError naming the field.
InsertConfig parse_insert(const sdk::Config& cfg);
SelectConfig parse_select(const sdk::Config& cfg);
SelectConfig parse_raw_input(const sdk::Config& cfg);
RawConfig parse_raw(const sdk::Config& cfg, bool output);

// "INSERT INTO t (a, b) VALUES " (with the prefix before it) and the rows' placeholders.
std::string insert_head(const InsertConfig& c);
// "COPY t (a, b) FROM STDIN".
std::string copy_statement(const InsertConfig& c);

extern const char* const kInsertDescription;
extern const char* const kSelectDescription;
extern const char* const kRawInputDescription;
extern const char* const kRawProcessorDescription;
extern const char* const kRawOutputDescription;
extern const char* const kInsertExamples;
extern const char* const kSelectExamples;
extern const char* const kRawInputExamples;
extern const char* const kRawProcessorExamples;
extern const char* const kRawOutputExamples;

} // namespace plugctl::sql
