// The descriptions and examples of the sql components (shown by `plugctl docs` and `create`).
#include "sql_config.hpp"

namespace plugctl::sql {

const char* const kInsertDescription = R"(Inserts one row per message into a table. The
`args_mapping` turns each message into the row's values, in the order of `columns`; values are
always bound as parameters, never written into the SQL text, so a message cannot inject SQL.

### Batches and transactions

Each batch (see `batching`) is written in one round trip: with no `prefix` or `suffix` as one
`COPY table (columns) FROM STDIN`, otherwise as one multi-row
`INSERT INTO table (columns) VALUES ($1, $2), ($3, $4), ... suffix` (a batch larger than the
protocol's 65,535 parameters is split into several statements inside one transaction). Either
way a batch is written whole or not at all. `max_in_flight` batches are handled at once; COPY
batches are group-committed: a COPY streams in every batch that is ready or still being mapped
(up to 100,000 rows or 200 ms), in one transaction, and each batch keeps its own outcome; one
COPY runs at once per 8 batches in flight, each on its own connection.

### Errors and delivery

- A failed write (the server went away, a timeout) fails the whole batch, which plugctl retries
  with backoff and finally nacks to the input, which sends it again. The pool reconnects with
  backoff (100 ms doubling to 5 s) and logs the outage and the reconnection. Retries can write a
  batch twice if the server committed it but the answer was lost: give the table a primary key
  and use `suffix: ON CONFLICT (key) DO NOTHING` to have every row exactly once.
- When a batch fails because of one row's data (SQLSTATE class 23, integrity constraint
  violation, or 22, data exception), the batch is written again row by row under savepoints:
  only the offending messages fail, with an error that names the table, the server's message and
  its SQLSTATE (`duplicate key value violates unique constraint "t_pkey" (SQLSTATE 23505): Key
  (id)=(1) already exists.`). Route them with a `fallback` output: the error is in the
  `fallback_error` metadata of the message there.
- A message whose `args_mapping` fails, or returns a number of values other than the number of
  columns, fails alone with an error naming `args_mapping` and `columns`.
- When connecting, plugctl checks the table and the columns (errors name `table`, `columns` or
  `dsn`), and runs `init_files` and `init_statement` once.

### Values

Strings, numbers, booleans and null bind as such (PostgreSQL parses the text for the column's
type, so an RFC 3339 string fills a timestamp column); objects and arrays bind as JSON text for
json/jsonb columns, except that a JSON array for an array column (int[], text[], jsonb[], also
multi-dimensional) becomes a PostgreSQL array literal; a string for a bytea column is base64, which is what bytes (`content()`)
become in a mapping's output, and what `sql_select` emits for bytea.)";

const char* const kSelectDescription = R"(Runs `SELECT columns FROM table [WHERE where]
suffix` once and emits every row as a JSON object, then ends (the pipeline stops once everything
was delivered). Values keep their types: integers and floating point numbers and numerics as JSON
numbers (NaN and infinities as strings), booleans, null, json and jsonb as nested values, bytea
as base64 text, timestamps as RFC 3339 text in UTC (`2024-05-01T10:20:30.5Z`), arrays as JSON arrays of
elements typed the same way (nested for more dimensions), everything else as text.

The rows are read through a server-side cursor (`DECLARE ... NO SCROLL CURSOR` in a
transaction), `fetch_size` rows at a time, each fetch one batch: a table bigger than memory
streams. The values of `args_mapping` (run once, without a message) bind the `where`
placeholders.

### Delivery

A nacked batch is kept and sent again by plugctl. If the connection is lost mid-way, the query
runs again from the start once reconnected (logged), so rows already emitted may come again.)";

const char* const kRawInputDescription = R"(Runs one query (any statement that returns rows:
SELECT, VALUES, INSERT ... RETURNING, a function call) and emits every row as a JSON object, then
ends. Rows are streamed as the server sends them (libpq's single-row mode), `fetch_size` rows per
batch, and typed as for `sql_select`. The values of `args_mapping` (run once, without a message)
bind the placeholders `$1`, `$2`, ...)";

const char* const kRawProcessorDescription = R"(Runs a statement for each message, with the
values of `args_mapping` bound to its placeholders, and replaces the message with the rows the
statement returned, as a JSON array of objects typed as `sql_select` types them (an empty array
when it returned none). With `exec_only` the message stays as it was.

A message whose statement fails keeps its content and is flagged with the error (the server's
message and its SQLSTATE), to be handled with `catch`, `switch` on `errored()` or a `fallback`
output. Values are always bound as parameters; `unsafe_dynamic_query` interpolates `${! ... }` in
the query itself and should only be used with trusted content.)";

const char* const kRawOutputDescription = R"(Runs a statement for each message, with the values
of `args_mapping` bound to its placeholders. The statements of a batch run in one transaction.
Errors are handled as by `sql_insert`: a failure of the server or the connection fails and
retries the whole batch; a batch that fails on one message's data (SQLSTATE classes 22 and 23)
runs again under a savepoint per message, so that only the offending messages fail, each with
the server's message and SQLSTATE, ready for a `fallback` output.)";

const char* const kInsertExamples = R"(# Rows from JSON documents, idempotent on the primary key
output:
  sql_insert:
    driver: postgres
    dsn: postgres://plugctl:secret@localhost:5432/app?sslmode=disable
    table: events
    columns: [ id, kind, body, created_at ]
    args_mapping: root = [ this.id, this.kind, this.body, this.created_at ]
    suffix: ON CONFLICT (id) DO NOTHING
    init_statement: |
      CREATE TABLE IF NOT EXISTS events (
        id bigint PRIMARY KEY, kind text, body jsonb, created_at timestamptz)
    batching:
      count: 1000
      period: 1s
)";

const char* const kSelectExamples = R"(# Every event of a kind, in id order
input:
  sql_select:
    driver: postgres
    dsn: postgres://plugctl:secret@localhost:5432/app?sslmode=disable
    table: events
    columns: [ id, kind, body, created_at ]
    where: kind = $1
    args_mapping: root = [ "signup" ]
    suffix: ORDER BY id
)";

const char* const kRawInputExamples = R"(# The result of any query
input:
  sql_raw:
    driver: postgres
    dsn: postgres://plugctl:secret@localhost:5432/app?sslmode=disable
    query: SELECT kind, count(*) AS n FROM events WHERE created_at > $1 GROUP BY kind
    args_mapping: root = [ now().ts_sub_iso8601("P1D") ]
)";

const char* const kRawProcessorExamples = R"(# Enrich each message with the user's row
pipeline:
  processors:
    - branch:
        request_map: root = this.user_id
        processors:
          - sql_raw:
              driver: postgres
              dsn: postgres://plugctl:secret@localhost:5432/app?sslmode=disable
              query: SELECT name, email FROM users WHERE id = $1
              args_mapping: root = [ this ]
        result_map: root.user = this.index(0)
)";

const char* const kRawOutputExamples = R"(# An upsert per message
output:
  sql_raw:
    driver: postgres
    dsn: postgres://plugctl:secret@localhost:5432/app?sslmode=disable
    query: |
      INSERT INTO counters (name, n) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET n = counters.n + EXCLUDED.n
    args_mapping: root = [ this.name, this.n ]
)";

} // namespace plugctl::sql
