#include "bloblang/context.hpp"

#include "message/message.hpp"

#include <optional>

namespace plugctl::bloblang {

namespace {
// The per-thread arena of parse_transient(): a first block in place, so that a small document
// costs no allocation at all.
struct TransientParse {
  alignas(16) unsigned char first[16384];
  json::monotonic_resource arena{first, sizeof first};
  json::parser parser;
  std::optional<json::value> doc;
  bool in_use = false;
};
thread_local TransientParse t_transient;
} // namespace

ExecContext::ExecContext(const core::Batch* batch, size_t index) : batch_(batch), index_(index) {}

ExecContext::~ExecContext() {
  // The members still to be destroyed may hold nodes of the arena; it is only reset by the next
  // transient parse on this thread, after they are gone.
  if (holds_transient_) t_transient.in_use = false;
}

void ExecContext::set_message(std::string content,
                              std::vector<std::pair<std::string, std::string>> meta) {
  batch_ = nullptr;
  own_content_ = std::move(content);
  own_meta_ = std::move(meta);
  parsed_ = nullptr;
  shared_.reset();
  parse_error_.clear();
}

std::string_view ExecContext::content() const {
  if (batch_ != nullptr && index_ < batch_->messages.size())
    return batch_->messages[index_].payload();
  return own_content_;
}

const json::value& ExecContext::parsed() const {
  if (!parsed_ && parse_error_.empty()) {
    const core::Message* msg =
        batch_ != nullptr && index_ < batch_->messages.size() ? &batch_->messages[index_] : nullptr;
    if (msg != nullptr && msg->structured()) {
      shared_ = msg->structured();
      parsed_ = shared_.get();
    } else if (transient_ && !t_transient.in_use) {
      TransientParse& t = t_transient;
      t.in_use = true;
      holds_transient_ = true;
      t.doc.reset();
      t.arena.release();
      t.parser.reset(json::storage_ptr(&t.arena));
      std::string_view c = content();
      boost::system::error_code ec;
      t.parser.write(c.data(), c.size(), ec);
      if (ec) {
        parse_error_ = ec.message().empty() ? "invalid JSON" : ec.message();
        t.parser.reset();
      } else {
        t.doc.emplace(t.parser.release());
        parsed_ = &*t.doc;
      }
    } else {
      std::string_view c = content();
      // One arena per document, sized for it (freed in one go), and a parser kept per thread
      // (its internal stack is reused).
      // The arena is reached through a storage pointer that counts no references (nodes
      // copy and destroy nothing); the document and its arena live and die together, and
      // whatever copies a node out of it must copy it into other storage (see
      // scratch_storage()).
      struct Parsed {
        explicit Parsed(size_t size) : resource(size) {}
        json::monotonic_resource resource;
        std::optional<json::value> doc; // after the arena: destroyed first
      };
      thread_local json::parser parser;
      boost::system::error_code ec;
      auto held = std::make_shared<Parsed>(c.size() * 2 + 256);
      parser.reset(json::storage_ptr(&held->resource));
      parser.write(c.data(), c.size(), ec);
      if (ec) {
        parse_error_ = ec.message().empty() ? "invalid JSON" : ec.message();
        parser.reset(); // drop the arena's pointer before the arena goes
      } else {
        held->doc.emplace(parser.release()); // moved, keeping its storage
        shared_ = std::shared_ptr<const json::value>(held, &*held->doc);
        parsed_ = shared_.get();
        if (msg != nullptr) msg->set_structured(shared_); // later processors reuse it
      }
    }
  }
  if (!parse_error_.empty()) throw EvalError(parse_error_);
  return *parsed_;
}

Value ExecContext::meta(std::string_view key) const {
  if (auto it = meta_set_.find(key); it != meta_set_.end()) {
    if (it->second.is_delete()) return Value();
    return Value(it->second.to_json());
  }
  if (meta_cleared_) return Value();
  if (batch_ != nullptr && index_ < batch_->messages.size()) {
    if (const std::string* v = batch_->messages[index_].meta(key)) return Value::string(*v);
    return Value();
  }
  for (const auto& [k, v] : own_meta_)
    if (k == key) return Value::string(v);
  return Value();
}

json::object ExecContext::meta_all() const {
  json::object out;
  if (!meta_cleared_) {
    if (batch_ != nullptr && index_ < batch_->messages.size()) {
      for (const auto& [k, v] : batch_->messages[index_].metadata())
        out[k] = v;
    } else {
      for (const auto& [k, v] : own_meta_)
        out[k] = v;
    }
  }
  for (const auto& [k, v] : meta_set_) {
    if (v.is_delete())
      out.erase(k);
    else
      out[k] = v.to_json();
  }
  return out;
}

void ExecContext::set_meta(std::string_view key, Value v) {
  meta_set_[std::string(key)] = std::move(v);
}

void ExecContext::clear_meta() {
  meta_set_.clear();
  meta_cleared_ = true;
}

std::optional<std::string> ExecContext::error() const {
  if (batch_ != nullptr && index_ < batch_->messages.size()) {
    const auto& m = batch_->messages[index_];
    if (m.has_error()) return std::string(m.error());
  }
  return std::nullopt;
}

size_t ExecContext::batch_size() const {
  return batch_ != nullptr ? batch_->size() : 1;
}

const Value* ExecContext::var(std::string_view name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

void ExecContext::set_var(std::string_view name, Value v) {
  vars_[std::string(name)] = std::move(v);
}

const Value& ExecContext::null_value() {
  static const Value kNull;
  return kNull;
}

const Value* ExecContext::capture(std::string_view name) const {
  for (auto it = captures_.rbegin(); it != captures_.rend(); ++it)
    if (*it->first == name) return it->second;
  return nullptr;
}

} // namespace plugctl::bloblang
