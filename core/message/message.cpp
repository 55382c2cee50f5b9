#include "message/message.hpp"

#include <algorithm>

namespace plugctl::core {

void Message::set_payload(std::string_view p) { set_payload(std::string(p)); }

void Message::set_payload(std::string&& p) {
  auto s = std::make_shared<std::string>(std::move(p));
  data_ = s->data();
  size_ = s->size();
  owner_ = std::move(s);
}

const std::string* Message::meta(std::string_view key) const {
  for (const auto& [k, v] : meta_)
    if (k == key) return &v;
  return nullptr;
}

void Message::set_meta(std::string_view key, std::string_view value) {
  for (auto& [k, v] : meta_) {
    if (k == key) {
      v.assign(value);
      return;
    }
  }
  meta_.emplace_back(std::string(key), std::string(value));
}

bool Message::delete_meta(std::string_view key) {
  auto it = std::find_if(meta_.begin(), meta_.end(), [&](const auto& kv) { return kv.first == key; });
  if (it == meta_.end()) return false;
  meta_.erase(it);
  return true;
}

Message::Message(const Message& o)
    : owner_(o.owner_), data_(o.data_), size_(o.size_), meta_(o.meta_),
      error_(o.error_ ? std::make_unique<std::string>(*o.error_) : nullptr), taken_(o.taken_) {}

Message& Message::operator=(const Message& o) {
  if (this != &o) {
    owner_ = o.owner_;
    data_ = o.data_;
    size_ = o.size_;
    meta_ = o.meta_;
    error_ = o.error_ ? std::make_unique<std::string>(*o.error_) : nullptr;
    taken_ = o.taken_;
  }
  return *this;
}

size_t Batch::byte_size() const {
  size_t n = 0;
  for (const auto& m : messages) n += m.byte_size();
  return n;
}

void Batch::compact() {
  messages.erase(std::remove_if(messages.begin(), messages.end(),
                                [](const Message& m) { return m.empty_slot(); }),
                 messages.end());
}

}  // namespace plugctl::core
