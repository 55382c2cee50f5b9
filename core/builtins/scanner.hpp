// Splitting a byte stream into messages for stdin: read big chunks, cut them at the delimiter
// and hand out zero-copy views sharing the chunk.
#pragma once

#include <cstring>
#include <plugctl/sdk.hpp>
#include <string>
#include <string_view>

namespace plugctl::core::builtins {

class LineSplitter {
public:
  LineSplitter(std::string delimiter, size_t max_line)
      : delim_(std::move(delimiter)), max_(max_line) {}

  // Cuts `data` (a chunk owned by `owner`) into messages pushed to `out`. The unterminated tail
  // is copied into carry() for the next chunk. Lines longer than max_line are split into parts
  // that are flagged with an error, never dropped.
  void split(plugctl_shared* owner, std::string_view data, const sdk::Batch& out);
  // The unterminated tail left by the last split (to prepend to the next chunk).
  std::string& carry() { return carry_; }
  // Emits the tail at end of input.
  void flush(const sdk::Batch& out);

private:
  void emit(plugctl_shared* owner, std::string_view line, const sdk::Batch& out);
  std::string delim_;
  size_t max_;
  std::string carry_;
};

} // namespace plugctl::core::builtins
