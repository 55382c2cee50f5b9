// What a running Bloblang query can see: the context value (`this`), the document being built
// (`root`), metadata, variables, and the message/batch it runs against.
#pragma once

#include "bloblang/value.hpp"

#include <boost/container/small_vector.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::core {
class Message;
struct Batch;
} // namespace plugctl::core

namespace plugctl::bloblang {

class ExecContext {
public:
  // --- the message ---------------------------------------------------------------------------
  // Raw bytes of the message (`content()`), "" without a message.
  std::string_view content() const;
  // The message parsed as JSON (`this` at the top level, `json()`): throws EvalError with the
  // parse error when the content is not JSON. Parsed once per message.
  const json::value& parsed() const;
  // Metadata (`@key`, `metadata("key")`, `meta("key")`): values set by this mapping keep their
  // type; values on the message are strings. Null when absent.
  Value meta(std::string_view key) const;
  // All metadata as an object (`@`, `metadata()`).
  json::object meta_all() const;
  void set_meta(std::string_view key, Value v); // deleted() removes
  void clear_meta();                            // `meta = deleted()`
  // The error flag of the message (`error()`, `errored()`).
  std::optional<std::string> error() const;
  // Position in the batch (`batch_index()`), batch size (`batch_size()`).
  size_t batch_index() const { return index_; }
  size_t batch_size() const;
  // Another message of the batch parsed as JSON (`json()` of other messages is not Bloblang;
  // kept for `from(i)` later).

  // --- the context (`this`) and named captures (`x -> ...`) ---------------------------------
  // The current context value; null when nothing was pushed.
  const Value& this_value() const {
    return this_stack_.empty() ? null_value() : *this_stack_.back();
  }
  bool has_this() const { return !this_stack_.empty(); }
  void push_this(const Value* v) { this_stack_.push_back(v); }
  void pop_this() { this_stack_.pop_back(); }
  const Value* capture(std::string_view name) const;
  void push_capture(const std::string* name, const Value* v) { captures_.push_back({name, v}); }
  void pop_capture() { captures_.pop_back(); }

  // --- variables and the output document ------------------------------------------------------
  const Value* var(std::string_view name) const;
  void set_var(std::string_view name, Value v);
  void erase_var(std::string_view name) {
    if (auto it = vars_.find(name); it != vars_.end()) vars_.erase(it);
  }
  // The document being built (`root`): nothing() until assigned.
  Value& root() { return root_; }
  // Swaps the variables (maps applied with `apply` get their own).
  std::map<std::string, Value, std::less<>> swap_vars(std::map<std::string, Value, std::less<>> v) {
    std::swap(v, vars_);
    return v;
  }

  // --- set up by the executor ----------------------------------------------------------------
  ExecContext() = default;
  ExecContext(const core::Batch* batch, size_t index);
  ~ExecContext();
  ExecContext(const ExecContext&) = delete;
  ExecContext& operator=(const ExecContext&) = delete;
  // Parses the message for this context only, into a per-thread arena that the next such
  // context on the thread reuses, instead of caching the document on the message: for a
  // plugin's one-off mapping of a message it is about to write (ABI mapping_eval), where
  // nothing reads the parse again. (Falls back to the cached parse when the thread's arena is
  // taken by a context still alive.)
  void parse_transient() { transient_ = true; }
  // For tests and `plugctl blobl`: a standalone message.
  void set_message(std::string content, std::vector<std::pair<std::string, std::string>> meta = {});

  // Keeps an arena alive as long as this context (Mapping::run: variables, metadata and the
  // root of a run may live in the run's arena; see scratch_storage()).
  void keep(const std::shared_ptr<const void>& owner) {
    if (!owner || owner == keep_) return;
    if (keep_) more_.push_back(std::move(keep_)); // a context used for several runs
    keep_ = owner;
  }

  // Metadata edits to apply to the message when the mapping succeeds.
  const std::map<std::string, Value, std::less<>>& meta_changes() const { return meta_set_; }
  bool meta_cleared() const { return meta_cleared_; }

private:
  static const Value& null_value();
  // First, so destroyed last: the values below never outlive their arenas.
  std::vector<std::shared_ptr<const void>> more_;
  std::shared_ptr<const void> keep_;
  const core::Batch* batch_ = nullptr;
  size_t index_ = 0;
  // Standalone message (when there is no batch).
  std::string own_content_;
  std::vector<std::pair<std::string, std::string>> own_meta_;
  mutable const json::value* parsed_ = nullptr;
  mutable std::shared_ptr<const json::value> shared_;
  mutable std::string parse_error_;
  bool transient_ = false;
  mutable bool holds_transient_ = false;
  std::map<std::string, Value, std::less<>> meta_set_; // typed overlay, deleted() = removed
  bool meta_cleared_ = false;
  std::map<std::string, Value, std::less<>> vars_;
  // Inline room for a few levels (match subjects, lambdas): pushing allocates nothing.
  boost::container::small_vector<const Value*, 4> this_stack_;
  boost::container::small_vector<std::pair<const std::string*, const Value*>, 2> captures_;
  Value root_ = Value::nothing();
};

} // namespace plugctl::bloblang
