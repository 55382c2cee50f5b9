// The database side of the sql plugin: connections, statements with bound parameters, results
// read row by row, a connection pool, and the errors users see (with the server's SQLSTATE).
//
// The components (sql_insert, sql_select, sql_raw) talk only to the classes declared here. Only
// `postgres` (libpq) exists today; another driver implements Connection for its client library
// and is chosen by the `driver` field in open_connection().
#pragma once

#include "sql_value.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <plugctl/sdk.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::sql {

namespace sdk = plugctl::sdk;

// A statement that failed on the server, or a lost connection. `sqlstate` is the server's
// five-character code ("23505") or empty when the failure was not the server's answer.
class DbError : public std::runtime_error {
public:
  DbError(const std::string& what, std::string sqlstate, bool connection_lost)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)), lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // The connection is unusable: drop it and connect again.
  bool connection_lost() const { return lost_; }
  // The data of one row is at fault (a constraint violation, a value of the wrong type): the
  // same row will fail again, the other rows of its batch need not.
  bool row_error() const {
    return sqlstate_.size() == 5 && (sqlstate_.compare(0, 2, "23") == 0 || // integrity
                                     sqlstate_.compare(0, 2, "22") == 0);  // data exception
  }

private:
  std::string sqlstate_;
  bool lost_;
};

// One column of a result.
struct Column {
  std::string name;
  ColumnType type = ColumnType::Other;
  ColumnType element = ColumnType::Other; // of an Array
};

// A result read incrementally: rows arrive in chunks (cursor FETCH or single-row mode).
class RowSink {
public:
  virtual ~RowSink() = default;
  virtual void columns(const std::vector<Column>& cols) = 0;
  // One row: values[i] is column i, nullopt for NULL. Views valid during the call.
  virtual void row(const std::vector<std::optional<std::string_view>>& values) = 0;
};

// Parameters bound to one statement, as the driver sends them: text, or binary for bytea.
// Views into the Params added (they must outlive the statement) and into its own scratch.
struct BoundParams {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;        // 0 text, 1 binary
  std::deque<std::string> scratch; // a deque: pointers into its strings stay valid as it grows
  size_t used_scratch = 0;
  void clear() {
    values.clear();
    lengths.clear();
    formats.clear();
    used_scratch = 0;
  }
  size_t size() const { return values.size(); }
  // Adds p for a column of `type`. Throws std::runtime_error (a bytea value that is not base64).
  void add(const Param& p, ColumnType type);
};

// One open connection. Not thread-safe: one user at a time (the pool hands it out).
class Connection {
public:
  virtual ~Connection() = default;
  virtual bool ok() const = 0;
  // Runs a statement with bound parameters. Rows, when the statement returns any, go to `sink`
  // (may be null). Returns the number of rows affected or returned. Throws DbError.
  virtual int64_t exec(const std::string& sql, const BoundParams& params,
                       RowSink* sink = nullptr) = 0;
  // As exec, through a statement prepared once per connection under `name` (the server parses
  // and plans it once; later runs cost one round trip). `sql` must always be the same for a name.
  virtual int64_t exec_prepared(const std::string& name, const std::string& sql,
                                const BoundParams& params, RowSink* sink = nullptr) = 0;
  // Runs one or more statements without parameters (init files, BEGIN/COMMIT). Throws DbError.
  virtual void exec_script(const std::string& sql) = 0;
  // The types of the parameters of `sql` as the server infers them. Throws DbError.
  virtual std::vector<ColumnType> describe_params(const std::string& sql, size_t n) = 0;
  // COPY <table> (<columns>) FROM STDIN: `next` hands over the data in COPY text format, part
  // by part (whole rows each; it may block until the next part is ready), and returns false
  // once there is no more. Throws DbError.
  virtual int64_t copy_in(const std::string& copy_sql,
                          const std::function<bool(std::string_view&)>& next) = 0;
  // The same, with every part known up front.
  int64_t copy_in(const std::string& copy_sql, const std::vector<std::string_view>& parts) {
    size_t i = 0;
    return copy_in(copy_sql, [&](std::string_view& part) {
      if (i == parts.size()) return false;
      part = parts[i++];
      return true;
    });
  }
  // Starts a statement whose rows are then read with fetch_rows, up to `max_rows` per call
  // (single-row mode: any statement, rows streamed as the server sends them). Throws DbError.
  virtual void start_stream(const std::string& sql, const BoundParams& params) = 0;
  // Reads up to max_rows rows of the running stream into sink; false once the stream ended.
  virtual bool fetch_rows(RowSink& sink, size_t max_rows) = 0;
  // Abandons a running stream (cancels the statement on the server).
  virtual void cancel_stream() = 0;
  std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_used = created;
};

// Connection settings shared by every component.
struct ConnectionConfig {
  std::string driver = "postgres";
  std::string dsn;
  int64_t max_open = 0;                     // 0: no limit
  int64_t max_idle = 2;                     // idle connections kept
  std::chrono::nanoseconds max_life_time{}; // 0: forever
  std::chrono::nanoseconds max_idle_time{}; // 0: forever
  std::string init_statement;               // run once, on the first connection
  std::vector<std::string> init_files;      // idem, before init_statement
};

// Validates the DSN for the driver now (create time); throws sdk::ConfigError naming /dsn.
void check_dsn(const ConnectionConfig& cfg);
// Opens one connection. Throws DbError (connection_lost) when the server cannot be reached.
std::unique_ptr<Connection> open_connection(const ConnectionConfig& cfg);
// Returns the DSN with its password replaced by "***" (for logs and errors).
std::string redacted_dsn(std::string_view dsn);

// A pool of connections. Thread-safe. Connecting after a failure waits out a backoff (100 ms
// doubling to 5 s) so that a server that went away is not hammered; the first successful
// connection runs init_files then init_statement (once per pool).
class Pool {
public:
  Pool(ConnectionConfig cfg, const sdk::Context& ctx);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A borrowed connection, returned to the pool when the lease ends. Call broken() when it
  // failed in a way that leaves it unusable (the pool then closes it).
  class Lease {
  public:
    Lease(Pool* p, std::unique_ptr<Connection> c) : pool_(p), conn_(std::move(c)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr && conn_) pool_->give_back(std::move(conn_), broken_);
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    void broken() { broken_ = true; }

  private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
    bool broken_ = false;
  };

  // Waits for a free connection (up to conn_max_open), connecting when none is idle. Throws
  // DbError when connecting fails (or during a backoff after a failure), sdk::Error when the
  // pipeline is stopping.
  Lease acquire();
  // Connects once now (for the components' connect()): fails like acquire.
  void check();
  // Closes the idle connections; leases still out close when they come back.
  void close();
  const ConnectionConfig& config() const { return cfg_; }

private:
  void give_back(std::unique_ptr<Connection> c, bool broken);
  std::unique_ptr<Connection> connect_new();
  bool expired(const Connection& c, std::chrono::steady_clock::time_point now) const;

  ConnectionConfig cfg_;
  sdk::Context ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int64_t open_ = 0;
  bool closed_ = false;
  bool initialised_ = false;
  std::mutex init_mu_;
  // Backoff after failed connects.
  int failures_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_error_;
  bool lost_logged_ = false;
};

} // namespace plugctl::sql
