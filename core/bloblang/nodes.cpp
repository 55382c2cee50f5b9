#include "bloblang/nodes.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace plugctl::bloblang {
namespace {

// An error already wrapped as "failed assignment (line N): ..." (not wrapped again).
struct AssignmentError : EvalError {
  using EvalError::EvalError;
};

// Key equality without a library call (keys are short).
inline bool same_key(json::string_view k, std::string_view key) {
  const size_t n = key.size();
  if (k.size() != n) return false;
  const char* a = k.data();
  const char* b = key.data();
  // Word compares, the last one overlapping the previous ones.
  auto eq8 = [&](size_t i) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    return x == y;
  };
  auto eq4 = [&](size_t i) {
    uint32_t x, y;
    std::memcpy(&x, a + i, 4);
    std::memcpy(&y, b + i, 4);
    return x == y;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (!eq8(i)) return false;
    return eq8(n - 8);
  }
  if (n >= 4) return eq4(0) && eq4(n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// The member `key` of `o`: small objects (most documents) are scanned comparing lengths and
// first bytes inline; larger ones use the object's hash index.
inline const json::value* find_key(const json::object& o, std::string_view key) {
  if (o.size() > 16) return o.if_contains(key);
  for (const auto& kv : o) {
    if (same_key(kv.key(), key)) return &kv.value();
  }
  return nullptr;
}
inline json::value* find_key(json::object& o, std::string_view key) {
  return const_cast<json::value*>(find_key(static_cast<const json::object&>(o), key));
}

bool is_int_index(const std::string& s, size_t& out) {
  if (s.empty() || s.size() > 18) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  out = v;
  return true;
}

// Type-mismatch wording of arithmetic: "cannot add types string (from field `this.a`) and
// number (from number literal)".
[[noreturn]] void mismatch(const char* op, const Query& l, const Query& r, const Value& a,
                           const Value& b) {
  throw EvalError(std::string("cannot ") + op + " types " + std::string(a.type_name()) + " (from " +
                  l.annotation() + ") and " + std::string(b.type_name()) + " (from " +
                  r.annotation() + ")");
}

const char* op_word(Arith::Op op) {
  switch (op) {
  case Arith::Op::Add:
    return "add";
  case Arith::Op::Sub:
    return "subtract";
  case Arith::Op::Div:
    return "divide";
  case Arith::Op::Mul:
    return "multiply";
  case Arith::Op::Mod:
    return "modulo";
  case Arith::Op::And:
    return "boolean and";
  case Arith::Op::Or:
    return "boolean or";
  case Arith::Op::Pipe:
    return "coalesce";
  default:
    return "compare";
  }
}

// A JSON number as a double (as json::value::to_number<double>, without its error handling).
inline double as_double(const json::value& v) {
  switch (v.kind()) {
  case json::kind::double_:
    return v.get_double();
  case json::kind::int64:
    return static_cast<double>(v.get_int64());
  case json::kind::uint64:
    return static_cast<double>(v.get_uint64());
  default:
    return 0;
  }
}

// Numbers degrade as Benthos does: float if either side is a float, then signed, then unsigned.
template <class IntFn, class UIntFn, class FloatFn>
Value numeric(const Arith& n, const Value& a, const Value& b, IntFn ifn, UIntFn ufn, FloatFn ffn) {
  if (!a.is_number() || !b.is_number()) mismatch(op_word(n.op), *n.lhs, *n.rhs, a, b);
  const auto &x = a.json(), &y = b.json();
  if (x.is_double() || y.is_double()) return ffn(as_double(x), as_double(y));
  if (x.is_int64() || y.is_int64()) return ifn(a.get_int(), b.get_int());
  return ufn(x.get_uint64(), y.get_uint64());
}

bool textual(const Value& v) {
  return v.kind() == Value::Kind::String || v.kind() == Value::Kind::Bytes;
}

Value compare(const Arith& n, const Value& a, const Value& b) {
  using Op = Arith::Op;
  bool eq_only = n.op == Op::Eq || n.op == Op::Neq;
  auto generic = [&] {
    bool e = equal(a, b);
    return Value::boolean(n.op == Op::Eq ? e : !e);
  };
  auto order = [&](auto l, auto r) {
    switch (n.op) {
    case Op::Eq:
      return l == r;
    case Op::Neq:
      return l != r;
    case Op::Gt:
      return l > r;
    case Op::Lt:
      return l < r;
    case Op::Gte:
      return l >= r;
    default:
      return l <= r;
    }
  };
  if (textual(a)) {
    if (!textual(b)) {
      if (eq_only) return generic();
      mismatch("compare", *n.lhs, *n.rhs, a, b);
    }
    return Value::boolean(order(a.text_view(), b.text_view()));
  }
  if (a.kind() == Value::Kind::Timestamp) {
    // Timestamps compare as their RFC 3339 text would not: compare instants.
    if (b.kind() != Value::Kind::Timestamp) {
      if (eq_only) return generic();
      mismatch("compare", *n.lhs, *n.rhs, a, b);
    }
    auto l = std::pair(a.ts().sec, a.ts().nsec), r = std::pair(b.ts().sec, b.ts().nsec);
    return Value::boolean(order(l, r));
  }
  if (a.is_number()) {
    if (!b.is_number()) {
      if (eq_only) return generic();
      mismatch("compare", *n.lhs, *n.rhs, a, b);
    }
    const auto &x = a.json(), &y = b.json();
    if (x.is_double() || y.is_double()) return Value::boolean(order(as_double(x), as_double(y)));
    if (x.is_int64() || y.is_int64()) {
      if (x.is_uint64() && x.get_uint64() > static_cast<uint64_t>(INT64_MAX))
        return Value::boolean(order(1, 0));
      if (y.is_uint64() && y.get_uint64() > static_cast<uint64_t>(INT64_MAX))
        return Value::boolean(order(0, 1));
      return Value::boolean(order(a.get_int(), b.get_int()));
    }
    return Value::boolean(order(x.get_uint64(), y.get_uint64()));
  }
  if (a.kind() == Value::Kind::Bool) {
    if (!eq_only) mismatch("compare", *n.lhs, *n.rhs, a, b);
    if (b.kind() != Value::Kind::Bool && !b.is_number()) return generic();
    bool rb = b.get_bool();
    return Value::boolean(n.op == Op::Eq ? a.get_bool() == rb : a.get_bool() != rb);
  }
  if (!eq_only) mismatch("compare", *n.lhs, *n.rhs, a, b);
  return generic();
}

// A copy of `v` allocated from `sp` (the storage of the document it goes into).
json::value owned_in(const Value& v, const json::storage_ptr& sp) {
  if (v.is_json()) return json::value(v.json(), sp);
  return json::value(v.to_json(), sp);
}

// `v` as a JSON value to store into a container allocated from `sp`: an owned JSON value is
// moved (JSON copies it only when its storage differs), a borrowed one is copied into `sp`
// first (it may point into the container being modified).
json::value taken_in(Value&& v, const json::storage_ptr& sp) {
  if (v.is_json() && !v.is_ref()) return json::value(std::move(v.mut_json()), sp);
  return owned_in(v, sp);
}

// Ends the life of `slot` before another value is built in its place: nothing to do (no
// library call) in an arena whose deallocation is a no-op.
inline void drop(json::value& slot) {
  if (!slot.storage().is_not_shared_and_deallocate_is_trivial()) slot.~value();
}

// slot = v, where slot is a member or element of a container allocated from the slot's
// storage. An owned value of that storage is relocated without a library call; anything else
// is copied into the storage.
void put_value(json::value& slot, Value&& v) {
  const json::storage_ptr& sp = slot.storage();
  if (v.is_json()) {
    const json::value& j = v.json();
    if (j.storage() == sp) {
      if (!v.is_ref()) {
        drop(slot);
        ::new (&slot) json::value(json::pilfer(v.mut_json()));
        return;
      }
      // A borrowed node of the same storage may live in the container itself: copied first,
      // below.
    } else if (j.is_primitive() || j.is_string()) {
      // Not in the container (other storage): built straight into the slot.
      switch (j.kind()) {
      case json::kind::string: {
        json::storage_ptr keep = sp; // the slot's storage, for the string replacing it
        const json::string& text = j.get_string();
        drop(slot);
        ::new (&slot) json::value(json::string_kind, std::move(keep));
        slot.get_string().assign(text.data(), text.size());
        break;
      }
      case json::kind::bool_:
        slot.emplace_bool() = j.get_bool();
        break;
      case json::kind::int64:
        slot.emplace_int64() = j.get_int64();
        break;
      case json::kind::uint64:
        slot.emplace_uint64() = j.get_uint64();
        break;
      case json::kind::double_:
        slot.emplace_double() = j.get_double();
        break;
      default:
        slot.emplace_null();
        break;
      }
      return;
    }
  }
  json::value taken = taken_in(std::move(v), sp);
  drop(slot);
  ::new (&slot) json::value(json::pilfer(taken));
}

// obj[key] = v (insert or replace).
void store_member(json::object& obj, std::string_view key, Value&& v) {
  if (v.is_ref() && v.json().storage() == obj.storage()) {
    // It may be `obj` or inside it (`root.a = root`): copied before the member is added.
    obj.insert_or_assign(key, owned_in(v, obj.storage()));
    return;
  }
  put_value(obj.emplace(key, nullptr).first->value(), std::move(v));
}

// Removes the members of `obj` whose bit in `present` is clear, keeping the order of the others.
void drop_absent(json::object& obj, uint64_t present) {
  for (size_t k = obj.size(); k-- > 0;)
    if (((present >> k) & 1) == 0) obj.stable_erase(obj.begin() + static_cast<long>(k));
}

// New documents allocate from one arena per document: freeing it is one operation.
json::storage_ptr document_storage() {
  const json::storage_ptr& run = scratch_storage(); // the default storage outside a run
  if (is_borrowed_arena(run)) return run;           // the run arena
  return json::make_shared_resource<json::monotonic_resource>(1024);
}

void set_path(Value& root, const Path& path, Value&& src, size_t root_hint) {
  if (root.is_nothing() || root.is_delete() || root.is_null()) {
    json::object obj(document_storage());
    obj.reserve(root_hint); // the top-level fields the mapping assigns: no rehash as it grows
    root = Value(json::value(std::move(obj)));
  }
  json::value* cur = &root.mut_json();
  if (!cur->is_object()) {
    throw EvalError("unable to set target path " + path_to_dot(path) +
                    " as the value of the root was a non-object type (" +
                    std::string(Value::ref(*cur).type_name()) + ")");
  }
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = path[i];
    bool last = i + 1 == path.size();
    if (cur->is_object()) {
      auto& obj = cur->get_object();
      if (last) {
        store_member(obj, seg, std::move(src));
        return;
      }
      json::value* next = find_key(obj, seg);
      if (next == nullptr || next->is_null()) {
        obj.insert_or_assign(seg, json::object(obj.storage()));
        next = obj.if_contains(seg);
      }
      cur = next;
    } else if (cur->is_array()) {
      size_t idx = 0;
      auto& arr = cur->get_array();
      if (!is_int_index(seg, idx) || idx >= arr.size()) {
        throw EvalError("unable to set target path " + path_to_dot(path) + " as the value of " +
                        path_to_dot(Path(path.begin(), path.begin() + static_cast<long>(i))) +
                        " was a non-object type (array)");
      }
      if (last) {
        arr[idx] = taken_in(std::move(src), arr.storage());
        return;
      }
      cur = &arr[idx];
    } else {
      throw EvalError("unable to set target path " + path_to_dot(path) + " as the value of " +
                      path_to_dot(Path(path.begin(), path.begin() + static_cast<long>(i))) +
                      " was a non-object type (" + std::string(Value::ref(*cur).type_name()) + ")");
    }
  }
}

void delete_path(Value& root, const Path& path) {
  if (!root.is_json()) return;
  json::value* cur = &root.mut_json();
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (cur->is_object()) {
      cur = find_key(cur->get_object(), path[i]);
    } else if (cur->is_array()) {
      size_t idx = 0;
      if (!is_int_index(path[i], idx) || idx >= cur->get_array().size()) return;
      cur = &cur->get_array()[idx];
    } else {
      return;
    }
    if (cur == nullptr) return;
  }
  if (cur->is_object()) {
    cur->get_object().erase(path.back());
  } else if (cur->is_array()) {
    size_t idx = 0;
    auto& arr = cur->get_array();
    if (is_int_index(path.back(), idx) && idx < arr.size())
      arr.erase(arr.begin() + static_cast<long>(idx));
  }
}

bool truthy_bool(const Value& v, bool& out) {
  if (v.kind() != Value::Kind::Bool) return false;
  out = v.json().get_bool();
  return true;
}

} // namespace

std::string path_to_dot(const Path& p) {
  std::string s;
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0) s += ".";
    // Quoted segments keep dots; show them escaped the way Benthos does (~1).
    for (char c : p[i]) {
      if (c == '~')
        s += "~0";
      else if (c == '.')
        s += "~1";
      else
        s.push_back(c);
    }
  }
  return s;
}

const json::value* lookup(const json::value& root, const Path& path, PathHints* hints) {
  const json::value* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = path[i];
    if (cur->is_object()) {
      const json::object& o = cur->get_object();
      if (hints == nullptr || i >= hints->size()) {
        cur = find_key(o, seg);
      } else {
        std::atomic<uint32_t>& hint = (*hints)[i];
        uint32_t h = hint.load(std::memory_order_relaxed);
        if (h < o.size()) {
          const json::key_value_pair& kv = o.begin()[h];
          if (same_key(kv.key(), seg)) {
            cur = &kv.value();
            continue;
          }
        }
        auto it = o.find(seg);
        if (it == o.end()) return nullptr;
        hint.store(static_cast<uint32_t>(it - o.begin()), std::memory_order_relaxed);
        cur = &it->value();
      }
    } else if (cur->is_array()) {
      size_t idx = 0;
      if (!is_int_index(seg, idx) || idx >= cur->get_array().size()) return nullptr;
      cur = &cur->get_array()[idx];
    } else {
      return nullptr;
    }
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

Value get_path(const Value& value, const Path& path, PathHints* hints) {
  if (path.empty()) return value.is_ref() || !value.is_json() ? value : Value::ref(value.json());
  if (!value.is_json()) return Value();
  const json::value* node = lookup(value.json(), path, hints);
  if (node == nullptr) return Value();
  return Value::ref(*node);
}

Literal::Literal(Value v, std::string annotation)
    : value(std::move(v)), ann(std::move(annotation)) {
  if (ann.empty()) ann = std::string(value.type_name()) + " literal";
}

// --- references ------------------------------------------------------------------------------
Value FieldRef::eval(ExecContext& ctx) const {
  switch (from) {
  case From::Root: {
    const Value& root = ctx.root();
    if (root.is_nothing()) return Value();
    return get_path(root, path);
  }
  case From::Capture: {
    const Value* v = ctx.capture(name);
    if (v == nullptr) throw EvalError("named context " + name + " was not found");
    return get_path(*v, path);
  }
  case From::This:
    break;
  }
  const json::value* root = nullptr;
  if (ctx.has_this()) {
    const Value& self = ctx.this_value();
    if (path.empty() || !self.is_json()) return get_path(self, path, &hints);
    root = &self.json();
  } else { // the message itself (a mapping's top level in a pipeline)
    try {
      root = &ctx.parsed();
    } catch (const EvalError& e) {
      throw EvalError(std::string("unable to reference message as structured (with '") +
                      (path.empty() ? "this" : "this." + path_to_dot(path)) +
                      "'): parse as json: " + e.what());
    }
  }
  // Most references: members of objects, found where they were last time.
  const json::value* cur = root;
  const size_t n = path.size();
  for (size_t i = 0; i < n; ++i) {
    if (!cur->is_object()) { // an array index or a scalar on the way: the general walk
      const json::value* node = lookup(*root, path, &hints);
      return node == nullptr ? Value() : Value::ref(*node);
    }
    const json::object& o = cur->get_object();
    const std::string& seg = path[i];
    if (i < hints.size()) {
      const uint32_t h = hints[i].load(std::memory_order_relaxed);
      if (h < o.size()) {
        const json::key_value_pair& kv = o.begin()[h];
        if (same_key(kv.key(), seg)) {
          cur = &kv.value();
          continue;
        }
      }
      auto it = o.find(seg);
      if (it == o.end()) return Value();
      hints[i].store(static_cast<uint32_t>(it - o.begin()), std::memory_order_relaxed);
      cur = &it->value();
    } else {
      cur = find_key(o, seg);
      if (cur == nullptr) return Value();
    }
  }
  return Value::ref(*cur);
}

std::string FieldRef::annotation() const {
  std::string base = from == From::Root ? "root" : from == From::Capture ? name : "this";
  if (!path.empty()) base += "." + path_to_dot(path);
  return "field `" + base + "`";
}

Value VarRef::eval(ExecContext& ctx) const {
  const Value* v = ctx.var(name);
  if (v == nullptr) throw EvalError("variable '" + name + "' undefined");
  return v->is_json() ? Value::ref(v->json()) : *v;
}

Value MetaRef::eval(ExecContext& ctx) const {
  if (!key) return Value(json::value(ctx.meta_all()));
  return ctx.meta(*key);
}

Value GetField::eval(ExecContext& ctx) const {
  Value v = target->eval(ctx);
  if (v.is_ref()) return get_path(v, path);
  Value sub = get_path(v, path);
  if (sub.is_ref()) return Value(sub.to_json()); // the target was a temporary
  return sub;
}

std::string GetField::annotation() const {
  return "field `" + path_to_dot(path) + "` of " + target->annotation();
}

// --- literals --------------------------------------------------------------------------------
Value ArrayLit::eval(ExecContext& ctx) const {
  json::array out(scratch_storage());
  out.reserve(items.size());
  for (const auto& q : items) {
    Value v = q->eval(ctx);
    if (v.is_delete() || v.is_nothing()) continue; // dropped from literals, as upstream
    out.push_back(taken_in(std::move(v), out.storage()));
  }
  return Value(json::value(std::move(out)));
}

void ObjectLit::seal() {
  if (members.empty() || members.size() > 64) return;
  json::object o;
  for (const auto& [kq, vq] : members) {
    const Value* k = kq->literal();
    if (k == nullptr || !k->is_string()) return;
    if (!o.emplace(k->json().get_string(), nullptr).second) return; // a repeated key
  }
  shape.emplace(std::move(o));
}

Value ObjectLit::eval(ExecContext& ctx) const {
  if (shape) {
    json::value out(json::object(*shape, scratch_storage()));
    json::object& obj = out.get_object();
    const uint64_t all = members.size() == 64 ? ~0ULL : (1ULL << members.size()) - 1;
    uint64_t present = all;
    for (size_t i = 0; i < members.size(); ++i) {
      Value v = members[i].second->eval(ctx);
      if (v.is_delete() || v.is_nothing()) {
        present &= ~(1ULL << i);
        continue;
      }
      put_value(obj.begin()[i].value(), std::move(v));
    }
    if (present != all) drop_absent(obj, present);
    return Value(std::move(out));
  }
  json::object out(scratch_storage());
  out.reserve(members.size());
  for (const auto& [kq, vq] : members) {
    Value k = kq->eval(ctx);
    if (!textual(k))
      throw EvalError("mapping returned invalid key type: " + std::string(k.type_name()));
    Value v = vq->eval(ctx);
    if (v.is_delete() || v.is_nothing()) continue;
    std::string_view key =
        k.is_string() ? std::string_view(k.json().get_string()) : std::string_view(k.bytes_value());
    store_member(out, key, std::move(v));
  }
  return Value(json::value(std::move(out)));
}

// --- operators -------------------------------------------------------------------------------
Value Arith::eval(ExecContext& ctx) const {
  switch (op) {
  case Op::Pipe: {
    try {
      Value l = lhs->eval(ctx);
      if (!l.is_nullish()) return l;
    } catch (const std::exception&) {}
    return rhs->eval(ctx);
  }
  case Op::And:
  case Op::Or: {
    Value l = lhs->eval(ctx);
    bool lb = l.get_bool();
    if (op == Op::And && !lb) return Value::boolean(false);
    if (op == Op::Or && lb) return Value::boolean(true);
    return Value::boolean(rhs->eval(ctx).get_bool());
  }
  default:
    break;
  }
  Value a = lhs->eval(ctx);
  Value b = rhs->eval(ctx);
  switch (op) {
  case Op::Add:
    if (textual(a)) {
      if (!textual(b)) mismatch("add", *lhs, *rhs, a, b);
      return Value::string(a.get_string() + b.get_string());
    }
    return numeric(
        *this, a, b, [](int64_t x, int64_t y) { return Value::integer(x + y); },
        [](uint64_t x, uint64_t y) { return Value::uinteger(x + y); },
        [](double x, double y) { return Value::number(x + y); });
  case Op::Sub:
    return numeric(
        *this, a, b, [](int64_t x, int64_t y) { return Value::integer(x - y); },
        [](uint64_t x, uint64_t y) { return Value::uinteger(x - y); },
        [](double x, double y) { return Value::number(x - y); });
  case Op::Mul:
    return numeric(
        *this, a, b, [](int64_t x, int64_t y) { return Value::integer(x * y); },
        [](uint64_t x, uint64_t y) { return Value::uinteger(x * y); },
        [](double x, double y) { return Value::number(x * y); });
  case Op::Div: {
    if (!a.is_number() || !b.is_number()) mismatch("divide", *lhs, *rhs, a, b);
    double d = b.get_number();
    if (d == 0) throw EvalError(rhs->annotation() + ": attempted to divide by zero");
    return Value::number(a.get_number() / d);
  }
  case Op::Mod: {
    if (!a.is_number() || !b.is_number()) mismatch("modulo", *lhs, *rhs, a, b);
    int64_t d = b.get_int();
    if (d == 0) throw EvalError(rhs->annotation() + ": attempted to divide by zero");
    return Value::integer(a.get_int() % d);
  }
  default:
    return compare(*this, a, b);
  }
}

Value Not::eval(ExecContext& ctx) const {
  Value v = inner->eval(ctx);
  if (v.kind() != Value::Kind::Bool) throw TypeError(v, {"bool"}, inner->annotation());
  return Value::boolean(!v.get_bool());
}

Value IfExpr::eval(ExecContext& ctx) const {
  for (size_t i = 0; i < branches.size(); ++i) {
    Value c;
    try {
      c = branches[i].first->eval(ctx);
    } catch (const std::exception& e) {
      throw EvalError(i == 0
                          ? std::string("failed to check if condition: ") + e.what()
                          : "failed to check if condition " + std::to_string(i) + ": " + e.what());
    }
    bool b = false;
    if (truthy_bool(c, b) && b) return branches[i].second->eval(ctx);
  }
  if (otherwise) return otherwise->eval(ctx);
  return Value::nothing();
}

Value MatchExpr::eval(ExecContext& ctx) const {
  Value subj;
  bool pushed = false;
  if (subject) {
    subj = subject->eval(ctx);
    ctx.push_this(&subj);
    pushed = true;
  }
  struct Pop {
    ExecContext& c;
    bool on;
    ~Pop() {
      if (on) c.pop_this();
    }
  } pop{ctx, pushed};
  for (const auto& c : cases) {
    if (!c.when) {
      Value r = c.result->eval(ctx);
      if (r.is_ref() && pushed && !subj.is_ref()) return Value(r.to_json());
      return r;
    }
    bool hit = false;
    if (const Value* lit = c.when->literal(); lit != nullptr && lit->kind() != Value::Kind::Bool) {
      if (ctx.has_this()) {
        const Value& self = ctx.this_value();
        // A string case against a string subject (the common match): compared in place.
        if (self.is_string() && lit->is_string())
          hit = self.json().get_string() == lit->json().get_string();
        else
          hit = equal(self, *lit);
      } else {
        hit = equal(Value::ref(ctx.parsed()), *lit);
      }
    } else {
      Value w = c.when->eval(ctx);
      bool b = false;
      if (truthy_bool(w, b)) {
        hit = b;
      } else if (const Value* l = c.when->literal(); l != nullptr) {
        hit = equal(ctx.this_value(), *l);
      } else {
        throw TypeError(w, {"bool"}, c.when->annotation());
      }
    }
    if (hit) {
      Value r = c.result->eval(ctx);
      if (r.is_ref() && pushed && !subj.is_ref()) return Value(r.to_json());
      return r;
    }
  }
  return Value::nothing();
}

Value Lambda::eval(ExecContext& ctx) const {
  if (name == "_") return inner->eval(ctx);
  Value self = ctx.has_this() ? ctx.this_value() : Value::ref(ctx.parsed());
  ctx.push_capture(&name, &self);
  struct Pop {
    ExecContext& c;
    ~Pop() { c.pop_capture(); }
  } pop{ctx};
  Value r = inner->eval(ctx);
  if (r.is_ref()) return Value(r.to_json());
  return r;
}

Value MapExpr::eval(ExecContext& ctx) const {
  Value t = target->eval(ctx);
  Value r = query->exec(ctx, t);
  if (r.is_ref() && !t.is_ref()) return Value(r.to_json());
  return r;
}

// --- calls -----------------------------------------------------------------------------------
Args CallArgs::build(ExecContext& ctx) const {
  Args a;
  a.spec_ = spec;
  size_t n = queries.size();
  a.values_.resize(n);
  a.present_.assign(n, false);
  a.queries_.assign(n, nullptr);
  a.site_state_ = state.get();
  for (size_t i = 0; i < n; ++i) {
    bool is_query =
        spec != nullptr && i < spec->params.size() && spec->params[i].type == ParamType::Query;
    if (is_query && queries[i]) {
      a.queries_[i] = queries[i].get();
      a.present_[i] = true;
      continue;
    }
    if (fixed[i]) {
      // Literal and default JSON values are lent: the call site outlives the call.
      const Value& f = *fixed[i];
      a.values_[i] = f.is_json() ? Value::ref(f.json()) : f;
      a.present_[i] = true;
    } else if (queries[i]) {
      a.values_[i] = queries[i]->eval(ctx);
      a.present_[i] = true;
      if (is_query) a.queries_[i] = queries[i].get();
    }
  }
  return a;
}

void CallArgs::seal() {
  for (size_t i = 0; i < queries.size(); ++i)
    if (queries[i] && !fixed[i]) return; // evaluated per call (or a query parameter)
  auto a = std::make_unique<Args>();
  a->spec_ = spec;
  size_t n = queries.size();
  a->values_.resize(n);
  a->present_.assign(n, false);
  a->queries_.assign(n, nullptr);
  a->site_state_ = state.get();
  for (size_t i = 0; i < n; ++i) {
    if (!fixed[i]) continue;
    a->values_[i] = *fixed[i]; // owned copies: independent of where this CallArgs lives
    a->present_[i] = true;
  }
  prebuilt = std::move(a);
}

Value FunctionCall::eval(ExecContext& ctx) const {
  if (args.prebuilt) return entry->impl(ctx, *args.prebuilt);
  return entry->impl(ctx, args.build(ctx));
}

namespace {
// Calls a method on an evaluated target, naming the target in its errors per the method's style.
Value call_method(const MethodCall& m, ExecContext& ctx, const Value& t, const Args& a) {
  try {
    Value r = m.entry->impl(ctx, t, a);
    if (r.is_ref() && !t.is_ref()) return Value(r.to_json());
    return r;
  } catch (const TypeError& e) {
    if (m.entry->spec.errors == ErrorStyle::Plain) throw;
    throw e.with_from(m.target->annotation());
  } catch (const AssignmentError&) {
    throw;
  } catch (const std::exception& e) {
    if (m.entry->spec.errors != ErrorStyle::Annotated) throw;
    throw EvalError(m.target->annotation() + ": " + e.what());
  }
}
} // namespace

Value MethodCall::eval(ExecContext& ctx) const {
  // Most calls: arguments built at parse time, a target that fails the call when it fails.
  if (args.prebuilt && !entry->spec.default_on_target_error)
    return call_method(*this, ctx, target->eval(ctx), *args.prebuilt);
  return eval_general(ctx);
}

Value MethodCall::eval_general(ExecContext& ctx) const {
  Value t;
  if (entry->spec.default_on_target_error) {
    try {
      t = target->eval(ctx);
    } catch (const std::exception&) {
      Args a = args.prebuilt ? *args.prebuilt : args.build(ctx);
      if (a.has(0) && !a[0].is_null()) return a[0];
      throw;
    }
  } else {
    t = target->eval(ctx);
  }
  if (args.prebuilt) return call_method(*this, ctx, t, *args.prebuilt);
  return call_method(*this, ctx, t, args.build(ctx));
}

Value SpecialMethod::eval(ExecContext& ctx) const {
  switch (kind) {
  case Kind::Catch:
    try {
      return target->eval(ctx);
    } catch (const std::exception& e) {
      // A lambda fallback sees the error text: `.catch(err -> {"error": err})`.
      if (!arg->capture_name().empty()) {
        Value err = Value::string(e.what());
        Value r = arg->exec(ctx, err);
        if (r.is_ref()) return Value(r.to_json());
        return r;
      }
      return arg->eval(ctx);
    }
  case Kind::Or: {
    try {
      Value v = target->eval(ctx);
      if (!v.is_nullish()) return v;
    } catch (const std::exception&) {}
    return arg->eval(ctx);
  }
  case Kind::Not: {
    Value v = target->eval(ctx);
    if (v.kind() != Value::Kind::Bool) throw TypeError(v, {"bool"}, target->annotation());
    return Value::boolean(!v.get_bool());
  }
  case Kind::Apply: {
    Value t = target->eval(ctx);
    Value name = arg->eval(ctx);
    std::string n = name.get_string();
    const MapTable* table = maps;
    if (table == nullptr) throw EvalError("map " + n + " was not found");
    auto it = table->maps.find(n);
    if (it == table->maps.end()) throw EvalError("map " + n + " was not found");
    return run_map(it->second, ctx, t);
  }
  }
  return Value();
}

// --- statements ------------------------------------------------------------------------------
void fail_assignment(int line, const std::exception& e) {
  if (dynamic_cast<const AssignmentError*>(&e) != nullptr) throw AssignmentError(e.what());
  throw AssignmentError("failed assignment (line " + std::to_string(line) + "): " + e.what());
}

void AssignRoot::exec(ExecContext& ctx) const {
  Value v;
  try {
    v = query->eval(ctx);
    if (v.is_nothing()) return;
    Value& root = ctx.root();
    if (v.is_delete()) {
      if (path.empty())
        root = Value::deleted();
      else
        delete_path(root, path);
      return;
    }
    if (path.empty()) {
      root = v.is_ref() ? Value(owned_in(v, document_storage())) : std::move(v);
      return;
    }
    set_path(root, path, std::move(v), root_hint);
  } catch (const std::exception& e) {
    fail_assignment(line, e);
  }
}

void AssignMeta::exec(ExecContext& ctx) const {
  try {
    Value v = query->eval(ctx);
    if (v.is_nothing()) return;
    if (!key) {
      if (v.is_delete()) {
        ctx.clear_meta();
        return;
      }
      if (!v.is_object())
        throw EvalError("setting root meta object requires object value, received: " +
                        std::string(v.type_name()));
      json::object obj = v.json().get_object();
      ctx.clear_meta();
      for (auto& kv : obj)
        ctx.set_meta(kv.key(), Value(std::move(kv.value())));
      return;
    }
    ctx.set_meta(*key, v.is_ref() ? Value(v.to_json()) : std::move(v));
  } catch (const std::exception& e) {
    fail_assignment(line, e);
  }
}

void AssignVar::exec(ExecContext& ctx) const {
  try {
    Value v = query->eval(ctx);
    if (v.is_nothing()) return;
    if (v.is_delete()) {
      ctx.erase_var(name);
      return;
    }
    ctx.set_var(name, v.is_ref() ? Value(v.to_json()) : std::move(v));
  } catch (const std::exception& e) {
    fail_assignment(line, e);
  }
}

void IfStatement::exec(ExecContext& ctx) const {
  for (size_t i = 0; i < branches.size(); ++i) {
    Value c;
    try {
      c = branches[i].first->eval(ctx);
    } catch (const std::exception& e) {
      fail_assignment(line, EvalError(std::string("failed to check if condition: ") + e.what()));
    }
    if (c.kind() != Value::Kind::Bool)
      fail_assignment(line, TypeError(c, {"bool"}, branches[i].first->annotation()));
    if (c.get_bool()) {
      for (const auto& s : branches[i].second)
        s->exec(ctx);
      return;
    }
  }
  for (const auto& s : otherwise)
    s->exec(ctx);
}

std::unique_ptr<RootPlan> plan_root(const std::vector<StatementPtr>& stmts) {
  auto plan = std::make_unique<RootPlan>();
  for (const auto& s : stmts) {
    if (dynamic_cast<const AssignMeta*>(s.get()) != nullptr ||
        dynamic_cast<const AssignVar*>(s.get()) != nullptr) {
      plan->slots.push_back(-1);
      continue;
    }
    const auto* a = dynamic_cast<const AssignRoot*>(s.get());
    if (a == nullptr || a->path.size() != 1 || plan->shape.size() >= 64) return nullptr;
    if (!plan->shape.emplace(a->path[0], nullptr).second) return nullptr; // assigned twice
    plan->slots.push_back(static_cast<int>(plan->shape.size() - 1));
  }
  if (plan->shape.empty()) return nullptr;
  return plan;
}

void run_planned(const RootPlan& plan, const std::vector<StatementPtr>& stmts, ExecContext& ctx) {
  ctx.root() = Value(json::value(json::object(plan.shape, document_storage())));
  const size_t n = plan.shape.size();
  const uint64_t all = n == 64 ? ~0ULL : (1ULL << n) - 1;
  uint64_t present = 0;
  for (size_t i = 0; i < stmts.size(); ++i) {
    const int slot = plan.slots[i];
    if (slot < 0) {
      stmts[i]->exec(ctx);
      continue;
    }
    const auto& a = static_cast<const AssignRoot&>(*stmts[i]);
    try {
      Value v = a.query->eval(ctx);
      // nothing() skips; deleted() removes a key no earlier statement can have set.
      if (v.is_nothing() || v.is_delete()) continue;
      // Fetched again for each statement: `apply` moves the root away and back meanwhile.
      json::object& obj = ctx.root().mut_json().get_object();
      put_value(obj.begin()[slot].value(), std::move(v));
      present |= 1ULL << slot;
    } catch (const std::exception& e) {
      fail_assignment(a.line, e);
    }
  }
  if (present == all) return;
  if (present == 0) { // as without a plan: no assignment created the root
    ctx.root() = Value::nothing();
    return;
  }
  drop_absent(ctx.root().mut_json().get_object(), present);
}

void set_root_hints(const std::vector<StatementPtr>& stmts) {
  size_t n = 0;
  for (const auto& s : stmts)
    if (const auto* a = dynamic_cast<const AssignRoot*>(s.get()); a != nullptr && !a->path.empty())
      ++n;
  n = std::min<size_t>(n, 64);
  for (const auto& s : stmts)
    if (auto* a = dynamic_cast<AssignRoot*>(s.get())) a->root_hint = n;
}

Value run_map(const std::vector<StatementPtr>& stmts, ExecContext& ctx, const Value& context) {
  Value saved_root = std::move(ctx.root());
  ctx.root() = Value::nothing();
  auto saved_vars = ctx.swap_vars({});
  ctx.push_this(&context);
  struct Restore {
    ExecContext& c;
    Value& root;
    std::map<std::string, Value, std::less<>>& vars;
    ~Restore() {
      c.pop_this();
      c.root() = std::move(root);
      c.swap_vars(std::move(vars));
    }
  } restore{ctx, saved_root, saved_vars};
  for (const auto& s : stmts)
    s->exec(ctx);
  Value out = std::move(ctx.root());
  return out;
}

} // namespace plugctl::bloblang
