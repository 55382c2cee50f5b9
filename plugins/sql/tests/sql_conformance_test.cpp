// The sql components join the plugin conformance kit (tests/conformance/kit.hpp), against the
// test server of tests/services/postgres.sh.
#include "conformance/kit.hpp"
#include "sql_test_support.hpp"

#include <cstdlib>
#include <gtest/gtest.h>
#include <stdexcept>

namespace plugctl::conformance {
namespace {

// The DSN, or a clear failure when the server is not running.
std::string dsn() {
  std::string d = test::sql::postgres_dsn();
  if (d.empty())
    throw std::runtime_error("PostgreSQL is not running: start it with "
                             "`tests/services/postgres.sh start` (make test does)");
  return d;
}

// A table name of its own for each temp dir.
std::string table_for(const TempDir& dir) {
  std::string t = "conf_";
  for (char c : dir.path().filename().string())
    t.push_back(std::isalnum(static_cast<unsigned char>(c))
                    ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                    : '_');
  return t;
}

std::string connection(const std::string& indent) {
  return indent + "driver: postgres\n" + indent + "dsn: \"" + dsn() + "\"\n";
}

OutputFixture sql_insert_fixture() {
  OutputFixture f;
  f.component = "sql_insert";
  f.plugin_dir = test::plugin_dir();
  f.setup = [](TempDir& dir) {
    const std::string t = table_for(dir);
    test::sql::psql(dsn(), "DROP TABLE IF EXISTS " + t + "; CREATE TABLE " + t +
                               " (id bigserial PRIMARY KEY, payload text)");
    return "sql_insert:\n" + connection("  ") + "  table: " + t +
           "\n  columns: [ payload ]\n  args_mapping: root = [ content().string() ]\n  "
           "max_in_flight: 1\n";
  };
  f.read_back = [](TempDir& dir) {
    const std::string t = table_for(dir);
    std::string all = test::sql::psql(dsn(), "SELECT payload FROM " + t + " ORDER BY id");
    test::sql::psql(dsn(), "DROP TABLE " + t);
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= all.size() && !all.empty()) {
      size_t nl = all.find('\n', start);
      out.push_back(all.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out;
  };
  return f;
}

InputFixture sql_select_fixture() {
  InputFixture f;
  f.component = "sql_select";
  f.plugin_dir = test::plugin_dir();
  f.payload = [](size_t i) { return "{\"n\":" + std::to_string(i) + "}"; };
  f.setup = [](TempDir& dir, const std::vector<std::string>& payloads) {
    const std::string t = table_for(dir);
    test::sql::psql(dsn(), "DROP TABLE IF EXISTS " + t + "; CREATE TABLE " + t +
                               " (n int); INSERT INTO " + t + " SELECT generate_series(0, " +
                               std::to_string(static_cast<long>(payloads.size()) - 1) + ")");
    return "sql_select:\n" + connection("  ") + "  table: " + t +
           "\n  columns: [ n ]\n  suffix: ORDER BY n\n  fetch_size: 7\n";
  };
  return f;
}

// The processor's YAML is fixed when the tests register, before any test runs: the DSN comes
// from the environment when the config is read.
ProcessorFixture sql_raw_fixture() {
  if (std::getenv("PLUGCTL_POSTGRES_DSN") == nullptr) {
    std::string d = test::sql::postgres_dsn();
    if (!d.empty()) ::setenv("PLUGCTL_POSTGRES_DSN", d.c_str(), 0);
  }
  ProcessorFixture f;
  f.component = "sql_raw";
  f.plugin_dir = test::plugin_dir();
  f.yaml = "sql_raw:\n  driver: postgres\n"
           "  dsn: \"${PLUGCTL_POSTGRES_DSN:host=/postgres-not-running-see-tests/services}\"\n"
           "  query: SELECT $1::text AS v, length($1) AS n\n"
           "  args_mapping: root = [ content().string() ]\n";
  f.expect = [](const std::string& in) {
    std::string s = "[{\"v\":\"";
    size_t chars = 0;
    for (unsigned char c : in) {
      if ((c & 0xC0) != 0x80) ++chars;
      if (c == '"' || c == '\\') s.push_back('\\');
      if (c == '\t') {
        s += "\\t";
        continue;
      }
      s.push_back(static_cast<char>(c));
    }
    return s + "\",\"n\":" + std::to_string(chars) + "}]";
  };
  return f;
}

} // namespace

PLUGCTL_CONFORMANCE_OUTPUT(SqlInsert, sql_insert_fixture());
PLUGCTL_CONFORMANCE_INPUT(SqlSelect, sql_select_fixture());
PLUGCTL_CONFORMANCE_PROCESSOR(SqlRawProcessor, sql_raw_fixture());

} // namespace plugctl::conformance
