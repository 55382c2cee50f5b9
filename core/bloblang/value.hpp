// Bloblang values: JSON data (Boost.JSON) plus the kinds Bloblang adds (bytes, timestamps, and
// the `deleted()` / `nothing()` markers). A Value may borrow a JSON node of the document being
// mapped instead of copying it; borrowed values live only while one mapping runs.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::bloblang {

namespace json = boost::json;

// A point in time with the location it is shown in (Go's time.Time).
struct Timestamp {
  int64_t sec = 0;    // seconds since the Unix epoch, UTC
  int32_t nsec = 0;   // 0..999,999,999
  int32_t offset = 0; // seconds east of UTC of the location (when zone is empty)
  std::string zone;   // IANA zone name ("" = fixed offset, UTC when offset is 0)
  // A fixed offset's zone abbreviation as parsed ("MST"), shown by the "MST" layout element;
  // "" = none. Unused for IANA zones. (See timefmt.hpp for the whole location model.)
  std::string abbr;
};

class Value {
public:
  enum class Kind : uint8_t {
    Null,
    Bool,
    Number,
    String,
    Bytes,
    Timestamp,
    Array,
    Object,
    Delete,  // deleted(): remove the assignment target
    Nothing, // nothing(): skip the assignment
  };

  Value() noexcept : json_() {} // null
  Value(const Value& o) : tag_(o.tag_), ref_(o.ref_), extra_(o.extra_) {
    if (tag_ == Tag::Json) ::new (&json_) json::value(o.json_);
  }
  // Moves relocate the JSON node (what boost::json calls pilfering): no library call.
  Value(Value&& o) noexcept : tag_(o.tag_), ref_(o.ref_), extra_(std::move(o.extra_)) {
    if (tag_ == Tag::Json) ::new (&json_) json::value(json::pilfer(o.json_));
  }
  Value& operator=(const Value& o) {
    if (this != &o) {
      Value copy(o);
      *this = std::move(copy);
    }
    return *this;
  }
  // Move assignment rebuilds in place: json::value's own move assignment copies when the two
  // values use different storage, which would pull arena-allocated documents back onto the
  // heap node by node.
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      this->~Value();
      new (this) Value(std::move(o));
    }
    return *this;
  }
  // Destroying a JSON node is skipped when it owns nothing: a number, bool or null on
  // unshared storage, or anything on a non-shared arena whose deallocation is a no-op.
  ~Value() {
    if (tag_ == Tag::Json) {
      const json::storage_ptr& sp = json_.storage();
      if (!(sp.is_not_shared_and_deallocate_is_trivial() ||
            (!sp.is_shared() && json_.is_primitive())))
        json_.~value();
    }
  }
  Value(json::value v) noexcept : json_(json::pilfer(v)) {} // NOLINT: implicit by design
  static Value ref(const json::value& v) {                  // borrows: v must outlive the Value
    Value out;
    out.tag_ = Tag::Ref;
    out.ref_ = &v;
    return out;
  }
  // Strings are allocated from the running mapping's arena (see ScratchArena).
  static Value string(std::string_view s);
  static Value bytes(std::string b);
  static Value timestamp(Timestamp t);
  // Scalars are built in place: no temporary JSON value to destroy (a library call).
  static Value boolean(bool b) { return scalar(b); }
  static Value integer(int64_t i) { return scalar(i); }
  static Value uinteger(uint64_t u) { return scalar(u); }
  static Value number(double d) { return scalar(d); }
  static Value deleted();
  static Value nothing();

  Kind kind() const {
    switch (tag_) {
    case Tag::Json:
    case Tag::Ref:
      return json_kind(json().kind());
    case Tag::Bytes:
      return Kind::Bytes;
    case Tag::Timestamp:
      return Kind::Timestamp;
    case Tag::Delete:
      return Kind::Delete;
    case Tag::Nothing:
      return Kind::Nothing;
    }
    return Kind::Null;
  }
  // Benthos's names: "null", "bool", "number", "string", "bytes", "timestamp", "array",
  // "object", "delete", "nothing".
  std::string_view type_name() const;

  bool is_null() const { return kind() == Kind::Null; }
  // null, deleted() or nothing(): what coalescing `|` and `.or()` skip.
  bool is_nullish() const;
  bool is_delete() const { return tag_ == Tag::Delete; }
  bool is_nothing() const { return tag_ == Tag::Nothing; }
  bool is_json() const { return tag_ == Tag::Json || tag_ == Tag::Ref; }
  // Borrows a node it does not own (see ref()).
  bool is_ref() const { return tag_ == Tag::Ref; }
  bool is_string() const { return is_json() && json().is_string(); }
  bool is_number() const { return is_json() && json().is_number(); }
  bool is_int() const { return is_json() && (json().is_int64() || json().is_uint64()); }
  bool is_float() const { return is_json() && json().is_double(); }
  bool is_array() const { return is_json() && json().is_array(); }
  bool is_object() const { return is_json() && json().is_object(); }

  // The JSON node (null for bytes/timestamp/markers; use the accessors below for those).
  [[gnu::always_inline]] const json::value& json() const {
    if (tag_ == Tag::Json) return json_;
    if (tag_ == Tag::Ref) return *ref_;
    return null_json();
  }
  // The text of a string or bytes value without copying it ("" for anything else).
  std::string_view text_view() const;
  const std::string& bytes_value() const;
  const Timestamp& ts() const;

  // An owned JSON value: borrowed nodes are copied, bytes become a string, a timestamp becomes
  // its RFC 3339 text, markers become null.
  json::value to_json() const&;
  json::value to_json() &&;
  // Mutable access to an owned JSON value (copies a borrowed one first).
  json::value& mut_json() { return tag_ == Tag::Json ? json_ : mut_json_slow(); }
  // Keeps `owner` alive as long as this JSON value (or a copy of this Value) lives: the arena
  // its nodes were allocated from (see scratch_storage()). No effect on other kinds.
  void keep_alive(std::shared_ptr<const void> owner) {
    if (tag_ == Tag::Json) extra_ = std::shared_ptr<const Extra>(std::move(owner), nullptr);
  }
  // What keep_alive() was given (null when nothing).
  std::shared_ptr<const void> owner() const {
    return tag_ == Tag::Json ? std::shared_ptr<const void>(extra_) : nullptr;
  }

  // --- Coercions with Benthos's rules; they throw TypeError. -----------------------------
  double get_number() const;       // numbers only
  int64_t get_int() const;         // numbers only (floats truncate)
  uint64_t get_uint() const;       // numbers only, not negative
  bool get_bool() const;           // bools, and numbers (non-zero)
  std::string get_string() const;  // string, bytes, timestamp (RFC 3339)
  std::string get_bytes() const;   // string, bytes, timestamp
  Timestamp get_timestamp() const; // timestamp; number = unix seconds; string = RFC 3339
  // Any value as text: strings and bytes raw, numbers in Go's format, others as JSON.
  std::string to_string() const;

private:
  struct ScalarTag {};
  template <class T> Value(ScalarTag, T x) noexcept : json_(x) {}
  template <class T> static Value scalar(T x) noexcept { return Value(ScalarTag{}, x); }
  json::value& mut_json_slow(); // copies a borrowed node, converts bytes and timestamps
  static const json::value& null_json();
  static Kind json_kind(json::kind k) {
    switch (k) {
    case json::kind::null:
      return Kind::Null;
    case json::kind::bool_:
      return Kind::Bool;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return Kind::Number;
    case json::kind::string:
      return Kind::String;
    case json::kind::array:
      return Kind::Array;
    case json::kind::object:
      return Kind::Object;
    }
    return Kind::Null;
  }
  enum class Tag : uint8_t { Json, Ref, Bytes, Timestamp, Delete, Nothing };
  Tag tag_ = Tag::Json;
  // Constructed only while tag_ is Json (see the destructor).
  union {
    json::value json_;
  };
  const json::value* ref_ = nullptr;
  // Bytes and timestamps live out of line, so that the common JSON case stays small and cheap
  // to move (values are created and moved on every step of an evaluation).
  struct Extra {
    std::string bytes;
    Timestamp ts;
  };
  std::shared_ptr<const Extra> extra_;
};

// The storage new JSON values of the running mapping are allocated from: one arena per
// execution (set by Mapping::run for the duration of a run on this thread; a run nested in
// another shares its arena), so that building a document costs bump allocations and freeing it
// one operation. The default storage outside a run.
//
// The storage pointer does not count references and its deallocation is trivial, so that
// JSON nodes built in it copy and destroy nothing. The arena lives as long as its owner
// (scratch_owner()): Mapping::run hands the owner to the ExecContext and to the value it
// returns (Value::keep_alive), and set_message_value to the structured value it caches, so
// JSON that leaves a run must travel with it (or be copied into other storage).
const json::storage_ptr& scratch_storage();
// What keeps the current run's arena alive (null outside a run).
const std::shared_ptr<const void>& scratch_owner();
// True for storage that is an arena reached without reference counting (a run's or a parsed
// document's): JSON in it must not outlive the arena's owner.
inline bool is_borrowed_arena(const json::storage_ptr& sp) {
  return sp.is_not_shared_and_deallocate_is_trivial();
}
class ScratchArena {
public:
  ScratchArena();
  ~ScratchArena();
  ScratchArena(const ScratchArena&) = delete;
  ScratchArena& operator=(const ScratchArena&) = delete;

private:
  bool nested_ = false;
};

// A value of the wrong type: "expected number value, got string (\"foo\")", or with the
// expression it came from: "expected number value, got string from field `this.a` (\"foo\")".
class TypeError : public std::runtime_error {
public:
  TypeError(const Value& got, std::initializer_list<std::string_view> expected,
            std::string_view from = {});
  // The same error naming the expression the value came from (kept when already set).
  TypeError with_from(std::string_view from) const;
  const std::string& from() const { return from_; }

private:
  TypeError(std::string got, std::vector<std::string> expected, std::string value,
            std::string from);
  static std::string text(const std::string& got, const std::vector<std::string>& expected,
                          const std::string& value, const std::string& from);
  std::string got_;
  std::vector<std::string> expected_;
  std::string value_;
  std::string from_;
};

// Any error raised while evaluating (the message is the user-facing text).
class EvalError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Deep equality as Bloblang's `==` on mixed types: numbers compare by value.
bool equal(const Value& a, const Value& b);
bool equal(const json::value& a, const json::value& b);

// The bytes of a message after a mapping set its root: strings and bytes raw, everything else
// JSON (compact, object keys sorted, numbers as Go prints them).
std::string serialize(const Value& v);
// Compact JSON with sorted keys and Go's number format.
std::string to_json_text(const json::value& v);
void append_json_text(std::string& out, const json::value& v);
// Go's strconv.FormatFloat(f, 'g', -1, 64) (used by .string() and string interpolation).
std::string format_float_g(double d);

// RFC 3339 with nanoseconds as Go's time.RFC3339Nano (trailing zeros trimmed).
std::string format_rfc3339nano(const Timestamp& t);
// Parses RFC 3339 (with optional fraction); throws EvalError with Go's wording on failure.
Timestamp parse_rfc3339(std::string_view s);

} // namespace plugctl::bloblang
