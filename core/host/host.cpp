// The ABI 1.2 host services table. Every function validates its handles against NULL and never
// throws: an exception escaping here would cross into plugin code.
#include "host/host.hpp"

#include "bloblang/mapping.hpp"
#include "host/interp.hpp"
#include "http/server.hpp"
#include "registry/spec.hpp"
#include "telemetry/metrics.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace plugctl::core {
namespace {

std::string_view sv(const char* p, size_t n) {
  return p == nullptr ? std::string_view() : std::string_view(p, n);
}
plugctl_bytes bytes(std::string_view s) {
  return {s.data(), s.size()};
}

// --- errors and memory -----------------------------------------------------------------------
void err_set(plugctl_err* err, const char* msg, size_t len) {
  if (err == nullptr) return;
  try {
    err->text.assign(sv(msg, len));
    err->set = true;
  } catch (...) {}
}
void* host_alloc(size_t size) {
  return std::malloc(size == 0 ? 1 : size);
}
void host_free(void* p) {
  std::free(p);
}

// --- context ---------------------------------------------------------------------------------
spdlog::level::level_enum to_spd(int32_t level) {
  switch (level) {
  case PLUGCTL_LOG_TRACE:
    return spdlog::level::trace;
  case PLUGCTL_LOG_DEBUG:
    return spdlog::level::debug;
  case PLUGCTL_LOG_INFO:
    return spdlog::level::info;
  case PLUGCTL_LOG_WARN:
    return spdlog::level::warn;
  default:
    return spdlog::level::err;
  }
}
int32_t log_enabled(const plugctl_ctx* ctx, int32_t level) {
  if (ctx == nullptr || !ctx->logger) return 0;
  return ctx->logger->should_log(to_spd(level)) ? 1 : 0;
}
void log(const plugctl_ctx* ctx, int32_t level, const char* msg, size_t len) {
  if (ctx == nullptr || !ctx->logger) return;
  try {
    ctx->logger->log(to_spd(level), "{}", sv(msg, len));
  } catch (...) {}
}
int32_t ctx_cancelled(const plugctl_ctx* ctx) {
  if (ctx == nullptr || !ctx->cancelled) return 0;
  return ctx->cancelled->load(std::memory_order_relaxed) ? 1 : 0;
}
plugctl_bytes ctx_label(const plugctl_ctx* ctx) {
  if (ctx == nullptr) return {"", 0};
  return bytes(ctx->label.empty() ? ctx->path : ctx->label);
}

// --- config ----------------------------------------------------------------------------------
const boost::json::value* cfg_find(const plugctl_config* cfg, const char* p, size_t n) {
  if (cfg == nullptr || cfg->value == nullptr) return nullptr;
  boost::json::error_code ec;
  const boost::json::value* v = cfg->value->find_pointer(sv(p, n), ec);
  if (ec || v == nullptr || v->is_null()) return nullptr;
  return v;
}
plugctl_status cfg_json(const plugctl_config* cfg, const char* p, size_t n, plugctl_bytes* out) {
  try {
    auto* v = cfg_find(cfg, p, n);
    if (v == nullptr) return PLUGCTL_NOT_FOUND;
    auto& slot = const_cast<plugctl_config*>(cfg)->scratch.emplace_back(boost::json::serialize(*v));
    if (out != nullptr) *out = bytes(slot);
    return PLUGCTL_OK;
  } catch (...) {
    return PLUGCTL_ERROR;
  }
}
plugctl_status cfg_string(const plugctl_config* cfg, const char* p, size_t n, plugctl_bytes* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  if (!v->is_string()) return PLUGCTL_INVALID;
  if (out != nullptr) *out = {v->get_string().data(), v->get_string().size()};
  return PLUGCTL_OK;
}
plugctl_status cfg_int(const plugctl_config* cfg, const char* p, size_t n, int64_t* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  int64_t r = 0;
  if (v->is_int64())
    r = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    r = static_cast<int64_t>(v->get_uint64());
  else if (v->is_double() &&
           v->get_double() == static_cast<double>(static_cast<int64_t>(v->get_double())))
    r = static_cast<int64_t>(v->get_double());
  else
    return PLUGCTL_INVALID;
  if (out != nullptr) *out = r;
  return PLUGCTL_OK;
}
plugctl_status cfg_float(const plugctl_config* cfg, const char* p, size_t n, double* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  double r = 0;
  if (v->is_double())
    r = v->get_double();
  else if (v->is_int64())
    r = static_cast<double>(v->get_int64());
  else if (v->is_uint64())
    r = static_cast<double>(v->get_uint64());
  else
    return PLUGCTL_INVALID;
  if (out != nullptr) *out = r;
  return PLUGCTL_OK;
}
plugctl_status cfg_bool(const plugctl_config* cfg, const char* p, size_t n, int32_t* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  if (!v->is_bool()) return PLUGCTL_INVALID;
  if (out != nullptr) *out = v->get_bool() ? 1 : 0;
  return PLUGCTL_OK;
}
plugctl_status cfg_duration(const plugctl_config* cfg, const char* p, size_t n, int64_t* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  if (v->is_int64()) {
    if (out != nullptr) *out = v->get_int64();
    return PLUGCTL_OK;
  }
  if (!v->is_string()) return PLUGCTL_INVALID;
  if (v->get_string().empty()) return PLUGCTL_NOT_FOUND;
  auto d = parse_duration_ns(std::string_view(v->get_string()));
  if (!d) return PLUGCTL_INVALID;
  if (out != nullptr) *out = *d;
  return PLUGCTL_OK;
}
plugctl_status cfg_size(const plugctl_config* cfg, const char* p, size_t n, size_t* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  size_t r = 0;
  if (v->is_array())
    r = v->get_array().size();
  else if (v->is_object())
    r = v->get_object().size();
  else
    return PLUGCTL_INVALID;
  if (out != nullptr) *out = r;
  return PLUGCTL_OK;
}
plugctl_status cfg_key(const plugctl_config* cfg, const char* p, size_t n, size_t index,
                       plugctl_bytes* out) {
  auto* v = cfg_find(cfg, p, n);
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  if (!v->is_object()) return PLUGCTL_INVALID;
  const auto& o = v->get_object();
  if (index >= o.size()) return PLUGCTL_NOT_FOUND;
  auto it = o.begin() + static_cast<std::ptrdiff_t>(index);
  if (out != nullptr) *out = {it->key().data(), it->key().size()};
  return PLUGCTL_OK;
}

// --- messages --------------------------------------------------------------------------------
plugctl_msg* msg_new(const char* data, size_t len) {
  return handle_of(new Message(sv(data, len)));
}
plugctl_msg* msg_new_wrapped(const char* data, size_t len, plugctl_release_fn release, void* rctx) {
  std::shared_ptr<const void> owner(rctx, [release](const void* c) {
    if (release != nullptr) release(const_cast<void*>(c));
  });
  return handle_of(new Message(std::move(owner), data == nullptr ? "" : data, len));
}
plugctl_msg* msg_copy(const plugctl_msg* m) {
  if (m == nullptr) return nullptr;
  auto* copy = new Message(*msg_of(m));
  return handle_of(copy);
}
void msg_free(plugctl_msg* m) {
  delete msg_of(m);
}
plugctl_bytes msg_payload(const plugctl_msg* m) {
  if (m == nullptr) return {"", 0};
  return bytes(msg_of(m)->payload());
}
void msg_set_payload(plugctl_msg* m, const char* data, size_t len) {
  if (m != nullptr) msg_of(m)->set_payload(sv(data, len));
}
plugctl_status msg_meta_get(const plugctl_msg* m, const char* k, size_t kl, plugctl_bytes* out) {
  if (m == nullptr) return PLUGCTL_INVALID;
  const std::string* v = msg_of(m)->meta(sv(k, kl));
  if (v == nullptr) return PLUGCTL_NOT_FOUND;
  if (out != nullptr) *out = bytes(*v);
  return PLUGCTL_OK;
}
void msg_meta_set(plugctl_msg* m, const char* k, size_t kl, const char* v, size_t vl) {
  if (m != nullptr) msg_of(m)->set_meta(sv(k, kl), sv(v, vl));
}
plugctl_status msg_meta_delete(plugctl_msg* m, const char* k, size_t kl) {
  if (m == nullptr) return PLUGCTL_INVALID;
  return msg_of(m)->delete_meta(sv(k, kl)) ? PLUGCTL_OK : PLUGCTL_NOT_FOUND;
}
size_t msg_meta_count(const plugctl_msg* m) {
  return m == nullptr ? 0 : msg_of(m)->metadata().size();
}
plugctl_status msg_meta_at(const plugctl_msg* m, size_t i, plugctl_bytes* k, plugctl_bytes* v) {
  if (m == nullptr) return PLUGCTL_INVALID;
  const auto& md = msg_of(m)->metadata();
  if (i >= md.size()) return PLUGCTL_NOT_FOUND;
  if (k != nullptr) *k = bytes(md[i].first);
  if (v != nullptr) *v = bytes(md[i].second);
  return PLUGCTL_OK;
}
plugctl_status msg_error_get(const plugctl_msg* m, plugctl_bytes* out) {
  if (m == nullptr) return PLUGCTL_INVALID;
  if (!msg_of(m)->has_error()) return PLUGCTL_NOT_FOUND;
  if (out != nullptr) *out = bytes(msg_of(m)->error());
  return PLUGCTL_OK;
}
void msg_error_set(plugctl_msg* m, const char* t, size_t n) {
  if (m != nullptr) msg_of(m)->set_error(sv(t, n));
}
void msg_error_clear(plugctl_msg* m) {
  if (m != nullptr) msg_of(m)->clear_error();
}

// --- batches ---------------------------------------------------------------------------------
plugctl_batch* batch_new(size_t hint) {
  auto* b = new Batch();
  b->messages.reserve(hint);
  return handle_of(b);
}
void batch_free(plugctl_batch* b) {
  delete batch_of(b);
}
size_t batch_len(const plugctl_batch* b) {
  return b == nullptr ? 0 : batch_of(b)->size();
}
const plugctl_msg* batch_get(const plugctl_batch* b, size_t i) {
  if (b == nullptr || i >= batch_of(b)->size()) return nullptr;
  const Message& m = batch_of(b)->messages[i];
  if (m.empty_slot()) return nullptr;
  return reinterpret_cast<const plugctl_msg*>(&m);
}
plugctl_msg* batch_get_mut(plugctl_batch* b, size_t i) {
  return const_cast<plugctl_msg*>(batch_get(b, i));
}
void batch_push(plugctl_batch* b, plugctl_msg* m) {
  if (m == nullptr) return;
  if (b == nullptr) {
    delete msg_of(m);
    return;
  }
  batch_of(b)->messages.push_back(std::move(*msg_of(m)));
  delete msg_of(m);
}
plugctl_msg* batch_push_copy(plugctl_batch* b, const char* data, size_t len) {
  if (b == nullptr) return nullptr;
  auto& v = batch_of(b)->messages;
  v.emplace_back(sv(data, len));
  return handle_of(&v.back());
}
plugctl_msg* batch_push_shared(plugctl_batch* b, plugctl_shared* s, const char* data, size_t len) {
  if (b == nullptr || s == nullptr) return nullptr;
  auto& v = batch_of(b)->messages;
  v.emplace_back(s->owner, data == nullptr ? "" : data, len);
  return handle_of(&v.back());
}
plugctl_msg* batch_take(plugctl_batch* b, size_t i) {
  if (b == nullptr || i >= batch_of(b)->size()) return nullptr;
  Message& slot = batch_of(b)->messages[i];
  if (slot.empty_slot()) return nullptr;
  auto* m = new Message(std::move(slot));
  slot = Message();
  slot.mark_taken();
  return handle_of(m);
}
size_t batch_payloads(const plugctl_batch* b, size_t start, plugctl_bytes* out, size_t n) {
  if (b == nullptr || out == nullptr) return 0;
  const auto& v = batch_of(b)->messages;
  size_t k = 0;
  for (size_t i = start; i < v.size() && k < n; ++i, ++k)
    out[k] = v[i].empty_slot() ? plugctl_bytes{"", 0} : bytes(v[i].payload());
  return k;
}

// --- shared owners, buffers, results ---------------------------------------------------------
plugctl_shared* shared_new(plugctl_release_fn release, void* rctx) {
  auto* s = new plugctl_shared();
  s->owner = std::shared_ptr<const void>(rctx, [release](const void* c) {
    if (release != nullptr) release(const_cast<void*>(c));
  });
  return s;
}
void shared_unref(plugctl_shared* s) {
  delete s;
}
plugctl_buf* buf_new() {
  return new plugctl_buf();
}
void buf_free(plugctl_buf* b) {
  delete b;
}
void buf_set(plugctl_buf* b, const char* data, size_t len) {
  if (b != nullptr) b->data.assign(sv(data, len));
}
plugctl_bytes buf_data(const plugctl_buf* b) {
  if (b == nullptr) return {"", 0};
  return bytes(b->data);
}
void results_set(plugctl_results* r, size_t i, plugctl_status st, const char* msg, size_t len) {
  if (r != nullptr) r->set(i, st, sv(msg, len));
}

// --- interpolation ---------------------------------------------------------------------------
plugctl_status interp_new(const plugctl_ctx*, const char* text, size_t len, plugctl_interp** out,
                          plugctl_buf* error_text) {
  if (out == nullptr) return PLUGCTL_INVALID;
  try {
    auto* i = new plugctl_interp();
    try {
      i->impl = Interpolation::compile(sv(text, len));
    } catch (...) {
      delete i;
      throw;
    }
    *out = i;
    return PLUGCTL_OK;
  } catch (const std::exception& e) {
    if (error_text != nullptr) error_text->data = e.what();
    return PLUGCTL_INVALID;
  }
}
void interp_free(plugctl_interp* i) {
  delete i;
}
int32_t interp_is_static(const plugctl_interp* i) {
  return i != nullptr && i->impl->is_static() ? 1 : 0;
}
plugctl_status interp_eval(const plugctl_interp* i, const plugctl_batch* b, size_t index,
                           plugctl_buf* out, plugctl_buf* error_text) {
  if (i == nullptr || b == nullptr || out == nullptr) return PLUGCTL_INVALID;
  try {
    std::string result;
    i->impl->eval(*batch_of(b), index, result);
    out->data = std::move(result);
    return PLUGCTL_OK;
  } catch (const std::exception& e) {
    if (error_text != nullptr) error_text->data = e.what();
    return PLUGCTL_ERROR;
  }
}

// --- metrics ---------------------------------------------------------------------------------
plugctl_metric* metric_new(const plugctl_ctx* ctx, int32_t type, const char* name, size_t nlen,
                           const plugctl_bytes* label_names, size_t n) {
  if (ctx == nullptr || (n > 0 && label_names == nullptr) || n > 16) return nullptr;
  try {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i)
      names.emplace_back(sv(label_names[i].ptr, label_names[i].len));
    auto f =
        make_metric_family(type, std::string(sv(name, nlen)), std::move(names),
                           {{"label", ctx->label}, {"path", ctx->path}, {"component", ctx->type}});
    if (!f) return nullptr;
    auto* c = const_cast<plugctl_ctx*>(ctx);
    std::lock_guard lock(c->metrics_mu);
    c->metrics.push_back(std::move(f));
    return reinterpret_cast<plugctl_metric*>(c->metrics.back().get());
  } catch (...) {
    return nullptr;
  }
}
void metric_record(plugctl_metric* m, const plugctl_bytes* values, size_t n, double v) {
  if (m == nullptr) return;
  auto* f = reinterpret_cast<MetricFamily*>(m);
  if (n != f->label_names.size() || (n > 0 && values == nullptr)) return;
  try {
    std::vector<std::string> vals;
    for (size_t i = 0; i < n; ++i)
      vals.emplace_back(sv(values[i].ptr, values[i].len));
    f->record(vals, v);
  } catch (...) {}
}

// Named extension tables (abi/include/plugctl/*.h beside plugctl.h).
const void* get_api(const char* name, uint32_t min_minor) {
  if (name == nullptr || min_minor > PLUGCTL_ABI_MINOR) return nullptr;
  if (std::strcmp(name, PLUGCTL_HTTP_API_NAME) == 0) return http::http_api();
  return nullptr;
}

void batch_meta_set(plugctl_batch* b, size_t start, const char* k, size_t kl, const char* v,
                    size_t vl) {
  if (b == nullptr) return;
  auto& msgs = batch_of(b)->messages;
  if (start >= msgs.size()) return;
  try {
    Message::set_meta_all(msgs.data() + start, msgs.data() + msgs.size(), sv(k, kl), sv(v, vl));
  } catch (...) {}
}

// --- Bloblang mappings (1.1) -------------------------------------------------------------------
plugctl_status mapping_new(const plugctl_ctx*, const char* text, size_t len, plugctl_mapping** out,
                           plugctl_buf* error_text) {
  if (out == nullptr) return PLUGCTL_INVALID;
  try {
    auto m = std::make_unique<plugctl_mapping>();
    m->impl = bloblang::Mapping::parse(sv(text, len));
    *out = m.release();
    return PLUGCTL_OK;
  } catch (const std::exception& e) {
    if (error_text != nullptr) error_text->data = e.what();
    return PLUGCTL_INVALID;
  }
}
void mapping_free(plugctl_mapping* m) {
  delete m;
}
// A run that deleted the message or assigned no root: PLUGCTL_NOT_FOUND, saying which.
plugctl_status no_root(const bloblang::Mapping::Result& r, plugctl_buf* error_text) {
  if (error_text != nullptr)
    error_text->data = r.outcome == bloblang::Mapping::Outcome::Deleted
                           ? "the mapping deleted the message"
                           : "the mapping assigned no root";
  return PLUGCTL_NOT_FOUND;
}

plugctl_status mapping_eval(const plugctl_mapping* m, const plugctl_batch* b, size_t index,
                            plugctl_buf* out, plugctl_buf* error_text) {
  if (m == nullptr || b == nullptr || out == nullptr || index >= batch_of(b)->size())
    return PLUGCTL_INVALID;
  try {
    bloblang::ExecContext ctx(batch_of(b), index);
    ctx.parse_transient(); // the plugin writes the message away: nothing reads the parse again
    auto r = m->impl->run(ctx);
    if (r.outcome != bloblang::Mapping::Outcome::Replaced) return no_root(r, error_text);
    // JSON values are written in place; only bytes and timestamps need converting first.
    out->data.clear();
    if (r.value.is_json())
      bloblang::append_json_text(out->data, r.value.json());
    else
      bloblang::append_json_text(out->data, std::move(r.value).to_json());
    return PLUGCTL_OK;
  } catch (const std::exception& e) {
    if (error_text != nullptr) error_text->data = e.what();
    return PLUGCTL_ERROR;
  }
}

// --- Bloblang mappings as typed values (1.2) --------------------------------------------------
namespace {
// One element of a root array as a typed value (text appended to `out`).
void to_plugctl_value(const boost::json::value& e, plugctl_value& v, std::string& out) {
  v = plugctl_value{};
  switch (e.kind()) {
  case boost::json::kind::null:
    v.type = PLUGCTL_VALUE_NULL;
    break;
  case boost::json::kind::bool_:
    v.type = PLUGCTL_VALUE_BOOL;
    v.num.i = e.get_bool() ? 1 : 0;
    break;
  case boost::json::kind::int64:
    v.type = PLUGCTL_VALUE_INT;
    v.num.i = e.get_int64();
    break;
  case boost::json::kind::uint64:
    if (e.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      v.type = PLUGCTL_VALUE_INT;
      v.num.i = static_cast<int64_t>(e.get_uint64());
    } else {
      v.type = PLUGCTL_VALUE_UINT;
      v.num.u = e.get_uint64();
    }
    break;
  case boost::json::kind::double_:
    v.type = PLUGCTL_VALUE_FLOAT;
    v.num.f = e.get_double();
    break;
  case boost::json::kind::string: {
    const boost::json::string& str = e.get_string();
    v.type = PLUGCTL_VALUE_STRING;
    v.offset = out.size();
    v.len = str.size();
    out.append(str.data(), str.size());
    break;
  }
  default: // object, array
    v.type = PLUGCTL_VALUE_JSON;
    v.offset = out.size();
    bloblang::append_json_text(out, e);
    v.len = out.size() - v.offset;
    break;
  }
}
} // namespace

plugctl_status mapping_eval_values(const plugctl_mapping* m, const plugctl_batch* b, size_t index,
                                   plugctl_value* values, size_t capacity, size_t* count,
                                   plugctl_buf* text, plugctl_buf* error_text) {
  if (m == nullptr || b == nullptr || count == nullptr || text == nullptr ||
      (values == nullptr && capacity > 0) || index >= batch_of(b)->size())
    return PLUGCTL_INVALID;
  try {
    bloblang::ExecContext ctx(batch_of(b), index);
    ctx.parse_transient(); // the plugin writes the message away: nothing reads the parse again
    std::string& out = text->data;
    out.clear();
    size_t n = 0;
    // `root = [ a, b, ... ]`: the elements straight from their expressions, no array built.
    // Inside an array bytes and timestamps are strings (base64, RFC 3339): to_json gives that.
    if (m->impl->run_elements(ctx, [&](const bloblang::Value& e) {
          if (n < capacity) {
            if (e.is_json())
              to_plugctl_value(e.json(), values[n], out);
            else
              to_plugctl_value(e.to_json(), values[n], out);
          }
          ++n;
        })) {
      *count = n;
      return PLUGCTL_OK;
    }
    auto r = m->impl->run(ctx);
    if (r.outcome != bloblang::Mapping::Outcome::Replaced) return no_root(r, error_text);
    if (!r.value.is_array()) {
      if (error_text != nullptr) {
        std::string type(r.value.type_name());
        error_text->data = "the mapping returned " +
                           std::string(type.find_first_of("aeiou") == 0 ? "an " : "a ") + type +
                           ", not an array";
      }
      return PLUGCTL_INVALID;
    }
    const boost::json::array& arr = r.value.json().get_array();
    *count = arr.size();
    for (size_t i = 0; i < std::min(capacity, arr.size()); ++i)
      to_plugctl_value(arr[i], values[i], out);
    return PLUGCTL_OK;
  } catch (const std::exception& e) {
    if (error_text != nullptr) error_text->data = e.what();
    return PLUGCTL_ERROR;
  }
}

plugctl_host make_table() {
  plugctl_host h{};
  h.struct_size = sizeof(plugctl_host);
  h.abi_major = PLUGCTL_ABI_MAJOR;
  h.abi_minor = PLUGCTL_ABI_MINOR;
  h.host_version = PLUGCTL_VERSION;
  h.err_set = err_set;
  h.alloc = host_alloc;
  h.free = host_free;
  h.log_enabled = log_enabled;
  h.log = log;
  h.ctx_cancelled = ctx_cancelled;
  h.ctx_label = ctx_label;
  h.cfg_json = cfg_json;
  h.cfg_string = cfg_string;
  h.cfg_int = cfg_int;
  h.cfg_float = cfg_float;
  h.cfg_bool = cfg_bool;
  h.cfg_duration = cfg_duration;
  h.cfg_size = cfg_size;
  h.cfg_key = cfg_key;
  h.msg_new = msg_new;
  h.msg_new_wrapped = msg_new_wrapped;
  h.msg_copy = msg_copy;
  h.msg_free = msg_free;
  h.msg_payload = msg_payload;
  h.msg_set_payload = msg_set_payload;
  h.msg_meta_get = msg_meta_get;
  h.msg_meta_set = msg_meta_set;
  h.msg_meta_delete = msg_meta_delete;
  h.msg_meta_count = msg_meta_count;
  h.msg_meta_at = msg_meta_at;
  h.msg_error_get = msg_error_get;
  h.msg_error_set = msg_error_set;
  h.msg_error_clear = msg_error_clear;
  h.batch_new = batch_new;
  h.batch_free = batch_free;
  h.batch_len = batch_len;
  h.batch_get = batch_get;
  h.batch_get_mut = batch_get_mut;
  h.batch_push = batch_push;
  h.batch_push_copy = batch_push_copy;
  h.batch_push_shared = batch_push_shared;
  h.batch_take = batch_take;
  h.batch_payloads = batch_payloads;
  h.shared_new = shared_new;
  h.shared_unref = shared_unref;
  h.buf_new = buf_new;
  h.buf_free = buf_free;
  h.buf_set = buf_set;
  h.buf_data = buf_data;
  h.results_set = results_set;
  h.interp_new = interp_new;
  h.interp_free = interp_free;
  h.interp_is_static = interp_is_static;
  h.interp_eval = interp_eval;
  h.metric_new = metric_new;
  h.metric_record = metric_record;
  h.get_api = get_api;
  h.batch_meta_set = batch_meta_set;
  h.mapping_new = mapping_new;
  h.mapping_free = mapping_free;
  h.mapping_eval = mapping_eval;
  h.mapping_eval_values = mapping_eval_values;
  return h;
}

} // namespace

const plugctl_host* host_table() {
  static const plugctl_host table = make_table();
  return &table;
}

plugctl_host_info host_info() {
  plugctl_host_info info{};
  info.struct_size = sizeof(plugctl_host_info);
  info.abi_major = PLUGCTL_ABI_MAJOR;
  info.abi_minor = PLUGCTL_ABI_MINOR;
  info.host_version = PLUGCTL_VERSION;
  info.host = host_table();
  return info;
}

const char* status_name(plugctl_status s) {
  switch (s) {
  case PLUGCTL_OK:
    return "OK";
  case PLUGCTL_ERROR:
    return "ERROR";
  case PLUGCTL_FATAL:
    return "FATAL";
  case PLUGCTL_NOT_CONNECTED:
    return "NOT_CONNECTED";
  case PLUGCTL_END_OF_INPUT:
    return "END_OF_INPUT";
  case PLUGCTL_BACKOFF:
    return "BACKOFF";
  case PLUGCTL_AGAIN:
    return "AGAIN";
  case PLUGCTL_NOT_FOUND:
    return "NOT_FOUND";
  case PLUGCTL_EXISTS:
    return "EXISTS";
  case PLUGCTL_INVALID:
    return "INVALID";
  case PLUGCTL_UNSUPPORTED:
    return "UNSUPPORTED";
  case PLUGCTL_CANCELLED:
    return "CANCELLED";
  default:
    return "UNKNOWN";
  }
}

} // namespace plugctl::core
