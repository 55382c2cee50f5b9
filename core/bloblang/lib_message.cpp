// The functions that read the message and control a mapping: content, json, meta, metadata,
// batch_index, batch_size, error, errored, deleted, nothing, throw, var; and the `bloblang`
// method.
#include "bloblang/mapping.hpp"
#include "bloblang/nodes.hpp"
#include "bloblang/registry.hpp"

namespace plugctl::bloblang {
namespace {

const bool kContent = register_function(
    {.name = "content",
     .category = "Message Info",
     .description = "Returns the full raw contents of the message as bytes."},
    [](ExecContext& ctx, const Args&) { return Value::bytes(std::string(ctx.content())); });

const bool kJson = register_function(
    {.name = "json",
     .category = "Message Info",
     .description = "Returns the message parsed as JSON, or the value at a dot path within it "
                    "(null when absent). Fails when the message is not JSON.",
     .params = {{.name = "path",
                 .type = ParamType::String,
                 .description = "An optional dot path to a field.",
                 .default_value = json::value("")}}},
    [](ExecContext& ctx, const Args& args) {
      const json::value& doc = ctx.parsed();
      std::string path = args.string(0);
      if (path.empty()) return Value::ref(doc);
      Path p;
      size_t start = 0;
      while (start <= path.size()) {
        size_t dot = path.find('.', start);
        if (dot == std::string::npos) dot = path.size();
        p.push_back(path.substr(start, dot - start));
        start = dot + 1;
      }
      const json::value* node = lookup(doc, p);
      return node == nullptr ? Value() : Value::ref(*node);
    });

Value meta_value(ExecContext& ctx, const Args& args) {
  if (!args.has(0)) return Value(json::value(ctx.meta_all()));
  return ctx.meta(args.string(0));
}

const bool kMetadata = register_function(
    {.name = "metadata",
     .category = "Message Info",
     .description = "Returns the value of a metadata key, or all metadata as an object without "
                    "a key. Changes made earlier in the mapping are visible.",
     .params = {{.name = "key",
                 .type = ParamType::String,
                 .description = "An optional metadata key.",
                 .optional = true}}},
    meta_value);

const bool kMeta = register_function(
    {.name = "meta",
     .category = "Message Info",
     .description = "Returns a metadata value as a string, or null when absent (deprecated: "
                    "use `@key` or `metadata(\"key\")`).",
     .status = "deprecated",
     .params = {{.name = "key",
                 .type = ParamType::String,
                 .description = "A metadata key.",
                 .optional = true}}},
    [](ExecContext& ctx, const Args& args) {
      Value v = meta_value(ctx, args);
      if (args.has(0) && !v.is_null()) return Value::string(v.to_string());
      return v;
    });

const bool kBatchIndex =
    register_function({.name = "batch_index",
                       .category = "Message Info",
                       .description = "The index of the message within its batch."},
                      [](ExecContext& ctx, const Args&) {
                        return Value::integer(static_cast<int64_t>(ctx.batch_index()));
                      });

const bool kBatchSize =
    register_function({.name = "batch_size",
                       .category = "Message Info",
                       .description = "The number of messages in the batch."},
                      [](ExecContext& ctx, const Args&) {
                        return Value::integer(static_cast<int64_t>(ctx.batch_size()));
                      });

const bool kError = register_function(
    {.name = "error",
     .category = "Message Info",
     .description = "The error a previous processing step flagged the message with, or null."},
    [](ExecContext& ctx, const Args&) {
      auto e = ctx.error();
      return e ? Value::string(*e) : Value();
    });

const bool kErrored = register_function(
    {.name = "errored",
     .category = "Message Info",
     .description = "Whether a previous processing step flagged the message with an error."},
    [](ExecContext& ctx, const Args&) { return Value::boolean(ctx.error().has_value()); });

const bool kDeleted = register_function(
    {.name = "deleted",
     .category = "General",
     .description = "A value that deletes what it is assigned to: a field, a metadata key, or "
                    "with `root = deleted()` the whole message."},
    [](ExecContext&, const Args&) { return Value::deleted(); });

const bool kNothing =
    register_function({.name = "nothing",
                       .category = "General",
                       .description = "A value that makes an assignment do nothing."},
                      [](ExecContext&, const Args&) { return Value::nothing(); });

const bool kThrow = register_function(
    {.name = "throw",
     .category = "General",
     .description = "Fails the mapping with this error message (which `catch` can recover).",
     .params = {{.name = "why", .type = ParamType::String, .description = "The error message."}}},
    [](ExecContext&, const Args& args) -> Value { throw EvalError(args.string(0)); });

const bool kVar = register_function(
    {.name = "var",
     .category = "General",
     .description = "The value of a variable set with `let` (as `$name`).",
     .params = {{.name = "name", .type = ParamType::String, .description = "The variable."}}},
    [](ExecContext& ctx, const Args& args) {
      std::string n = args.string(0);
      const Value* v = ctx.var(n);
      if (v == nullptr) throw EvalError("variable '" + n + "' undefined");
      return *v;
    });

// `.bloblang(mapping)`: runs a mapping given as a string against the value.
struct ParsedMapping {
  std::shared_ptr<const Mapping> mapping;
};

const bool kBloblang = register_method(
    {.name = "bloblang",
     .category = "Parsing",
     .description = "Executes a Bloblang mapping (given as a string) with the value as `this`.",
     .params = {{.name = "mapping", .type = ParamType::String, .description = "The mapping."}}},
    [](ExecContext&, const Value& target, const Args& args) {
      std::shared_ptr<const Mapping> m;
      if (const auto* st = static_cast<const ParsedMapping*>(args.state()))
        m = st->mapping;
      else
        m = Mapping::parse(args.string(0));
      ExecContext sub;
      sub.push_this(&target);
      Mapping::Result r = m->run(sub);
      if (r.outcome == Mapping::Outcome::Deleted) return Value::deleted();
      if (r.outcome == Mapping::Outcome::Unchanged) return Value::nothing();
      return r.value;
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      try {
        return std::make_shared<ParsedMapping>(ParsedMapping{Mapping::parse(args.string(0))});
      } catch (const ParseError& e) {
        throw std::invalid_argument(e.what());
      }
    });

} // namespace
} // namespace plugctl::bloblang
