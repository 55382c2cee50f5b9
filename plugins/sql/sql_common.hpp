// Pieces the sql components share: the args of a message, rows as JSON, errors that name the
// config field at fault, and per-row isolation of a failed batch.
#pragma once

#include "sql_config.hpp"
#include "sql_driver.hpp"
#include "sql_value.hpp"

#include <functional>
#include <optional>
#include <plugctl/sdk.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace plugctl::sql {

// Runs args_mapping on message i of the batch into `out`. Throws std::runtime_error naming
// args_mapping when it fails, deletes the message or returns something other than an array.
void eval_args(const sdk::Mapping& mapping, const sdk::ConstBatch& batch, size_t i,
               sdk::Buffer& buf, std::vector<Param>& out);

// The error of a failed args_mapping evaluation ("args_mapping failed: ...").
std::runtime_error args_error(std::string_view what);

// Runs args_mapping once without a message (for inputs: `root = [ now() ]`).
std::vector<Param> eval_args_once(const sdk::Mapping& mapping);

// The text of a connection or setup failure, naming the field most likely at fault:
// "field /table: relation "x" does not exist (SQLSTATE 42P01)".
std::string field_error(const DbError& e);

// Collects rows as JSON objects ({"column": value, ...}) with their types.
class JsonRows : public RowSink {
public:
  void columns(const std::vector<Column>& cols) override;
  void row(const std::vector<std::optional<std::string_view>>& values) override;
  // Every row as one JSON object, in order.
  std::vector<std::string>& rows() { return rows_; }
  // All rows as one JSON array.
  std::string array() const;
  void clear() { rows_.clear(); }

private:
  std::vector<Column> cols_;
  std::vector<std::string> keys_; // each column name as a quoted JSON key with its colon
  std::vector<std::string> rows_;
};

// Runs stmt(k) for every k in [0, n) in one transaction, each under its own savepoint: a row
// whose statement fails with a row error (constraint violation, bad value) is rolled back alone
// and reported in `failed` with its error; the others commit. Any other error rolls the whole
// transaction back and is thrown.
void run_isolated(Connection& conn, size_t n, const std::function<void(size_t)>& stmt,
                  std::vector<std::pair<size_t, std::string>>& failed);

// ROLLBACK, ignoring a failure (the connection may be gone).
void rollback_quietly(Connection& conn);

} // namespace plugctl::sql
