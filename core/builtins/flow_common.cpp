#include "builtins/flow_common.hpp"

#include <stdexcept>

namespace plugctl::core::builtins::flow {

namespace json = boost::json;

ProcessorNodes build_children(const ComponentConfig& cc, const std::string& prefix,
                              BuildContext& ctx) {
  ProcessorNodes out;
  for (const ComponentConfig* child : nested_under(cc, prefix))
    out.push_back(build_processor(*child, ctx));
  return out;
}

const json::value& config_at(const ComponentConfig& cc, std::string_view pointer) {
  static const json::value kNull;
  if (pointer.empty()) return cc.config;
  boost::system::error_code ec;
  const json::value* v = cc.config.find_pointer(pointer, ec);
  return v != nullptr ? *v : kNull;
}

std::string config_string(const ComponentConfig& cc, std::string_view pointer) {
  const json::value& v = config_at(cc, pointer);
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

bool config_bool(const ComponentConfig& cc, std::string_view pointer) {
  const json::value& v = config_at(cc, pointer);
  return v.is_bool() && v.get_bool();
}

int64_t config_int(const ComponentConfig& cc, std::string_view pointer) {
  const json::value& v = config_at(cc, pointer);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  return 0;
}

std::shared_ptr<const bloblang::Mapping>
compile_mapping(const ComponentConfig& cc, const std::string& field, const std::string& text) {
  if (text.empty()) return nullptr;
  try {
    return bloblang::Mapping::parse(text);
  } catch (const bloblang::ParseError& e) {
    throw std::runtime_error(describe(cc) + ": " + cc.path + "." + cc.type + "." + field +
                             ": failed to parse mapping: " + e.what() + "\n" + e.caret());
  }
}

bool Check::test(const Batch& batch, size_t index) const {
  if (!mapping_) return true;
  bloblang::ExecContext ctx(&batch, index);
  bloblang::Mapping::Result r = mapping_->run(ctx);
  switch (r.outcome) {
  case bloblang::Mapping::Outcome::Replaced:
    if (r.value.kind() == bloblang::Value::Kind::Bool) return r.value.json().get_bool();
    throw bloblang::TypeError(r.value, {"bool"}, "check");
  case bloblang::Mapping::Outcome::Deleted:
    throw bloblang::TypeError(bloblang::Value::deleted(), {"bool"}, "check");
  case bloblang::Mapping::Outcome::Unchanged:
    break;
  }
  throw bloblang::TypeError(bloblang::Value::nothing(), {"bool"}, "check");
}

std::shared_ptr<spdlog::logger> logger_of(const ComponentConfig& cc) {
  return component_logger(cc.label, cc.path);
}

void append(Batch& to, Batch&& from) {
  if (to.messages.empty()) {
    to.messages = std::move(from.messages);
    return;
  }
  to.messages.reserve(to.messages.size() + from.messages.size());
  for (auto& m : from.messages)
    to.messages.push_back(std::move(m));
  from.messages.clear();
}

void run_skipping_errored(ProcessorNode& p, Batch& unit) {
  size_t errored = 0;
  for (const auto& m : unit.messages)
    errored += m.has_error() ? 1 : 0;
  if (errored == unit.size()) return;
  if (errored == 0) {
    p.process(unit);
    return;
  }
  // Mixed (a message split earlier in the chain, some parts failed): only the clean ones go on.
  Batch front, work, back;
  for (auto& m : unit.messages) {
    if (!m.has_error())
      work.messages.push_back(std::move(m));
    else
      (work.empty() ? front : back).messages.push_back(std::move(m));
  }
  p.process(work);
  unit.messages.clear();
  append(unit, std::move(front));
  append(unit, std::move(work));
  append(unit, std::move(back));
}

} // namespace plugctl::core::builtins::flow
