// Interpolated config strings: literal text with `${! expr }` parts evaluated per message.
#pragma once

#include "message/message.hpp"

#include <memory>
#include <plugctl/plugctl.h>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::core {

class Interpolation {
public:
  // Throws std::invalid_argument with the reason on a bad string.
  static std::unique_ptr<Interpolation> compile(std::string_view text);

  bool is_static() const { return expressions_.empty(); }
  // Evaluates for message `index` of `batch` into `out`. Throws std::runtime_error.
  void eval(const Batch& batch, size_t index, std::string& out) const;

private:
  struct Part {
    bool expression = false;
    std::string text; // literal text, or the expression source
  };
  std::vector<Part> parts_;
  std::vector<size_t> expressions_; // indexes into parts_
};

} // namespace plugctl::core

struct plugctl_interp {
  std::unique_ptr<plugctl::core::Interpolation> impl;
};
