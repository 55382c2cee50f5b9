#include "sql_common.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace plugctl::sql {

namespace {

// The typed values of host ABI 1.2 into parameters: no JSON text in between.
void values_to_params(const std::vector<plugctl_value>& values, std::string_view text,
                      std::vector<Param>& out) {
  out.resize(values.size());
  char num[32];
  for (size_t k = 0; k < values.size(); ++k) {
    const plugctl_value& v = values[k];
    Param& p = out[k];
    p.text.clear();
    switch (v.type) {
    case PLUGCTL_VALUE_NULL:
      p.kind = Param::Kind::Null;
      break;
    case PLUGCTL_VALUE_BOOL:
      p.kind = Param::Kind::Bool;
      p.text = v.num.i != 0 ? "true" : "false";
      break;
    case PLUGCTL_VALUE_INT: {
      p.kind = Param::Kind::Number;
      auto r = std::to_chars(num, num + sizeof num, v.num.i);
      p.text.assign(num, r.ptr);
      break;
    }
    case PLUGCTL_VALUE_UINT: {
      p.kind = Param::Kind::Number;
      auto r = std::to_chars(num, num + sizeof num, v.num.u);
      p.text.assign(num, r.ptr);
      break;
    }
    case PLUGCTL_VALUE_FLOAT:
      if (!std::isfinite(v.num.f)) { // JSON has no NaN/Inf: null, as through JSON text
        p.kind = Param::Kind::Null;
        break;
      }
      p.kind = Param::Kind::Number;
      append_number(p.text, v.num.f);
      break;
    case PLUGCTL_VALUE_STRING:
    case PLUGCTL_VALUE_TIMESTAMP:
      p.kind = Param::Kind::String;
      p.text.assign(text.substr(v.offset, v.len));
      break;
    case PLUGCTL_VALUE_BYTES: // as in JSON text: base64 (a bytea column decodes it)
      p.kind = Param::Kind::String;
      p.text = base64_encode(text.substr(v.offset, v.len));
      break;
    default: // JSON, and codes of later minors
      p.kind = Param::Kind::Json;
      p.text.assign(text.substr(v.offset, v.len));
      break;
    }
  }
}

} // namespace

std::runtime_error args_error(std::string_view what) {
  return std::runtime_error("args_mapping failed: " + std::string(what) +
                            (what.ends_with("not an array") ? " (it must return an array)" : ""));
}

void eval_args(const sdk::Mapping& mapping, const sdk::ConstBatch& batch, size_t i,
               sdk::Buffer& buf, std::vector<Param>& out) {
  if (sdk::Mapping::has_values()) {
    thread_local std::vector<plugctl_value> tls_values;
    std::vector<plugctl_value>& values = tls_values;
    bool mapped;
    try {
      mapped = mapping.eval_values(batch, i, values, buf);
    } catch (const std::exception& e) {
      throw args_error(e.what());
    }
    if (!mapped)
      throw std::runtime_error("args_mapping failed: " + std::string(buf.data()) +
                               " (it must return an array)");
    values_to_params(values, buf.data(), out);
    return;
  }
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
    if (cols_[c].type == ColumnType::Array && values[c])
      append_json_array(out, cols_[c].element, *values[c]);
    else
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
