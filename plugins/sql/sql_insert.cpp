// output `sql_insert`: each batch becomes one COPY (no prefix/suffix) or one multi-row INSERT
// with bound parameters (split into statements of at most 65,535 parameters, all in one
// transaction). A batch that fails on one row's data (a constraint violation, a value of the
// wrong type) is written again row by row under savepoints, so that only the offending rows fail,
// each with the server's SQLSTATE; any other failure fails the whole batch, to be retried.
#include "sql_common.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace plugctl::sql {
namespace {

constexpr size_t kMaxParams = 65535; // the protocol's limit per statement

class SqlInsert final : public sdk::Output {
public:
  SqlInsert(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_insert(cfg)), mapping_(ctx, cfg_.args_mapping, "/args_mapping"),
        pool_(cfg_.conn, ctx), head_(insert_head(cfg_)), copy_(copy_statement(cfg_)),
        use_copy_(cfg_.prefix.empty() && cfg_.suffix.empty()) {
    const int64_t in_flight =
        cfg.has("max_in_flight") ? cfg.integer("max_in_flight") : kDefaultInsertMaxInFlight;
    // A server process parses one COPY on one core: one COPY at once per 8 batches in flight
    // (two with the default 16, at most 4), so PostgreSQL's side is not one core's work.
    max_leaders_ = static_cast<size_t>(std::clamp<int64_t>(in_flight / 8, 1, 4));
    const size_t n = cfg_.columns.size();
    rows_per_statement_ = std::max<size_t>(1, kMaxParams / n);
    one_row_ = head_ + values_list(1) + (cfg_.suffix.empty() ? "" : " " + cfg_.suffix);
  }

  void connect() override {
    try {
      auto lease = pool_.acquire();
      load_types(*lease);
    } catch (const DbError& e) {
      throw sdk::Error(field_error(e));
    }
  }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results& results) override {
    const size_t n = batch.size();
    const size_t ncols = cfg_.columns.size();
    Preparing preparing(this); // this write is on its way to the COPY queue
    // A connection is taken only when this write needs one of its own: COPY batches are written
    // by the group's leader, so holding one per write in flight would churn connections past
    // conn_max_idle (a new server process each time).
    std::optional<Pool::Lease> lease;
    auto acquire = [&]() -> Connection& {
      try {
        if (!lease) lease.emplace(pool_.acquire());
        return **lease;
      } catch (const DbError& e) {
        throw sdk::Error("sql_insert into " + cfg_.table + ": " +
                         (e.connection_lost() ? std::string(e.what()) : field_error(e)));
      }
    };
    std::vector<ColumnType> types;
    {
      std::lock_guard lock(types_mu_);
      types = types_;
    }
    if (types.empty()) {
      try {
        load_types(acquire());
      } catch (const DbError& e) {
        if (lease && e.connection_lost()) lease->broken();
        throw sdk::Error("sql_insert into " + cfg_.table + ": " +
                         (e.connection_lost() ? std::string(e.what()) : field_error(e)));
      }
      std::lock_guard lock(types_mu_);
      types = types_;
    }

    // Map every message to its row; a message whose mapping fails is reported alone.
    // Per-thread buffers, reused across writes. (A reference each: in a shared object every
    // use of a thread_local would otherwise call __tls_get_addr.)
    thread_local std::vector<Param> tls_flat;
    thread_local std::string tls_data;
    std::vector<Param>& flat = tls_flat;
    std::string& data = tls_data;
    flat.resize(0);
    data.clear();
    std::vector<size_t> rows; // batch index of each mapped row
    rows.reserve(n);
    bool any_failed = false;
    // COPY with a host that hands over typed values: straight into COPY text, no parameters.
    const bool direct = use_copy_ && sdk::Mapping::has_values();
    if (direct)
      copy_rows(batch, results, types, data, rows, any_failed);
    else
      param_rows(batch, results, types, flat, rows, any_failed);
    if (rows.empty()) return PLUGCTL_ERROR;

    try {
      if (use_copy_) {
        if (!direct) copy_text(types, flat, rows.size(), data);
        lease.reset(); // the leader of the group writes on a connection of its own
        Grouped me{&data, rows.size()};
        copy_grouped(me, preparing);
        if (me.error) throw *me.error;
        if (me.alone) acquire().copy_in(copy_, {data});
      } else {
        write_insert(acquire(), types, flat, rows.size());
      }
    } catch (const DbError& e) {
      if (e.connection_lost()) {
        if (lease) lease->broken();
        throw sdk::Error("sql_insert into " + cfg_.table + ": " + e.what());
      }
      if (!e.row_error()) throw sdk::Error("sql_insert into " + cfg_.table + ": " + e.what());
      if (direct) { // the rows as parameters, to write them one by one
        rows.clear();
        param_rows(batch, results, types, flat, rows, any_failed);
      }
      Connection& conn = acquire();
      // One row's data is at fault: find which, and write the others.
      std::vector<std::pair<size_t, std::string>> failed;
      try {
        BoundParams bp;
        run_isolated(
            conn, rows.size(),
            [&](size_t k) {
              bp.clear();
              for (size_t c = 0; c < ncols; ++c)
                bp.add(flat[k * ncols + c], types[c]);
              conn.exec(one_row_, bp);
            },
            failed);
      } catch (const DbError& e2) {
        if (e2.connection_lost()) lease->broken();
        throw sdk::Error("sql_insert into " + cfg_.table + ": " + e2.what());
      }
      size_t f = 0;
      for (size_t k = 0; k < rows.size(); ++k) {
        if (f < failed.size() && failed[f].first == k) {
          results.set(rows[k], PLUGCTL_ERROR,
                      "sql_insert into " + cfg_.table + ": " + failed[f].second);
          ++f;
          any_failed = true;
        } else {
          results.set(rows[k], PLUGCTL_OK);
        }
      }
      if (!failed.empty())
        ctx_.warn("sql_insert into " + cfg_.table + ": " + std::to_string(failed.size()) + " of " +
                  std::to_string(rows.size()) +
                  " row(s) refused, the others written; first: " + failed.front().second);
      return any_failed ? PLUGCTL_ERROR : PLUGCTL_OK;
    }
    if (!any_failed) return PLUGCTL_OK;
    for (size_t r : rows)
      results.set(r, PLUGCTL_OK);
    return PLUGCTL_ERROR;
  }

  void close() override { pool_.close(); }

private:
  std::string values_list(size_t nrows) const {
    const size_t ncols = cfg_.columns.size();
    std::string s;
    s.reserve(nrows * ncols * 7);
    size_t p = 1;
    for (size_t r = 0; r < nrows; ++r) {
      s += r ? ",(" : "(";
      for (size_t c = 0; c < ncols; ++c) {
        if (c) s.push_back(',');
        s.push_back('$');
        s += std::to_string(p++);
      }
      s.push_back(')');
    }
    return s;
  }

  std::string joined_columns() const {
    std::string s;
    for (size_t i = 0; i < cfg_.columns.size(); ++i)
      s += (i ? ", " : "") + cfg_.columns[i];
    return s;
  }

  // The parameter types the server infers for the columns (bytea needs binary values). Also
  // checks, at connect, that the table and the columns exist.
  void load_types(Connection& conn) {
    {
      std::lock_guard lock(types_mu_);
      if (!types_.empty()) return;
    }
    auto types = conn.describe_params(head_ + values_list(1), cfg_.columns.size());
    types.resize(cfg_.columns.size(), ColumnType::Other);
    std::lock_guard lock(types_mu_);
    types_ = std::move(types);
  }

  // The messages of the batch as rows of parameters (`flat`: ncols per row); a message whose
  // mapping fails, or gives a value its column cannot take, is reported alone.
  void param_rows(const sdk::ConstBatch& batch, const sdk::Results& results,
                  const std::vector<ColumnType>& types, std::vector<Param>& flat,
                  std::vector<size_t>& rows, bool& any_failed) {
    const size_t ncols = cfg_.columns.size();
    thread_local std::vector<Param> tls_args;
    thread_local std::string tls_scratch;
    std::vector<Param>& args = tls_args;
    std::string& scratch = tls_scratch;
    sdk::Buffer buf;
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        eval_args(mapping_, batch, i, buf, args);
        check_count(args.size());
        for (size_t c = 0; c < ncols; ++c) {
          bool binary = false;
          try {
            param_bytes(args[c], types[c], scratch, binary);
          } catch (const std::exception& e) {
            throw value_error(c, e);
          }
        }
      } catch (const std::exception& e) {
        results.set(i, PLUGCTL_ERROR, "sql_insert into " + cfg_.table + ": " + e.what());
        any_failed = true;
        continue;
      }
      for (auto& a : args)
        flat.push_back(std::move(a));
      rows.push_back(i);
    }
  }

  // The messages of the batch straight into COPY text (`data`) from the typed values of host
  // ABI 1.2; failures as in param_rows.
  void copy_rows(const sdk::ConstBatch& batch, const sdk::Results& results,
                 const std::vector<ColumnType>& types, std::string& data, std::vector<size_t>& rows,
                 bool& any_failed) {
    const size_t ncols = cfg_.columns.size();
    thread_local std::vector<plugctl_value> tls_values;
    thread_local std::string tls_scratch;
    std::vector<plugctl_value>& values = tls_values;
    std::string& scratch = tls_scratch;
    sdk::Buffer text;
    for (size_t i = 0; i < batch.size(); ++i) {
      const size_t mark = data.size();
      try {
        bool mapped;
        try {
          mapped = mapping_.eval_values(batch, i, values, text);
        } catch (const std::exception& e) {
          throw args_error(e.what());
        }
        if (!mapped)
          throw std::runtime_error("args_mapping failed: " + std::string(text.data()) +
                                   " (it must return an array)");
        check_count(values.size());
        const std::string_view t = text.data();
        for (size_t c = 0; c < ncols; ++c) {
          if (c) data.push_back('\t');
          try {
            append_copy_value(data, values[c], t, types[c], scratch);
          } catch (const std::exception& e) {
            throw value_error(c, e);
          }
        }
        data.push_back('\n');
      } catch (const std::exception& e) {
        data.resize(mark);
        results.set(i, PLUGCTL_ERROR, "sql_insert into " + cfg_.table + ": " + e.what());
        any_failed = true;
        continue;
      }
      rows.push_back(i);
    }
  }

  void check_count(size_t got) const {
    const size_t ncols = cfg_.columns.size();
    if (got != ncols)
      throw std::runtime_error("args_mapping returned " + std::to_string(got) +
                               " value(s) but columns lists " + std::to_string(ncols) + " (" +
                               joined_columns() + ")");
  }

  std::runtime_error value_error(size_t c, const std::exception& e) const {
    return std::runtime_error("args_mapping value " + std::to_string(c) + " (column " +
                              cfg_.columns[c] + "): " + e.what());
  }

  // The rows of parameters in COPY text format, into `data`.
  void copy_text(const std::vector<ColumnType>& types, const std::vector<Param>& flat, size_t nrows,
                 std::string& data) {
    const size_t ncols = cfg_.columns.size();
    thread_local std::string tls_scratch;
    std::string& scratch = tls_scratch;
    for (size_t k = 0; k < nrows; ++k) {
      for (size_t c = 0; c < ncols; ++c) {
        if (c) data.push_back('\t');
        append_copy_field(data, flat[k * ncols + c], types[c], scratch);
      }
      data.push_back('\n');
    }
  }

  // Group commit of COPY batches. Writes run concurrently (max_in_flight), and each COPY costs
  // round trips and a statement on the server however small it is (in PostgreSQL 15 also a
  // tuple slot per buffered row, registered at a cost that grows with the rows buffered): a
  // write queues its rows, and a writer whose batch is still queued while fewer than
  // max_leaders_ COPYs run starts one with everything queued. That COPY stays open, streaming
  // in batches as their mappings finish, and ends (one transaction) once no write is mapping a
  // batch and none arrived for kLinger (or after kGroupRows rows / kGroupTime), so the server
  // parses rows while the writers map the next ones. Then every writer of the group returns
  // with its outcome. A row error in a group of several sends each batch back to be written
  // alone, so that a bad row fails only its own batch (which then isolates the row).
  struct Grouped {
    const std::string* data;
    size_t rows;
    bool done = false;
    bool taken = false; // in a leader's group
    bool alone = false;
    std::optional<DbError> error;
  };

  // Counts the COPY writes still mapping their batch, which the running COPY waits for.
  class Preparing {
  public:
    explicit Preparing(SqlInsert* self) : self_(self->use_copy_ ? self : nullptr) {
      if (self_ == nullptr) return;
      std::lock_guard lock(self_->group_mu_);
      ++self_->preparing_;
    }
    ~Preparing() {
      if (self_ == nullptr) return;
      std::lock_guard lock(self_->group_mu_);
      done_locked();
    }
    Preparing(const Preparing&) = delete;
    Preparing& operator=(const Preparing&) = delete;
    // Called with group_mu_ held.
    void done_locked() {
      if (self_ == nullptr) return;
      --self_->preparing_;
      self_->leader_cv_.notify_all();
      self_ = nullptr;
    }

  private:
    SqlInsert* self_;
  };

  static constexpr size_t kGroupRows = 100000;
  static constexpr auto kGroupTime = std::chrono::milliseconds(200);
  static constexpr auto kLinger = std::chrono::milliseconds(2);

  void copy_grouped(Grouped& me, Preparing& preparing) {
    std::unique_lock lock(group_mu_);
    group_queue_.push_back(&me);
    preparing.done_locked();
    while (!me.done) {
      if (me.taken || leaders_ >= max_leaders_) {
        group_cv_.wait(lock);
        continue;
      }
      ++leaders_;
      std::vector<Grouped*> group(group_queue_.begin(), group_queue_.end()); // holds `me`
      group_queue_.clear();
      for (Grouped* g : group)
        g->taken = true;
      lock.unlock();
      run_group(group);
      lock.lock();
      for (Grouped* g : group)
        g->done = true;
      --leaders_;
      group_cv_.notify_all();
    }
  }

  void run_group(std::vector<Grouped*>& group) noexcept {
    auto fail_all = [&](const DbError& e) {
      for (Grouped* g : group)
        g->error = e;
    };
    try {
      auto lease = pool_.acquire();
      const auto deadline = std::chrono::steady_clock::now() + kGroupTime;
      size_t sent = 0, rows = 0;
      auto next = [&](std::string_view& part) {
        if (sent == group.size()) {
          std::unique_lock lock(group_mu_);
          for (;;) {
            if (!group_queue_.empty()) {
              for (Grouped* g : group_queue_)
                g->taken = true;
              group.insert(group.end(), group_queue_.begin(), group_queue_.end());
              group_queue_.clear();
              break;
            }
            if (rows >= kGroupRows || ctx_.cancelled()) return false;
            // No write is mapping a batch: wait a moment for the next writes (those of a COPY
            // that just committed) rather than end with a small group.
            const auto until = preparing_ == 0
                                   ? std::min(deadline, std::chrono::steady_clock::now() + kLinger)
                                   : deadline;
            if (leader_cv_.wait_until(lock, until) == std::cv_status::timeout &&
                group_queue_.empty())
              return false;
          }
        }
        part = *group[sent]->data;
        rows += group[sent]->rows;
        ++sent;
        return true;
      };
      try {
        lease->copy_in(copy_, next);
      } catch (const DbError& e) {
        if (e.connection_lost()) lease.broken();
        if (e.row_error() && group.size() > 1) {
          for (Grouped* g : group)
            g->alone = true;
        } else {
          fail_all(e);
        }
      }
    } catch (const DbError& e) {
      fail_all(e);
    } catch (const std::exception& e) {
      fail_all(DbError(e.what(), "", false));
    } catch (...) {
      fail_all(DbError("unknown error", "", false));
    }
  }

  void write_insert(Connection& conn, const std::vector<ColumnType>& types,
                    const std::vector<Param>& flat, size_t nrows) {
    const size_t ncols = cfg_.columns.size();
    const bool tx = nrows > rows_per_statement_;
    if (tx) conn.exec_script("BEGIN");
    try {
      BoundParams bp;
      for (size_t start = 0; start < nrows; start += rows_per_statement_) {
        size_t k = std::min(rows_per_statement_, nrows - start);
        bp.clear();
        for (size_t r = start; r < start + k; ++r)
          for (size_t c = 0; c < ncols; ++c)
            bp.add(flat[r * ncols + c], types[c]);
        // Batches mostly have the same size: one prepared statement per row count.
        std::string sql = head_ + values_list(k);
        if (!cfg_.suffix.empty()) sql += " " + cfg_.suffix;
        conn.exec_prepared("plugctl_insert_" + std::to_string(k), sql, bp);
      }
      if (tx) conn.exec_script("COMMIT");
    } catch (...) {
      if (tx) rollback_quietly(conn);
      throw;
    }
  }

  sdk::Context ctx_;
  InsertConfig cfg_;
  sdk::Mapping mapping_;
  Pool pool_;
  std::string head_, copy_, one_row_;
  bool use_copy_;
  size_t rows_per_statement_ = 1;
  std::mutex types_mu_;
  std::vector<ColumnType> types_;
  std::mutex group_mu_;
  std::condition_variable group_cv_;  // a group ended
  std::condition_variable leader_cv_; // a batch was queued, or a write stopped mapping
  std::deque<Grouped*> group_queue_;
  size_t leaders_ = 0;     // COPYs running
  size_t max_leaders_ = 1; // COPYs at once, each on its own connection (server process)
  size_t preparing_ = 0;
};

} // namespace

PLUGCTL_REGISTER_OUTPUT(SqlInsert, .name = "sql_insert",
                        .summary = "Inserts a row per message into a SQL table (PostgreSQL), a "
                                   "batch per COPY or multi-row INSERT.",
                        .description = kInsertDescription, .spec = insert_spec(),
                        .flags = PLUGCTL_FLAG_CONCURRENT_WRITES, .categories = "Services",
                        .examples = kInsertExamples);

} // namespace plugctl::sql
