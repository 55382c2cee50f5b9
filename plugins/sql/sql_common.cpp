#include "sql_common.hpp"

#include <stdexcept>

namespace plugctl::sql {

void eval_args(const sdk::Mapping& mapping, const sdk::ConstBatch& batch, size_t i,
               sdk::Buffer& buf, std::vector<Param>& out) {
  std::optional<std::string_view> json;
  try {
    json = mapping.eval(batch, i, buf);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("args_mapping failed: ") + e.what());
  }
  if (!json)
    throw std::runtime_error("args_mapping failed: " + std::string(buf.data()) +
                             " (it must return an array)");
  try {
    parse_args(*json, out);
  } catch (const std::exception& e) {
    throw std::runtime_error(e.what());
  }
}

std::vector<Param> eval_args_once(const sdk::Mapping& mapping) {
  sdk::OwnedBatch batch(1);
  batch.push(std::string_view());
  sdk::Buffer buf;
  std::vector<Param> out;
  eval_args(mapping, batch, 0, buf, out);
  return out;
}

std::string field_error(const DbError& e) {
  std::string what = e.what();
  const std::string& st = e.sqlstate();
  auto starts = [&](const char* p) { return what.rfind(p, 0) == 0; };
  if (starts("init_statement: ")) return "field /init_statement: " + what.substr(16);
  if (starts("init_files: ")) return "field /init_files: " + what.substr(12);
  if (st == "42P01" || st == "3F000") return "field /table: " + what;
  if (st == "42703") return "field /columns: " + what;
  if (st.empty() || st.compare(0, 2, "08") == 0 || st.compare(0, 2, "28") == 0 || st == "3D000")
    return "field /dsn: " + what;
  return what;
}

void JsonRows::columns(const std::vector<Column>& cols) {
  cols_ = cols;
  keys_.clear();
  for (const auto& c : cols_) {
    std::string k;
    append_json_string(k, c.name);
    k.push_back(':');
    keys_.push_back(std::move(k));
  }
}

void JsonRows::row(const std::vector<std::optional<std::string_view>>& values) {
  std::string out;
  out.reserve(64);
  out.push_back('{');
  for (size_t c = 0; c < values.size() && c < cols_.size(); ++c) {
    if (c > 0) out.push_back(',');
    out += keys_[c];
    append_json_column(out, cols_[c].type, values[c]);
  }
  out.push_back('}');
  rows_.push_back(std::move(out));
}

std::string JsonRows::array() const {
  std::string out = "[";
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += rows_[i];
  }
  out.push_back(']');
  return out;
}

void rollback_quietly(Connection& conn) {
  try {
    if (conn.ok()) conn.exec_script("ROLLBACK");
  } catch (...) { // the transaction is gone with the connection anyway
  }
}

void run_isolated(Connection& conn, size_t n, const std::function<void(size_t)>& stmt,
                  std::vector<std::pair<size_t, std::string>>& failed) {
  conn.exec_script("BEGIN");
  try {
    for (size_t k = 0; k < n; ++k) {
      conn.exec_script("SAVEPOINT plugctl_row");
      try {
        stmt(k);
      } catch (const DbError& e) {
        if (!e.row_error()) throw;
        conn.exec_script("ROLLBACK TO SAVEPOINT plugctl_row");
        failed.emplace_back(k, e.what());
        continue;
      } catch (const std::exception& e) { // a value that cannot be bound
        conn.exec_script("ROLLBACK TO SAVEPOINT plugctl_row");
        failed.emplace_back(k, e.what());
        continue;
      }
      conn.exec_script("RELEASE SAVEPOINT plugctl_row");
    }
    conn.exec_script("COMMIT");
  } catch (...) {
    rollback_quietly(conn);
    throw;
  }
}

} // namespace plugctl::sql
