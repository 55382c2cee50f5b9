// The sql plugin against a real PostgreSQL server (tests/services/postgres.sh): a 100,000-row
// round trip with every type, SQL injection attempts, the server going away mid-run, constraint
// violations routed with fallback, and the errors of bad configs.
#include "sql_test_support.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

namespace plugctl::test::sql {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string b64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

// Row i of the round trip, as the input document and as sql_select must give it back.
json::object mixed_row(int i) {
  json::object o;
  o["id"] = i;
  // Quotes, backslashes, tabs, newlines, non-ASCII: COPY and JSON escaping both matter.
  o["name"] = "name " + std::to_string(i) + " \"q\" \\ \t tab\nline ü €";
  o["score"] = i * 0.25 - 1000.5;
  o["n"] = (i % 2001) - 1000;
  o["flag"] = i % 3 == 0;
  char ts[64];
  std::snprintf(ts, sizeof ts, "2024-%02d-%02dT%02d:%02d:%02d.%06dZ", 1 + i % 12, 1 + i % 28,
                i % 24, i % 60, (i / 60) % 60, (i % 99999) * 10 + 1);
  o["created"] = ts;
  o["doc"] = json::parse(R"({"a":)" + std::to_string(i) +
                         R"(,"b":[1,"x",null,true],"c":{"d":"é","e":-2.5}})");
  std::string raw;
  for (int k = 0; k < 12; ++k)
    raw.push_back(static_cast<char>((i * 31 + k * 17) & 0xFF));
  o["raw"] = b64(raw);
  if (i % 5 == 0)
    o["note"] = nullptr;
  else
    o["note"] = "note-" + std::to_string(i);
  o["amount"] = 1234567.25 + i;
  return o;
}

constexpr const char* kMixedColumns =
    "[ id, name, score, n, flag, created, doc, raw, note, amount ]";
constexpr const char* kMixedArgs =
    "root = [ this.id, this.name, this.score, this.n, this.flag, this.created, this.doc, "
    "this.raw, this.note, this.amount ]";

// Runs that never end by themselves are stopped by SIGINT; they should not wait 20 s for the
// message that cannot be written.
constexpr const char* kQuickStop = "shutdown_timeout: 1s\n";

class SqlPostgres : public SqlTest {
protected:
  void create_mixed_table() {
    sql("CREATE TABLE " + table_ +
        " (id bigint PRIMARY KEY, name text, score double precision, n integer, flag boolean, "
        "created timestamptz, doc jsonb, raw bytea, note text, amount numeric(12,2))");
  }
  std::string lines_file(int n, const std::function<json::object(int)>& row) {
    std::string path = dir_.file("in.jsonl");
    std::string data;
    for (int i = 0; i < n; ++i)
      data += json::serialize(row(i)) + "\n";
    write_file(path, data);
    return path;
  }
  std::string file_input(const std::string& path) const {
    return "input:\n  file:\n    paths: [ \"" + path + "\" ]\n";
  }
};

TEST_F(SqlPostgres, RoundTripOf100kMixedRowsKeepsEveryValueAndType) {
  create_mixed_table();
  const int n = 100000;
  std::string in = lines_file(n, mixed_row);
  auto ins = run(file_input(in) + "output:\n  sql_insert:\n" + conn() + "    table: " + table_ +
                 "\n    columns: " + kMixedColumns + "\n    args_mapping: '" + kMixedArgs +
                 "'\n    batching:\n      count: 1000\n");
  ASSERT_EQ(ins.exit_code, 0) << ins.err;
  ASSERT_EQ(count(), n);
  // Spot checks of the stored values, as PostgreSQL sees them.
  EXPECT_EQ(
      sql("SELECT name, flag, note IS NULL, doc->'c'->>'d', encode(raw, 'hex') FROM " + table_ +
          " WHERE id = 10"),
      "name 10 \"q\" \\ \t tab\nline ü €|f|t|é|" + [] {
        std::string h;
        char b[3];
        for (int k = 0; k < 12; ++k) {
          std::snprintf(b, sizeof b, "%02x", (10 * 31 + k * 17) & 0xFF);
          h += b;
        }
        return h;
      }());

  std::string out = dir_.file("out.jsonl");
  auto sel = run("input:\n  sql_select:\n" + conn() + "    table: " + table_ +
                 "\n    columns: [ '*' ]\n    suffix: ORDER BY id\n"
                 "output:\n  file:\n    path: \"" +
                 out + "\"\n");
  ASSERT_EQ(sel.exit_code, 0) << sel.err;
  auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(n));
  int mismatches = 0;
  for (int i = 0; i < n; ++i) {
    json::value got = json::parse(lines[static_cast<size_t>(i)]);
    json::object want = mixed_row(i);
    ASSERT_TRUE(got.is_object()) << lines[static_cast<size_t>(i)];
    const auto& g = got.get_object();
    ASSERT_EQ(g.size(), want.size()) << lines[static_cast<size_t>(i)];
    for (const auto& kv : want) {
      const json::value* v = g.if_contains(kv.key());
      ASSERT_NE(v, nullptr) << kv.key();
      bool same = *v == kv.value();
      // Numbers: an integral double (a whole score) may come back as an integer.
      if (!same && v->is_number() && kv.value().is_number())
        same = v->to_number<double>() == kv.value().to_number<double>() &&
               (kv.key() != "id" && kv.key() != "n");
      if (!same && mismatches++ < 10)
        ADD_FAILURE() << "row " << i << " column " << kv.key() << ": got " << json::serialize(*v)
                      << ", want " << json::serialize(kv.value());
    }
    // Types preserved: integers stay integers, booleans booleans, documents documents.
    if (i == 7) {
      EXPECT_TRUE(g.at("id").is_int64());
      EXPECT_TRUE(g.at("n").is_int64());
      EXPECT_TRUE(g.at("flag").is_bool());
      EXPECT_TRUE(g.at("doc").is_object());
      EXPECT_TRUE(g.at("score").is_double());
      EXPECT_TRUE(g.at("note").is_string());
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// Arrays: JSON arrays go into array columns (COPY and INSERT), and come back as JSON arrays of
// typed elements.
TEST_F(SqlPostgres, ArrayColumnsRoundTripAsJsonArrays) {
  sql("CREATE TABLE " + table_ +
      " (id int PRIMARY KEY, ints bigint[], words text[], grid float8[][], docs jsonb[], "
      "flags boolean[])");
  const std::vector<std::string> rows = {
      R"({"id":1,"ints":[1,2,null,-4],"words":["a b","q\"uote","back\\slash",null,"NULL","{}"],)"
      R"("grid":[[1.5,-2],[300,0.25]],"docs":[{"k":[1,"x"]},{"e":{}}],"flags":[true,false]})",
      R"({"id":2,"ints":[],"words":["é €"],"grid":[],"docs":[],"flags":null})"};
  std::string in = dir_.file("in.jsonl");
  write_file(in, rows[0] + "\n" + rows[1] + "\n");
  const std::string args = "root = [ this.id, this.ints, this.words, this.grid, this.docs, "
                           "this.flags ]";
  // COPY (no suffix), then INSERT (suffix) of the same rows into a second table.
  for (const std::string suffix : {"", "    suffix: ON CONFLICT DO NOTHING\n"}) {
    if (!suffix.empty()) sql("TRUNCATE " + table_);
    auto ins = run(file_input(in) + "output:\n  sql_insert:\n" + conn() + "    table: " + table_ +
                   "\n    columns: [ id, ints, words, grid, docs, flags ]\n    args_mapping: '" +
                   args + "'\n" + suffix);
    ASSERT_EQ(ins.exit_code, 0) << ins.err;
    EXPECT_EQ(sql("SELECT ints[4], words[2], words[4] IS NULL, grid[2][1], docs[1]->'k'->>1, "
                  "array_length(ints, 1), flags IS NULL FROM " +
                  table_ + " ORDER BY id"),
              "-4|q\"uote|t|300|x|4|f\n||t||||t")
        << (suffix.empty() ? "COPY" : "INSERT");
    std::string out = dir_.file("out.jsonl");
    std::remove(out.c_str());
    auto sel = run("input:\n  sql_select:\n" + conn() + "    table: " + table_ +
                   "\n    columns: [ '*' ]\n    suffix: ORDER BY id\n"
                   "output:\n  file:\n    path: \"" +
                   out + "\"\n");
    ASSERT_EQ(sel.exit_code, 0) << sel.err;
    auto lines = read_lines(out);
    ASSERT_EQ(lines.size(), 2u);
    for (size_t k = 0; k < 2; ++k)
      EXPECT_EQ(json::parse(lines[k]), json::parse(rows[k])) << lines[k];
  }
}

TEST_F(SqlPostgres, SqlInjectionAttemptsArriveAsData) {
  const std::string victim = table_ + "_victim";
  sql("DROP TABLE IF EXISTS " + victim + "; CREATE TABLE " + victim + " (x int); CREATE TABLE " +
      table_ + " (id int PRIMARY KEY, name text)");
  const std::string evil = "'); DROP TABLE " + victim + "; --";
  std::string in = dir_.file("in.jsonl");
  std::string data;
  for (int i = 0; i < 4; ++i)
    data += json::serialize(json::object{{"id", i}, {"name", evil + std::to_string(i)}}) + "\n";
  write_file(in, data);
  // COPY (no suffix) and INSERT (with a suffix), then sql_raw as output and as processor.
  for (const char* suffix : {"", "    suffix: ON CONFLICT (id) DO NOTHING\n"}) {
    sql("TRUNCATE " + table_);
    auto r = run("input:\n  file:\n    paths: [ \"" + in + "\" ]\noutput:\n  sql_insert:\n" +
                 conn() + "    table: " + table_ +
                 "\n    columns: [ id, name ]\n    args_mapping: root = [ this.id, this.name ]\n" +
                 suffix);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(sql("SELECT name FROM " + table_ + " WHERE id = 2"), evil + "2");
    EXPECT_EQ(count(), 4);
  }
  sql("TRUNCATE " + table_);
  auto raw = run("input:\n  file:\n    paths: [ \"" + in + "\" ]\noutput:\n  sql_raw:\n" + conn() +
                 "    query: INSERT INTO " + table_ +
                 " (id, name) VALUES ($1, $2)\n    args_mapping: root = [ this.id, this.name ]\n");
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(sql("SELECT name FROM " + table_ + " WHERE id = 3"), evil + "3");
  std::string out = dir_.file("out.txt");
  auto proc = run("input:\n  file:\n    paths: [ \"" + in +
                  "\" ]\npipeline:\n  processors:\n    - sql_raw:\n" + conn(8) +
                  "        query: SELECT name FROM " + table_ +
                  " WHERE name = $1\n        args_mapping: root = [ this.name ]\n"
                  "output:\n  file:\n    path: \"" +
                  out + "\"\n");
  ASSERT_EQ(proc.exit_code, 0) << proc.err;
  auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(json::parse(lines[1]),
            json::parse(json::serialize(json::array{json::object{{"name", evil + "1"}}})));
  EXPECT_EQ(sql("SELECT count(*) FROM " + victim), "0") << "the victim table is gone";
  sql("DROP TABLE " + victim);
}

TEST_F(SqlPostgres, ServerStoppedMidInsertAndRestartedEveryRowExactlyOnce) {
  // A server of its own: stopping the shared one would fail the tests running beside this one.
  PrivateServer server;
  dsn_ = server.dsn();
  sql("CREATE TABLE " + table_ + " (id bigint PRIMARY KEY, v text)");
  const int n = 150000;
  std::string in = dir_.file("in.jsonl");
  std::string data;
  for (int i = 0; i < n; ++i)
    data += "{\"id\":" + std::to_string(i) + ",\"v\":\"value " + std::to_string(i) + "\"}\n";
  write_file(in, data);
  Exec result;
  std::atomic<bool> finished{false};
  std::thread runner([&] {
    result = run("input:\n  file:\n    paths: [ \"" + in + "\" ]\noutput:\n  sql_insert:\n" +
                 conn() + "    table: " + table_ +
                 "\n    columns: [ id, v ]\n    args_mapping: root = [ this.id, this.v ]\n"
                 "    suffix: ON CONFLICT (id) DO NOTHING\n    max_in_flight: 2\n"
                 "    batching:\n      count: 200\n");
    finished = true;
  });
  // Stop the server once the first rows are in, while the run goes on.
  long seen = 0;
  for (int k = 0; k < 2000 && seen == 0 && !finished; ++k) {
    std::this_thread::sleep_for(10ms);
    try {
      seen = count();
    } catch (...) {}
  }
  bool stopped_mid_run = false;
  if (!finished && seen < n) {
    server.pause();
    stopped_mid_run = true;
    std::this_thread::sleep_for(3s);
    server.resume();
  }
  runner.join();
  EXPECT_TRUE(stopped_mid_run) << "the insert run finished before the server could be stopped";
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count(), n);
  EXPECT_EQ(sql("SELECT count(DISTINCT id) FROM " + table_), std::to_string(n));
  EXPECT_EQ(sql("SELECT count(*) FROM " + table_ + " WHERE v <> 'value ' || id"), "0");
  // The logs say what happened: the failures with their reason, then the reconnection.
  EXPECT_NE(result.err.find("failed to write"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("again after"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("Segmentation"), std::string::npos);
}

TEST_F(SqlPostgres, ConstraintViolationFailsOnlyItsRowWithTheSqlStateForFallback) {
  sql("CREATE TABLE " + table_ + " (id int PRIMARY KEY, v int CHECK (v >= 0))");
  sql("INSERT INTO " + table_ + " VALUES (3, 3)");
  std::string in = dir_.file("in.jsonl");
  // id 3 exists already; v -1 breaks the check; "x" is not an integer.
  write_file(in, "{\"id\":1,\"v\":1}\n{\"id\":2,\"v\":2}\n{\"id\":3,\"v\":3}\n"
                 "{\"id\":4,\"v\":-1}\n{\"id\":5,\"v\":\"x\"}\n{\"id\":6,\"v\":6}\n");
  std::string dead = dir_.file("dead.txt");
  for (std::string suffix : {"", "        suffix: RETURNING id\n"}) {
    sql("DELETE FROM " + table_ + " WHERE id <> 3");
    std::remove(dead.c_str());
    auto r = run("input:\n  file:\n    paths: [ \"" + in +
                 "\" ]\noutput:\n  fallback:\n    - sql_insert:\n" + conn(8) +
                 "        table: " + table_ +
                 "\n        columns: [ id, v ]\n        args_mapping: root = [ this.id, this.v ]\n"
                 "        batching:\n          count: 6\n" +
                 suffix + "    - file:\n        path: \"" + dead +
                 "\"\n        codec: lines\n      processors:\n"
                 "        - mapping: 'root = this.id.string() + \" \" + @fallback_error'\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM " + table_), "1,2,3,6");
    auto lines = read_lines(dead);
    ASSERT_EQ(lines.size(), 3u) << read_file(dead);
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines[0].rfind("3 ", 0), 0u);
    EXPECT_NE(lines[0].find("SQLSTATE 23505"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("Key (id)=(3) already exists"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("SQLSTATE 23514"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("SQLSTATE 22P02"), std::string::npos) << lines[2];
  }
}

// Concurrent COPY batches are written together (group commit); a bad row in such a group must
// still fail alone, every other row of every batch being written once.
TEST_F(SqlPostgres, BadRowAmongConcurrentCopyBatchesFailsAlone) {
  sql("CREATE TABLE " + table_ + " (id int PRIMARY KEY)");
  std::string in = dir_.file("in.jsonl");
  std::string data;
  for (int i = 0; i < 5000; ++i)
    data += "{\"id\":" + std::to_string(i == 3210 ? 77 : i) + "}\n"; // 77 twice
  write_file(in, data);
  std::string dead = dir_.file("dead.txt");
  auto r =
      run("input:\n  file:\n    paths: [ \"" + in +
          "\" ]\noutput:\n  fallback:\n    - sql_insert:\n" + conn(8) + "        table: " + table_ +
          "\n        columns: [ id ]\n        args_mapping: root = [ this.id ]\n"
          "        max_in_flight: 8\n        batching:\n          count: 100\n"
          "    - file:\n        path: \"" +
          dead + "\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(), 4999);
  EXPECT_EQ(read_file(dead), "{\"id\":77}\n");
}

TEST_F(SqlPostgres, WrongColumnCountFailsTheMessageNamingTheFields) {
  sql("CREATE TABLE " + table_ + " (id int, a text, b text)");
  std::string in = dir_.file("in.jsonl");
  write_file(in, "{\"id\":1}\n");
  std::string dead = dir_.file("dead.txt");
  auto r =
      run("input:\n  file:\n    paths: [ \"" + in +
          "\" ]\noutput:\n  fallback:\n    - sql_insert:\n" + conn(8) + "        table: " + table_ +
          "\n        columns: [ id, a, b ]\n        args_mapping: root = [ this.id, "
          "\"x\" ]\n    - file:\n        path: \"" +
          dead + "\"\n      processors:\n        - mapping: 'root = @fallback_error'\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dead), "sql_insert into " + table_ +
                                 ": args_mapping returned 2 value(s) but columns lists 3 (id, a, "
                                 "b)\n");
  EXPECT_EQ(count(), 0);
}

TEST_F(SqlPostgres, BadDsnIsAConfigErrorNamingTheField) {
  auto r = run("input:\n  generate:\n    count: 1\n    mapping: root = {}\noutput:\n  sql_insert:\n"
               "    driver: postgres\n    dsn: \"postgres://localhost/db?bogus_option=1\"\n"
               "    table: t\n    columns: [ a ]\n    args_mapping: root = [ 1 ]\n");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("field /dsn: invalid PostgreSQL connection string"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bogus_option"), std::string::npos) << r.err;
}

TEST_F(SqlPostgres, UnreachableServerAndMissingTableAreRetriedWithErrorsNamingTheField) {
  // Nothing listens on port 1: connecting fails, is logged naming dsn, and retried.
  auto down = run("input:\n  generate:\n    count: 1\n    mapping: root = {}\noutput:\n"
                  "  sql_insert:\n    driver: postgres\n"
                  "    dsn: \"postgres://postgres:hunter2@127.0.0.1:1/db?connect_timeout=2\"\n"
                  "    table: t\n    columns: [ a ]\n    args_mapping: root = [ 1 ]\n" +
                      std::string(kQuickStop),
                  "timeout -s INT 3");
  EXPECT_NE(down.err.find("field /dsn: cannot connect to postgres://postgres:***@127.0.0.1:1/db"),
            std::string::npos)
      << down.err;
  EXPECT_EQ(down.err.find("hunter2"), std::string::npos) << "the password was logged";

  // Log lines are logfmt: the quotes around names come escaped.
  auto missing = run("input:\n  generate:\n    count: 1\n    mapping: root = {}\noutput:\n"
                     "  sql_insert:\n" +
                         conn() + "    table: " + table_ +
                         "_nope\n    columns: [ a ]\n    args_mapping: root = [ 1 ]\n" + kQuickStop,
                     "timeout -s INT 3");
  EXPECT_NE(missing.err.find("field /table: relation \\\"" + table_ +
                             "_nope\\\" does not exist (SQLSTATE 42P01)"),
            std::string::npos)
      << missing.err;

  sql("CREATE TABLE " + table_ + " (a int)");
  auto column =
      run("input:\n  generate:\n    count: 1\n    mapping: root = {}\noutput:\n"
          "  sql_insert:\n" +
              conn() + "    table: " + table_ +
              "\n    columns: [ a, nope ]\n    args_mapping: root = [ 1, 2 ]\n" + kQuickStop,
          "timeout -s INT 3");
  EXPECT_NE(column.err.find("field /columns: column \\\"nope\\\" of relation \\\"" + table_ +
                            "\\\" does not exist (SQLSTATE 42703)"),
            std::string::npos)
      << column.err;

  auto select = run("input:\n  sql_select:\n" + conn() + "    table: " + table_ +
                        "_nope\n    columns: [ '*' ]\noutput:\n  drop: {}\n" + kQuickStop,
                    "timeout -s INT 3");
  EXPECT_NE(select.err.find("field /table: relation \\\"" + table_ + "_nope\\\" does not exist"),
            std::string::npos)
      << select.err;
}

TEST_F(SqlPostgres, SelectWithWhereArgsAndRawInputStreamRows) {
  sql("CREATE TABLE " + table_ + " (id int, kind text); INSERT INTO " + table_ +
      " SELECT g, CASE WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END FROM generate_series(1, 5000) g");
  std::string out = dir_.file("out.jsonl");
  auto r = run("input:\n  sql_select:\n" + conn() + "    table: " + table_ +
               "\n    columns: [ id ]\n    where: kind = $1 AND id > $2\n"
               "    args_mapping: root = [ \"even\", 4000 ]\n    suffix: ORDER BY id\n"
               "    fetch_size: 64\noutput:\n  file:\n    path: \"" +
               out + "\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), 500u);
  EXPECT_EQ(lines.front(), "{\"id\":4002}");
  EXPECT_EQ(lines.back(), "{\"id\":5000}");

  std::string raw_out = dir_.file("raw.jsonl");
  auto raw = run("input:\n  sql_raw:\n" + conn() +
                 "    query: SELECT g AS n, g % 2 = 0 AS even, NULL::text AS nothing, "
                 "'2024-01-02 03:04:05+02'::timestamptz AS at, '\\x00ff'::bytea AS b, "
                 "'NaN'::float8 AS f FROM generate_series(1, $1::int) g\n"
                 "    args_mapping: root = [ 2500 ]\noutput:\n  file:\n    path: \"" +
                 raw_out + "\"\n");
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  auto rows = read_lines(raw_out);
  ASSERT_EQ(rows.size(), 2500u);
  EXPECT_EQ(rows[1], "{\"n\":2,\"even\":true,\"nothing\":null,\"at\":\"2024-01-02T01:04:05Z\","
                     "\"b\":\"AP8=\",\"f\":\"NaN\"}");
}

TEST_F(SqlPostgres, RawProcessorPutsRowsInTheMessageAndFlagsFailures) {
  sql("CREATE TABLE " + table_ + " (id int PRIMARY KEY, name text); INSERT INTO " + table_ +
      " VALUES (1, 'ann'), (2, 'bob')");
  std::string in = dir_.file("in.jsonl");
  write_file(in, "{\"id\":1,\"d\":1}\n{\"id\":2,\"d\":0}\n{\"id\":9,\"d\":1}\n");
  std::string out = dir_.file("out.txt");
  auto r = run("input:\n  file:\n    paths: [ \"" + in +
               "\" ]\npipeline:\n  threads: 1\n  processors:\n    - sql_raw:\n" + conn(8) +
               "        query: SELECT name, 10 / $2::int AS q FROM " + table_ +
               " WHERE id = $1\n        args_mapping: root = [ this.id, this.d ]\n"
               "    - catch:\n        - mapping: 'root = \"ERROR \" + error()'\n"
               "output:\n  file:\n    path: \"" +
               out + "\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "[{\"name\":\"ann\",\"q\":10}]");
  EXPECT_EQ(lines[1].rfind("ERROR sql_raw: division by zero (SQLSTATE 22012)", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2], "[]");

  // exec_only keeps the message; the statement ran.
  std::string out2 = dir_.file("out2.txt");
  auto e = run("input:\n  file:\n    paths: [ \"" + in +
               "\" ]\npipeline:\n  processors:\n    - sql_raw:\n" + conn(8) +
               "        query: UPDATE " + table_ +
               " SET name = name || '!' WHERE id = $1\n        args_mapping: root = [ this.id ]\n"
               "        exec_only: true\noutput:\n  file:\n    path: \"" +
               out2 + "\"\n");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(read_file(out2), read_file(in));
  EXPECT_EQ(sql("SELECT string_agg(name, ',' ORDER BY id) FROM " + table_), "ann!,bob!");
}

TEST_F(SqlPostgres, DynamicQueryNeedsTheUnsafeSwitchAndInitStatementRunsAtConnect) {
  auto refused = run("input:\n  generate:\n    count: 1\n    mapping: root = {}\npipeline:\n"
                     "  processors:\n    - sql_raw:\n" +
                     conn(8) + "        query: SELECT * FROM ${! this.t }\noutput:\n  drop: {}\n");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("field /query: holds an interpolation"), std::string::npos)
      << refused.err;

  std::string in = dir_.file("in.jsonl");
  write_file(in, "{\"id\":1}\n{\"id\":2}\n");
  auto r = run("input:\n  file:\n    paths: [ \"" + in + "\" ]\noutput:\n  sql_insert:\n" + conn() +
               "    table: " + table_ +
               "\n    columns: [ id ]\n    args_mapping: root = [ this.id ]\n"
               "    init_statement: CREATE TABLE IF NOT EXISTS " +
               table_ + " (id int)\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(), 2);
}

} // namespace
} // namespace plugctl::test::sql
