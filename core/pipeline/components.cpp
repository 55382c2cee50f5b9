#include "pipeline/components.hpp"

#include "loader/loader.hpp"
#include "registry/spec.hpp"
#include "telemetry/logging.hpp"

#include <cstring>
#include <stdexcept>

namespace plugctl::core {
namespace {

template <class T> T copy_vtable(const void* p) {
  T out{};
  uint32_t size = *static_cast<const uint32_t*>(p);
  std::memcpy(&out, p, std::min<size_t>(size, sizeof(T)));
  out.struct_size = std::min<uint32_t>(size, sizeof(T));
  return out;
}

const void* vtable_of(const ComponentConfig& cc) {
  if (cc.entry == nullptr) throw std::runtime_error(describe(cc) + ": unknown component");
  if (cc.entry->vtable == nullptr)
    throw std::runtime_error(describe(cc) + ": component is not loaded");
  return cc.entry->vtable;
}

} // namespace

std::string describe(const ComponentConfig& cc) {
  std::string s = std::string(kind_name(cc.kind)) + " '" + cc.type + "'";
  if (!cc.label.empty()) s += " (label " + cc.label + ")";
  if (!cc.pos.file.empty()) {
    s += " at " + cc.pos.file;
    if (cc.pos.line > 0)
      s += ":" + std::to_string(cc.pos.line) + ":" + std::to_string(cc.pos.column);
  }
  return s;
}

BatchPolicy parse_batch_policy(const boost::json::value& cfg) {
  BatchPolicy p;
  const auto* o = cfg.if_object();
  if (o == nullptr) return p;
  const auto* b = o->if_contains("batching");
  if (b == nullptr || !b->is_object()) return p;
  const auto& bo = b->get_object();
  if (const auto* c = bo.if_contains("count"); c != nullptr && c->is_int64() && c->get_int64() > 0)
    p.count = static_cast<size_t>(c->get_int64());
  if (const auto* c = bo.if_contains("byte_size");
      c != nullptr && c->is_int64() && c->get_int64() > 0)
    p.byte_size = static_cast<size_t>(c->get_int64());
  if (const auto* c = bo.if_contains("period");
      c != nullptr && c->is_string() && !c->get_string().empty()) {
    if (auto d = parse_duration_ns(std::string_view(c->get_string())); d && *d > 0)
      p.period = std::chrono::nanoseconds(*d);
  }
  return p;
}

ComponentBase::ComponentBase(const ComponentConfig& cc,
                             std::shared_ptr<const std::atomic<bool>> cancelled)
    : ctx_(std::make_unique<plugctl_ctx>()), where_(describe(cc)) {
  ctx_->label = cc.label;
  ctx_->path = cc.path;
  ctx_->type = cc.type;
  ctx_->logger = component_logger(cc.label, cc.path);
  ctx_->cancelled = std::move(cancelled);
  if (cc.entry != nullptr) flags_ = cc.entry->flags;
}

void ComponentBase::create(plugctl_create_fn fn, const ComponentConfig& cc) {
  plugctl_config cfg;
  cfg.value = &cc.config;
  plugctl_err err;
  plugctl_status st = fn(ctx_.get(), &cfg, &inst_, &err);
  if (st != PLUGCTL_OK) {
    inst_ = nullptr;
    throw std::runtime_error(where_ + ": " + (err.set ? err.text : std::string(status_name(st))));
  }
  // A NULL instance is valid: a stateless component (tests/plugins/c_plugin.c's c_upper) has
  // nothing to allocate, and the ABI passes the pointer back without looking at it.
  created_ = true;
}

// --- input -------------------------------------------------------------------------------------
InputComponent::InputComponent(const ComponentConfig& cc,
                               std::shared_ptr<const std::atomic<bool>> cancelled)
    : ComponentBase(cc, std::move(cancelled)), ready_("input", where_) {
  vt_ = copy_vtable<plugctl_input_vtable>(vtable_of(cc));
  metrics_ = make_input_metrics(metric_labels());
  create(vt_.create, cc);
}
InputComponent::~InputComponent() {
  close();
  if (created_) vt_.destroy(inst_);
}
plugctl_status InputComponent::connect(std::string& err) {
  plugctl_status st = PLUGCTL_OK;
  if (vt_.connect != nullptr) {
    plugctl_err e;
    st = vt_.connect(inst_, &e);
    if (st != PLUGCTL_OK) err = e.set ? e.text : status_name(st);
  }
  ready_.set(st == PLUGCTL_OK);
  if (metrics_)
    (st == PLUGCTL_OK ? metrics_->connection_up : metrics_->connection_failed)->Increment();
  return st;
}
plugctl_status InputComponent::read(plugctl_read_result& out, std::string& err) {
  out = plugctl_read_result{};
  out.struct_size = sizeof(plugctl_read_result);
  plugctl_err e;
  plugctl_status st = vt_.read_batch(inst_, &out, &e);
  if (st != PLUGCTL_OK && e.set) err = e.text;
  if (st == PLUGCTL_NOT_CONNECTED) {
    ready_.set(false);
    if (metrics_) metrics_->connection_lost->Increment();
  }
  if (st == PLUGCTL_OK && metrics_ && out.batch != nullptr) {
    metrics_->received->Increment(double(batch_of(out.batch)->size()));
    std::lock_guard lock(read_at_mu_);
    read_at_[out.ack_token] = std::chrono::steady_clock::now();
  }
  return st;
}
void InputComponent::ack(uint64_t token, plugctl_status st, std::string_view reason) {
  if (metrics_) {
    std::chrono::steady_clock::time_point at;
    {
      std::lock_guard lock(read_at_mu_);
      auto it = read_at_.find(token);
      if (it != read_at_.end()) {
        at = it->second;
        read_at_.erase(it);
      }
    }
    if (at != std::chrono::steady_clock::time_point{})
      metrics_->latency->Observe(
          double(std::chrono::nanoseconds(std::chrono::steady_clock::now() - at).count()));
  }
  vt_.ack(inst_, token, st, reason.data(), reason.size());
}
void InputComponent::close() {
  if (closed_ || !created_) return;
  closed_ = true;
  if (vt_.close != nullptr) vt_.close(inst_);
}

// --- output ------------------------------------------------------------------------------------
OutputComponent::OutputComponent(const ComponentConfig& cc,
                                 std::shared_ptr<const std::atomic<bool>> cancelled)
    : ComponentBase(cc, std::move(cancelled)), ready_("output", where_) {
  vt_ = copy_vtable<plugctl_output_vtable>(vtable_of(cc));
  metrics_ = make_output_metrics(metric_labels());
  policy_ = parse_batch_policy(cc.config);
  if (const auto* o = cc.config.if_object()) {
    if (const auto* m = o->if_contains("max_in_flight");
        m != nullptr && m->is_int64() && m->get_int64() > 0)
      max_in_flight_ = static_cast<size_t>(m->get_int64());
  }
  // Synchronous writes without CONCURRENT_WRITES are serialised.
  if (!is_async() && !concurrent()) max_in_flight_ = 1;
  create(vt_.create, cc);
}
OutputComponent::~OutputComponent() {
  close();
  if (created_) vt_.destroy(inst_);
}
plugctl_status OutputComponent::connect(std::string& err) {
  plugctl_status st = PLUGCTL_OK;
  if (vt_.connect != nullptr) {
    plugctl_err e;
    st = vt_.connect(inst_, &e);
    if (st != PLUGCTL_OK) err = e.set ? e.text : status_name(st);
  }
  ready_.set(st == PLUGCTL_OK);
  if (metrics_)
    (st == PLUGCTL_OK ? metrics_->connection_up : metrics_->connection_failed)->Increment();
  return st;
}
void OutputComponent::connection_lost() {
  // Counted only: the sink retries the write, which tells whether the output is back.
  if (metrics_) metrics_->connection_lost->Increment();
}
plugctl_status OutputComponent::write(const Batch& b, plugctl_results& r, std::string& err) {
  plugctl_err e;
  plugctl_status st = vt_.write_batch(inst_, handle_of(&b), &r, &e);
  if (st != PLUGCTL_OK) err = e.set ? e.text : status_name(st);
  return st;
}
plugctl_status OutputComponent::write_async(const Batch& b, plugctl_results* r,
                                            plugctl_write_done_fn done, void* done_ctx,
                                            std::string& err) {
  plugctl_err e;
  plugctl_status st = vt_.write_batch_async(inst_, handle_of(&b), r, done, done_ctx, &e);
  if (st != PLUGCTL_OK) err = e.set ? e.text : status_name(st);
  return st;
}
void OutputComponent::close() {
  if (closed_ || !created_) return;
  closed_ = true;
  if (vt_.close != nullptr) vt_.close(inst_);
}

// --- processor ---------------------------------------------------------------------------------
ProcessorComponent::ProcessorComponent(const ComponentConfig& cc,
                                       std::shared_ptr<const std::atomic<bool>> cancelled)
    : ComponentBase(cc, std::move(cancelled)) {
  vt_ = copy_vtable<plugctl_processor_vtable>(vtable_of(cc));
  create(vt_.create, cc);
}
ProcessorComponent::~ProcessorComponent() {
  close();
  if (created_) vt_.destroy(inst_);
}
void ProcessorComponent::process(Batch& in, Batch& out) {
  plugctl_err e;
  plugctl_status st;
  if ((flags_ & PLUGCTL_FLAG_SERIAL) != 0) {
    std::lock_guard lock(serial_);
    st = vt_.process_batch(inst_, handle_of(&in), handle_of(&out), &e);
  } else {
    st = vt_.process_batch(inst_, handle_of(&in), handle_of(&out), &e);
  }
  out.compact();
  if (st == PLUGCTL_OK) return;
  std::string why = e.set ? e.text : std::string("processor failed (") + status_name(st) + ")";
  log().debug("processor failed, flagging {} message(s): {}", in.size(), why);
  for (auto& m : in.messages) {
    if (m.empty_slot()) continue;
    m.set_error(why);
    out.messages.push_back(std::move(m));
  }
}
void ProcessorComponent::close() {
  if (closed_ || !created_) return;
  closed_ = true;
  if (vt_.close != nullptr) vt_.close(inst_);
}

} // namespace plugctl::core
