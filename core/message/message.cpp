#include "message/message.hpp"

#include <algorithm>

namespace plugctl::core {

void Message::set_payload(std::string_view p) {
  set_payload(std::string(p));
}

void Message::set_payload(std::string&& p) {
  structured_.reset();
  auto s = std::make_shared<std::string>(std::move(p));
  data_ = s->data();
  size_ = s->size();
  owner_ = std::move(s);
}

namespace {
void put(Message::MetaVec& v, std::string_view key, std::string_view value) {
  for (auto& [k, val] : v) {
    if (k == key) {
      val.assign(value);
      return;
    }
  }
  v.emplace_back(std::string(key), std::string(value));
}
} // namespace

const Message::MetaVec& Message::metadata() const {
  static const MetaVec kEmpty;
  return meta_ ? *meta_ : kEmpty;
}

Message::MetaVec& Message::meta_mut() {
  if (!meta_)
    meta_ = std::make_shared<MetaVec>();
  else if (meta_.use_count() > 1)
    meta_ = std::make_shared<MetaVec>(*meta_);
  return const_cast<MetaVec&>(*meta_); // sole owner now
}

const std::string* Message::meta(std::string_view key) const {
  if (!meta_) return nullptr;
  for (const auto& [k, v] : *meta_)
    if (k == key) return &v;
  return nullptr;
}

void Message::set_meta(std::string_view key, std::string_view value) {
  put(meta_mut(), key, value);
}

bool Message::delete_meta(std::string_view key) {
  if (meta(key) == nullptr) return false;
  auto& v = meta_mut();
  v.erase(std::find_if(v.begin(), v.end(), [&](const auto& kv) { return kv.first == key; }));
  return true;
}

void Message::set_meta_all(Message* first, Message* last, std::string_view key,
                           std::string_view value) {
  std::shared_ptr<const MetaVec> before;
  std::shared_ptr<const MetaVec> after;
  bool have = false;
  for (Message* m = first; m != last; ++m) {
    if (m->empty_slot()) continue;
    if (!have || m->meta_ != before) {
      before = m->meta_;
      auto v = before ? std::make_shared<MetaVec>(*before) : std::make_shared<MetaVec>();
      put(*v, key, value);
      after = std::move(v);
      have = true;
    }
    m->meta_ = after;
  }
}

Message::Message(const Message& o)
    : owner_(o.owner_), data_(o.data_), size_(o.size_), meta_(o.meta_),
      error_(o.error_ ? std::make_unique<std::string>(*o.error_) : nullptr),
      structured_(o.structured_), order_tag_(o.order_tag_), taken_(o.taken_) {}

Message& Message::operator=(const Message& o) {
  if (this != &o) {
    owner_ = o.owner_;
    data_ = o.data_;
    size_ = o.size_;
    meta_ = o.meta_;
    error_ = o.error_ ? std::make_unique<std::string>(*o.error_) : nullptr;
    structured_ = o.structured_;
    order_tag_ = o.order_tag_;
    taken_ = o.taken_;
  }
  return *this;
}

size_t Batch::byte_size() const {
  size_t n = 0;
  for (const auto& m : messages)
    n += m.byte_size();
  return n;
}

void Batch::compact() {
  messages.erase(std::remove_if(messages.begin(), messages.end(),
                                [](const Message& m) { return m.empty_slot(); }),
                 messages.end());
}

} // namespace plugctl::core
