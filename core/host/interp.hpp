// Interpolated config strings: literal text with `${! expr }` parts, each a Bloblang query
// evaluated per message (`${! @kafka_key }`, `${! json("id") }`). `$${!` is a literal `${!`.
#pragma once

#include "message/message.hpp"

#include <memory>
#include <plugctl/plugctl.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugctl::bloblang {
class Query;
}

namespace plugctl::core {

// A bad interpolated string, with the byte offset of the problem.
class InterpolationError : public std::invalid_argument {
public:
  InterpolationError(size_t offset, const std::string& what)
      : std::invalid_argument(what), offset_(offset) {}
  size_t offset() const { return offset_; }

private:
  size_t offset_;
};

class Interpolation {
public:
  // Throws InterpolationError.
  static std::unique_ptr<Interpolation> compile(std::string_view text);

  bool is_static() const { return expressions_ == 0; }
  // Evaluates for message `index` of `batch` into `out`. Throws std::runtime_error.
  void eval(const Batch& batch, size_t index, std::string& out) const;

private:
  struct Part {
    std::string text;                             // literal text
    std::shared_ptr<const bloblang::Query> query; // or an expression
  };
  std::vector<Part> parts_;
  size_t expressions_ = 0;
};

} // namespace plugctl::core

struct plugctl_interp {
  std::unique_ptr<plugctl::core::Interpolation> impl;
};
