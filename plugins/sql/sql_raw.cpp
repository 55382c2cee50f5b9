// processor and output `sql_raw`: one statement per message, its values bound from
// args_mapping.
//
// The processor replaces each message with the rows its statement returned (a JSON array of
// objects) unless exec_only; a message whose statement fails is flagged with the error (and
// the SQLSTATE) and passed on, never dropped.
//
// The output runs a batch's statements in one transaction. When one message's data is at fault
// (a constraint violation, a bad value) the batch is run again under a savepoint per message so
// that only the offending messages fail; any other failure fails the batch, to be retried.
#include "sql_common.hpp"

namespace plugctl::sql {
namespace {

// The statement of message i: the query (interpolated when unsafe_dynamic_query) and its args.
struct Statement {
  std::string sql;
  std::vector<Param> args;
};

class StatementBuilder {
public:
  StatementBuilder(const sdk::Context& ctx, const RawConfig& cfg) : cfg_(cfg) {
    if (cfg_.args_mapping) mapping_.emplace(ctx, *cfg_.args_mapping, "/args_mapping");
    if (cfg_.dynamic) query_.emplace(ctx, cfg_.query);
  }
  // Throws std::runtime_error naming the field at fault.
  void build(const sdk::ConstBatch& batch, size_t i, sdk::Buffer& buf, Statement& out) const {
    if (mapping_) {
      eval_args(*mapping_, batch, i, buf, out.args);
    } else {
      out.args.clear();
    }
    if (query_) {
      try {
        out.sql = std::string(query_->eval(batch, i, buf));
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("query interpolation failed: ") + e.what());
      }
    } else {
      out.sql = cfg_.query;
    }
  }

private:
  const RawConfig& cfg_;
  std::optional<sdk::Mapping> mapping_;
  std::optional<sdk::Interpolated> query_;
};

void bind_args(const std::vector<Param>& args, BoundParams& bp) {
  bp.clear();
  for (const auto& a : args)
    bp.add(a, ColumnType::Other);
}

class SqlRawProcessor final : public sdk::Processor {
public:
  SqlRawProcessor(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_raw(cfg, false)), builder_(ctx, cfg_), pool_(cfg_.conn, ctx) {}

  void process(sdk::Batch& in, sdk::Batch& out) override {
    std::optional<Pool::Lease> lease;
    sdk::Buffer buf;
    Statement st;
    BoundParams bp;
    JsonRows rows;
    for (size_t i = 0, n = in.size(); i < n; ++i) {
      if (!in.present(i)) continue;
      std::string error;
      std::string payload;
      try {
        builder_.build(in, i, buf, st);
        bind_args(st.args, bp);
        if (!lease) lease.emplace(pool_.acquire());
        rows.clear();
        (*lease)->exec(st.sql, bp, cfg_.exec_only ? nullptr : &rows);
        if (!cfg_.exec_only) payload = rows.array();
      } catch (const DbError& e) {
        error = "sql_raw: " + field_error(e);
        if (e.connection_lost() && lease) {
          lease->broken();
          lease.reset(); // the next message reconnects
        }
      } catch (const std::exception& e) {
        error = std::string("sql_raw: ") + e.what();
      }
      sdk::Message m = in.take(i);
      if (!error.empty()) {
        m.ref().set_error(error);
      } else if (!cfg_.exec_only) {
        m.ref().set_payload(payload);
      }
      out.push(std::move(m));
    }
  }

  void close() override { pool_.close(); }

private:
  sdk::Context ctx_;
  RawConfig cfg_;
  StatementBuilder builder_;
  Pool pool_;
};

class SqlRawOutput final : public sdk::Output {
public:
  SqlRawOutput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_raw(cfg, true)), builder_(ctx, cfg_), pool_(cfg_.conn, ctx) {}

  void connect() override {
    try {
      pool_.check();
    } catch (const DbError& e) {
      throw sdk::Error("sql_raw: " + field_error(e));
    }
  }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results& results) override {
    const size_t n = batch.size();
    std::vector<Statement> stmts;
    std::vector<size_t> idx; // batch index of each statement
    stmts.reserve(n);
    bool any_failed = false;
    sdk::Buffer buf;
    for (size_t i = 0; i < n; ++i) {
      Statement st;
      try {
        builder_.build(batch, i, buf, st);
      } catch (const std::exception& e) {
        results.set(i, PLUGCTL_ERROR, std::string("sql_raw: ") + e.what());
        any_failed = true;
        continue;
      }
      stmts.push_back(std::move(st));
      idx.push_back(i);
    }
    if (stmts.empty()) return PLUGCTL_ERROR;

    std::optional<Pool::Lease> lease;
    try {
      lease.emplace(pool_.acquire());
    } catch (const DbError& e) {
      throw sdk::Error("sql_raw: " + std::string(e.what()));
    }
    Connection& conn = **lease;
    BoundParams bp;
    auto run = [&](size_t k) {
      bind_args(stmts[k].args, bp);
      conn.exec(stmts[k].sql, bp);
    };
    try {
      if (stmts.size() == 1) {
        run(0);
      } else {
        conn.exec_script("BEGIN");
        try {
          for (size_t k = 0; k < stmts.size(); ++k)
            run(k);
          conn.exec_script("COMMIT");
        } catch (...) {
          rollback_quietly(conn);
          throw;
        }
      }
    } catch (const DbError& e) {
      if (e.connection_lost()) lease->broken();
      if (!e.row_error()) throw sdk::Error("sql_raw: " + std::string(e.what()));
      std::vector<std::pair<size_t, std::string>> failed;
      try {
        run_isolated(conn, stmts.size(), run, failed);
      } catch (const DbError& e2) {
        if (e2.connection_lost()) lease->broken();
        throw sdk::Error("sql_raw: " + std::string(e2.what()));
      }
      size_t f = 0;
      for (size_t k = 0; k < stmts.size(); ++k) {
        if (f < failed.size() && failed[f].first == k) {
          results.set(idx[k], PLUGCTL_ERROR, "sql_raw: " + failed[f].second);
          ++f;
          any_failed = true;
        } else {
          results.set(idx[k], PLUGCTL_OK);
        }
      }
      return any_failed ? PLUGCTL_ERROR : PLUGCTL_OK;
    }
    if (!any_failed) return PLUGCTL_OK;
    for (size_t k : idx)
      results.set(k, PLUGCTL_OK);
    return PLUGCTL_ERROR;
  }

  void close() override { pool_.close(); }

private:
  sdk::Context ctx_;
  RawConfig cfg_;
  StatementBuilder builder_;
  Pool pool_;
};

} // namespace

PLUGCTL_REGISTER_PROCESSOR(SqlRawProcessor, .name = "sql_raw",
                           .summary = "Runs a SQL statement (PostgreSQL) per message; the rows "
                                      "it returns replace the message as a JSON array.",
                           .description = kRawProcessorDescription, .spec = raw_processor_spec(),
                           .categories = "Services", .examples = kRawProcessorExamples);

PLUGCTL_REGISTER_OUTPUT(SqlRawOutput, .name = "sql_raw",
                        .summary = "Runs a SQL statement (PostgreSQL) per message, a batch per "
                                   "transaction.",
                        .description = kRawOutputDescription, .spec = raw_output_spec(),
                        .flags = PLUGCTL_FLAG_CONCURRENT_WRITES, .categories = "Services",
                        .examples = kRawOutputExamples);

} // namespace plugctl::sql
