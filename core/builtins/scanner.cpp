#include "builtins/scanner.hpp"

#include <algorithm>

namespace plugctl::core::builtins {

void LineSplitter::emit(plugctl_shared* owner, std::string_view line, const sdk::Batch& out) {
  if (line.size() <= max_ || max_ == 0) {
    if (owner != nullptr)
      out.push_shared(owner, line);
    else
      out.push(line);
    return;
  }
  size_t parts = (line.size() + max_ - 1) / max_;
  for (size_t i = 0; i < parts; ++i) {
    std::string_view piece = line.substr(i * max_, max_);
    auto m = owner != nullptr ? out.push_shared(owner, piece) : out.push(piece);
    m.set_error("line of " + std::to_string(line.size()) + " bytes exceeds max_buffer_size " +
                std::to_string(max_) + ": split into " + std::to_string(parts) + " parts");
    m.set_meta("scanner_part", std::to_string(i + 1) + "/" + std::to_string(parts));
  }
}

void LineSplitter::split(plugctl_shared* owner, std::string_view data, const sdk::Batch& out) {
  size_t start = 0;
  const char* base = data.data();
  const size_t n = data.size();
  if (delim_.size() == 1) {
    const char d = delim_[0];
    while (start < n) {
      const void* hit = std::memchr(base + start, d, n - start);
      if (hit == nullptr) break;
      size_t end = static_cast<size_t>(static_cast<const char*>(hit) - base);
      emit(owner, data.substr(start, end - start), out);
      start = end + 1;
    }
  } else {
    while (start < n) {
      size_t end = data.find(delim_, start);
      if (end == std::string_view::npos) break;
      emit(owner, data.substr(start, end - start), out);
      start = end + delim_.size();
    }
  }
  carry_.assign(data.substr(start));
  // A tail that can never fit is emitted in parts now rather than buffered without bound.
  if (max_ > 0 && carry_.size() > max_ + delim_.size()) {
    size_t whole = (carry_.size() / max_) * max_;
    if (whole == carry_.size()) whole -= max_;
    std::string_view head(carry_.data(), whole);
    for (size_t i = 0; i < head.size(); i += max_) {
      auto m = out.push(head.substr(i, max_));
      m.set_error("line exceeds max_buffer_size " + std::to_string(max_) + ": split into parts");
    }
    carry_.erase(0, whole);
  }
}

void LineSplitter::flush(const sdk::Batch& out) {
  if (carry_.empty()) return;
  emit(nullptr, carry_, out);
  carry_.clear();
}

} // namespace plugctl::core::builtins
