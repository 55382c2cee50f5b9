#include "bloblang/value.hpp"

#include "bloblang/timefmt.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <openssl/evp.h>
#include <optional>
#include <vector>

namespace plugctl::bloblang {
namespace {

std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return format_float_g(v.get_double());
}

// Whether any of the 8 bytes of v needs escaping in a JSON string: a control character (below
// 0x20), '"' or '\\' (bytes of 0x80 and above never match).
inline bool needs_escape8(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
  bool control = ((v - kOnes * 0x20) & ~v & kHigh) != 0;
  return control || has_zero(v ^ (kOnes * '"')) || has_zero(v ^ (kOnes * '\\'));
}

// Appends to a string through a write position, growing it in steps: no capacity check per
// byte. The string's size is fixed to the bytes written by finish().
struct Out {
  std::string& s;
  size_t n;
  explicit Out(std::string& str) : s(str), n(str.size()) {}
  [[gnu::always_inline]] char* room(size_t k) {
    if (n + k > s.size()) [[unlikely]]
      grow(k);
    return s.data() + n;
  }
  [[gnu::always_inline]] void put(char c) {
    *room(1) = c;
    ++n;
  }
  [[gnu::always_inline]] void put(const char* p, size_t k) {
    std::memcpy(room(k), p, k);
    n += k;
  }
  void put(std::string_view v) { put(v.data(), v.size()); }
  [[gnu::noinline]] void grow(size_t k) { s.resize(std::max(s.size() * 2, n + k + 256)); }
  void finish() { s.resize(n); }
};

inline bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

void append_escaped(Out& out, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  // Skip 8 bytes at a time while none needs escaping; the last (partial) word is checked as
  // the 8 bytes ending the string.
  while (end - p >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if (needs_escape8(v)) break;
    p += 8;
    if (end - p < 8 && p != end && s.size() >= 8) {
      std::memcpy(&v, end - 8, 8);
      if (!needs_escape8(v)) p = end;
    }
  }
  while (p != end && !needs_escape(static_cast<unsigned char>(*p)))
    ++p;
  if (p == end) { // nothing to escape (the common case): one copy
    char* d = out.room(s.size() + 2);
    d[0] = '"';
    std::memcpy(d + 1, s.data(), s.size());
    d[s.size() + 1] = '"';
    out.n += s.size() + 2;
    return;
  }
  out.put('"');
  const char* run = s.data(); // start of the bytes not yet written
  for (;;) {
    while (end - p >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      if (needs_escape8(v)) break;
      p += 8;
    }
    while (p != end && !needs_escape(static_cast<unsigned char>(*p)))
      ++p;
    if (p == end) break;
    unsigned char c = static_cast<unsigned char>(*p);
    out.put(run, static_cast<size_t>(p - run));
    run = ++p;
    switch (c) {
    case '"':
      out.put("\\\"", 2);
      break;
    case '\\':
      out.put("\\\\", 2);
      break;
    case '\n':
      out.put("\\n", 2);
      break;
    case '\r':
      out.put("\\r", 2);
      break;
    case '\t':
      out.put("\\t", 2);
      break;
    default: {
      static const char kHex[] = "0123456789abcdef";
      char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.put(buf, 6);
    }
    }
  }
  out.put(run, static_cast<size_t>(end - run));
  out.put('"');
}

void append_escaped(std::string& str, std::string_view s) {
  Out out(str);
  append_escaped(out, s);
  out.finish();
}

// Go's encoding/json float format: shortest digits, 'f' between 1e-6 and 1e21, else 'e' with
// a one-digit negative exponent kept short ("1e-7").
void append_json_float(Out& out, double d) {
  if (!std::isfinite(d)) {
    out.put("null", 4); // JSON has no NaN/Inf; Go refuses them, we write null
    return;
  }
  char buf[64];
  double a = std::fabs(d);
  std::to_chars_result r;
  if (a < 1e15 && d == static_cast<double>(static_cast<int64_t>(d)) &&
      !(d == 0 && std::signbit(d))) {
    // Integral: the shortest form is the integer's digits (Go writes 94.0 as 94).
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
    out.put(buf, static_cast<size_t>(r.ptr - buf));
    return;
  }
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string s(buf, r.ptr);
    // C++ writes e-07 / e+21; Go's json writes e-07 as e-7 but keeps e+21.
    auto e = s.find('e');
    if (e != std::string::npos && s.size() - e == 4 && s[e + 1] == '-' && s[e + 2] == '0')
      s.erase(e + 2, 1);
    out.put(s);
    return;
  }
  r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  out.put(buf, static_cast<size_t>(r.ptr - buf));
}

// The first 8 bytes of a key (zero-padded) as an integer that orders as the bytes do.
inline uint64_t key_prefix(json::string_view k) {
  uint64_t v = 0;
  if (k.size() >= 8)
    std::memcpy(&v, k.data(), 8);
  else
    for (size_t i = 0; i < k.size(); ++i) // little endian: byte i at bits 8*i
      v |= static_cast<uint64_t>(static_cast<unsigned char>(k[i])) << (8 * i);
  return __builtin_bswap64(v); // the first byte most significant
}
void append_json(Out& out, const json::value& v) {
  char num[32];
  switch (v.kind()) {
  case json::kind::null:
    out.put("null", 4);
    return;
  case json::kind::bool_:
    if (v.get_bool())
      out.put("true", 4);
    else
      out.put("false", 5);
    return;
  case json::kind::int64: {
    auto r = std::to_chars(num, num + sizeof num, v.get_int64());
    out.put(num, static_cast<size_t>(r.ptr - num));
    return;
  }
  case json::kind::uint64: {
    auto r = std::to_chars(num, num + sizeof num, v.get_uint64());
    out.put(num, static_cast<size_t>(r.ptr - num));
    return;
  }
  case json::kind::double_:
    append_json_float(out, v.get_double());
    return;
  case json::kind::string:
    append_escaped(out, v.get_string());
    return;
  case json::kind::array: {
    out.put('[');
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out.put(',');
      first = false;
      append_json(out, e);
    }
    out.put(']');
    return;
  }
  case json::kind::object: {
    // Keys sorted, as Go writes maps; small objects sort on the stack. Each key's first 8 bytes
    // are read once, as an integer that orders like them.
    const auto& o = v.get_object();
    struct Member {
      uint64_t prefix;
      const json::key_value_pair* kv;
    };
    Member small[32];
    std::vector<Member> large;
    Member* members = small;
    if (o.size() > 32) {
      large.resize(o.size());
      members = large.data();
    }
    size_t n = 0;
    for (const auto& kv : o)
      members[n++] = Member{key_prefix(kv.key()), &kv};
    std::sort(members, members + n, [](const Member& a, const Member& b) {
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      json::string_view x = a.kv->key(), y = b.kv->key();
      if (x.size() <= 8 || y.size() <= 8) return x.size() < y.size();
      return x.substr(8) < y.substr(8);
    });
    out.put('{');
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out.put(',');
      append_escaped(out, members[i].kv->key());
      out.put(':');
      append_json(out, members[i].kv->value());
    }
    out.put('}');
    return;
  }
  }
}

} // namespace

// --- the per-run arena -----------------------------------------------------------------------
namespace {
// Bump allocation from a caller's first block, then from heap blocks twice as large each time,
// all freed together when the resource goes; deallocating is a no-op. What
// json::monotonic_resource does, with an allocation short enough to stay cheap (a run makes
// a dozen or more: strings, objects, their keys).
class BumpResource final : public json::memory_resource {
public:
  BumpResource(unsigned char* first, size_t size)
      : cur_(reinterpret_cast<uintptr_t>(first)), end_(cur_ + size), next_(size * 2) {}
  ~BumpResource() override {
    while (blocks_ != nullptr) {
      Block* b = blocks_;
      blocks_ = b->prev;
      ::operator delete(b);
    }
  }
  BumpResource(const BumpResource&) = delete;
  BumpResource& operator=(const BumpResource&) = delete;

private:
  struct alignas(std::max_align_t) Block {
    Block* prev;
  };
  void* do_allocate(size_t n, size_t align) override {
    const uintptr_t p = (cur_ + align - 1) & ~(static_cast<uintptr_t>(align) - 1);
    if (n <= end_ - p && p <= end_) {
      cur_ = p + n;
      return reinterpret_cast<void*>(p);
    }
    return grow(n, align);
  }
  void* grow(size_t n, size_t align) {
    const size_t size = std::max(next_, n + align);
    next_ = size * 2;
    auto* b = static_cast<Block*>(::operator new(sizeof(Block) + size));
    b->prev = blocks_;
    blocks_ = b;
    cur_ = reinterpret_cast<uintptr_t>(b + 1);
    end_ = cur_ + size;
    return BumpResource::do_allocate(n, align);
  }
  void do_deallocate(void*, size_t, size_t) override {}
  bool do_is_equal(const json::memory_resource& o) const noexcept override { return this == &o; }

  uintptr_t cur_, end_;
  size_t next_;
  Block* blocks_ = nullptr;
};
} // namespace
} // namespace plugctl::bloblang

// Deallocation does nothing: JSON in the arena is never freed node by node.
template <> struct boost::json::is_deallocate_trivial<plugctl::bloblang::BumpResource> {
  static constexpr bool value = true;
};

namespace plugctl::bloblang {
namespace {
// A run's arena, starting in an inline buffer (one allocation per run for the owner and the
// first block).
struct RunArena {
  RunArena() {} // NOLINT: user-provided, so that make_shared leaves the buffer uninitialised
  alignas(std::max_align_t) unsigned char buffer[4096];
  BumpResource resource{buffer, sizeof buffer};
};

thread_local json::storage_ptr t_scratch;
thread_local std::shared_ptr<const void> t_owner;
} // namespace

const json::storage_ptr& scratch_storage() {
  return t_scratch;
}

const std::shared_ptr<const void>& scratch_owner() {
  return t_owner;
}

ScratchArena::ScratchArena() {
  if (t_owner) { // nested run (the `bloblang` method): values join the outer run's arena
    nested_ = true;
    return;
  }
  auto arena = std::make_shared<RunArena>();
  // Not counted, trivial deallocation (BumpResource is_deallocate_trivial).
  t_scratch = json::storage_ptr(&arena->resource);
  t_owner = std::move(arena);
}

ScratchArena::~ScratchArena() {
  if (nested_) return;
  t_scratch = json::storage_ptr();
  t_owner.reset();
}

// --- Value ---------------------------------------------------------------------------------
Value Value::string(std::string_view s) {
  Value out;
  // Built in place: an empty string of the run's storage, then its text.
  ::new (&out.json_) json::value(json::string_kind, t_scratch);
  out.json_.get_string().assign(json::string_view(s.data(), s.size()));
  return out;
}

Value Value::bytes(std::string b) {
  Value out;
  out.tag_ = Tag::Bytes;
  out.extra_ = std::make_shared<const Extra>(Extra{std::move(b), {}});
  return out;
}
Value Value::timestamp(Timestamp t) {
  Value out;
  out.tag_ = Tag::Timestamp;
  out.extra_ = std::make_shared<const Extra>(Extra{{}, std::move(t)});
  return out;
}
Value Value::deleted() {
  Value out;
  out.tag_ = Tag::Delete;
  return out;
}
Value Value::nothing() {
  Value out;
  out.tag_ = Tag::Nothing;
  return out;
}

const std::string& Value::bytes_value() const {
  static const std::string kEmpty;
  return tag_ == Tag::Bytes ? extra_->bytes : kEmpty;
}

const Timestamp& Value::ts() const {
  static const Timestamp kZero;
  return tag_ == Tag::Timestamp ? extra_->ts : kZero;
}

std::string_view Value::type_name() const {
  switch (kind()) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "bool";
  case Kind::Number:
    return "number";
  case Kind::String:
    return "string";
  case Kind::Bytes:
    return "bytes";
  case Kind::Timestamp:
    return "timestamp";
  case Kind::Array:
    return "array";
  case Kind::Object:
    return "object";
  case Kind::Delete:
    return "delete";
  case Kind::Nothing:
    return "nothing";
  }
  return "unknown";
}

bool Value::is_nullish() const {
  return tag_ == Tag::Delete || tag_ == Tag::Nothing || (is_json() && json().is_null());
}

const json::value& Value::null_json() {
  static const json::value kNull;
  return kNull;
}

std::string_view Value::text_view() const {
  if (tag_ == Tag::Bytes) return extra_->bytes;
  if (is_string()) return std::string_view(json().get_string());
  return {};
}

json::value Value::to_json() const& {
  switch (tag_) {
  case Tag::Json:
    return json_;
  case Tag::Ref:
    // Into the running mapping's arena (the heap outside a run), never into the storage of the
    // node it borrows: that may be another document's arena.
    return json::value(*ref_, scratch_storage());
  case Tag::Bytes: {
    // Inside a document bytes are written as Go's encoding/json writes []byte: base64.
    std::string b64(4 * ((extra_->bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                            reinterpret_cast<const unsigned char*>(extra_->bytes.data()),
                            static_cast<int>(extra_->bytes.size()));
    b64.resize(static_cast<size_t>(n));
    return json::string(b64);
  }
  case Tag::Timestamp:
    return json::string(format_rfc3339nano(extra_->ts));
  default:
    return nullptr;
  }
}

json::value Value::to_json() && {
  if (tag_ == Tag::Json) return json::value(json::pilfer(json_));
  return static_cast<const Value&>(*this).to_json();
}

json::value& Value::mut_json_slow() {
  // json_ is not alive for the other tags: build it in place.
  json::value j = static_cast<const Value&>(*this).to_json();
  ::new (&json_) json::value(json::pilfer(j));
  tag_ = Tag::Json;
  ref_ = nullptr;
  return json_;
}

double Value::get_number() const {
  if (is_number()) return json().to_number<double>();
  throw TypeError(*this, {"number"});
}

int64_t Value::get_int() const {
  if (is_json()) {
    const auto& j = json();
    if (j.is_int64()) return j.get_int64();
    if (j.is_uint64()) return static_cast<int64_t>(j.get_uint64());
    if (j.is_double()) return static_cast<int64_t>(j.get_double());
  }
  throw TypeError(*this, {"number"});
}

uint64_t Value::get_uint() const {
  if (is_json()) {
    const auto& j = json();
    if (j.is_uint64()) return j.get_uint64();
    if (j.is_int64()) {
      if (j.get_int64() < 0)
        throw EvalError(
            "signed integer value is negative and cannot be cast as an unsigned integer");
      return static_cast<uint64_t>(j.get_int64());
    }
    if (j.is_double()) {
      double d = j.get_double();
      if (d < 0)
        throw EvalError("float value is negative and cannot be cast as an unsigned integer");
      return static_cast<uint64_t>(d);
    }
  }
  throw TypeError(*this, {"number"});
}

bool Value::get_bool() const {
  if (is_json()) {
    const auto& j = json();
    if (j.is_bool()) return j.get_bool();
    if (j.is_number()) return j.to_number<double>() != 0;
  }
  throw TypeError(*this, {"bool"});
}

std::string Value::get_string() const {
  if (tag_ == Tag::Bytes) return extra_->bytes;
  if (tag_ == Tag::Timestamp) return format_rfc3339nano(extra_->ts);
  if (is_string()) return std::string(json().get_string());
  throw TypeError(*this, {"string"});
}

std::string Value::get_bytes() const {
  if (tag_ == Tag::Bytes) return extra_->bytes;
  if (tag_ == Tag::Timestamp) return format_rfc3339nano(extra_->ts);
  if (is_string()) return std::string(json().get_string());
  throw TypeError(*this, {"bytes"});
}

Timestamp Value::get_timestamp() const {
  if (tag_ == Tag::Timestamp) return extra_->ts;
  if (tag_ == Tag::Bytes) return parse_rfc3339(extra_->bytes);
  if (is_json()) {
    // Numbers are Unix seconds shown in the Local zone (Go's time.Unix).
    const auto& j = json();
    if (j.is_int64()) return timefmt::unix_local(j.get_int64(), 0);
    if (j.is_uint64()) return timefmt::unix_local(static_cast<int64_t>(j.get_uint64()), 0);
    if (j.is_double()) {
      double f = j.get_double();
      double whole = std::trunc(f);
      return timefmt::unix_local(static_cast<int64_t>(whole),
                                 static_cast<int64_t>((f - whole) * 1e9));
    }
    if (j.is_string()) return parse_rfc3339(std::string_view(j.get_string()));
  }
  throw TypeError(*this, {"number", "string"});
}

std::string Value::to_string() const {
  switch (tag_) {
  case Tag::Bytes:
    return extra_->bytes;
  case Tag::Timestamp:
    return format_rfc3339nano(extra_->ts);
  case Tag::Delete:
  case Tag::Nothing:
    return "null";
  default:
    break;
  }
  const auto& j = json();
  if (j.is_string()) return std::string(j.get_string());
  if (j.is_number()) return number_text(j);
  return to_json_text(j);
}

// --- errors ----------------------------------------------------------------------------------
std::string TypeError::text(const std::string& got, const std::vector<std::string>& expected,
                            const std::string& value, const std::string& from) {
  std::string s;
  if (!expected.empty()) {
    s = "expected ";
    size_t n = expected.size();
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) s += (n > 2 && i < n - 1) ? ", " : " or ";
      s += expected[i];
    }
    s += " value";
  } else {
    s = "unexpected value";
  }
  s += ", got " + got;
  if (!from.empty()) s += " from " + from;
  if (!value.empty()) s += " (" + value + ")";
  return s;
}

namespace {
std::string value_text(const Value& got) {
  switch (got.kind()) {
  case Value::Kind::String:
    return "\"" + got.get_string() + "\"";
  case Value::Kind::Bool:
    return got.json().get_bool() ? "true" : "false";
  case Value::Kind::Number:
    return number_text(got.json());
  default:
    return "";
  }
}
} // namespace

TypeError::TypeError(std::string got, std::vector<std::string> expected, std::string value,
                     std::string from)
    : std::runtime_error(text(got, expected, value, from)), got_(std::move(got)),
      expected_(std::move(expected)), value_(std::move(value)), from_(std::move(from)) {}

TypeError::TypeError(const Value& got, std::initializer_list<std::string_view> expected,
                     std::string_view from)
    : TypeError(std::string(got.type_name()),
                std::vector<std::string>(expected.begin(), expected.end()), value_text(got),
                std::string(from)) {}

TypeError TypeError::with_from(std::string_view from) const {
  if (!from_.empty()) return *this;
  return TypeError(got_, expected_, value_, std::string(from));
}

// --- equality --------------------------------------------------------------------------------
bool equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const auto& i = a.is_int64() ? a : b;
    const auto& u = a.is_int64() ? b : a;
    return i.get_int64() >= 0 && static_cast<uint64_t>(i.get_int64()) == u.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
  case json::kind::null:
    return true;
  case json::kind::bool_:
    return a.get_bool() == b.get_bool();
  case json::kind::string:
    return a.get_string() == b.get_string();
  case json::kind::array: {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!equal(x[i], y[i])) return false;
    return true;
  }
  case json::kind::object: {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* other = y.if_contains(kv.key());
      if (other == nullptr || !equal(kv.value(), *other)) return false;
    }
    return true;
  }
  default:
    return false;
  }
}

bool equal(const Value& a, const Value& b) {
  if (a.is_json() && b.is_json()) { // the common case: two JSON strings (match cases)
    const json::value &x = a.json(), &y = b.json();
    if (x.is_string() && y.is_string()) return x.get_string() == y.get_string();
  }
  auto textual = [](const Value& v) {
    return v.kind() == Value::Kind::String || v.kind() == Value::Kind::Bytes;
  };
  if (textual(a) && textual(b)) return a.text_view() == b.text_view();
  if (a.kind() == Value::Kind::Timestamp || b.kind() == Value::Kind::Timestamp) {
    if (a.kind() != b.kind()) return false;
    return a.ts().sec == b.ts().sec && a.ts().nsec == b.ts().nsec;
  }
  if (a.is_delete() || a.is_nothing() || b.is_delete() || b.is_nothing())
    return a.kind() == b.kind();
  return equal(a.json(), b.json());
}

// --- serialisation -----------------------------------------------------------------------------
void append_json_text(std::string& str, const json::value& v) {
  Out out(str);
  append_json(out, v);
  out.finish();
}

std::string to_json_text(const json::value& v) {
  std::string out;
  out.reserve(256);
  append_json_text(out, v);
  return out;
}

std::string serialize(const Value& v) {
  switch (v.kind()) {
  case Value::Kind::String:
  case Value::Kind::Bytes:
    return v.get_string();
  case Value::Kind::Timestamp: {
    std::string out;
    append_escaped(out, format_rfc3339nano(v.ts()));
    return out;
  }
  case Value::Kind::Delete:
  case Value::Kind::Nothing:
    return "null";
  default:
    return to_json_text(v.json()); // written from the node itself: no copy
  }
}

std::string format_float_g(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  auto e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  if (exp < -4 || exp >= 6) return sci; // Go: shortest %g switches to %e from 1e6 on
  r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

// --- time --------------------------------------------------------------------------------------
// Both are Go's time.Format / time.Parse with the RFC3339Nano layout (timefmt.cpp).
std::string format_rfc3339nano(const Timestamp& t) {
  return timefmt::format(t, timefmt::kRFC3339Nano);
}

namespace {
bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The common case, a UTC RFC 3339 time ("2024-03-01T10:20:30.5Z"), without the general layout
// machinery: sets the instant and returns true; anything else (offsets, errors and their
// wording) goes to the layout parser.
bool fast_rfc3339_utc(std::string_view s, int64_t& sec, int32_t& nsec_out) {
  const size_t len = s.size();
  if (len < 20 || s[len - 1] != 'Z') return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  // Each digit's value; anything else is above 9 (unsigned wrap-around).
  auto d = [p](size_t i) { return static_cast<unsigned>(p[i]) - '0'; };
  const unsigned y0 = d(0), y1 = d(1), y2 = d(2), y3 = d(3), mo0 = d(5), mo1 = d(6), d0 = d(8),
                 d1 = d(9), h0 = d(11), h1 = d(12), mi0 = d(14), mi1 = d(15), s0 = d(17),
                 s1 = d(18);
  if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (mo0 > 9) | (mo1 > 9) | (d0 > 9) | (d1 > 9) |
      (h0 > 9) | (h1 > 9) | (mi0 > 9) | (mi1 > 9) | (s0 > 9) | (s1 > 9))
    return false;
  if ((p[4] != '-') | (p[7] != '-') | (p[10] != 'T') | (p[13] != ':') | (p[16] != ':'))
    return false;
  const int64_t y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const unsigned mo = mo0 * 10 + mo1, day = d0 * 10 + d1, h = h0 * 10 + h1, mi = mi0 * 10 + mi1,
                 se = s0 * 10 + s1;
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || day < 1 || h > 23 || mi > 59 || se > 59) return false;
  if (day > kDays[mo - 1] + (mo == 2 && is_leap(y) ? 1 : 0)) return false;
  int64_t nsec = 0;
  if (len > 20) { // a fraction between the seconds and the Z
    if (p[19] != '.') return false;
    size_t i = 20;
    int n = 0;
    for (; i < len - 1; ++i) {
      const unsigned c = d(i);
      if (c > 9) return false;
      if (n < 9) {
        nsec = nsec * 10 + c;
        ++n;
      }
    }
    if (n == 0) return false;
    for (; n < 9; ++n)
      nsec *= 10;
  }
  sec = days_from_civil(y, mo, day) * 86400 + h * 3600 + mi * 60 + se;
  nsec_out = static_cast<int32_t>(nsec);
  return true;
}
} // namespace

Timestamp parse_rfc3339(std::string_view s) {
  Timestamp t;
  if (fast_rfc3339_utc(s, t.sec, t.nsec)) return t;
  return timefmt::parse(timefmt::kRFC3339Nano, s);
}

} // namespace plugctl::bloblang
