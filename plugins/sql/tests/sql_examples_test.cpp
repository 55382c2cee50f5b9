// The sql plugin's example configs (plugins/sql/examples/*.yaml) lint clean, and each one runs
// here against the test server (POSTGRES_DSN set for it), in a temp dir, with its result checked.
#include "sql_test_support.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <set>

namespace plugctl::test::sql {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string examples_dir() {
  return source_dir() + "/plugins/sql/examples";
}

std::vector<std::string> example_names() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(examples_dir()))
    if (e.path().extension() == ".yaml") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Example {
  const char* name;
  std::function<void(const std::string& dsn, TempDir&)> prepare;
  std::function<void(const std::string& dsn, TempDir&, const Exec&)> check;
};

const Example kExamples[] = {
    {"load_events.yaml",
     [](const std::string& dsn, TempDir& d) {
       psql(dsn, "DROP TABLE IF EXISTS example_events");
       fs::create_directory(d.file("in"));
       write_file(
           d.file("in/a.jsonl"),
           "{\"id\":1,\"kind\":\"signup\",\"body\":{\"plan\":\"pro\"},"
           "\"created_at\":\"2024-05-01T10:00:00Z\"}\n"
           "{\"id\":2,\"kind\":\"login\",\"body\":null,\"created_at\":\"2024-05-01T11:00:00Z\"}\n");
       // The same event twice: written once.
       write_file(
           d.file("in/b.jsonl"),
           "{\"id\":2,\"kind\":\"login\",\"body\":null,\"created_at\":\"2024-05-01T11:00:00Z\"}\n"
           "{\"id\":3,\"kind\":\"signup\",\"body\":{},\"created_at\":\"2024-05-02T09:30:00Z\"}\n");
     },
     [](const std::string& dsn, TempDir&, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       EXPECT_EQ(psql(dsn, "SELECT string_agg(id || ':' || kind || ':' || coalesce(body->>'plan', "
                           "'-'), ',' ORDER BY id) FROM example_events"),
                 "1:signup:pro,2:login:-,3:signup:-");
     }},
    {"export_table.yaml",
     [](const std::string& dsn, TempDir&) {
       psql(dsn, "DROP TABLE IF EXISTS example_events; CREATE TABLE example_events (id bigint "
                 "PRIMARY KEY, kind text, body jsonb, created_at timestamptz); INSERT INTO "
                 "example_events VALUES (2, 'signup', '{\"plan\": \"pro\"}', '2024-05-01 "
                 "10:00:00+00'), (1, 'signup', NULL, '2024-05-01 09:00:00.25+00'), (3, 'login', "
                 "'[]', NULL)");
     },
     [](const std::string&, TempDir& d, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       EXPECT_EQ(read_file(d.file("out/signups.jsonl")),
                 "{\"id\":1,\"kind\":\"signup\",\"body\":null,\"created_at\":\"2024-05-01T09:00:00."
                 "25Z\"}\n{\"id\":2,\"kind\":\"signup\",\"body\":{\"plan\": \"pro\"},"
                 "\"created_at\":\"2024-05-01T10:00:00Z\"}\n");
     }},
    {"dead_letter.yaml",
     [](const std::string& dsn, TempDir& d) {
       psql(dsn, "DROP TABLE IF EXISTS example_payments");
       fs::create_directory(d.file("in"));
       write_file(d.file("in/payments.jsonl"), "{\"id\":1,\"amount\":10.5}\n"
                                               "{\"id\":2,\"amount\":-3}\n"
                                               "{\"id\":1,\"amount\":99}\n"
                                               "{\"id\":3,\"amount\":0}\n");
     },
     [](const std::string& dsn, TempDir& d, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       EXPECT_EQ(psql(dsn, "SELECT string_agg(id || '=' || amount, ',' ORDER BY id) FROM "
                           "example_payments"),
                 "1=10.50,3=0.00");
       auto lines = read_lines(d.file("out/refused.jsonl"));
       ASSERT_EQ(lines.size(), 2u);
       std::sort(lines.begin(), lines.end());
       auto a = json::parse(lines[0]).as_object(), b = json::parse(lines[1]).as_object();
       EXPECT_EQ(a.at("amount"), json::value(-3)) << lines[0];
       EXPECT_NE(std::string(a.at("error").as_string()).find("SQLSTATE 23514"), std::string::npos);
       EXPECT_EQ(b.at("amount"), json::value(99)) << lines[1];
       EXPECT_NE(std::string(b.at("error").as_string()).find("SQLSTATE 23505"), std::string::npos);
     }},
    {"enrich.yaml",
     [](const std::string& dsn, TempDir& d) {
       psql(dsn, "DROP TABLE IF EXISTS example_customers; CREATE TABLE example_customers (id int "
                 "PRIMARY KEY, name text, tier text); INSERT INTO example_customers VALUES (7, "
                 "'Ann', 'gold')");
       fs::create_directory(d.file("in"));
       write_file(d.file("in/orders.jsonl"),
                  "{\"order\":1,\"customer_id\":7}\n{\"order\":2,\"customer_id\":8}\n");
     },
     [](const std::string&, TempDir& d, const Exec& e) {
       EXPECT_EQ(e.exit_code, 0) << e.err;
       auto lines = read_lines(d.file("out/orders.jsonl"));
       ASSERT_EQ(lines.size(), 2u);
       auto first = json::parse(lines[0]).as_object();
       EXPECT_EQ(first.at("customer"), json::parse(R"({"name":"Ann","tier":"gold"})"));
       auto second = json::parse(lines[1]).as_object();
       EXPECT_FALSE(second.contains("customer"));
       EXPECT_TRUE(second.contains("lookup_error")) << lines[1];
     }},
};

TEST(SqlExamples, LintClean) {
  auto names = example_names();
  ASSERT_FALSE(names.empty()) << "no examples found in " << examples_dir();
  for (const auto& name : names) {
    auto e = run_plugctl("lint " + examples_dir() + "/" + name);
    EXPECT_EQ(e.exit_code, 0) << name << ":\n" << e.out << e.err;
    EXPECT_EQ(e.out, "") << name;
  }
}

TEST(SqlExamples, EveryExampleHasARunCheck) {
  std::set<std::string> known;
  for (const auto& x : kExamples)
    known.insert(x.name);
  for (const auto& name : example_names())
    EXPECT_TRUE(known.count(name)) << name << " is not run by any test: add it to kExamples";
}

class SqlExamplesRun : public SqlTest {};

TEST_F(SqlExamplesRun, AgainstTheTestServer) {
  for (const auto& x : kExamples) {
    SCOPED_TRACE(x.name);
    TempDir dir;
    fs::copy_file(examples_dir() + "/" + x.name, dir.file(x.name));
    x.prepare(dsn_, dir);
    auto e = run_plugctl("run " + std::string(x.name), "",
                         "cd " + dir.path().string() + " && POSTGRES_DSN=" + shell_quote(dsn_) +
                             " timeout 120");
    EXPECT_NE(e.exit_code, 124) << "the example did not finish by itself";
    x.check(dsn_, dir, e);
  }
}

} // namespace
} // namespace plugctl::test::sql
