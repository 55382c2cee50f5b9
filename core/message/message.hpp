// The message model: a payload (shared, copy-on-write), string metadata and an error flag.
// plugctl_msg* and plugctl_batch* handles of the ABI are Message* and Batch*.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugctl::core {

class Message {
public:
  Message() = default;
  explicit Message(std::string_view payload) { set_payload(payload); }
  // A zero-copy message viewing memory kept alive by `owner`.
  Message(std::shared_ptr<const void> owner, const char* data, size_t len)
      : owner_(std::move(owner)), data_(data), size_(len) {}

  std::string_view payload() const { return {data_, size_}; }
  void set_payload(std::string_view p);
  void set_payload(std::string&& p);

  // The payload parsed as JSON, cached so that every processor reading it as structured data
  // parses it once. Setting the payload drops the cache; a mapping that produced the payload
  // from a structured value hands that value over instead of having it parsed again.
  const std::shared_ptr<const boost::json::value>& structured() const { return structured_; }
  void set_structured(std::shared_ptr<const boost::json::value> v) const {
    structured_ = std::move(v);
  }

  // Metadata: a small ordered vector with unique keys, shared copy-on-write between copies of a
  // message and between the messages of a batch that got it in one call (set_meta_all).
  using MetaVec = std::vector<std::pair<std::string, std::string>>;
  const std::string* meta(std::string_view key) const;
  void set_meta(std::string_view key, std::string_view value);
  bool delete_meta(std::string_view key);
  const MetaVec& metadata() const;
  void clear_meta() { meta_.reset(); }
  // Sets key=value on every message of [first, last), sharing one metadata copy between the
  // messages that had the same metadata before.
  static void set_meta_all(Message* first, Message* last, std::string_view key,
                           std::string_view value);

  bool has_error() const { return error_ != nullptr; }
  std::string_view error() const { return error_ ? std::string_view(*error_) : std::string_view(); }
  void set_error(std::string_view e) { error_ = std::make_unique<std::string>(e); }
  void clear_error() { error_.reset(); }

  // A taken slot of a batch (moved out to a plugin) is empty.
  bool empty_slot() const { return taken_; }
  void mark_taken() { taken_ = true; }

  // A position tag for composite processors that run subsets of a batch through child processors
  // and then restore the batch order (`switch`): it travels with the message and its copies, 0
  // when unset. Host-internal: plugins never see it.
  uint64_t order_tag() const { return order_tag_; }
  void set_order_tag(uint64_t t) { order_tag_ = t; }

  Message(const Message& o);
  Message& operator=(const Message& o);
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  ~Message() = default;

  // Approximate bytes held (for byte-size batching and memory bounds).
  size_t byte_size() const { return size_; }

private:
  std::shared_ptr<const void> owner_;
  const char* data_ = "";
  size_t size_ = 0;
  MetaVec& meta_mut();
  std::shared_ptr<const MetaVec> meta_; // null when empty
  std::unique_ptr<std::string> error_;
  mutable std::shared_ptr<const boost::json::value> structured_;
  uint64_t order_tag_ = 0;
  bool taken_ = false;
};

struct Batch {
  std::vector<Message> messages;

  size_t size() const { return messages.size(); }
  bool empty() const { return messages.empty(); }
  size_t byte_size() const;
  // Removes taken slots.
  void compact();
};

} // namespace plugctl::core
