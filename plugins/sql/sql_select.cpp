// inputs `sql_select` and `sql_raw`: run one query and emit its rows as JSON objects, a batch
// per fetch, then end. sql_select reads through a server-side cursor (DECLARE ... CURSOR in a
// transaction, FETCH fetch_size at a time); sql_raw streams any statement's rows in libpq's
// single-row mode. Either way only one batch of rows is in memory, so a table bigger than
// memory streams.
//
// Delivery: the rows of a query cannot be asked for again one batch at a time, so plugctl
// replays nacked batches itself (PLUGCTL_FLAG_AUTO_REPLAY_NACKS). When the connection is lost
// mid-way the query runs again from the start once reconnected: rows already emitted may come
// again (at-least-once), which the log says.
#include "sql_common.hpp"

namespace plugctl::sql {
namespace {

constexpr const char kCursor[] = "plugctl_cursor";

class SqlQueryInput final : public sdk::Input {
public:
  SqlQueryInput(const sdk::Context& ctx, SelectConfig cfg, const char* component)
      : ctx_(ctx), cfg_(std::move(cfg)), component_(component), pool_(cfg_.conn, ctx) {
    if (cfg_.args_mapping) mapping_.emplace(ctx, *cfg_.args_mapping, "/args_mapping");
    fetch_ = "FETCH " + std::to_string(cfg_.fetch_size) + " FROM " + kCursor;
  }

  void connect() override {
    if (done_ || lease_) return;
    try {
      lease_.emplace(pool_.acquire());
      start();
    } catch (const DbError& e) {
      drop(e.connection_lost());
      throw sdk::Error(component_ + ": " + field_error(e));
    } catch (...) {
      drop(false);
      throw;
    }
  }

  plugctl_status read(sdk::ReadResult& out) override {
    if (done_) return PLUGCTL_END_OF_INPUT;
    if (!lease_) return PLUGCTL_NOT_CONNECTED;
    rows_.clear();
    bool more = true;
    try {
      if (cfg_.use_cursor) {
        (*lease_)->exec(fetch_, BoundParams{}, &rows_);
        more = rows_.rows().size() == cfg_.fetch_size;
        if (!more) (*lease_)->exec_script("COMMIT");
      } else {
        more = (*lease_)->fetch_rows(rows_, cfg_.fetch_size);
      }
    } catch (const DbError& e) {
      if (e.connection_lost()) {
        ctx_.warn(component_ + ": connection lost after " + std::to_string(emitted_) +
                  " row(s): " + e.what() +
                  "; the query runs again from the start once reconnected (rows already "
                  "emitted may repeat)");
        emitted_ = 0;
        drop(true);
        return PLUGCTL_NOT_CONNECTED;
      }
      drop(false);
      done_ = true;
      throw sdk::FatalError(component_ + ": query failed: " + std::string(e.what()));
    }
    if (!more) {
      done_ = true;
      lease_.reset(); // back to the pool, then closed with it
      ctx_.info(component_ + ": query finished after " +
                std::to_string(emitted_ + rows_.rows().size()) + " row(s)");
    }
    if (rows_.rows().empty()) return PLUGCTL_END_OF_INPUT;
    sdk::OwnedBatch batch(rows_.rows().size());
    for (auto& r : rows_.rows())
      batch.push(r);
    emitted_ += rows_.rows().size();
    out.batch.emplace(std::move(batch));
    out.token = ++token_;
    return PLUGCTL_OK;
  }

  // Nacked batches are replayed by plugctl (AUTO_REPLAY_NACKS): only OK arrives here.
  void ack(uint64_t, plugctl_status, std::string_view) override {}

  void close() override {
    drop(false);
    pool_.close();
  }

private:
  void start() {
    BoundParams bp;
    std::vector<Param> args;
    if (mapping_) {
      try {
        args = eval_args_once(*mapping_);
      } catch (const std::exception& e) {
        throw sdk::FatalError(component_ + ": " + e.what());
      }
      for (const auto& a : args)
        bp.add(a, ColumnType::Other);
    }
    Connection& c = **lease_;
    if (cfg_.use_cursor) {
      c.exec_script("BEGIN");
      c.exec(std::string("DECLARE ") + kCursor + " NO SCROLL CURSOR FOR " + cfg_.query, bp);
    } else {
      c.start_stream(cfg_.query, bp);
    }
  }

  void drop(bool broken) {
    if (!lease_) return;
    if (broken) {
      lease_->broken();
    } else {
      (*lease_)->cancel_stream();
      rollback_quietly(**lease_);
    }
    lease_.reset();
  }

  sdk::Context ctx_;
  SelectConfig cfg_;
  std::string component_;
  Pool pool_;
  std::optional<sdk::Mapping> mapping_;
  std::optional<Pool::Lease> lease_;
  std::string fetch_;
  JsonRows rows_;
  bool done_ = false;
  uint64_t token_ = 0;
  size_t emitted_ = 0;
};

class SqlSelect final : public sdk::Input {
public:
  SqlSelect(const sdk::Context& ctx, const sdk::Config& cfg)
      : impl_(ctx, parse_select(cfg), "sql_select") {}
  void connect() override { impl_.connect(); }
  plugctl_status read(sdk::ReadResult& out) override { return impl_.read(out); }
  void ack(uint64_t t, plugctl_status s, std::string_view r) override { impl_.ack(t, s, r); }
  void close() override { impl_.close(); }

private:
  SqlQueryInput impl_;
};

class SqlRawInput final : public sdk::Input {
public:
  SqlRawInput(const sdk::Context& ctx, const sdk::Config& cfg)
      : impl_(ctx, parse_raw_input(cfg), "sql_raw") {}
  void connect() override { impl_.connect(); }
  plugctl_status read(sdk::ReadResult& out) override { return impl_.read(out); }
  void ack(uint64_t t, plugctl_status s, std::string_view r) override { impl_.ack(t, s, r); }
  void close() override { impl_.close(); }

private:
  SqlQueryInput impl_;
};

} // namespace

PLUGCTL_REGISTER_INPUT(SqlSelect, .name = "sql_select",
                       .summary = "Streams the rows of a table (PostgreSQL) as JSON objects "
                                  "through a server-side cursor.",
                       .description = kSelectDescription, .spec = select_spec(),
                       .flags = PLUGCTL_FLAG_AUTO_REPLAY_NACKS, .categories = "Services",
                       .examples = kSelectExamples);

PLUGCTL_REGISTER_INPUT(SqlRawInput, .name = "sql_raw",
                       .summary = "Runs one SQL query (PostgreSQL) and streams its rows as JSON "
                                  "objects.",
                       .description = kRawInputDescription, .spec = raw_input_spec(),
                       .flags = PLUGCTL_FLAG_AUTO_REPLAY_NACKS, .categories = "Services",
                       .examples = kRawInputExamples);

} // namespace plugctl::sql
