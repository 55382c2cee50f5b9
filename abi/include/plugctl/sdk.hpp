// plugctl C++ SDK: header-only helpers over the C ABI in plugctl.h.
//
// A plugin author writes one class per component and one registration line:
//
//   class Upper : public plugctl::sdk::Processor {
//    public:
//     Upper(const plugctl::sdk::Context& ctx, const plugctl::sdk::Config& cfg);
//     void process(plugctl::sdk::Batch& in, plugctl::sdk::Batch& out) override;
//   };
//   PLUGCTL_REGISTER_PROCESSOR(Upper, .name = "upper", .summary = "Upper-cases payloads.",
//                              .spec = plugctl::sdk::Spec().field(...));
//   PLUGCTL_PLUGIN(.name = "example", .version = "1.0.0", .vendor = "Example Inc.");
//
// Exceptions never cross the ABI: every thunk is noexcept and turns a plugctl::sdk::Error into
// its status (anything else into PLUGCTL_ERROR) with the text passed to host->err_set.
// The SDK uses only the standard library; everything in it has hidden visibility, so two plugins
// built with different SDK versions never share a symbol.
#ifndef PLUGCTL_SDK_HPP
#define PLUGCTL_SDK_HPP

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <plugctl/plugctl.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

// A host that links SDK components statically (built-ins) may define PLUGCTL_SDK_HIDDEN empty:
// its classes deriving from hidden SDK classes would otherwise trip -Wattributes.
#if !defined(PLUGCTL_SDK_HIDDEN)
#if defined(__GNUC__)
#define PLUGCTL_SDK_HIDDEN __attribute__((visibility("hidden")))
#else
#define PLUGCTL_SDK_HIDDEN
#endif
#endif

// Two levels: a nested namespace definition (a::b) cannot carry an attribute.
namespace plugctl {
namespace sdk PLUGCTL_SDK_HIDDEN {

// ---------------------------------------------------------------------------------------------
// The host table, set once at entry.
// ---------------------------------------------------------------------------------------------
namespace detail {
inline const plugctl_host*& host_slot() {
  static const plugctl_host* host = nullptr;
  return host;
}
inline uint32_t& negotiated_minor_slot() {
  static uint32_t minor = 0;
  return minor;
}
} // namespace detail

// The host services table. Valid after the entry point ran (or set_host for built-ins).
inline const plugctl_host& host() {
  return *detail::host_slot();
}
inline void set_host(const plugctl_host* host) {
  detail::host_slot() = host;
}
// min(host minor, PLUGCTL_ABI_MINOR): slots after it must not be used.
inline uint32_t negotiated_minor() {
  return detail::negotiated_minor_slot();
}

inline std::string_view view(plugctl_bytes b) {
  return {b.ptr, b.len};
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------
// Throw from any component method; the thunk returns `status` with `what()` as the error text.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string& msg, plugctl_status status = PLUGCTL_ERROR)
      : std::runtime_error(msg), status_(status) {}
  plugctl_status status() const { return status_; }

private:
  plugctl_status status_;
};
// Permanent failure: the host disables the component.
struct FatalError : Error {
  explicit FatalError(const std::string& msg) : Error(msg, PLUGCTL_FATAL) {}
};
// The connection is gone: the host reconnects with backoff.
struct NotConnected : Error {
  explicit NotConnected(const std::string& msg = "not connected")
      : Error(msg, PLUGCTL_NOT_CONNECTED) {}
};
// A config value is missing or of the wrong type.
struct ConfigError : Error {
  explicit ConfigError(const std::string& msg) : Error(msg, PLUGCTL_INVALID) {}
};

namespace detail {
inline void set_error(plugctl_err* err, std::string_view msg) {
  if (detail::host_slot() != nullptr) host().err_set(err, msg.data(), msg.size());
}
// Runs `fn` and converts exceptions into a status and an error text.
template <class Fn> plugctl_status guard(plugctl_err* err, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const Error& e) {
    set_error(err, e.what());
    return e.status() == PLUGCTL_OK ? PLUGCTL_ERROR : e.status();
  } catch (const std::exception& e) {
    set_error(err, e.what());
    return PLUGCTL_ERROR;
  } catch (...) {
    set_error(err, "unknown exception in plugin");
    return PLUGCTL_ERROR;
  }
}
} // namespace detail

// ---------------------------------------------------------------------------------------------
// JSON text helpers (the spec is JSON; the SDK needs no JSON library).
// ---------------------------------------------------------------------------------------------
inline std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  out.push_back('"');
  return out;
}

// A JSON literal for spec defaults and examples.
struct Json {
  std::string text;
  Json(const char* s) : text(json_quote(s)) {}        // NOLINT: implicit by design
  Json(std::string_view s) : text(json_quote(s)) {}   // NOLINT
  Json(const std::string& s) : text(json_quote(s)) {} // NOLINT
  Json(bool b) : text(b ? "true" : "false") {}        // NOLINT
  Json(int v) : text(std::to_string(v)) {}            // NOLINT
  Json(int64_t v) : text(std::to_string(v)) {}        // NOLINT
  Json(double v) {                                    // NOLINT
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    text = buf;
  }
  Json(std::initializer_list<Json> items) { // NOLINT: a JSON array
    text = "[";
    bool first = true;
    for (const auto& j : items) {
      if (!first) text += ",";
      first = false;
      text += j.text;
    }
    text += "]";
  }
  static Json raw(std::string json) {
    Json j(false);
    j.text = std::move(json);
    return j;
  }
  static Json empty_object() { return raw("{}"); }
  static Json empty_array() { return raw("[]"); }
};

// ---------------------------------------------------------------------------------------------
// Config specs
// ---------------------------------------------------------------------------------------------
// One config field. Types: string, int, float, bool, duration, object, any, bloblang, input,
// output, processor. Kinds: scalar, list, map. A field without a default that is not optional
// is required.
class Field {
public:
  Field(std::string name, std::string type, std::string description)
      : name_(std::move(name)), type_(std::move(type)), description_(std::move(description)) {}

  static Field string(std::string name, std::string description) {
    return {std::move(name), "string", std::move(description)};
  }
  static Field integer(std::string name, std::string description) {
    return {std::move(name), "int", std::move(description)};
  }
  static Field number(std::string name, std::string description) {
    return {std::move(name), "float", std::move(description)};
  }
  static Field boolean(std::string name, std::string description) {
    return {std::move(name), "bool", std::move(description)};
  }
  static Field duration(std::string name, std::string description) {
    return {std::move(name), "duration", std::move(description)};
  }
  static Field any(std::string name, std::string description) {
    return {std::move(name), "any", std::move(description)};
  }
  static Field bloblang(std::string name, std::string description) {
    return {std::move(name), "bloblang", std::move(description)};
  }
  static Field object(std::string name, std::string description,
                      std::initializer_list<Field> children) {
    Field f{std::move(name), "object", std::move(description)};
    f.children_.assign(children.begin(), children.end());
    return f;
  }
  static Field component(std::string name, std::string kind, std::string description) {
    return {std::move(name), std::move(kind), std::move(description)};
  }

  Field& list() {
    kind_ = "list";
    return *this;
  }
  Field& map() {
    kind_ = "map";
    return *this;
  }
  Field& default_value(const Json& v) {
    default_ = v.text;
    return *this;
  }
  Field& example(const Json& v) {
    examples_.push_back(v.text);
    return *this;
  }
  Field& options(std::initializer_list<std::string_view> opts) {
    for (auto o : opts)
      options_.emplace_back(o);
    return *this;
  }
  Field& advanced() {
    advanced_ = true;
    return *this;
  }
  Field& optional() {
    optional_ = true;
    return *this;
  }
  Field& secret() {
    secret_ = true;
    return *this;
  }
  Field& deprecated() {
    deprecated_ = true;
    return *this;
  }
  Field& interpolated() {
    interpolated_ = true;
    return *this;
  }
  Field& version(std::string v) {
    version_ = std::move(v);
    return *this;
  }
  Field& child(Field f) {
    children_.push_back(std::move(f));
    return *this;
  }

  std::string json() const {
    std::string out = "{";
    if (!name_.empty()) out += "\"name\":" + json_quote(name_) + ",";
    out += "\"type\":" + json_quote(type_);
    if (kind_ != "scalar") out += ",\"kind\":" + json_quote(kind_);
    if (!description_.empty()) out += ",\"description\":" + json_quote(description_);
    if (default_) out += ",\"default\":" + *default_;
    if (optional_) out += ",\"optional\":true";
    if (advanced_) out += ",\"advanced\":true";
    if (secret_) out += ",\"secret\":true";
    if (deprecated_) out += ",\"deprecated\":true";
    if (interpolated_) out += ",\"interpolated\":true";
    if (!version_.empty()) out += ",\"version\":" + json_quote(version_);
    if (!examples_.empty()) {
      out += ",\"examples\":[";
      for (size_t i = 0; i < examples_.size(); ++i)
        out += (i ? "," : "") + examples_[i];
      out += "]";
    }
    if (!options_.empty()) {
      out += ",\"options\":[";
      for (size_t i = 0; i < options_.size(); ++i)
        out += (i ? "," : "") + json_quote(options_[i]);
      out += "]";
    }
    if (!children_.empty() || type_ == "object") {
      out += ",\"children\":[";
      for (size_t i = 0; i < children_.size(); ++i)
        out += (i ? "," : "") + children_[i].json();
      out += "]";
    }
    out += "}";
    return out;
  }

private:
  std::string name_, type_, description_;
  std::string kind_ = "scalar";
  std::optional<std::string> default_;
  std::vector<std::string> examples_;
  std::vector<std::string> options_;
  bool advanced_ = false, optional_ = false, secret_ = false, deprecated_ = false,
       interpolated_ = false;
  std::string version_;
  std::vector<Field> children_;
};

// The spec of a component's config: an object with fields, or (Spec::scalar) a single value.
class Spec {
public:
  Spec() : root_("", "object", "") {}
  static Spec scalar(Field f) {
    Spec s;
    s.root_ = std::move(f);
    return s;
  }
  Spec& field(Field f) {
    root_.child(std::move(f));
    return *this;
  }
  // The standard `batching` policy field of outputs (the host batches when present).
  Spec& batching() {
    return field(
        Field::object("batching", "Groups messages into batches before writing.",
                      {Field::integer("count", "Messages per batch; 0 disables the count limit.")
                           .default_value(0),
                       Field::integer("byte_size", "Bytes per batch; 0 disables the size limit.")
                           .default_value(0),
                       Field::duration("period", "Flushes an incomplete batch after this long; "
                                                 "empty disables it.")
                           .default_value("")})
            .advanced());
  }
  // The standard `max_in_flight` field of outputs: writes pending at once (running at once with
  // PLUGCTL_FLAG_CONCURRENT_WRITES; awaiting their completion for write_batch_async).
  Spec& max_in_flight(int64_t def) {
    return field(Field::integer("max_in_flight", "Maximum number of batches written at once.")
                     .default_value(def));
  }
  std::string json() const { return root_.json(); }

private:
  Field root_;
};

// ---------------------------------------------------------------------------------------------
// Config reader: typed getters over the host's JSON-pointer config API. `path` is a field name
// ("paths"), a slash path ("tls/enabled") or a JSON pointer ("/paths/0").
// ---------------------------------------------------------------------------------------------
class Config {
public:
  explicit Config(const plugctl_config* cfg) : cfg_(cfg) {}

  bool has(std::string_view path) const {
    auto p = pointer(path);
    plugctl_bytes out{};
    return host().cfg_json(cfg_, p.data(), p.size(), &out) == PLUGCTL_OK;
  }
  std::string string(std::string_view path) const {
    return get<plugctl_bytes, std::string>(path, host().cfg_string, "a string",
                                           [](plugctl_bytes b) { return std::string(view(b)); });
  }
  std::optional<std::string> optional_string(std::string_view path) const {
    if (!has(path)) return std::nullopt;
    return string(path);
  }
  int64_t integer(std::string_view path) const {
    return get<int64_t, int64_t>(path, host().cfg_int, "an integer", [](int64_t v) { return v; });
  }
  double number(std::string_view path) const {
    return get<double, double>(path, host().cfg_float, "a number", [](double v) { return v; });
  }
  bool boolean(std::string_view path) const {
    return get<int32_t, bool>(path, host().cfg_bool, "a boolean", [](int32_t v) { return v != 0; });
  }
  std::chrono::nanoseconds duration(std::string_view path) const {
    return get<int64_t, std::chrono::nanoseconds>(
        path, host().cfg_duration, "a duration like 1s or 500ms",
        [](int64_t v) { return std::chrono::nanoseconds(v); });
  }
  size_t size(std::string_view path) const {
    return get<size_t, size_t>(path, host().cfg_size, "a list or object",
                               [](size_t v) { return v; });
  }
  std::string key(std::string_view path, size_t index) const {
    auto p = pointer(path);
    plugctl_bytes out{};
    if (host().cfg_key(cfg_, p.data(), p.size(), index, &out) != PLUGCTL_OK)
      throw ConfigError("field " + p + ": no member " + std::to_string(index));
    return std::string(view(out));
  }
  std::string json(std::string_view path) const {
    return get<plugctl_bytes, std::string>(path, host().cfg_json, "present",
                                           [](plugctl_bytes b) { return std::string(view(b)); });
  }
  std::vector<std::string> strings(std::string_view path) const {
    std::vector<std::string> out;
    if (!has(path)) return out;
    auto base = pointer(path);
    size_t n = size(path);
    for (size_t i = 0; i < n; ++i)
      out.push_back(string(base + "/" + std::to_string(i)));
    return out;
  }
  // Object members as (key, string value) pairs, e.g. for a map of strings.
  std::vector<std::pair<std::string, std::string>> string_map(std::string_view path) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!has(path)) return out;
    auto base = pointer(path);
    size_t n = size(path);
    for (size_t i = 0; i < n; ++i) {
      auto k = key(path, i);
      out.emplace_back(k, string(base + "/" + escape(k)));
    }
    return out;
  }
  const plugctl_config* raw() const { return cfg_; }

  static std::string pointer(std::string_view path) {
    if (path.empty() || path.front() == '/') return std::string(path);
    return "/" + std::string(path);
  }
  static std::string escape(std::string_view key) {
    std::string out;
    for (char c : key) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out.push_back(c);
    }
    return out;
  }

private:
  template <class Raw, class Out, class Getter, class Conv>
  Out get(std::string_view path, Getter getter, const char* what, Conv conv) const {
    auto p = pointer(path);
    Raw raw{};
    plugctl_status st = getter(cfg_, p.data(), p.size(), &raw);
    if (st == PLUGCTL_NOT_FOUND) throw ConfigError("field " + p + " is required");
    if (st != PLUGCTL_OK) throw ConfigError("field " + p + " must be " + what);
    return conv(raw);
  }
  const plugctl_config* cfg_;
};

// ---------------------------------------------------------------------------------------------
// Instance context: label, logging, cancellation, interpolation, metrics.
// ---------------------------------------------------------------------------------------------
class Interpolated;

class Context {
public:
  explicit Context(const plugctl_ctx* ctx) : ctx_(ctx) {}
  std::string_view label() const { return view(host().ctx_label(ctx_)); }
  bool cancelled() const { return host().ctx_cancelled(ctx_) != 0; }
  bool log_enabled(int32_t level) const { return host().log_enabled(ctx_, level) != 0; }
  void log(int32_t level, std::string_view msg) const {
    host().log(ctx_, level, msg.data(), msg.size());
  }
  void trace(std::string_view m) const { log(PLUGCTL_LOG_TRACE, m); }
  void debug(std::string_view m) const { log(PLUGCTL_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(PLUGCTL_LOG_INFO, m); }
  void warn(std::string_view m) const { log(PLUGCTL_LOG_WARN, m); }
  void error(std::string_view m) const { log(PLUGCTL_LOG_ERROR, m); }
  const plugctl_ctx* raw() const { return ctx_; }

private:
  const plugctl_ctx* ctx_;
};

// ---------------------------------------------------------------------------------------------
// Messages and batches
// ---------------------------------------------------------------------------------------------
class ConstMessage {
public:
  explicit ConstMessage(const plugctl_msg* m) : m_(m) {}
  std::string_view payload() const { return view(host().msg_payload(m_)); }
  std::optional<std::string_view> meta(std::string_view key) const {
    plugctl_bytes out{};
    if (host().msg_meta_get(m_, key.data(), key.size(), &out) != PLUGCTL_OK) return std::nullopt;
    return view(out);
  }
  size_t meta_count() const { return host().msg_meta_count(m_); }
  std::pair<std::string_view, std::string_view> meta_at(size_t i) const {
    plugctl_bytes k{}, v{};
    host().msg_meta_at(m_, i, &k, &v);
    return {view(k), view(v)};
  }
  std::optional<std::string_view> error() const {
    plugctl_bytes out{};
    if (host().msg_error_get(m_, &out) != PLUGCTL_OK) return std::nullopt;
    return view(out);
  }
  const plugctl_msg* raw() const { return m_; }

protected:
  const plugctl_msg* m_;
};

class MessageRef : public ConstMessage {
public:
  explicit MessageRef(plugctl_msg* m) : ConstMessage(m) {}
  void set_payload(std::string_view p) const { host().msg_set_payload(mut(), p.data(), p.size()); }
  void set_meta(std::string_view k, std::string_view v) const {
    host().msg_meta_set(mut(), k.data(), k.size(), v.data(), v.size());
  }
  void delete_meta(std::string_view k) const { host().msg_meta_delete(mut(), k.data(), k.size()); }
  void set_error(std::string_view e) const { host().msg_error_set(mut(), e.data(), e.size()); }
  void clear_error() const { host().msg_error_clear(mut()); }
  plugctl_msg* mut() const { return const_cast<plugctl_msg*>(m_); }
};

// An owned message (freed unless released into a batch).
class Message {
public:
  explicit Message(std::string_view payload) : m_(host().msg_new(payload.data(), payload.size())) {}
  explicit Message(plugctl_msg* owned) : m_(owned) {}
  Message(Message&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  Message& operator=(Message&& o) noexcept {
    if (this != &o) {
      reset();
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message() { reset(); }
  MessageRef ref() const { return MessageRef(m_); }
  MessageRef operator->() = delete;
  plugctl_msg* release() { return std::exchange(m_, nullptr); }
  explicit operator bool() const { return m_ != nullptr; }

private:
  void reset() {
    if (m_ != nullptr) host().msg_free(m_);
    m_ = nullptr;
  }
  plugctl_msg* m_;
};

// One reference to a host refcounted owner of plugin memory, for zero-copy messages
// (Batch::push_shared): each message takes its own reference, and the owned object is deleted
// once, on any thread, when this handle and every message viewing its memory are gone.
class Shared {
public:
  template <class T> static Shared owning(std::unique_ptr<T> object) {
    Shared s(host().shared_new(&delete_object<T>, object.get()));
    object.release(); // the host's release function deletes it from now on
    return s;
  }
  Shared(Shared&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Shared& operator=(Shared&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  ~Shared() { reset(); }
  plugctl_shared* raw() const { return s_; }

private:
  explicit Shared(plugctl_shared* s) : s_(s) {}
  template <class T> static void delete_object(void* p) noexcept { delete static_cast<T*>(p); }
  void reset() {
    if (s_ != nullptr) host().shared_unref(s_);
    s_ = nullptr;
  }
  plugctl_shared* s_;
};

// A read-only batch view (the batch an output writes).
class ConstBatch {
public:
  explicit ConstBatch(const plugctl_batch* b) : b_(b) {}
  size_t size() const { return host().batch_len(b_); }
  bool empty() const { return size() == 0; }
  // Message i; check ok() on the result before use when messages may have been taken.
  ConstMessage operator[](size_t i) const { return ConstMessage(host().batch_get(b_, i)); }
  bool present(size_t i) const { return host().batch_get(b_, i) != nullptr; }
  size_t payloads(size_t start, plugctl_bytes* out, size_t n) const {
    return host().batch_payloads(b_, start, out, n);
  }
  const plugctl_batch* raw() const { return b_; }

protected:
  const plugctl_batch* b_;
};

// A mutable batch view (processor input and output).
class Batch : public ConstBatch {
public:
  explicit Batch(plugctl_batch* b) : ConstBatch(b) {}
  MessageRef at(size_t i) const { return MessageRef(host().batch_get_mut(mut(), i)); }
  void push(Message&& m) const { host().batch_push(mut(), m.release()); }
  MessageRef push(std::string_view payload) const {
    return MessageRef(host().batch_push_copy(mut(), payload.data(), payload.size()));
  }
  MessageRef push_shared(plugctl_shared* owner, std::string_view payload) const {
    return MessageRef(host().batch_push_shared(mut(), owner, payload.data(), payload.size()));
  }
  MessageRef push_shared(const Shared& owner, std::string_view payload) const {
    return push_shared(owner.raw(), payload);
  }
  Message take(size_t i) const { return Message(host().batch_take(mut(), i)); }
  // Sets metadata on every message from index `start` on, in one host call.
  void set_meta(std::string_view k, std::string_view v, size_t start = 0) const {
    host().batch_meta_set(mut(), start, k.data(), k.size(), v.data(), v.size());
  }
  plugctl_batch* mut() const { return const_cast<plugctl_batch*>(b_); }
};

// An owned batch (freed unless released to the host).
class OwnedBatch : public Batch {
public:
  explicit OwnedBatch(size_t capacity_hint = 0) : Batch(host().batch_new(capacity_hint)) {}
  OwnedBatch(OwnedBatch&& o) noexcept : Batch(o.mut()) { o.b_ = nullptr; }
  OwnedBatch& operator=(OwnedBatch&& o) noexcept {
    if (this != &o) {
      host().batch_free(mut());
      b_ = std::exchange(o.b_, nullptr);
    }
    return *this;
  }
  OwnedBatch(const OwnedBatch&) = delete;
  OwnedBatch& operator=(const OwnedBatch&) = delete;
  ~OwnedBatch() {
    if (b_ != nullptr) host().batch_free(mut());
  }
  // Gives up ownership (to the host).
  plugctl_batch* release() {
    plugctl_batch* b = mut();
    b_ = nullptr;
    return b;
  }
};

// A reusable host buffer.
class Buffer {
public:
  Buffer() : b_(host().buf_new()) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { host().buf_free(b_); }
  std::string_view data() const { return view(host().buf_data(b_)); }
  plugctl_buf* raw() const { return b_; }

private:
  plugctl_buf* b_;
};

// A compiled `${! }` interpolated string.
class Interpolated {
public:
  Interpolated(const Context& ctx, std::string_view text) {
    plugctl_interp* out = nullptr;
    Buffer error;
    if (host().interp_new(ctx.raw(), text.data(), text.size(), &out, error.raw()) != PLUGCTL_OK)
      throw ConfigError("bad interpolation '" + std::string(text) +
                        "': " + std::string(error.data()));
    p_ = out;
  }
  Interpolated(Interpolated&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Interpolated(const Interpolated&) = delete;
  Interpolated& operator=(const Interpolated&) = delete;
  ~Interpolated() {
    if (p_ != nullptr) host().interp_free(p_);
  }
  bool is_static() const { return host().interp_is_static(p_) != 0; }
  // Evaluates for message i of the batch; the view lives in `buf` until its next use.
  // Throws Error with the evaluation's message when it fails.
  std::string_view eval(const ConstBatch& batch, size_t i, Buffer& buf) const {
    if (host().interp_eval(p_, batch.raw(), i, buf.raw(), buf.raw()) != PLUGCTL_OK)
      throw Error("interpolation failed: " + std::string(buf.data()));
    return buf.data();
  }

private:
  plugctl_interp* p_ = nullptr;
};

// A compiled Bloblang mapping (host ABI 1.1; a plugin using it sets .abi_minor_required = 1).
class Mapping {
public:
  // `field` names the config field in errors ("field /args_mapping: line 1 char 3: ...").
  Mapping(const Context& ctx, std::string_view text, std::string_view field) {
    if (negotiated_minor() < 1 || !PLUGCTL_HAS_FIELD(&host(), plugctl_host, mapping_eval))
      throw ConfigError("field " + std::string(field) +
                        ": this plugctl cannot run Bloblang mappings for plugins (needs C ABI "
                        ">= 1.1); upgrade plugctl");
    plugctl_mapping* out = nullptr;
    Buffer error;
    if (host().mapping_new(ctx.raw(), text.data(), text.size(), &out, error.raw()) != PLUGCTL_OK)
      throw ConfigError("field " + std::string(field) + ": " + std::string(error.data()));
    p_ = out;
  }
  Mapping(Mapping&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (p_ != nullptr) host().mapping_free(p_);
  }
  // Runs on message i of the batch; returns the root as JSON text, living in `buf` until its
  // next use, or nullopt when the mapping deleted the message or assigned no root. Throws Error
  // with the evaluation's message when it fails.
  std::optional<std::string_view> eval(const ConstBatch& batch, size_t i, Buffer& buf) const {
    plugctl_status st = host().mapping_eval(p_, batch.raw(), i, buf.raw(), buf.raw());
    if (st == PLUGCTL_NOT_FOUND) return std::nullopt;
    if (st != PLUGCTL_OK) throw Error(std::string(buf.data()));
    return buf.data();
  }

  // Whether eval_values is there (host ABI 1.2); without it, use eval and read the JSON text.
  static bool has_values() {
    return negotiated_minor() >= 2 && PLUGCTL_HAS_FIELD(&host(), plugctl_host, mapping_eval_values);
  }
  // Runs on message i of the batch, whose root must be an array: its elements into `out`
  // (resized to their number; the text they point at lives in `text` until its next use).
  // Returns false when the mapping deleted the message or assigned no root. Throws Error when
  // the mapping fails or the root is not an array. Needs has_values().
  bool eval_values(const ConstBatch& batch, size_t i, std::vector<plugctl_value>& out,
                   Buffer& text) const {
    if (out.size() < 8) out.resize(8);
    for (;;) {
      size_t count = 0;
      plugctl_status st = host().mapping_eval_values(p_, batch.raw(), i, out.data(), out.size(),
                                                     &count, text.raw(), text.raw());
      if (st == PLUGCTL_NOT_FOUND) return false;
      if (st != PLUGCTL_OK) throw Error(std::string(text.data()));
      if (count <= out.size()) {
        out.resize(count);
        return true;
      }
      out.resize(count); // room for all, then once more
    }
  }

private:
  plugctl_mapping* p_ = nullptr;
};

// Per-message results of a write.
class Results {
public:
  explicit Results(plugctl_results* r) : r_(r) {}
  void set(size_t i, plugctl_status st, std::string_view msg = {}) const {
    host().results_set(r_, i, st, msg.data(), msg.size());
  }
  plugctl_results* raw() const { return r_; }

private:
  plugctl_results* r_;
};

// ---------------------------------------------------------------------------------------------
// Component base classes. Constructors take (const Context&, const Config&) and may throw.
// ---------------------------------------------------------------------------------------------
struct ReadResult {
  std::optional<OwnedBatch> batch;     // set with PLUGCTL_OK
  uint64_t token = 0;                  // set with PLUGCTL_OK
  std::chrono::nanoseconds backoff{0}; // with PLUGCTL_BACKOFF
};

class Input {
public:
  virtual ~Input() = default;
  virtual void connect() {}
  // Returns PLUGCTL_OK with out.batch and out.token, or AGAIN/BACKOFF/END_OF_INPUT/...
  virtual plugctl_status read(ReadResult& out) = 0;
  // Exactly once per token; status != OK is a nack. Must not throw (errors are logged by you).
  virtual void ack(uint64_t token, plugctl_status status, std::string_view reason) = 0;
  virtual void close() {}
};

class Output {
public:
  virtual ~Output() = default;
  virtual void connect() {}
  // Headline status; set per-message results with results.set(i, ...).
  virtual plugctl_status write(const ConstBatch& batch, const Results& results) = 0;
  virtual void close() {}
};

// Completion handle of an asynchronous write: call exactly once.
class Completion {
public:
  Completion(plugctl_write_done_fn fn, void* ctx) : fn_(fn), ctx_(ctx) {}
  void operator()(plugctl_status st, std::string_view msg = {}) const {
    fn_(ctx_, st, msg.data(), msg.size());
  }

private:
  plugctl_write_done_fn fn_;
  void* ctx_;
};

class AsyncOutput : public Output {
public:
  // Starts the write and calls done exactly once, from any thread. Throwing means "failed now,
  // done will not be called".
  virtual void write_async(const ConstBatch& batch, const Results& results, Completion done) = 0;
};

class Processor {
public:
  virtual ~Processor() = default;
  // Take from `in`, push to `out`. Throwing flags the messages still in `in` (see plugctl.h).
  virtual void process(Batch& in, Batch& out) = 0;
  virtual void close() {}
};

// A processor that maps one message at a time in place; an exception flags that message only.
class MessageProcessor : public Processor {
public:
  virtual void process_message(const MessageRef& msg) = 0;
  void process(Batch& in, Batch& out) override {
    for (size_t i = 0, n = in.size(); i < n; ++i) {
      Message m = in.take(i);
      if (!m) continue;
      try {
        process_message(m.ref());
      } catch (const std::exception& e) {
        m.ref().set_error(e.what());
      }
      out.push(std::move(m));
    }
  }
};

class Cache {
public:
  virtual ~Cache() = default;
  virtual void connect() {}
  virtual std::optional<std::string> get(std::string_view key) = 0;
  virtual void set(std::string_view key, std::string_view value, std::chrono::nanoseconds ttl) = 0;
  // Returns false when the key exists.
  virtual bool add(std::string_view key, std::string_view value, std::chrono::nanoseconds ttl) = 0;
  // Returns false when the key did not exist.
  virtual bool del(std::string_view key) = 0;
  virtual void close() {}
};

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------
// Everything a component tells the host besides its class. Designated initialisers must follow
// this order.
struct ComponentInfo {
  std::string name;
  std::string summary;
  std::string description;
  Spec spec;
  int32_t stability = PLUGCTL_STABILITY_STABLE;
  uint64_t flags = 0;
  std::string categories;
  std::string examples;
};

struct PluginInfo {
  std::string name;
  std::string version;
  std::string vendor;
  std::string license = "Apache-2.0";
  std::string description;
  std::string homepage;
  uint32_t abi_minor_required = 0;
};

namespace detail {

template <class T> T* self(void* inst) {
  return static_cast<T*>(inst);
}

template <class T>
plugctl_status create(const plugctl_ctx* ctx, const plugctl_config* cfg, void** out,
                      plugctl_err* err) noexcept {
  return guard(err, [&] {
    *out = new T(Context(ctx), Config(cfg));
    return PLUGCTL_OK;
  });
}
template <class T> plugctl_status connect(void* inst, plugctl_err* err) noexcept {
  return guard(err, [&] {
    self<T>(inst)->connect();
    return PLUGCTL_OK;
  });
}
template <class T> void close(void* inst) noexcept {
  try {
    self<T>(inst)->close();
  } catch (...) { // close has no error channel; the component logs its own failures
  }
}
template <class T> void destroy(void* inst) noexcept {
  try {
    delete self<T>(inst);
  } catch (...) {}
}

template <class T>
plugctl_status read_batch(void* inst, plugctl_read_result* out, plugctl_err* err) noexcept {
  return guard(err, [&] {
    ReadResult r;
    plugctl_status st = self<T>(inst)->read(r);
    if (st == PLUGCTL_OK) {
      if (!r.batch) throw Error("read returned OK without a batch");
      out->batch = r.batch->release();
      out->ack_token = r.token;
    } else if (st == PLUGCTL_BACKOFF) {
      out->backoff_ns = r.backoff.count();
    }
    return st;
  });
}
template <class T>
void ack(void* inst, uint64_t token, plugctl_status st, const char* reason, size_t len) noexcept {
  try {
    self<T>(inst)->ack(token, st, std::string_view(reason == nullptr ? "" : reason, len));
  } catch (...) {}
}

template <class T>
plugctl_status write_batch(void* inst, const plugctl_batch* b, plugctl_results* r,
                           plugctl_err* err) noexcept {
  return guard(err, [&] { return self<T>(inst)->write(ConstBatch(b), Results(r)); });
}
template <class T>
plugctl_status write_batch_async(void* inst, const plugctl_batch* b, plugctl_results* r,
                                 plugctl_write_done_fn done, void* done_ctx,
                                 plugctl_err* err) noexcept {
  return guard(err, [&] {
    self<T>(inst)->write_async(ConstBatch(b), Results(r), Completion(done, done_ctx));
    return PLUGCTL_OK;
  });
}

template <class T>
plugctl_status process_batch(void* inst, plugctl_batch* in, plugctl_batch* out,
                             plugctl_err* err) noexcept {
  return guard(err, [&] {
    Batch bin(in), bout(out);
    self<T>(inst)->process(bin, bout);
    return PLUGCTL_OK;
  });
}

template <class T>
plugctl_status cache_get(void* inst, const char* k, size_t kl, plugctl_buf* out,
                         plugctl_err* err) noexcept {
  return guard(err, [&] {
    auto v = self<T>(inst)->get(std::string_view(k, kl));
    if (!v) return PLUGCTL_NOT_FOUND;
    host().buf_set(out, v->data(), v->size());
    return PLUGCTL_OK;
  });
}
template <class T>
plugctl_status cache_set(void* inst, const char* k, size_t kl, const char* v, size_t vl,
                         int64_t ttl, plugctl_err* err) noexcept {
  return guard(err, [&] {
    self<T>(inst)->set({k, kl}, {v, vl}, std::chrono::nanoseconds(ttl));
    return PLUGCTL_OK;
  });
}
template <class T>
plugctl_status cache_add(void* inst, const char* k, size_t kl, const char* v, size_t vl,
                         int64_t ttl, plugctl_err* err) noexcept {
  return guard(err, [&] {
    return self<T>(inst)->add({k, kl}, {v, vl}, std::chrono::nanoseconds(ttl)) ? PLUGCTL_OK
                                                                               : PLUGCTL_EXISTS;
  });
}
template <class T>
plugctl_status cache_del(void* inst, const char* k, size_t kl, plugctl_err* err) noexcept {
  return guard(err, [&] { return self<T>(inst)->del({k, kl}) ? PLUGCTL_OK : PLUGCTL_NOT_FOUND; });
}

// A registered component: owns the strings and the C structs the manifest points into.
struct Registered {
  ComponentInfo info;
  std::string spec_json;
  plugctl_component component{};
  plugctl_input_vtable input{};
  plugctl_output_vtable output{};
  plugctl_processor_vtable processor{};
  plugctl_cache_vtable cache{};

  void finish(int32_t kind) {
    spec_json = info.spec.json();
    component.struct_size = sizeof(plugctl_component);
    component.kind = kind;
    component.name = info.name.c_str();
    component.summary = info.summary.c_str();
    component.description = info.description.c_str();
    component.stability = info.stability;
    component.categories = info.categories.c_str();
    component.config_spec_json = spec_json.c_str();
    component.examples_yaml = info.examples.empty() ? nullptr : info.examples.c_str();
    component.flags = info.flags;
  }
};

inline std::vector<std::unique_ptr<Registered>>& registry() {
  static std::vector<std::unique_ptr<Registered>> r;
  return r;
}

template <class T> void register_input(ComponentInfo info) {
  auto r = std::make_unique<Registered>();
  r->info = std::move(info);
  r->input = {sizeof(plugctl_input_vtable),
              0,
              &create<T>,
              &connect<T>,
              &read_batch<T>,
              &ack<T>,
              &close<T>,
              &destroy<T>};
  r->component.vtable = &r->input;
  r->finish(PLUGCTL_KIND_INPUT);
  registry().push_back(std::move(r));
}
template <class T> void register_output(ComponentInfo info) {
  auto r = std::make_unique<Registered>();
  r->info = std::move(info);
  r->output = {sizeof(plugctl_output_vtable),
               0,
               &create<T>,
               &connect<T>,
               &write_batch<T>,
               nullptr,
               &close<T>,
               &destroy<T>};
  if constexpr (std::is_base_of_v<AsyncOutput, T>)
    r->output.write_batch_async = &write_batch_async<T>;
  r->component.vtable = &r->output;
  r->finish(PLUGCTL_KIND_OUTPUT);
  registry().push_back(std::move(r));
}
template <class T> void register_processor(ComponentInfo info) {
  auto r = std::make_unique<Registered>();
  r->info = std::move(info);
  r->processor = {
      sizeof(plugctl_processor_vtable), 0, &create<T>, &process_batch<T>, &close<T>, &destroy<T>};
  r->component.vtable = &r->processor;
  r->finish(PLUGCTL_KIND_PROCESSOR);
  registry().push_back(std::move(r));
}
template <class T> void register_cache(ComponentInfo info) {
  auto r = std::make_unique<Registered>();
  r->info = std::move(info);
  r->cache = {sizeof(plugctl_cache_vtable),
              0,
              &create<T>,
              &connect<T>,
              &cache_get<T>,
              &cache_set<T>,
              &cache_add<T>,
              &cache_del<T>,
              &close<T>,
              &destroy<T>};
  r->component.vtable = &r->cache;
  r->finish(PLUGCTL_KIND_CACHE);
  registry().push_back(std::move(r));
}

template <class Kind, class T> struct Registration {
  explicit Registration(ComponentInfo info) { Kind::template add<T>(std::move(info)); }
};
struct InputKind {
  template <class T> static void add(ComponentInfo i) { register_input<T>(std::move(i)); }
};
struct OutputKind {
  template <class T> static void add(ComponentInfo i) { register_output<T>(std::move(i)); }
};
struct ProcessorKind {
  template <class T> static void add(ComponentInfo i) { register_processor<T>(std::move(i)); }
};
struct CacheKind {
  template <class T> static void add(ComponentInfo i) { register_cache<T>(std::move(i)); }
};

// The manifest of everything registered in this shared object (built once, never freed).
struct ManifestStorage {
  PluginInfo info;
  std::vector<const plugctl_component*> components;
  plugctl_manifest manifest{};
};

inline const plugctl_manifest* build_manifest(const PluginInfo& info) {
  static ManifestStorage* storage = nullptr; // leaked on purpose: plugins are never unloaded
  if (storage != nullptr) return &storage->manifest;
  storage = new ManifestStorage{};
  storage->info = info;
  for (auto& r : registry())
    storage->components.push_back(&r->component);
  auto& m = storage->manifest;
  m.struct_size = sizeof(plugctl_manifest);
  m.abi_major = PLUGCTL_ABI_MAJOR;
  m.abi_minor_built = PLUGCTL_ABI_MINOR;
  m.abi_minor_required = info.abi_minor_required;
  m.name = storage->info.name.c_str();
  m.version = storage->info.version.c_str();
  m.vendor = storage->info.vendor.c_str();
  m.license = storage->info.license.c_str();
  m.description = storage->info.description.c_str();
  m.homepage = storage->info.homepage.empty() ? nullptr : storage->info.homepage.c_str();
  m.components = storage->components.data();
  m.n_components = static_cast<uint32_t>(storage->components.size());
  return &m;
}

inline plugctl_status entry(const plugctl_host_info* info, const plugctl_manifest** out,
                            plugctl_err* err, const PluginInfo& plugin) noexcept {
  if (info == nullptr || info->host == nullptr || out == nullptr) return PLUGCTL_INVALID;
  set_host(info->host);
  if (info->abi_major != PLUGCTL_ABI_MAJOR) {
    set_error(err, "plugin built for plugctl C ABI " + std::to_string(PLUGCTL_ABI_MAJOR) +
                       ", host offers " + std::to_string(info->abi_major));
    return PLUGCTL_UNSUPPORTED;
  }
  // std::min, not ?:, so that `x < 0u` never warns (-Wtype-limits) for a PLUGCTL_ABI_MINOR of 0.
  negotiated_minor_slot() = std::min<uint32_t>(info->abi_minor, PLUGCTL_ABI_MINOR);
  return guard(err, [&] {
    *out = build_manifest(plugin);
    return PLUGCTL_OK;
  });
}

} // namespace detail
} // namespace PLUGCTL_SDK_HIDDEN
} // namespace plugctl

#define PLUGCTL_SDK_CONCAT_(a, b) a##b
#define PLUGCTL_SDK_CONCAT(a, b) PLUGCTL_SDK_CONCAT_(a, b)

#define PLUGCTL_SDK_REGISTER_(KIND, T, ...)                                                        \
  static ::plugctl::sdk::detail::Registration<::plugctl::sdk::detail::KIND, T> PLUGCTL_SDK_CONCAT( \
      plugctl_registration_, __LINE__) {                                                           \
    ::plugctl::sdk::ComponentInfo {                                                                \
      __VA_ARGS__                                                                                  \
    }                                                                                              \
  }

// One line per component: PLUGCTL_REGISTER_INPUT(MyInput, .name = "x", .summary = "...", ...)
#define PLUGCTL_REGISTER_INPUT(T, ...) PLUGCTL_SDK_REGISTER_(InputKind, T, __VA_ARGS__)
#define PLUGCTL_REGISTER_OUTPUT(T, ...) PLUGCTL_SDK_REGISTER_(OutputKind, T, __VA_ARGS__)
#define PLUGCTL_REGISTER_PROCESSOR(T, ...) PLUGCTL_SDK_REGISTER_(ProcessorKind, T, __VA_ARGS__)
#define PLUGCTL_REGISTER_CACHE(T, ...) PLUGCTL_SDK_REGISTER_(CacheKind, T, __VA_ARGS__)

// Once per plugin: PLUGCTL_PLUGIN(.name = "file", .version = "1.0.0", .vendor = "plugctl")
#define PLUGCTL_PLUGIN(...)                                                                        \
  extern "C" PLUGCTL_EXPORT plugctl_status plugctl_plugin_entry_v1(                                \
      const plugctl_host_info* info, const plugctl_manifest** out, plugctl_err* err) {             \
    return ::plugctl::sdk::detail::entry(info, out, err, ::plugctl::sdk::PluginInfo{__VA_ARGS__}); \
  }

#endif // PLUGCTL_SDK_HPP
