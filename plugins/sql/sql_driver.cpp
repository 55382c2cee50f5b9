// The postgres driver (libpq) and the connection pool.
#include "sql_driver.hpp"

#include <algorithm>
#include <climits>
#include <libpq-fe.h>
#include <set>
#include <thread>

namespace plugctl::sql {
namespace {

using Clock = std::chrono::steady_clock;

// PostgreSQL type OIDs (pg_type.dat; stable across versions).
ColumnType type_of(Oid oid) {
  switch (oid) {
  case 16:
    return ColumnType::Bool;
  case 20:
  case 21:
  case 23:
  case 26:
    return ColumnType::Int;
  case 700:
  case 701:
    return ColumnType::Float;
  case 1700:
    return ColumnType::Numeric;
  case 114:
  case 3802:
    return ColumnType::Json;
  case 17:
    return ColumnType::Bytes;
  case 1114:
    return ColumnType::Timestamp;
  case 1184:
    return ColumnType::TimestampTz;
  case 1000: // bool[]
  case 1005: // int2[]
  case 1007: // int4[]
  case 1016: // int8[]
  case 1028: // oid[]
  case 1021: // float4[]
  case 1022: // float8[]
  case 1231: // numeric[]
  case 199:  // json[]
  case 3807: // jsonb[]
  case 1001: // bytea[]
  case 1115: // timestamp[]
  case 1185: // timestamptz[]
  case 1009: // text[]
  case 1015: // varchar[]
  case 1014: // bpchar[]
  case 2951: // uuid[]
  case 1182: // date[]
  case 1183: // time[]
  case 1041: // inet[]
    return ColumnType::Array;
  default:
    return ColumnType::Other;
  }
}

// The element type of an array type (Other for the rest: their elements stay text).
ColumnType element_of(Oid oid) {
  switch (oid) {
  case 1000:
    return type_of(16);
  case 1005:
  case 1007:
  case 1016:
  case 1028:
    return ColumnType::Int;
  case 1021:
  case 1022:
    return ColumnType::Float;
  case 1231:
    return ColumnType::Numeric;
  case 199:
  case 3807:
    return ColumnType::Json;
  case 1001:
    return ColumnType::Bytes;
  case 1115:
    return ColumnType::Timestamp;
  case 1185:
    return ColumnType::TimestampTz;
  default:
    return ColumnType::Other;
  }
}

std::string trimmed(const char* s) {
  std::string t = s == nullptr ? "" : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
    t.pop_back();
  return t;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class PgConnection final : public Connection {
public:
  explicit PgConnection(const ConnectionConfig& cfg) {
    // Later keywords override earlier ones: the DSN (expanded from dbname) wins over defaults.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* vals[] = {"10", "plugctl", cfg.dsn.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, vals, 1);
    if (conn_ == nullptr) throw DbError("cannot connect: out of memory", "", true);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string err = trimmed(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw DbError("cannot connect to " + redacted_dsn(cfg.dsn) + ": " + err, "", true);
    }
    // Values come back as the JSON conversion expects them: ISO dates, UTC.
    exec_script("SET DateStyle TO ISO; SET TimeZone TO 'UTC'");
  }
  ~PgConnection() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  bool ok() const override { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

  int64_t exec(const std::string& sql, const BoundParams& p, RowSink* sink) override {
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.values.data(),
                          p.lengths.data(), p.formats.data(), 0));
    return finish(r.get(), sink);
  }

  int64_t exec_prepared(const std::string& name, const std::string& sql, const BoundParams& p,
                        RowSink* sink) override {
    // Few statements are prepared per connection (batches mostly have one size); the rest run
    // unnamed, so odd sizes from a batching period do not pile up on the server.
    constexpr size_t kMaxPrepared = 16;
    if (prepared_.count(name) == 0 && prepared_.size() >= kMaxPrepared) return exec(sql, p, sink);
    if (prepared_.count(name) == 0) {
      Result prep(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(p.size()), nullptr));
      finish(prep.get(), nullptr);
      prepared_.insert(name);
    }
    Result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(p.size()), p.values.data(),
                            p.lengths.data(), p.formats.data(), 0));
    return finish(r.get(), sink);
  }

  void exec_script(const std::string& sql) override {
    Result r(PQexec(conn_, sql.c_str()));
    finish(r.get(), nullptr);
  }

  std::vector<ColumnType> describe_params(const std::string& sql, size_t n) override {
    Result prep(PQprepare(conn_, "", sql.c_str(), static_cast<int>(n), nullptr));
    finish(prep.get(), nullptr);
    Result d(PQdescribePrepared(conn_, ""));
    finish(d.get(), nullptr);
    std::vector<ColumnType> out;
    for (int i = 0; i < PQnparams(d.get()); ++i)
      out.push_back(type_of(PQparamtype(d.get(), i)));
    return out;
  }

  using Connection::copy_in;
  int64_t copy_in(const std::string& copy_sql,
                  const std::function<bool(std::string_view&)>& next) override {
    Result start(PQexec(conn_, copy_sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) finish(start.get(), nullptr);
    constexpr size_t kChunk = size_t{1} << 20;
    bool sent = true;
    std::string_view rows;
    while (sent && next(rows)) {
      for (size_t off = 0; sent && off < rows.size(); off += kChunk) {
        size_t n = std::min(kChunk, rows.size() - off);
        sent = PQputCopyData(conn_, rows.data() + off, static_cast<int>(n)) == 1;
      }
    }
    PQputCopyEnd(conn_, nullptr);
    int64_t count = 0;
    std::optional<DbError> first;
    while (PGresult* raw = PQgetResult(conn_)) {
      Result r(raw);
      try {
        count += finish(r.get(), nullptr);
      } catch (const DbError& e) {
        if (!first) first = e;
      }
    }
    if (first) throw *first;
    if (!ok()) throw lost("COPY");
    return count;
  }

  void start_stream(const std::string& sql, const BoundParams& p) override {
    columns_sent_ = false;
    streaming_ = true;
    if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.values.data(),
                          p.lengths.data(), p.formats.data(), 0) != 1) {
      streaming_ = false;
      throw lost("query");
    }
    PQsetSingleRowMode(conn_);
  }

  bool fetch_rows(RowSink& sink, size_t max_rows) override {
    size_t n = 0;
    while (streaming_ && n < max_rows) {
      Result r(PQgetResult(conn_));
      if (!r) {
        streaming_ = false;
        break;
      }
      ExecStatusType st = PQresultStatus(r.get());
      if (st == PGRES_SINGLE_TUPLE) {
        emit(r.get(), sink);
        ++n;
      } else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (!columns_sent_ && st == PGRES_TUPLES_OK) send_columns(r.get(), sink);
      } else {
        DbError e = error_of(r.get());
        r.reset();
        while (PGresult* rest = PQgetResult(conn_))
          PQclear(rest);
        streaming_ = false;
        throw e;
      }
    }
    return streaming_;
  }

  void cancel_stream() override {
    if (!streaming_) return;
    if (PGcancel* c = PQgetCancel(conn_)) {
      char buf[256];
      PQcancel(c, buf, sizeof buf);
      PQfreeCancel(c);
    }
    while (PGresult* rest = PQgetResult(conn_))
      PQclear(rest);
    streaming_ = false;
  }

private:
  DbError lost(const char* what) const {
    return DbError(std::string(what) +
                       " failed: connection lost: " + trimmed(PQerrorMessage(conn_)),
                   "", true);
  }

  DbError error_of(const PGresult* r) const {
    const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* primary = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    std::string sqlstate = state == nullptr ? "" : state;
    bool gone = !ok() || sqlstate.compare(0, 2, "08") == 0 || sqlstate == "57P01" ||
                sqlstate == "57P02" || sqlstate == "57P03";
    std::string text = primary != nullptr ? primary : trimmed(PQerrorMessage(conn_));
    if (text.empty()) text = "unknown error";
    if (!sqlstate.empty()) text += " (SQLSTATE " + sqlstate + ")";
    if (detail != nullptr) text += ": " + std::string(detail);
    if (gone && sqlstate.empty()) text = "connection lost: " + text;
    return DbError(text, sqlstate, gone);
  }

  void send_columns(const PGresult* r, RowSink& sink) {
    cols_.clear();
    for (int c = 0; c < PQnfields(r); ++c)
      cols_.push_back({PQfname(r, c), type_of(PQftype(r, c)), element_of(PQftype(r, c))});
    sink.columns(cols_);
    columns_sent_ = true;
  }

  void emit(const PGresult* r, RowSink& sink) {
    if (!columns_sent_) send_columns(r, sink);
    const int nf = PQnfields(r);
    row_.resize(static_cast<size_t>(nf));
    for (int t = 0; t < PQntuples(r); ++t) {
      for (int c = 0; c < nf; ++c) {
        if (PQgetisnull(r, t, c))
          row_[static_cast<size_t>(c)] = std::nullopt;
        else
          row_[static_cast<size_t>(c)] =
              std::string_view(PQgetvalue(r, t, c), static_cast<size_t>(PQgetlength(r, t, c)));
      }
      sink.row(row_);
    }
  }

  int64_t finish(const PGresult* r, RowSink* sink) {
    ExecStatusType st = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (st == PGRES_TUPLES_OK) {
      if (sink != nullptr) {
        columns_sent_ = false;
        send_columns(r, *sink);
        emit(r, *sink);
      }
      return PQntuples(r);
    }
    if (st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) {
      const char* n = PQcmdTuples(const_cast<PGresult*>(r));
      return n == nullptr || *n == '\0' ? 0 : std::atoll(n);
    }
    throw error_of(r);
  }

  PGconn* conn_ = nullptr;
  std::set<std::string> prepared_;
  bool streaming_ = false;
  bool columns_sent_ = false;
  std::vector<Column> cols_;
  std::vector<std::optional<std::string_view>> row_;
};

} // namespace

void BoundParams::add(const Param& p, ColumnType type) {
  if (p.kind == Param::Kind::Null) {
    values.push_back(nullptr);
    lengths.push_back(0);
    formats.push_back(0);
    return;
  }
  if (used_scratch == scratch.size()) scratch.emplace_back();
  std::string& tmp = scratch[used_scratch];
  bool binary = false;
  std::string_view v = param_bytes(p, type, tmp, binary);
  if (!tmp.empty() && v.data() == tmp.data()) ++used_scratch; // keep what v points into
  values.push_back(v.data());
  lengths.push_back(static_cast<int>(v.size()));
  formats.push_back(binary ? 1 : 0);
}

void check_dsn(const ConnectionConfig& cfg) {
  if (cfg.driver != "postgres")
    throw sdk::ConfigError("field /driver: unknown driver '" + cfg.driver +
                           "' (supported: postgres)");
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(cfg.dsn.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err != nullptr ? trimmed(err) : "out of memory";
    if (err != nullptr) PQfreemem(err);
    throw sdk::ConfigError("field /dsn: invalid PostgreSQL connection string: " + why +
                           " (expected postgres://user:password@host:port/dbname?sslmode=... "
                           "or host=... dbname=...)");
  }
  PQconninfoFree(opts);
}

std::unique_ptr<Connection> open_connection(const ConnectionConfig& cfg) {
  return std::make_unique<PgConnection>(cfg);
}

std::string redacted_dsn(std::string_view dsn) {
  std::string out(dsn);
  // URI form: scheme://user:password@host
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t at = out.find('@', scheme + 3);
    size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at)
      out.replace(colon + 1, at - colon - 1, "***");
  }
  // key=value form (and URI query parameters): password=...
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    size_t start = pos + 9;
    size_t end = out.find_first_of(" &", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

// --- pool ---------------------------------------------------------------------------------------

Pool::Pool(ConnectionConfig cfg, const sdk::Context& ctx) : cfg_(std::move(cfg)), ctx_(ctx) {}

Pool::~Pool() {
  close();
}

bool Pool::expired(const Connection& c, Clock::time_point now) const {
  if (cfg_.max_life_time.count() > 0 && now - c.created >= cfg_.max_life_time) return true;
  if (cfg_.max_idle_time.count() > 0 && now - c.last_used >= cfg_.max_idle_time) return true;
  return !c.ok();
}

std::unique_ptr<Connection> Pool::connect_new() {
  {
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    if (failures_ > 0 && now < next_attempt_) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
      throw DbError(last_error_ + " (next attempt in " + std::to_string(wait.count()) + "ms)", "",
                    true);
    }
  }
  try {
    auto c = open_connection(cfg_);
    {
      std::lock_guard init(init_mu_);
      if (!initialised_) {
        for (const auto& f : cfg_.init_files) {
          try {
            c->exec_script(f);
          } catch (const DbError& e) {
            throw DbError(std::string("init_files: ") + e.what(), e.sqlstate(),
                          e.connection_lost());
          }
        }
        if (!cfg_.init_statement.empty()) {
          try {
            c->exec_script(cfg_.init_statement);
          } catch (const DbError& e) {
            throw DbError(std::string("init_statement: ") + e.what(), e.sqlstate(),
                          e.connection_lost());
          }
        }
        initialised_ = true;
      }
    }
    int previous;
    {
      std::lock_guard lock(mu_);
      previous = failures_;
      failures_ = 0;
      lost_logged_ = false;
    }
    if (previous > 0)
      ctx_.info("connected to " + redacted_dsn(cfg_.dsn) + " again after " +
                std::to_string(previous) + " failed attempt(s)");
    return c;
  } catch (const DbError& e) {
    std::lock_guard lock(mu_);
    ++failures_;
    auto backoff = std::chrono::milliseconds(100);
    for (int i = 1; i < failures_ && backoff < std::chrono::seconds(5); ++i)
      backoff *= 2;
    backoff = std::min<std::chrono::milliseconds>(backoff, std::chrono::seconds(5));
    next_attempt_ = Clock::now() + backoff;
    last_error_ = e.what();
    if (failures_ == 1 || failures_ % 10 == 0)
      ctx_.warn(std::string(e.what()) + "; retrying with backoff (attempt " +
                std::to_string(failures_) + ", next in " + std::to_string(backoff.count()) + "ms)");
    throw;
  }
}

Pool::Lease Pool::acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (closed_) throw sdk::Error("the connection pool is closed");
    auto now = Clock::now();
    while (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      if (expired(*c, now)) {
        --open_;
        lock.unlock();
        c.reset(); // closes outside the lock
        lock.lock();
        continue;
      }
      return Lease(this, std::move(c));
    }
    if (cfg_.max_open <= 0 || open_ < cfg_.max_open) {
      ++open_;
      lock.unlock();
      try {
        return Lease(this, connect_new());
      } catch (...) {
        lock.lock();
        --open_;
        cv_.notify_one();
        throw;
      }
    }
    if (ctx_.cancelled()) throw sdk::Error("stopping: no free connection", PLUGCTL_CANCELLED);
    cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

void Pool::check() {
  Lease l = acquire();
  (void)l;
}

void Pool::give_back(std::unique_ptr<Connection> c, bool broken) {
  std::unique_lock lock(mu_);
  auto now = Clock::now();
  c->last_used = now;
  bool drop = broken || closed_ || expired(*c, now) ||
              static_cast<int64_t>(idle_.size()) >= std::max<int64_t>(cfg_.max_idle, 0);
  if (broken && !lost_logged_) {
    lost_logged_ = true;
    ctx_.warn("a connection to " + redacted_dsn(cfg_.dsn) +
              " failed and was closed; the next statement reconnects");
  }
  if (drop) {
    --open_;
    lock.unlock();
    c.reset();
    cv_.notify_one();
    return;
  }
  idle_.push_back(std::move(c));
  cv_.notify_one();
}

void Pool::close() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    idle.swap(idle_);
    open_ -= static_cast<int64_t>(idle.size());
  }
  cv_.notify_all();
}

} // namespace plugctl::sql
