#include "bloblang/registry.hpp"

#include "bloblang/query.hpp"

#include <algorithm>
#include <map>
#include <mutex>

namespace plugctl::bloblang {
namespace {

struct Tables {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<FunctionEntry>, std::less<>> functions;
  std::map<std::string, std::unique_ptr<MethodEntry>, std::less<>> methods;
};

Tables& tables() {
  static Tables t;
  return t;
}

std::string param_name(const Args& a, size_t i) {
  if (a.spec_ != nullptr && i < a.spec_->params.size()) return a.spec_->params[i].name;
  return std::to_string(i);
}

} // namespace

std::string Args::string(size_t i) const {
  const Value& v = values_.at(i);
  if (v.kind() == Value::Kind::String || v.kind() == Value::Kind::Bytes) return v.get_string();
  throw EvalError("field " + param_name(*this, i) + ": " + TypeError(v, {"string"}).what());
}

int64_t Args::integer(size_t i) const {
  const Value& v = values_.at(i);
  if (v.is_number()) return v.get_int();
  throw EvalError("field " + param_name(*this, i) + ": " + TypeError(v, {"number"}).what());
}

double Args::number(size_t i) const {
  const Value& v = values_.at(i);
  if (v.is_number()) return v.get_number();
  throw EvalError("field " + param_name(*this, i) + ": " + TypeError(v, {"number"}).what());
}

bool Args::boolean(size_t i) const {
  const Value& v = values_.at(i);
  if (v.kind() == Value::Kind::Bool) return v.get_bool();
  throw EvalError("field " + param_name(*this, i) + ": " + TypeError(v, {"bool"}).what());
}

const Query& Args::query(size_t i) const {
  if (i >= queries_.size() || queries_[i] == nullptr)
    throw EvalError("field " + param_name(*this, i) + ": expected a query");
  return *queries_[i];
}

bool register_function(Spec spec, FunctionImpl impl, Prepare prepare) {
  auto& t = tables();
  std::lock_guard lock(t.mu);
  std::string name = spec.name;
  t.functions[name] = std::make_unique<FunctionEntry>(
      FunctionEntry{std::move(spec), std::move(impl), std::move(prepare)});
  return true;
}

bool register_method(Spec spec, MethodImpl impl, Prepare prepare) {
  auto& t = tables();
  std::lock_guard lock(t.mu);
  std::string name = spec.name;
  t.methods[name] = std::make_unique<MethodEntry>(
      MethodEntry{std::move(spec), std::move(impl), std::move(prepare)});
  return true;
}

const FunctionEntry* find_function(std::string_view name) {
  auto& t = tables();
  std::lock_guard lock(t.mu);
  auto it = t.functions.find(name);
  return it == t.functions.end() ? nullptr : it->second.get();
}

const MethodEntry* find_method(std::string_view name) {
  auto& t = tables();
  std::lock_guard lock(t.mu);
  auto it = t.methods.find(name);
  return it == t.methods.end() ? nullptr : it->second.get();
}

std::vector<const FunctionEntry*> all_functions() {
  auto& t = tables();
  std::lock_guard lock(t.mu);
  std::vector<const FunctionEntry*> out;
  for (const auto& [k, v] : t.functions)
    out.push_back(v.get());
  return out;
}

std::vector<const MethodEntry*> all_methods() {
  auto& t = tables();
  std::lock_guard lock(t.mu);
  std::vector<const MethodEntry*> out;
  for (const auto& [k, v] : t.methods)
    out.push_back(v.get());
  return out;
}

} // namespace plugctl::bloblang
