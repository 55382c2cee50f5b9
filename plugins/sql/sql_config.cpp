#include "sql_config.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <glob.h>
#include <sstream>

namespace plugctl::sql {

using sdk::Field;
using sdk::Json;

namespace {

std::vector<Field> connection_fields() {
  return {
      Field::string(field::kDriver,
                    "The database driver. Only `postgres` (libpq) exists today; the other "
                    "fields are shaped so that more drivers can follow.")
          .options({"postgres"})
          .example("postgres"),
      Field::string(field::kDsn,
                    "The connection string: a URI "
                    "(`postgres://user:password@host:port/dbname?sslmode=disable`) or libpq "
                    "`key=value` pairs. Checked when the component is created; the password "
                    "never appears in logs.")
          .example("postgres://plugctl:secret@localhost:5432/app?sslmode=disable")
          .example("host=/var/run/postgresql dbname=app"),
      Field::string(field::kInitStatement,
                    "SQL run once, on the first connection (after `init_files`), e.g. "
                    "`CREATE TABLE IF NOT EXISTS ...`. May hold several statements.")
          .optional()
          .advanced()
          .example("CREATE TABLE IF NOT EXISTS events (id bigint PRIMARY KEY, body jsonb)"),
      Field::string(field::kInitFiles,
                    "SQL files (glob patterns allowed) run once, in order, on the first "
                    "connection. Read when the component is created: a missing file is a "
                    "config error.")
          .list()
          .optional()
          .advanced()
          .example(Json{"./migrations/*.sql"}),
      Field::integer(field::kConnMaxOpen,
                     "Connections open at once at most; 0 means no limit (an output opens one "
                     "per write in flight).")
          .default_value(0)
          .advanced(),
      Field::integer(field::kConnMaxIdle, "Idle connections kept open for reuse.")
          .default_value(2)
          .advanced(),
      Field::duration(field::kConnMaxLifeTime,
                      "A connection older than this is closed instead of being reused; empty "
                      "means no limit.")
          .default_value("")
          .advanced()
          .example("30m"),
      Field::duration(field::kConnMaxIdleTime,
                      "An idle connection unused for this long is closed; empty means no "
                      "limit.")
          .default_value("")
          .advanced()
          .example("5m"),
  };
}

sdk::Spec with_connection(sdk::Spec s) {
  for (auto& f : connection_fields())
    s.field(std::move(f));
  return s;
}

Field args_mapping_field(bool required) {
  Field f = Field::bloblang(field::kArgsMapping,
                            "A Bloblang mapping that returns an array: the values bound to the "
                            "placeholders (`$1`, `$2`, ...), in order. Values are always bound "
                            "as parameters, never written into the SQL text. Strings, numbers, "
                            "booleans and null bind as such; objects and arrays bind as JSON "
                            "text (for json/jsonb columns); for a bytea column a string is "
                            "base64 (what bytes become in a mapping's output).");
  f.example("root = [ this.id, this.name, this.tags ]");
  if (!required) f.optional();
  return f;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw sdk::ConfigError("field /init_files: cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> expand_files(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    glob_t g{};
    int rc = ::glob(p.c_str(), GLOB_NOCHECK, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i)
        out.push_back(read_text_file(g.gl_pathv[i]));
    }
    globfree(&g);
    if (rc != 0) throw sdk::ConfigError("field /init_files: bad pattern " + p);
  }
  return out;
}

// A duration whose default is "" (no limit): 0 when absent or empty.
std::chrono::nanoseconds optional_duration(const sdk::Config& cfg, const char* name) {
  if (!cfg.has(name) || cfg.json(name) == "\"\"") return std::chrono::nanoseconds(0);
  return cfg.duration(name);
}

ConnectionConfig parse_connection(const sdk::Config& cfg) {
  ConnectionConfig c;
  c.driver = cfg.string(field::kDriver);
  c.dsn = cfg.string(field::kDsn);
  if (cfg.has(field::kConnMaxOpen)) c.max_open = cfg.integer(field::kConnMaxOpen);
  if (cfg.has(field::kConnMaxIdle)) c.max_idle = cfg.integer(field::kConnMaxIdle);
  if (c.max_open < 0) throw sdk::ConfigError("field /conn_max_open: must not be negative");
  if (c.max_idle < 0) throw sdk::ConfigError("field /conn_max_idle: must not be negative");
  c.max_life_time = optional_duration(cfg, field::kConnMaxLifeTime);
  c.max_idle_time = optional_duration(cfg, field::kConnMaxIdleTime);
  c.init_statement = cfg.optional_string(field::kInitStatement).value_or("");
  c.init_files = expand_files(cfg.strings(field::kInitFiles));
  check_dsn(c);
  return c;
}

std::string non_empty(const sdk::Config& cfg, const char* name) {
  std::string v = cfg.string(name);
  if (v.find_first_not_of(" \t\n") == std::string::npos)
    throw sdk::ConfigError(std::string("field /") + name + ": must not be empty");
  return v;
}

std::vector<std::string> column_list(const sdk::Config& cfg, bool required) {
  auto cols = cfg.strings(field::kColumns);
  if (required && cols.empty())
    throw sdk::ConfigError("field /columns: at least one column is required");
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i].find_first_not_of(" \t") == std::string::npos)
      throw sdk::ConfigError("field /columns/" + std::to_string(i) + ": empty column name");
  return cols;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? ", " : "") + v[i];
  return out;
}

size_t fetch_size(const sdk::Config& cfg) {
  int64_t n = cfg.has(field::kFetchSize) ? cfg.integer(field::kFetchSize) : kDefaultFetchSize;
  if (n <= 0) throw sdk::ConfigError("field /fetch_size: must be at least 1");
  return static_cast<size_t>(n);
}

} // namespace

sdk::Spec insert_spec() {
  return with_connection(
      sdk::Spec()
          .field(Field::string(field::kTable, "The table to insert into.").example("events"))
          .field(Field::string(field::kColumns, "The columns to insert, in the order of the "
                                                "values args_mapping returns.")
                     .list()
                     .example(Json{"id", "name", "created_at"}))
          .field(args_mapping_field(true))
          .field(Field::string(field::kPrefix,
                               "SQL written before `INSERT` (e.g. a `WITH` clause). Using a "
                               "prefix or suffix writes with INSERT instead of COPY.")
                     .optional()
                     .advanced())
          .field(Field::string(field::kSuffix, "SQL written after the VALUES list.")
                     .optional()
                     .example("ON CONFLICT (id) DO NOTHING")
                     .example("ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name"))
          .max_in_flight(kDefaultInsertMaxInFlight)
          .batching());
}

sdk::Spec select_spec() {
  return with_connection(
      sdk::Spec()
          .field(Field::string(field::kTable, "The table to select from.").example("events"))
          .field(Field::string(field::kColumns, "The columns to select; `*` selects all.")
                     .list()
                     .example(Json{"*"})
                     .example(Json{"id", "name", "created_at"}))
          .field(Field::string(field::kWhere,
                               "An optional WHERE condition, with `$1`, `$2`, ... placeholders "
                               "for the values of args_mapping.")
                     .optional()
                     .example("created_at >= $1 AND kind = $2"))
          .field(args_mapping_field(false))
          .field(Field::string(field::kPrefix, "SQL written before `SELECT` (e.g. `WITH`).")
                     .optional()
                     .advanced())
          .field(Field::string(field::kSuffix, "SQL written after the query (ORDER BY, LIMIT).")
                     .optional()
                     .example("ORDER BY id"))
          .field(Field::integer(field::kFetchSize,
                                "Rows fetched from the server-side cursor at a time; each fetch "
                                "is one batch.")
                     .default_value(Json(kDefaultFetchSize))
                     .advanced()));
}

sdk::Spec raw_input_spec() {
  return with_connection(
      sdk::Spec()
          .field(Field::string(field::kQuery, "The query to run, with `$1`, `$2`, ... "
                                              "placeholders for the values of args_mapping.")
                     .example("SELECT * FROM footable WHERE user_id = $1"))
          .field(args_mapping_field(false))
          .field(Field::integer(field::kFetchSize, "Rows per batch.")
                     .default_value(Json(kDefaultFetchSize))
                     .advanced()));
}

sdk::Spec raw_processor_spec() {
  return with_connection(
      sdk::Spec()
          .field(Field::string(field::kQuery, "The statement to run for each message, with `$1`, "
                                              "`$2`, ... placeholders for the values of "
                                              "args_mapping.")
                     .example("SELECT * FROM users WHERE id = $1")
                     .example("INSERT INTO audit (id, at) VALUES ($1, now())"))
          .field(args_mapping_field(false))
          .field(Field::boolean(field::kExecOnly,
                                "Keep the message as it is instead of replacing it with the "
                                "rows the statement returns.")
                     .default_value(false))
          .field(Field::boolean(field::kUnsafeDynamicQuery,
                                "Interpolate `${! ... }` in the query per message. Dangerous: "
                                "message content then becomes SQL; prefer placeholders.")
                     .default_value(false)
                     .advanced()));
}

sdk::Spec raw_output_spec() {
  return with_connection(
      sdk::Spec()
          .field(Field::string(field::kQuery, "The statement to run for each message, with `$1`, "
                                              "`$2`, ... placeholders for the values of "
                                              "args_mapping.")
                     .example("INSERT INTO footable (foo, bar) VALUES ($1, $2)"))
          .field(args_mapping_field(false))
          .field(Field::boolean(field::kUnsafeDynamicQuery,
                                "Interpolate `${! ... }` in the query per message. Dangerous: "
                                "message content then becomes SQL; prefer placeholders.")
                     .default_value(false)
                     .advanced())
          .max_in_flight(kDefaultMaxInFlight)
          .batching());
}

InsertConfig parse_insert(const sdk::Config& cfg) {
  InsertConfig c;
  c.conn = parse_connection(cfg);
  c.table = non_empty(cfg, field::kTable);
  c.columns = column_list(cfg, true);
  c.args_mapping = non_empty(cfg, field::kArgsMapping);
  c.prefix = cfg.optional_string(field::kPrefix).value_or("");
  c.suffix = cfg.optional_string(field::kSuffix).value_or("");
  return c;
}

SelectConfig parse_select(const sdk::Config& cfg) {
  SelectConfig c;
  c.conn = parse_connection(cfg);
  std::string table = non_empty(cfg, field::kTable);
  auto cols = column_list(cfg, true);
  std::string q;
  if (auto p = cfg.optional_string(field::kPrefix)) q += *p + " ";
  q += "SELECT " + joined(cols) + " FROM " + table;
  if (auto w = cfg.optional_string(field::kWhere); w && !w->empty()) q += " WHERE " + *w;
  if (auto s = cfg.optional_string(field::kSuffix)) q += " " + *s;
  c.query = q;
  c.args_mapping = cfg.optional_string(field::kArgsMapping);
  c.fetch_size = fetch_size(cfg);
  c.use_cursor = true;
  return c;
}

SelectConfig parse_raw_input(const sdk::Config& cfg) {
  SelectConfig c;
  c.conn = parse_connection(cfg);
  c.query = non_empty(cfg, field::kQuery);
  c.args_mapping = cfg.optional_string(field::kArgsMapping);
  c.fetch_size = fetch_size(cfg);
  c.use_cursor = false;
  return c;
}

RawConfig parse_raw(const sdk::Config& cfg, bool output) {
  RawConfig c;
  c.conn = parse_connection(cfg);
  c.query = non_empty(cfg, field::kQuery);
  c.args_mapping = cfg.optional_string(field::kArgsMapping);
  if (!output && cfg.has(field::kExecOnly)) c.exec_only = cfg.boolean(field::kExecOnly);
  if (cfg.has(field::kUnsafeDynamicQuery)) c.dynamic = cfg.boolean(field::kUnsafeDynamicQuery);
  if (!c.dynamic && c.query.find("${!") != std::string::npos)
    throw sdk::ConfigError("field /query: holds an interpolation `${! ... }` but "
                           "unsafe_dynamic_query is false; bind values with args_mapping and "
                           "$1, $2, ... instead");
  return c;
}

std::string insert_head(const InsertConfig& c) {
  std::string q;
  if (!c.prefix.empty()) q += c.prefix + " ";
  q += "INSERT INTO " + c.table + " (" + joined(c.columns) + ") VALUES ";
  return q;
}

std::string copy_statement(const InsertConfig& c) {
  return "COPY " + c.table + " (" + joined(c.columns) + ") FROM STDIN";
}

} // namespace plugctl::sql
