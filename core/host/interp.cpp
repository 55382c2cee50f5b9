#include "host/interp.hpp"

#include <stdexcept>

namespace plugctl::core {

std::unique_ptr<Interpolation> Interpolation::compile(std::string_view text) {
  auto out = std::make_unique<Interpolation>();
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 4, "$${!") == 0) { // escaped: a literal "${!"
      literal += "${!";
      i += 4;
      continue;
    }
    if (text.compare(i, 3, "${!") == 0) {
      size_t end = text.find('}', i + 3);
      if (end == std::string_view::npos)
        throw std::invalid_argument("unterminated interpolation '${!' at offset " +
                                    std::to_string(i));
      if (!literal.empty()) out->parts_.push_back({false, std::move(literal)});
      literal.clear();
      std::string expr(text.substr(i + 3, end - i - 3));
      // Expressions are Bloblang queries; the Bloblang interpreter plugs in here.
      throw std::invalid_argument("interpolation '${!" + expr +
                                  "}' needs Bloblang, which this build does not have yet");
    }
    literal.push_back(text[i]);
    ++i;
  }
  if (!literal.empty()) out->parts_.push_back({false, std::move(literal)});
  return out;
}

void Interpolation::eval(const Batch& /*batch*/, size_t /*index*/, std::string& out) const {
  out.clear();
  for (const auto& p : parts_)
    out += p.text;
}

} // namespace plugctl::core
