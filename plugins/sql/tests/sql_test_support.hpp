// Helpers of the sql plugin's tests: the throw-away PostgreSQL server that
// tests/services/postgres.sh starts (its DSN from the state file), psql for setup and checks,
// and running plugctl on a config.
#pragma once

#include "support/support.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace plugctl::test::sql {

inline std::string services_dir() {
  const char* d = std::getenv("PLUGCTL_SERVICES_DIR");
  return d != nullptr && *d != '\0' ? std::string(d) : source_dir() + "/.services";
}

// The DSN of the test server, or "" when it is not running (the fixture fails the test).
inline std::string postgres_dsn() {
  if (const char* d = std::getenv("PLUGCTL_POSTGRES_DSN"); d != nullptr && *d != '\0') return d;
  std::ifstream in(services_dir() + "/postgres.env");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("POSTGRES_DSN=", 0) == 0) return line.substr(13);
  return "";
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  return out + "'";
}

// Runs SQL through psql (unaligned, tuples only); throws with psql's error on failure.
inline std::string psql(const std::string& dsn, const std::string& sql) {
  TempDir tmp;
  std::string script = tmp.file("q.sql"), out = tmp.file("out"), err = tmp.file("err");
  write_file(script, sql);
  std::string cmd = "psql " + shell_quote(dsn) + " -XAtq -v ON_ERROR_STOP=1 -f " + script + " >" +
                    out + " 2>" + err;
  int rc = std::system(cmd.c_str());
  if (rc != 0) throw std::runtime_error("psql failed: " + read_file(err) + "\nSQL: " + sql);
  std::string r = read_file(out);
  while (!r.empty() && r.back() == '\n')
    r.pop_back();
  return r;
}

// tests/services/postgres.sh VERB for the server whose state lives in `state_dir`: start, stop,
// pause (stops the server keeping its data), resume (starts it again on the same port).
inline void service(const std::string& state_dir, const std::string& verb) {
  std::string cmd = "PLUGCTL_SERVICES_DIR=" + shell_quote(state_dir) + " " + source_dir() +
                    "/tests/services/postgres.sh " + verb + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("postgres.sh " + verb + " failed");
}

// A PostgreSQL server of its own, for a test that stops it (the shared one serves the tests
// running beside it). Started on construction, removed on destruction.
class PrivateServer {
public:
  PrivateServer() {
    service(state_.path().string(), "start");
    std::ifstream in(state_.file("postgres.env"));
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("POSTGRES_DSN=", 0) == 0) dsn_ = line.substr(13);
    if (dsn_.empty()) throw std::runtime_error("the private PostgreSQL server wrote no DSN");
  }
  ~PrivateServer() {
    try {
      service(state_.path().string(), "stop");
    } catch (...) {}
  }
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;
  const std::string& dsn() const { return dsn_; }
  void pause() { service(state_.path().string(), "pause"); }
  void resume() { service(state_.path().string(), "resume"); }

private:
  TempDir state_;
  std::string dsn_;
};

// A fixture that fails clearly when the server is missing and gives each test its own table
// name.
class SqlTest : public ::testing::Test {
protected:
  void SetUp() override {
    dsn_ = postgres_dsn();
    if (dsn_.empty())
      GTEST_FAIL() << "PostgreSQL is not running: start it with `tests/services/postgres.sh "
                      "start` (`make test` does it through scripts/test-services.sh), or set "
                      "PLUGCTL_POSTGRES_DSN. Looked for "
                   << services_dir() << "/postgres.env";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    table_ = "t_";
    for (char c : std::string(info->name()))
      table_.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    table_ = table_.substr(0, 50);
    psql(dsn_, "DROP TABLE IF EXISTS " + table_ + " CASCADE");
  }
  std::string sql(const std::string& q) const { return psql(dsn_, q); }
  long count(const std::string& where = "") const {
    return std::stol(
        sql("SELECT count(*) FROM " + table_ + (where.empty() ? "" : " WHERE " + where)));
  }
  // `driver` and `dsn` lines indented by `indent` spaces.
  std::string conn(int indent = 4) const {
    std::string pad(static_cast<size_t>(indent), ' ');
    return pad + "driver: postgres\n" + pad + "dsn: \"" + dsn_ + "\"\n";
  }
  // Runs `plugctl run` on the config (written to a temp file); `prefix` goes before the binary
  // (e.g. "timeout -s INT 5" for a pipeline that never ends on its own).
  Exec run(const std::string& yaml, const std::string& prefix = "") const {
    std::string path = dir_.file("config.yaml");
    write_file(path, yaml);
    return run_plugctl("run " + path, "", prefix);
  }

  std::string dsn_;
  std::string table_;
  TempDir dir_;
};

} // namespace plugctl::test::sql
